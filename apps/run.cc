/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "run.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace semcom::apps {

CLI::Validator finite_in(double lo, double hi, const std::string& unit)
{
    const auto text = [](double v) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%g", v);
        return std::string(buf);
    };
    const std::string range = "[" + text(lo) + ", " + text(hi) + "]" + (unit.empty() ? "" : " " + unit);
    return CLI::Validator(
        [lo, hi, range](std::string& value) -> std::string {
            double v;
            std::size_t used = 0;
            try {
                v = std::stod(value, &used);
            } catch (const std::exception&) {
                used = 0; // not a number, or beyond double's range
            }
            if (used == 0 || used != value.size() || !std::isfinite(v) || v < lo || v > hi)
                return "'" + value + "' is not a finite number in " + range;
            return "";
        },
        "FINITE in " + range);
}

void check_writable(const std::string& option, const std::string& path)
{
    if (path.empty())
        return;
    // opened to append (nothing truncated, nothing written); a file made for the check goes again
    std::error_code ec;
    const bool existed = std::filesystem::exists(path, ec);
    {
        std::ofstream f(path, std::ios::app);
        if (!f)
            throw std::runtime_error(option + ": cannot write '" + path + "'");
    }
    if (!existed)
        std::filesystem::remove(path, ec);
}

void check_writable_dir(const std::string& option, const std::string& dir)
{
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec || !std::filesystem::is_directory(dir))
        throw std::runtime_error(option + ": cannot create the folder '" + dir + "'" +
                                 (ec ? ": " + ec.message() : std::string()));
    const auto probe = std::filesystem::path(dir) / ".semcom-write-test";
    {
        std::ofstream f(probe);
        if (f)
            f << "x";
        f.flush();
        if (!f)
            throw std::runtime_error(option + ": cannot write in the folder '" + dir + "'");
    }
    std::filesystem::remove(probe, ec);
}

std::string shell_quote(const std::string& text)
{
    std::string out = "'";
    for (const char c : text)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

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
    f.flush();
    if (!f)
        throw std::runtime_error("--json: writing '" + path + "' failed (disk full?)");
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
    // The waiter wakes the loop below the moment the flowgraph ends: the loop's 100 ms ticks (for
    // the rules) must not add up to 100 ms to every run (a 1000-image simulation lasts 0.3 s).
    std::mutex mutex;
    std::condition_variable ended;
    bool finished = false;
    std::thread waiter([&] {
        tb->wait();
        {
            std::lock_guard<std::mutex> lock(mutex);
            finished = true;
        }
        ended.notify_all();
    });
    const auto t0 = clock::now();
    auto last_change = t0, last_progress = t0;
    bool seen_any = false;
    std::uint64_t last_activity = 0;
    RunEnd end = RunEnd::finished;
    for (;;) {
        {
            std::unique_lock<std::mutex> lock(mutex);
            if (ended.wait_for(lock, std::chrono::milliseconds(100), [&] { return finished; }))
                break;
        }
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
            if (rule.before_stop)
                rule.before_stop(end);
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
