/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "run.h"

#include <atomic>
#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace semcom::apps {

long run_until_idle(gr::top_block& tb, const std::function<long()>& progress, const std::function<bool()>& done,
                    double idle_s)
{
    tb.start();
    std::atomic<bool> finished{ false };
    std::thread waiter([&] {
        tb.wait();
        finished = true;
    });
    long last = -1;
    auto last_change = std::chrono::steady_clock::now();
    while (!finished) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        const long now = progress();
        if (done()) {
            tb.stop();
            break;
        }
        if (now != last) {
            last = now;
            last_change = std::chrono::steady_clock::now();
        } else if (std::chrono::duration<double>(std::chrono::steady_clock::now() - last_change).count() > idle_s) {
            tb.stop();
            break;
        }
    }
    waiter.join();
    return progress();
}

void write_json_file(const std::string& path, const nlohmann::json& j)
{
    std::ofstream f(path);
    if (!f)
        throw std::runtime_error("--json: cannot write '" + path + "'");
    f << j.dump(2) << "\n";
}

} // namespace semcom::apps
