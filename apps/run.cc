/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "run.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace semcom::apps {

std::vector<std::string> split_list(const std::string& text, char separator)
{
    std::vector<std::string> out;
    if (text.empty())
        return out;
    std::size_t from = 0;
    for (;;) {
        const auto at = text.find(separator, from);
        out.push_back(text.substr(from, at == std::string::npos ? std::string::npos : at - from));
        if (at == std::string::npos)
            return out;
        from = at + 1;
    }
}

#ifdef SEMCOM_HAVE_JSON
void write_json_file(const std::string& path, const nlohmann::json& j)
{
    std::ofstream f(path);
    if (!f)
        throw std::runtime_error("--json: cannot write '" + path + "'");
    f << j.dump(2) << "\n";
}
#endif

#ifdef SEMCOM_HAVE_GNURADIO
namespace {

std::atomic<bool> g_interrupted{ false };
extern "C" void semcom_run_on_sigint(int) { g_interrupted = true; }

double seconds_between(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b)
{
    return std::chrono::duration<double>(b - a).count();
}

} // namespace

RunEnd run_until_idle(const gr::top_block_sptr& tb, const StopRule& rule)
{
    using clock = std::chrono::steady_clock;
    g_interrupted = false;
    auto previous = std::signal(SIGINT, semcom_run_on_sigint);
    tb->start();
    std::atomic<bool> finished{ false };
    std::thread waiter([&] {
        tb->wait();
        finished = true;
    });
    const auto t0 = clock::now();
    auto last_change = t0, last_progress = t0;
    bool seen_any = false;
    std::uint64_t last_activity = 0;
    RunEnd end = RunEnd::finished;
    while (!finished) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        const auto now = clock::now();
        if (g_interrupted)
            end = RunEnd::interrupted;
        else if (rule.done && rule.done())
            end = RunEnd::done;
        else if (rule.max_s > 0 && seconds_between(t0, now) > rule.max_s)
            end = RunEnd::time_limit;
        if (end == RunEnd::finished && rule.activity) {
            const std::uint64_t a = rule.activity();
            if (a != last_activity) {
                last_activity = a;
                last_change = now;
                seen_any = true;
            } else if ((seen_any || !rule.wait_for_first) && seconds_between(last_change, now) > rule.idle_s) {
                end = RunEnd::idle;
            }
        }
        if (end != RunEnd::finished) {
            tb->stop();
            break;
        }
        if (rule.progress && seconds_between(last_progress, now) > rule.progress_s) {
            last_progress = now;
            rule.progress();
        }
    }
    waiter.join();
    std::signal(SIGINT, previous);
    return end;
}
#endif

} // namespace semcom::apps
