/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gnuradio/semcom/block_errors.h>

#include <mutex>

namespace gr {
namespace semcom {
namespace {

std::mutex g_mutex;
std::vector<std::string> g_errors;

} // namespace

void record_block_error(const std::string& block, const std::string& what)
{
    std::lock_guard<std::mutex> l(g_mutex);
    g_errors.push_back(block + ": " + what.substr(0, what.find('\n')));
}

std::vector<std::string> block_errors()
{
    std::lock_guard<std::mutex> l(g_mutex);
    return g_errors;
}

void clear_block_errors()
{
    std::lock_guard<std::mutex> l(g_mutex);
    g_errors.clear();
}

} // namespace semcom
} // namespace gr
