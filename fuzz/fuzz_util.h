/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Helpers shared by the fuzz targets (scripts/fuzz.sh): the file readers are fuzzed through real
 * files, written to a per-process folder on a RAM disk where there is one.
 */
#ifndef SEMCOM_FUZZ_UTIL_H
#define SEMCOM_FUZZ_UTIL_H

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace semcom_fuzz {

//! A folder of this process's own, made once and removed at exit.
inline const std::string& scratch_dir()
{
    static const std::string dir = [] {
        namespace fs = std::filesystem;
        const fs::path base = fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
        const auto d = base / ("semcom-fuzz-" + std::to_string(::getpid()));
        fs::create_directories(d);
        static const std::string keep = d.string();
        std::atexit([] { std::error_code ec; std::filesystem::remove_all(keep, ec); });
        return d.string();
    }();
    return dir;
}

inline std::string write_file(const std::string& name, const std::uint8_t* data, std::size_t size)
{
    const std::string path = scratch_dir() + "/" + name;
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data), std::streamsize(size));
    if (!f)
        std::abort();
    return path;
}

/*!
 * An error must be one line that names the file it is about (what the apps print before they exit
 * non-zero): anything else is a finding.
 */
inline void check_message(const std::string& what, const std::string& must_name)
{
    if (what.empty() || what.find('\n') != std::string::npos ||
        (!must_name.empty() && what.find(must_name) == std::string::npos)) {
        std::fprintf(stderr, "fuzz: bad error message (must be one line naming '%s'): %s\n", must_name.c_str(),
                     what.c_str());
        std::abort();
    }
}

} // namespace semcom_fuzz

#endif
