/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The command lines of `semcom tx` and `semcom rx`, and the dispatch to their programs.
 */
#include "usrp.h"

#include "rx.h"
#include "tx.h"

#include "../run.h"

#include <cstdlib>

namespace semcom::apps {

namespace {

void add_radio_options(CLI::App* cmd, UsrpOptions& o, bool is_tx)
{
    cmd->add_option("--profile", o.profile,
                    "USRP profile: hardware/profiles/NAME.yaml or NAME (b210, n210, x310): device args, "
                    "rate, frequency, gain, antenna, clock and time source; the options below override it");
    o.args_option = cmd->add_option("--args", o.args, "UHD device args, e.g. type=b200,serial=3185xxx");
    // (the options left out take the profile's value; a value given must be a finite number: NaN
    // must not pass for "not given", nor infinity for a setting)
    cmd->add_option("--rate", o.rate, "Sample rate (samples/s); symbol rate = rate / sps (default 400e3)")
        ->check(finite_in(1e3, 1e10, "samples/s"));
    cmd->add_option("--freq", o.freq, "Centre frequency (Hz), e.g. 2.45e9")->check(finite_in(1, 1e12, "Hz"));
    cmd->add_option("--gain", o.gain, is_tx ? "TX gain (dB)" : "RX gain (dB)")->check(finite_in(-200, 200, "dB"));
    cmd->add_option("--antenna", o.antenna, is_tx ? "TX antenna, e.g. TX/RX" : "RX antenna, e.g. RX2");
    cmd->add_option("--clock-source", o.clock_source, "10 MHz reference: internal, external, gpsdo or mimo")
        ->check(CLI::IsMember({ "internal", "external", "gpsdo", "mimo" }));
    cmd->add_option("--time-source", o.time_source,
                    "PPS: internal, external, gpsdo or mimo (not internal: the device time is set to the "
                    "host's UNIX time at the next PPS)")
        ->check(CLI::IsMember({ "internal", "external", "gpsdo", "mimo" }));
    cmd->add_option("--file", o.file,
                    is_tx ? "Write the burst samples (complex float32) to this file instead of a USRP"
                          : "Read samples (complex float32) from this file instead of a USRP");
}

void add_burst_and_payload_options(CLI::App* cmd, UsrpOptions& o, bool is_tx)
{
    cmd->add_option("--sps", o.sps, "Samples per symbol (the burst PHY's 2..16)")
        ->check(CLI::Range(2, 16))
        ->capture_default_str();
    cmd->add_option("--rolloff", o.rolloff, "Root-raised-cosine roll-off (same at tx and rx)")
        ->check(finite_in(0.05, 1.0))
        ->capture_default_str();
    cmd->add_option("--pilots", o.pilots, "Pilot symbols per burst (same at tx and rx)")
        ->check(CLI::Range(2, 1024))
        ->capture_default_str();
    cmd->add_option("--spreading", o.spreading,
                    "Preamble, header and pilots 1, 2, 4, 8 or 16 times longer, for receivers below 5 dB "
                    "(same at tx and rx; 16 serves -9 dB, docs/frame-format.md)")
        ->check(CLI::IsMember({ 1, 2, 4, 8, 16 }))
        ->capture_default_str();
    if (is_tx)
        cmd->add_option("--images-per-burst", o.images_per_burst,
                        "Images in one burst (one preamble, header and pilots for all)")
            ->check(CLI::Range(1, 255))
            ->capture_default_str();
    cmd->add_option("--scheme", o.scheme, "deepscm, cm or mijscc (the shipped models)")->capture_default_str();
    cmd->add_option("--models", o.models, "Model prefix instead of --scheme (PREFIX_encoder.json, PREFIX_rxK.json)");
    cmd->add_option("--images", o.images,
                    is_tx ? "Test images to send" : "Images the transmitter sends (the receiver stops after them)")
        ->check(CLI::Range(1, 10000))
        ->capture_default_str();
    cmd->add_option("--seed", o.seed, "0: the test set in order; else shuffled with this seed (same at tx and rx)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cmd->add_option("--device", o.device, "Neural network device: auto, cpu, cuda or cuda:N")->capture_default_str();
    cmd->add_option("--start-delay", o.start_delay,
                    is_tx ? "Seconds: the first burst leaves at device time now + this (tx_time)"
                          : "Seconds: start streaming at device time now + this (0: now)")
        ->check(finite_in(0, 86400, "s"))
        ->capture_default_str();
    cmd->add_option("--json", o.json, "Also write the results as JSON to this file");
    cmd->add_flag("--quiet", o.quiet, "Only the results");
}

void add_tx_options(CLI::App* cmd, UsrpOptions& o)
{
    cmd->add_option("--gap", o.gap, "Zero samples after each burst")->check(CLI::Range(0, 1000000))->capture_default_str();
    cmd->add_option("--amplitude", o.amplitude,
                    "Symbol amplitude (full scale 1; default 0.25 * sqrt(sps): RMS sample magnitude 0.25)")
        ->check(finite_in(1e-6, 16));
}

void add_rx_options(CLI::App* cmd, UsrpOptions& o)
{
    cmd->add_option("--receiver", o.receiver, "Whose decoder: 1 = Rx1 (weak, coarse task), 2 = Rx2 (strong, fine)")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cmd->add_option("--threshold", o.threshold, "Burst detection threshold (Schmidl-Cox metric)")
        ->check(finite_in(0.05, 0.95))
        ->capture_default_str();
    cmd->add_option("--duration", o.duration, "Stop after this many seconds (0: when the images are in)")
        ->check(finite_in(0, 1e7, "s"))
        ->capture_default_str();
    cmd->add_option("--idle-timeout", o.idle_timeout, "Stop this many seconds after the last burst")
        ->check(finite_in(0.1, 86400, "s"))
        ->capture_default_str();
    cmd->add_option("--out-dir", o.out_dir, "Folder for the PNG grid (originals above reconstructions)")
        ->capture_default_str();
}

} // namespace

void add_usrp_commands(CLI::App& app, UsrpOptions& tx, UsrpOptions& rx)
{
    tx.role = "tx";
    rx.role = "rx";
    tx.start_delay = 1.0;
    rx.start_delay = 0.0;
    auto* t = app.add_subcommand(
        "tx",
        "Over the air, transmitter: encode test images and broadcast them as timed bursts "
        "(tx_sob/tx_eob) from a USRP; prints UHD underflow counts");
    auto* r = app.add_subcommand(
        "rx",
        "Over the air, one receiver: detect the bursts on a USRP, decode with this receiver's model; "
        "prints accuracy, PSNR, SSIM, the measured SNR and UHD overflow counts");
    for (const auto& [cmd, o] : { std::make_pair(t, &tx), std::make_pair(r, &rx) }) {
        const bool is_tx = o->role == "tx";
        add_radio_options(cmd, *o, is_tx);
        add_burst_and_payload_options(cmd, *o, is_tx);
        if (is_tx)
            add_tx_options(cmd, *o);
        else
            add_rx_options(cmd, *o);
    }
}

int run_usrp(const UsrpOptions& o)
{
    // UHD's console log (its banner, probing messages) would break the one-line error of a
    // missing USRP: off until a device answers (find_usrp), unless the user asked for a level.
    // Set before UHD's logger first starts, which reads it.
    set_uhd_log_from_user(std::getenv("UHD_LOG_CONSOLE_LEVEL") != nullptr);
    if (!uhd_log_from_user())
        setenv("UHD_LOG_CONSOLE_LEVEL", "off", 1);
    if (o.role == "tx") {
        TxProgram tx(o);
        return tx.run();
    }
    RxProgram rx(o);
    return rx.run();
}

} // namespace semcom::apps
