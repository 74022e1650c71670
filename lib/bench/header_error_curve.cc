/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// The burst header's error rate against SNR, for each spreading factor, through CFO, fractional
// timing and two-path multipath (the channel of lib/tests/test_waveform.cc). A burst counts as
// received when its header decoded right; lost otherwise (not detected, or a header error).
//
//   semcom-header-curve [--bursts N] [--spreading R] [--csv FILE]
#include "../tests/burst_capture.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

using namespace semcom;
using namespace semcom::testing_support;

int main(int argc, char** argv)
{
    int bursts = 400;
    std::vector<unsigned> spreadings{ 1, 4, 8, 16 };
    std::string csv;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--help" || a == "-h") {
            std::printf("usage: semcom-header-curve [--bursts N] [--spreading R] [--csv FILE]\n"
                        "Header error rate of the burst PHY against SNR for spreading 1, 4, 8 and 16\n"
                        "(docs/frame-format.md): N bursts per point (default 400) through a CFO of\n"
                        "0.002 cycles per chip, a 0.6-sample delay and two-path multipath.\n");
            return 0;
        }
        if (a == "--bursts" && i + 1 < argc) {
            char* end = nullptr;
            const long v = std::strtol(argv[++i], &end, 10);
            if (*end || v < 10 || v > 100000) {
                std::fprintf(stderr, "semcom-header-curve: --bursts must be 10..100000, got '%s'\n", argv[i]);
                return 2;
            }
            bursts = int(v);
        } else if (a == "--spreading" && i + 1 < argc) {
            const std::string v = argv[++i];
            if (v != "1" && v != "2" && v != "4" && v != "8" && v != "16") {
                std::fprintf(stderr, "semcom-header-curve: --spreading must be 1, 2, 4, 8 or 16, got '%s'\n", v.c_str());
                return 2;
            }
            spreadings = { unsigned(std::stoul(v)) };
        } else if (a == "--csv" && i + 1 < argc) {
            csv = argv[++i];
        } else {
            std::fprintf(stderr, "semcom-header-curve: unknown argument '%s' (--help)\n", a.c_str());
            return 2;
        }
    }
    std::ofstream out;
    if (!csv.empty()) {
        out.open(csv);
        if (!out) {
            std::fprintf(stderr, "semcom-header-curve: cannot write %s\n", csv.c_str());
            return 1;
        }
        out << "spreading,snr_db,bursts,headers_right,header_error_rate,detected,header_errors\n";
    }
    std::printf("spreading  SNR dB  headers right  header error rate\n");
    for (const unsigned R : spreadings) {
        const double gain_db = 10.0 * std::log10(double(R));
        for (double snr = 5.0 - gain_db; snr >= -5.0 - gain_db - 1e-9; snr -= 1.0) {
            WaveformConfig cfg;
            cfg.spreading = R;
            Impairments imp;
            imp.snr_db = float(snr);
            imp.cfo = 0.002f;
            imp.delay = 0.6f;
            imp.multipath = { { 0.95f, 0.0f }, { 0.0f, 0.0f }, { 0.0f, 0.0f }, { 0.2f, 0.25f } };
            imp.payload = 128;
            const auto c = capture(cfg, bursts, imp, 1000u + R * 100u + unsigned(snr + 50.0));
            WaveformReceiver rx(cfg);
            std::size_t right = 0;
            for (std::size_t i = 0; i < c.samples.size(); i += 65536)
                for (const auto& f : rx.push(c.samples.data() + i, std::min<std::size_t>(65536, c.samples.size() - i)))
                    right += f.header.sequence < c.bursts.size() && f.header == c.bursts[f.header.sequence].header;
            const double her = 1.0 - double(right) / double(bursts);
            std::printf("%9u  %6.1f  %6zu / %-5d  %.4f   (%llu detected, %llu header errors)\n", R, snr, right, bursts,
                        her, (unsigned long long)rx.counters().detected, (unsigned long long)rx.counters().header_errors);
            std::fflush(stdout);
            if (out)
                out << R << ',' << snr << ',' << bursts << ',' << right << ',' << her << ','
                    << rx.counters().detected << ',' << rx.counters().header_errors << '\n';
        }
    }
    if (out && !out.flush()) {
        std::fprintf(stderr, "semcom-header-curve: writing %s failed\n", csv.c_str());
        return 1;
    }
    return 0;
}
