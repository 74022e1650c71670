/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * semcom tx / semcom rx: the semantic broadcast over USRPs.
 *   tx: image_source -> semantic_encoder -> superposition_mapper | quantized_mapper
 *       -> burst_transmitter (tx_sob/tx_eob bursts, the first one timed) -> UHD usrp_sink
 *   rx: UHD usrp_source -> burst_receiver -> [quantized_demapper -> vector_to_stream]
 *       -> neural_decoder -> metrics_sink (originals from the same image_source, matched by
 *       sequence number) and an image_sink grid
 * Radio settings come from a profile in hardware/profiles (explicit options override it). Without
 * a USRP the programs say so in one line and exit 1; --file runs the same chains through a file of
 * samples instead of a radio.
 */
#include "usrp.h"

#include "flowgraph_common.h"

#include <gnuradio/blocks/file_sink.h>
#include <gnuradio/blocks/file_source.h>
#include <gnuradio/blocks/vector_to_stream.h>
#include <gnuradio/io_signature.h>
#include <gnuradio/semcom/burst_receiver.h>
#include <gnuradio/semcom/burst_transmitter.h>
#include <gnuradio/semcom/image_sink.h>
#include <gnuradio/semcom/image_source.h>
#include <gnuradio/semcom/metrics_sink.h>
#include <gnuradio/semcom/quantized_demapper.h>
#include <gnuradio/semcom/quantized_mapper.h>
#include <gnuradio/semcom/semantic_encoder.h>
#include <gnuradio/semcom/superposition_mapper.h>
#include <gnuradio/sync_block.h>
#include <gnuradio/top_block.h>
#include <gnuradio/uhd/usrp_sink.h>
#include <gnuradio/uhd/usrp_source.h>
#include <nlohmann/json.hpp>
#include <semcom/neural/manifest.h>
#include <uhd/device.hpp>
#include <uhd/types/device_addr.hpp>
#include <uhd/utils/log.hpp>
#include <yaml.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace semcom::apps {

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
    for (const auto& pair : { std::make_pair(t, &tx), std::make_pair(r, &rx) }) {
        auto* cmd = pair.first;
        UsrpOptions& o = *pair.second;
        const bool is_tx = o.role == "tx";
        cmd->add_option("--profile", o.profile,
                        "USRP profile: hardware/profiles/NAME.yaml or NAME (b210, n210, x310): device args, "
                        "rate, frequency, gain, antenna, clock and time source; the options below override it");
        o.args_option = cmd->add_option("--args", o.args, "UHD device args, e.g. type=b200,serial=3185xxx");
        cmd->add_option("--rate", o.rate, "Sample rate (samples/s); symbol rate = rate / sps (default 400e3)");
        cmd->add_option("--freq", o.freq, "Centre frequency (Hz), e.g. 2.45e9");
        cmd->add_option("--gain", o.gain, is_tx ? "TX gain (dB)" : "RX gain (dB)");
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
        cmd->add_option("--sps", o.sps, "Samples per symbol")->check(CLI::Range(2, 64))->capture_default_str();
        cmd->add_option("--rolloff", o.rolloff, "Root-raised-cosine roll-off (same at tx and rx)")
            ->check(CLI::Range(0.05, 1.0))
            ->capture_default_str();
        cmd->add_option("--pilots", o.pilots, "Pilot symbols per burst (same at tx and rx)")
            ->check(CLI::Range(2, 1024))
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
            ->check(CLI::NonNegativeNumber)
            ->capture_default_str();
        cmd->add_option("--json", o.json, "Also write the results as JSON to this file");
        cmd->add_flag("--quiet", o.quiet, "Only the results");
        if (is_tx) {
            cmd->add_option("--gap", o.gap, "Zero samples after each burst")->check(CLI::Range(0, 1000000))->capture_default_str();
            cmd->add_option("--amplitude", o.amplitude,
                            "Symbol amplitude (full scale 1; default 0.25 * sqrt(sps): RMS sample magnitude 0.25)");
        } else {
            cmd->add_option("--receiver", o.receiver, "Whose decoder: 1 = Rx1 (weak, coarse task), 2 = Rx2 (strong, fine)")
                ->check(CLI::PositiveNumber)
                ->capture_default_str();
            cmd->add_option("--threshold", o.threshold, "Burst detection threshold (Schmidl-Cox metric)")
                ->check(CLI::Range(0.05, 0.95))
                ->capture_default_str();
            cmd->add_option("--duration", o.duration, "Stop after this many seconds (0: when the images are in)")
                ->check(CLI::NonNegativeNumber)
                ->capture_default_str();
            cmd->add_option("--idle-timeout", o.idle_timeout, "Stop this many seconds after the last burst")
                ->check(CLI::PositiveNumber)
                ->capture_default_str();
            cmd->add_option("--out-dir", o.out_dir, "Folder for the PNG grid (originals above reconstructions)")
                ->capture_default_str();
        }
    }
}

namespace {

namespace gs = gr::semcom;
namespace fs = std::filesystem;

std::string first_line(const std::string& s)
{
    const auto p = s.find('\n');
    return p == std::string::npos ? s : s.substr(0, p);
}

std::string num(double v)
{
    std::ostringstream s;
    s << v;
    return s.str();
}

// ---------------------------------------------------------------- profiles

// A profile is a flat YAML mapping of these keys (hardware/profiles/*.yaml).
const std::set<std::string> profile_keys = { "device",      "args",         "master_clock_rate", "sample_rate",
                                             "center_freq", "tx_gain",      "rx_gain",           "tx_antenna",
                                             "rx_antenna",  "clock_source", "time_source",       "otw_format",
                                             "max_rx_input_dbm" };

struct Profile {
    std::string path;
    std::map<std::string, std::string> values;

    bool has(const std::string& k) const { return values.count(k) != 0; }
    const std::string& text(const std::string& k) const { return values.at(k); }
    double number(const std::string& k) const
    {
        const std::string& v = values.at(k);
        char* end = nullptr;
        const double d = std::strtod(v.c_str(), &end);
        if (v.empty() || *end != '\0' || !std::isfinite(d))
            throw std::invalid_argument("--profile '" + path + "': " + k + " = '" + v + "' is not a number");
        return d;
    }
};

Profile load_profile(const std::string& given)
{
    Profile p;
    p.path = given;
    if (!fs::exists(p.path) && given.find('/') == std::string::npos && given.find('.') == std::string::npos &&
        fs::exists("hardware/profiles/" + given + ".yaml"))
        p.path = "hardware/profiles/" + given + ".yaml";
    if (!fs::is_regular_file(p.path))
        throw std::invalid_argument("--profile '" + given +
                                    "': no such file (the shipped ones: hardware/profiles/b210.yaml, n210.yaml, "
                                    "x310.yaml, or just b210, n210, x310)");
    std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(p.path.c_str(), "rb"), &std::fclose);
    if (!f)
        throw std::runtime_error("--profile '" + p.path + "': cannot read it");
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    std::unique_ptr<yaml_parser_t, void (*)(yaml_parser_t*)> guard(&parser, &yaml_parser_delete);
    yaml_parser_set_input_file(&parser, f.get());
    const std::string where = "--profile '" + p.path + "'";
    int depth = 0;
    bool mapping = false;
    std::string key;
    bool have_key = false;
    for (bool done = false; !done;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev))
            throw std::invalid_argument(where + ", line " + std::to_string(parser.problem_mark.line + 1) +
                                        ": not valid YAML (" + (parser.problem ? parser.problem : "?") + ")");
        const auto type = ev.type;
        const std::size_t line = ev.start_mark.line + 1;
        std::string scalar;
        if (type == YAML_SCALAR_EVENT)
            scalar.assign(reinterpret_cast<const char*>(ev.data.scalar.value), ev.data.scalar.length);
        yaml_event_delete(&ev);
        const std::string at = where + ", line " + std::to_string(line) + ": ";
        switch (type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_MAPPING_START_EVENT:
            if (depth++ > 0)
                throw std::invalid_argument(at + "'" + key + "' must be a plain value (the profile is flat key: value)");
            mapping = true;
            break;
        case YAML_MAPPING_END_EVENT:
            --depth;
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_ALIAS_EVENT:
            throw std::invalid_argument(at + (have_key ? "'" + key + "' must be a plain value" : "expected key: value") +
                                        " (the profile is flat key: value)");
        case YAML_SCALAR_EVENT:
            if (depth != 1)
                throw std::invalid_argument(at + "expected key: value pairs");
            if (!have_key) {
                if (!profile_keys.count(scalar)) {
                    std::string known;
                    for (const auto& k : profile_keys)
                        known += (known.empty() ? "" : ", ") + k;
                    throw std::invalid_argument(at + "unknown field '" + scalar + "' (known: " + known + ")");
                }
                if (p.has(scalar))
                    throw std::invalid_argument(at + "'" + scalar + "' given twice");
                key = scalar;
                have_key = true;
            } else {
                p.values[key] = scalar;
                have_key = false;
            }
            break;
        default:
            break;
        }
    }
    if (!mapping || p.values.empty())
        throw std::invalid_argument(where + ": empty, expected key: value pairs like hardware/profiles/b210.yaml");
    for (const char* k : { "sample_rate", "center_freq", "tx_gain", "rx_gain", "master_clock_rate", "max_rx_input_dbm" })
        if (p.has(k))
            p.number(k);
    for (const char* k : { "clock_source", "time_source" })
        if (p.has(k) && !std::set<std::string>{ "internal", "external", "gpsdo", "mimo" }.count(p.text(k)))
            throw std::invalid_argument(where + ": " + k + " = '" + p.text(k) +
                                        "' (internal, external, gpsdo or mimo)");
    return p;
}

// ---------------------------------------------------------------- settings

struct Radio {
    std::string args; //!< as searched for (user's or profile's)
    std::string make_args; //!< args + master_clock_rate where the device takes one
    std::string device_kind; //!< the profile's device, or empty
    double rate = 400e3, freq = NAN, gain = NAN, master_clock_rate = 0.0, max_rx_input_dbm = NAN;
    std::string antenna, clock_source, time_source, otw = "sc16";
};

Radio resolve_radio(const UsrpOptions& o)
{
    Radio r;
    std::unique_ptr<Profile> p;
    if (!o.profile.empty())
        p = std::make_unique<Profile>(load_profile(o.profile));
    const bool tx = o.role == "tx";
    auto from = [&](const char* key) { return p && p->has(key); };
    if (o.args_option && o.args_option->count())
        r.args = o.args;
    else if (from("args"))
        r.args = p->text("args");
    if (from("device"))
        r.device_kind = p->text("device");
    r.rate = !std::isnan(o.rate) ? o.rate : from("sample_rate") ? p->number("sample_rate") : 400e3;
    r.freq = !std::isnan(o.freq) ? o.freq : from("center_freq") ? p->number("center_freq") : NAN;
    const char* gain_key = tx ? "tx_gain" : "rx_gain";
    r.gain = !std::isnan(o.gain) ? o.gain : from(gain_key) ? p->number(gain_key) : NAN;
    const char* ant_key = tx ? "tx_antenna" : "rx_antenna";
    r.antenna = !o.antenna.empty() ? o.antenna : from(ant_key) ? p->text(ant_key) : "";
    r.clock_source = !o.clock_source.empty() ? o.clock_source : from("clock_source") ? p->text("clock_source") : "";
    r.time_source = !o.time_source.empty() ? o.time_source : from("time_source") ? p->text("time_source") : "";
    if (from("otw_format"))
        r.otw = p->text("otw_format");
    if (from("master_clock_rate"))
        r.master_clock_rate = p->number("master_clock_rate");
    if (from("max_rx_input_dbm"))
        r.max_rx_input_dbm = p->number("max_rx_input_dbm");

    if (!(r.rate > 0.0))
        throw std::invalid_argument("--rate " + num(r.rate) + ": must be > 0");
    if (o.file.empty() && std::isnan(r.freq))
        throw std::invalid_argument("no centre frequency: give --freq HZ or --profile hardware/profiles/NAME.yaml");
    if (!std::isnan(r.freq) && !(r.freq > 0.0))
        throw std::invalid_argument("--freq " + num(r.freq) + ": must be > 0");
    if (!(o.sps >= 2))
        throw std::invalid_argument("--sps must be >= 2");
    uhd::device_addr_t addr;
    try {
        addr = uhd::device_addr_t(r.args);
    } catch (const std::exception& e) {
        throw std::invalid_argument("--args '" + r.args + "': not UHD device args (key=value,key=value): " +
                                    first_line(e.what()));
    }
    // B2xx and X3xx take their master clock as a device argument; an N2xx's is fixed at 100 MHz.
    const std::string type = addr.get("type", "");
    if (r.master_clock_rate > 0 && !addr.has_key("master_clock_rate") && type != "usrp2" && r.device_kind != "n210")
        addr["master_clock_rate"] = num(r.master_clock_rate);
    r.make_args = addr.to_string();
    return r;
}

struct Models {
    std::string prefix, encoder_path, decoder_path;
    neural::Manifest encoder, decoder;
    bool quantized = false;
    int n = 0, scheme_code = 0, bits = 8;
    std::vector<std::string> layers;
    std::vector<float> alphas;
};

Models resolve_models(const UsrpOptions& o)
{
    Models m;
    if (o.models.empty() && (o.scheme == "amijscc" || o.scheme == "separate"))
        throw std::invalid_argument("--scheme " + o.scheme + ": not over the air yet (deepscm, cm, mijscc)");
    m.prefix = scheme_model_prefix(o.scheme, o.models);
    m.encoder_path = m.prefix + "_encoder.json";
    if (!fs::exists(m.encoder_path))
        throw std::runtime_error("model not found: '" + m.encoder_path + "' (train and export one, see python/README.md)");
    m.encoder = neural::Manifest::load(m.encoder_path);
    m.quantized = m.encoder.constellations.empty();
    if (m.quantized && (m.encoder.inputs.size() != 1 || m.encoder.outputs.size() != 1))
        throw std::runtime_error("'" + m.encoder_path + "': scheme '" + m.encoder.scheme +
                                 "' needs the receivers' SNR at the encoder (A-MIJSCC): not over the air yet");
    m.scheme_code = frame_scheme_code(m.encoder.scheme);
    if (m.scheme_code == 0)
        throw std::runtime_error("'" + m.encoder_path + "': scheme '" + m.encoder.scheme +
                                 "' has no code in the burst header (docs/frame-format.md)");
    m.n = int(m.encoder.channel_uses);
    for (const auto& c : m.encoder.constellations)
        m.layers.push_back(c.name);
    m.alphas.assign(m.encoder.alphas.begin(), m.encoder.alphas.end());
    if (m.encoder.quantizer)
        m.bits = int(m.encoder.quantizer->bits);
    if (o.role == "rx") {
        m.decoder_path = m.prefix + "_rx" + std::to_string(o.receiver) + ".json";
        if (!fs::exists(m.decoder_path))
            throw std::runtime_error("--receiver " + std::to_string(o.receiver) + ": model not found: '" +
                                     m.decoder_path + "'");
        m.decoder = neural::Manifest::load(m.decoder_path);
        if (m.decoder.channel_uses != m.encoder.channel_uses)
            throw std::runtime_error("'" + m.decoder_path + "' expects " + std::to_string(m.decoder.channel_uses) +
                                     " symbols per image, its encoder sends " + std::to_string(m.n));
    }
    return m;
}

// ---------------------------------------------------------------- UHD

//! One line and false when no USRP answers to args; UHD's own log stays quiet until one does.
bool g_uhd_log_from_user = false;

bool find_usrp(const std::string& role, const Radio& r, std::string& found_name, bool quiet)
{
    if (!g_uhd_log_from_user)
        uhd::log::set_console_level(uhd::log::off);
    uhd::device_addrs_t found;
    try {
        found = uhd::device::find(uhd::device_addr_t(r.args));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "semcom %s: USRP search failed for device args '%s': %s\n", role.c_str(),
                     r.args.c_str(), first_line(e.what()).c_str());
        return false;
    }
    if (found.empty()) {
        std::fprintf(stderr,
                     "semcom %s: no USRP found for device args '%s' (check the cable/network and uhd_find_devices)\n",
                     role.c_str(), r.args.c_str());
        return false;
    }
    if (!g_uhd_log_from_user)
        uhd::log::set_console_level(uhd::log::warning);
    const auto& d = found.front();
    found_name = d.get("product", d.get("type", "USRP"));
    if (d.has_key("serial"))
        found_name += " serial " + d.get("serial");
    if (found.size() > 1 && !quiet)
        std::fprintf(stderr, "semcom %s: %zu USRPs match '%s', using the first (%s); add serial=... to --args\n",
                     role.c_str(), found.size(), r.args.c_str(), found_name.c_str());
    return true;
}

void wait_for_sensor(gr::uhd::usrp_block& u, const std::string& name, const std::string& what)
{
    const auto names = u.get_mboard_sensor_names(0);
    if (std::find(names.begin(), names.end(), name) == names.end())
        return;
    const auto t0 = std::chrono::steady_clock::now();
    while (!u.get_mboard_sensor(name, 0).to_bool()) {
        if (std::chrono::steady_clock::now() - t0 > std::chrono::seconds(3))
            throw std::runtime_error(what);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

//! Rate, frequency, gain, antenna, reference and time on one USRP, each checked against what the
//! device can do (a wrong value is one line, not a UHD warning lost in the output).
void configure(gr::uhd::usrp_block& u, const Radio& r)
{
    if (!r.clock_source.empty()) {
        u.set_clock_source(r.clock_source, 0);
        if (r.clock_source != "internal")
            wait_for_sensor(u, r.clock_source == "mimo" ? "mimo_locked" : "ref_locked",
                            "clock source " + r.clock_source + ": the reference does not lock (check the 10 MHz input)");
    }
    if (!r.time_source.empty())
        u.set_time_source(r.time_source, 0);
    u.set_samp_rate(r.rate);
    const double actual = u.get_samp_rate();
    if (std::abs(actual - r.rate) > 1e-6 * r.rate)
        throw std::invalid_argument("--rate " + num(r.rate) + ": the USRP gives " + num(actual) +
                                    " samples/s (pick a rate its master clock divides by an integer)");
    const auto fr = u.get_freq_range(0);
    if (r.freq < fr.start() || r.freq > fr.stop())
        throw std::invalid_argument("--freq " + num(r.freq) + ": outside this USRP's range " + num(fr.start() / 1e6) +
                                    " - " + num(fr.stop() / 1e6) + " MHz");
    u.set_center_freq(r.freq, 0);
    if (!std::isnan(r.gain)) {
        const auto gr_ = u.get_gain_range(0);
        if (r.gain < gr_.start() || r.gain > gr_.stop())
            throw std::invalid_argument("--gain " + num(r.gain) + ": outside this USRP's range " + num(gr_.start()) +
                                        " - " + num(gr_.stop()) + " dB");
        u.set_gain(r.gain, 0);
    }
    if (!r.antenna.empty()) {
        const auto ants = u.get_antennas(0);
        if (std::find(ants.begin(), ants.end(), r.antenna) == ants.end()) {
            std::string list;
            for (const auto& a : ants)
                list += (list.empty() ? "" : ", ") + a;
            throw std::invalid_argument("--antenna '" + r.antenna + "': this USRP has " + list);
        }
        u.set_antenna(r.antenna, 0);
    }
    if (!r.time_source.empty() && r.time_source != "internal") {
        // Device time = the host's UNIX time from the next PPS edge on (hosts on NTP): USRPs that
        // share a PPS then agree on the time, so timed bursts and timed streams line up.
        const auto last = u.get_time_last_pps(0);
        const auto t0 = std::chrono::steady_clock::now();
        while (u.get_time_last_pps(0) == last) {
            if (std::chrono::steady_clock::now() - t0 > std::chrono::milliseconds(2500))
                throw std::runtime_error("time source " + r.time_source + ": no PPS edge in 2.5 s (check the PPS input)");
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        const double host =
            std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
        u.set_time_next_pps(uhd::time_spec_t(std::floor(host) + 1.0));
        std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    }
}

//! Counts the usrp_sink's asynchronous events (its "async_msgs" port): underflows ('U'), late
//! bursts (time errors, 'L'), sequence errors ('S'), burst acknowledgements.
class async_counter : public gr::block
{
public:
    using sptr = std::shared_ptr<async_counter>;
    async_counter()
        : gr::block("uhd_async_counter", gr::io_signature::make(0, 0, 0), gr::io_signature::make(0, 0, 0))
    {
        message_port_register_in(pmt::mp("in"));
        set_msg_handler(pmt::mp("in"), [this](const pmt::pmt_t& m) { count(m); });
    }
    //! Counts what arrived after the flowgraph stopped (the sink keeps listening while it lives).
    void drain()
    {
        for (pmt::pmt_t m = delete_head_nowait(pmt::mp("in")); m; m = delete_head_nowait(pmt::mp("in")))
            count(m);
    }
    std::atomic<long> underflows{ 0 }, time_errors{ 0 }, seq_errors{ 0 }, acks{ 0 };

private:
    void count(const pmt::pmt_t& msg)
    {
        pmt::pmt_t d = msg;
        if (pmt::is_pair(d) && !pmt::is_dict(d) && pmt::is_symbol(pmt::car(d)))
            d = pmt::cdr(d); // ("uhd_async_msg" . dict)
        if (!pmt::is_dict(d))
            return;
        for (pmt::pmt_t l = pmt::dict_ref(d, pmt::mp("event_code"), pmt::PMT_NIL); pmt::is_pair(l); l = pmt::cdr(l)) {
            const std::string e = pmt::is_symbol(pmt::car(l)) ? pmt::symbol_to_string(pmt::car(l)) : "";
            if (e == "underflow" || e == "underflow_in_packet")
                ++underflows;
            else if (e == "time_error")
                ++time_errors;
            else if (e == "seq_error" || e == "seq_error_in_burst")
                ++seq_errors;
            else if (e == "burst_ack")
                ++acks;
        }
    }
};

//! Counts overflows from the usrp_source's "rx_time" tags: UHD tags the first sample after each
//! overflow with the device time, so every jump of that time past the sample count is one, and
//! the jump is the number of samples lost.
class rx_time_watch : public gr::sync_block
{
public:
    using sptr = std::shared_ptr<rx_time_watch>;
    explicit rx_time_watch(double rate)
        : gr::sync_block("rx_time_watch", gr::io_signature::make(1, 1, sizeof(gr_complex)),
                         gr::io_signature::make(0, 0, 0)),
          d_rate(rate)
    {
    }
    int work(int n, gr_vector_const_void_star&, gr_vector_void_star&) override
    {
        std::vector<gr::tag_t> tags;
        get_tags_in_window(tags, 0, 0, n, pmt::mp("rx_time"));
        for (const auto& t : tags) {
            if (!pmt::is_tuple(t.value) || pmt::length(t.value) < 2)
                continue;
            const double secs = double(pmt::to_uint64(pmt::tuple_ref(t.value, 0))) + pmt::to_double(pmt::tuple_ref(t.value, 1));
            if (d_have) {
                const double lost = (secs - d_time) * d_rate - double(t.offset - d_offset);
                if (lost > 0.5) {
                    ++overflows;
                    samples_lost += std::llround(lost);
                }
            }
            d_have = true;
            d_time = secs;
            d_offset = t.offset;
        }
        samples += n;
        return n;
    }
    std::atomic<long> overflows{ 0 };
    std::atomic<long long> samples_lost{ 0 }, samples{ 0 };

private:
    const double d_rate;
    bool d_have = false;
    double d_time = 0.0;
    std::uint64_t d_offset = 0;
};

//! Pairs each reconstruction with its original by sequence number (lost bursts leave holes), so
//! that the image grid shows originals above the right reconstructions.
class seq_matcher : public gr::block
{
public:
    using sptr = std::shared_ptr<seq_matcher>;
    explicit seq_matcher(int floats)
        : gr::block("seq_matcher", gr::io_signature::make(2, 2, sizeof(float) * floats),
                    gr::io_signature::make(2, 2, sizeof(float) * floats)),
          d_floats(floats)
    {
        set_tag_propagation_policy(TPP_DONT);
    }
    void forecast(int, gr_vector_int& required) override { std::fill(required.begin(), required.end(), 1); }
    int general_work(int noutput_items, gr_vector_int& ninput_items, gr_vector_const_void_star& in,
                     gr_vector_void_star& out) override
    {
        const auto s0 = seqs(0, ninput_items[0]), s1 = seqs(1, ninput_items[1]);
        const auto* orig = static_cast<const float*>(in[0]);
        const auto* recon = static_cast<const float*>(in[1]);
        int i0 = 0, i1 = 0, o = 0;
        while (i1 < ninput_items[1] && o < noutput_items) {
            const long long s = s1[i1];
            while (s >= 0 && i0 < ninput_items[0] && s0[i0] >= 0 && s0[i0] < s)
                ++i0; // an image whose burst never came
            if (i0 == ninput_items[0])
                break;
            if (s >= 0 && s0[i0] != s) { // a reconstruction whose original has passed
                ++i1;
                continue;
            }
            std::copy_n(orig + std::size_t(i0) * d_floats, d_floats, static_cast<float*>(out[0]) + std::size_t(o) * d_floats);
            std::copy_n(recon + std::size_t(i1) * d_floats, d_floats, static_cast<float*>(out[1]) + std::size_t(o) * d_floats);
            const pmt::pmt_t tag = pmt::dict_add(pmt::make_dict(), pmt::mp("seq"), pmt::from_uint64(std::uint64_t(std::max(s, 0LL))));
            for (int k = 0; k < 2; ++k)
                add_item_tag(k, nitems_written(k) + o, pmt::mp("semcom_image"), tag);
            ++i0;
            ++i1;
            ++o;
        }
        consume(0, i0);
        consume(1, i1);
        return o;
    }

private:
    std::vector<long long> seqs(int port, int n)
    {
        std::vector<long long> out(std::size_t(n), -1);
        std::vector<gr::tag_t> tags;
        get_tags_in_window(tags, port, 0, n, pmt::mp("semcom_image"));
        for (const auto& t : tags)
            if (pmt::is_dict(t.value))
                out[t.offset - nitems_read(port)] =
                    (long long)pmt::to_uint64(pmt::dict_ref(t.value, pmt::mp("seq"), pmt::from_uint64(0)));
        return out;
    }
    const int d_floats;
};

// ---------------------------------------------------------------- running

std::atomic<bool> g_interrupted{ false };
extern "C" void on_interrupt(int) { g_interrupted = true; }

//! Starts tb and returns when it ends by itself, on Ctrl-C, or when should_stop() says so.
template <typename F>
void run_until(const gr::top_block_sptr& tb, F should_stop)
{
    g_interrupted = false;
    auto previous = std::signal(SIGINT, on_interrupt);
    tb->start();
    std::atomic<bool> done{ false };
    std::thread waiter([&] {
        tb->wait();
        done = true;
    });
    while (!done) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (g_interrupted || should_stop()) {
            tb->stop();
            break;
        }
    }
    waiter.join();
    std::signal(SIGINT, previous);
}

void write_json(const std::string& path, const nlohmann::json& j)
{
    if (path.empty())
        return;
    std::ofstream f(path);
    if (!f)
        throw std::runtime_error("--json: cannot write '" + path + "'");
    f << j.dump(2) << "\n";
}

std::string describe_radio(const Radio& r, int sps, const std::string& name, bool file)
{
    char buf[512];
    const double sym = r.rate / sps;
    if (file) {
        std::snprintf(buf, sizeof buf, "%s, %.6g ksps = %.6g ksym/s x %d (no radio)", name.c_str(), r.rate / 1e3,
                      sym / 1e3, sps);
        return buf;
    }
    std::snprintf(buf, sizeof buf, "%s, %.6g MHz, %.6g ksps = %.6g ksym/s x %d, gain %s, antenna %s (CFO capture +-%.0f Hz)",
                  name.c_str(), r.freq / 1e6, r.rate / 1e3, sym / 1e3, sps,
                  std::isnan(r.gain) ? "device default" : (num(r.gain) + " dB").c_str(),
                  r.antenna.empty() ? "default" : r.antenna.c_str(), sym / 128.0);
    return buf;
}

int run_tx(const UsrpOptions& o)
{
    const Radio r = resolve_radio(o);
    const Models m = resolve_models(o);
    const double amplitude = std::isnan(o.amplitude) ? 0.25 * std::sqrt(double(o.sps)) : o.amplitude;
    if (!(amplitude > 0.0))
        throw std::invalid_argument("--amplitude must be > 0");
    std::string name = "file " + o.file;
    if (o.file.empty() && !find_usrp("tx", r, name, o.quiet))
        return 1;

    auto tb = gr::make_top_block("semcom-tx");
    auto source = gs::image_source::make("fashion-mnist", "", "test", o.images, o.seed != 0, false, o.seed);
    auto encoder = gs::semantic_encoder::make(m.encoder_path, o.device, 32);
    tb->connect(source, 0, encoder, 0);
    gr::block_sptr mapper;
    if (m.quantized) {
        mapper = gs::quantized_mapper::make(2 * m.n, m.bits, "per_frame");
        tb->connect(encoder, 0, mapper, 0);
    } else {
        mapper = gs::superposition_mapper::make(m.layers, m.alphas);
        for (std::size_t k = 0; k < m.layers.size(); ++k)
            tb->connect(encoder, int(k), mapper, int(k));
    }
    gr::uhd::usrp_sink::sptr sink;
    auto counter = gnuradio::make_block_sptr<async_counter>();
    double start_time = -1.0;
    if (o.file.empty()) {
        try {
            ::uhd::stream_args_t sa("fc32", r.otw);
            sa.channels = { 0 };
            sink = gr::uhd::usrp_sink::make(::uhd::device_addr_t(r.make_args), sa, "");
        } catch (const std::exception& e) {
            throw std::runtime_error("USRP '" + r.args + "': " + first_line(e.what()));
        }
        configure(*sink, r);
        start_time = sink->get_time_now(0).get_real_secs() + o.start_delay;
    }
    // Last, so that the first burst's time is as fresh as it can be.
    auto burst = gs::burst_transmitter::make(m.n, m.scheme_code, 0, int(m.layers.size()), o.sps, o.rolloff, o.pilots,
                                             o.gap, float(amplitude), start_time);
    tb->connect(mapper, 0, burst, 0);
    if (sink) {
        tb->connect(burst, 0, sink, 0);
        tb->msg_connect(sink, "async_msgs", counter, "in");
    } else {
        tb->connect(burst, 0, gr::blocks::file_sink::make(sizeof(gr_complex), o.file.c_str()), 0);
    }
    const double burst_s = burst->burst_samples() / r.rate;
    if (!o.quiet) {
        std::fprintf(stderr, "semcom tx: %s\n", describe_radio(r, o.sps, name, !o.file.empty()).c_str());
        std::fprintf(stderr, "semcom tx: %d images of %s (n = %d symbols), bursts of %d samples (%.2f ms with the gap)%s\n",
                     o.images, m.encoder.name.c_str(), m.n, burst->burst_samples(), 1e3 * burst_s,
                     start_time >= 0 ? (", the first at device time " + num(start_time) + " s").c_str() : "");
    }
    const auto t0 = std::chrono::steady_clock::now();
    run_until(tb, [] { return false; });
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const long sent = long(burst->bursts_sent());
    if (sink) {
        // The last bursts leave the radio after the flowgraph has handed them over: wait for
        // their acknowledgements (the sink keeps listening until it is destroyed).
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500) +
                              std::chrono::duration<double>(std::max(0.0, o.start_delay) + 0.2);
        while (std::chrono::steady_clock::now() < deadline && counter->acks < sent) {
            counter->drain();
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        counter->drain();
    }
    std::printf("sent %ld bursts (%d images, n = %d, %d samples each with the gap) in %.2f s%s\n", sent, o.images,
                m.n, burst->burst_samples(), seconds, sink ? "" : (" to " + o.file).c_str());
    nlohmann::json j;
    j["role"] = "tx";
    j["models"] = m.prefix;
    j["images"] = o.images;
    j["bursts"] = sent;
    j["burst_samples"] = burst->burst_samples();
    j["sample_rate"] = r.rate;
    j["symbol_rate"] = r.rate / o.sps;
    j["sps"] = o.sps;
    j["amplitude"] = amplitude;
    j["seconds"] = seconds;
    if (sink) {
        std::printf("UHD: %ld underflows, %ld late bursts, %ld sequence errors; %ld of %ld bursts acknowledged\n",
                    counter->underflows.load(), counter->time_errors.load(), counter->seq_errors.load(),
                    counter->acks.load(), sent);
        j["freq"] = r.freq;
        j["gain"] = std::isnan(r.gain) ? nlohmann::json() : nlohmann::json(r.gain);
        j["start_time"] = start_time;
        j["underflows"] = counter->underflows.load();
        j["late_bursts"] = counter->time_errors.load();
        j["sequence_errors"] = counter->seq_errors.load();
        j["bursts_acknowledged"] = counter->acks.load();
    }
    j["interrupted"] = bool(g_interrupted);
    write_json(o.json, j);
    return g_interrupted ? 130 : 0;
}

int run_rx(const UsrpOptions& o)
{
    const Radio r = resolve_radio(o);
    const Models m = resolve_models(o);
    if (!o.file.empty() && !fs::is_regular_file(o.file))
        throw std::invalid_argument("--file '" + o.file + "': no such file");
    std::string name = "file " + o.file;
    if (o.file.empty() && !find_usrp("rx", r, name, o.quiet))
        return 1;

    auto tb = gr::make_top_block("semcom-rx");
    gr::basic_block_sptr samples;
    gr::uhd::usrp_source::sptr usrp;
    rx_time_watch::sptr watch;
    if (o.file.empty()) {
        try {
            ::uhd::stream_args_t sa("fc32", r.otw);
            sa.channels = { 0 };
            usrp = gr::uhd::usrp_source::make(::uhd::device_addr_t(r.make_args), sa, true);
        } catch (const std::exception& e) {
            throw std::runtime_error("USRP '" + r.args + "': " + first_line(e.what()));
        }
        configure(*usrp, r);
        watch = gnuradio::make_block_sptr<rx_time_watch>(r.rate);
        tb->connect(usrp, 0, watch, 0);
        samples = usrp;
    } else {
        samples = gr::blocks::file_source::make(sizeof(gr_complex), o.file.c_str(), false);
    }
    auto receiver = gs::burst_receiver::make(m.n, m.scheme_code, o.sps, o.rolloff, o.pilots, o.threshold);
    tb->connect(samples, 0, receiver, 0);
    // Over the air the decoder must never hold up the radio: frames it cannot take are dropped
    // and counted. From a file every frame is decoded.
    auto decoder = gs::neural_decoder::make(m.decoder_path, o.device, 10.0f, 32, 2000, o.file.empty(), 64);
    if (decoder->image_size() <= 0)
        throw std::runtime_error("'" + m.decoder_path + "' reconstructs no image: semcom rx scores images");
    if (m.quantized) {
        auto demap = gs::quantized_demapper::make(2 * m.n);
        auto unpack = gr::blocks::vector_to_stream::make(sizeof(gr_complex), m.n);
        tb->connect(receiver, 0, demap, 0);
        tb->connect(demap, 0, unpack, 0);
        tb->connect(unpack, 0, decoder, 0);
    } else {
        tb->connect(receiver, 0, decoder, 0);
    }
    auto originals = gs::image_source::make("fashion-mnist", "", "test", o.images, o.seed != 0, false, o.seed);
    const auto shape = originals->image_shape(); // C, H, W
    const std::string task = m.decoder.tasks.empty() ? "fine" : m.decoder.tasks[0];
    const std::string rx_name = "rx" + std::to_string(o.receiver);
    auto metrics = gs::metrics_sink::make(shape[0], shape[1], shape[2], decoder->num_classes(),
                                          task == "coarse" ? "coarse" : "fine", rx_name);
    tb->connect(originals, 0, metrics, 0);
    tb->connect(decoder, 1, metrics, 1);
    tb->connect(decoder, 0, metrics, 2);
    fs::create_directories(o.out_dir);
    auto matcher = gnuradio::make_block_sptr<seq_matcher>(originals->image_size());
    auto grid = gs::image_sink::make(shape[0], shape[1], shape[2], 2, o.out_dir, 0, 12, rx_name);
    tb->connect(originals, 0, matcher, 0);
    tb->connect(decoder, 1, matcher, 1);
    tb->connect(matcher, 0, grid, 0);
    tb->connect(matcher, 1, grid, 1);

    if (usrp && o.start_delay > 0)
        usrp->set_start_time(usrp->get_time_now(0) + ::uhd::time_spec_t(o.start_delay));
    if (!o.quiet) {
        std::fprintf(stderr, "semcom rx: %s\n", describe_radio(r, o.sps, name, !o.file.empty()).c_str());
        std::fprintf(stderr, "semcom rx: receiver %d (%s, %s task), waiting for %d images%s\n", o.receiver,
                     m.decoder.name.c_str(), task.c_str(), o.images,
                     o.file.empty() ? " (Ctrl-C stops and reports)" : "");
    }
    const auto t0 = std::chrono::steady_clock::now();
    auto last_activity = t0, last_report = t0;
    std::uint64_t last_seen = 0;
    run_until(tb, [&] {
        const auto now = std::chrono::steady_clock::now();
        if (metrics->frames() + metrics->frames_missing() >= o.images)
            return true;
        const std::uint64_t seen = receiver->bursts_detected() + decoder->frames_decoded();
        if (seen != last_seen) {
            last_seen = seen;
            last_activity = now;
        } else if (seen > 0 && std::chrono::duration<double>(now - last_activity).count() > o.idle_timeout) {
            return true;
        }
        if (o.duration > 0 && std::chrono::duration<double>(now - t0).count() > o.duration)
            return true;
        if (!o.quiet && now - last_report > std::chrono::seconds(5)) {
            last_report = now;
            std::fprintf(stderr, "semcom rx: %llu bursts, %llu frames, %ld scored, SNR %.1f dB%s\n",
                         (unsigned long long)receiver->bursts_detected(),
                         (unsigned long long)receiver->frames_decoded(), metrics->frames(), receiver->mean_snr_db(),
                         watch ? (", " + std::to_string(watch->overflows.load()) + " overflows").c_str() : "");
        }
        return false;
    });
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    const long frames = metrics->frames();
    const double snr = receiver->mean_snr_db();
    std::printf("%-4s %-7s %9s %10s %8s %8s %8s %9s\n", "rx", "task", "accuracy", "PSNR (dB)", "SSIM", "frames",
                "missing", "SNR (dB)");
    std::printf("%-4d %-7s %8.2f%% %10.2f %8.4f %8ld %8ld %9.1f\n", o.receiver, task.c_str(),
                100.0 * metrics->accuracy(), metrics->psnr_db(), metrics->ssim(), frames, long(o.images) - frames, snr);
    std::printf("bursts: %llu detected, %llu header errors, %llu decoded, %llu rejected; decoder dropped %ld\n",
                (unsigned long long)receiver->bursts_detected(), (unsigned long long)receiver->header_errors(),
                (unsigned long long)receiver->frames_decoded(), (unsigned long long)receiver->frames_rejected(),
                decoder->frames_dropped());
    if (watch)
        std::printf("UHD: %ld overflows (%lld samples lost) in %lld samples\n", watch->overflows.load(),
                    watch->samples_lost.load(), watch->samples.load());
    if (frames == 0 && receiver->frames_rejected() > 0)
        std::printf("note: every good burst was of another scheme or payload length: give the transmitter's "
                    "--scheme / --models\n");
    if (frames > 0 && snr < 5.0)
        std::printf("note: mean SNR %.1f dB: the burst PHY needs about 5 dB (headers are lost below ~3 dB); raise the "
                    "TX gain or remove attenuation\n",
                    snr);
    const std::string grid_path = grid->write_grid();
    std::printf("images: %s\n", grid_path.c_str());

    nlohmann::json j = nlohmann::json::parse(metrics->summary_json());
    j["role"] = "rx";
    j["models"] = m.prefix;
    j["images"] = o.images;
    j["missing"] = long(o.images) - frames;
    j["snr_db"] = std::isnan(snr) ? nlohmann::json() : nlohmann::json(snr);
    j["bursts_detected"] = receiver->bursts_detected();
    j["header_errors"] = receiver->header_errors();
    j["frames_decoded"] = receiver->frames_decoded();
    j["frames_rejected"] = receiver->frames_rejected();
    j["decoder_dropped"] = decoder->frames_dropped();
    j["sample_rate"] = r.rate;
    j["symbol_rate"] = r.rate / o.sps;
    j["seconds"] = seconds;
    if (watch) {
        j["freq"] = r.freq;
        j["gain"] = std::isnan(r.gain) ? nlohmann::json() : nlohmann::json(r.gain);
        j["overflows"] = watch->overflows.load();
        j["samples_lost"] = watch->samples_lost.load();
        j["samples"] = watch->samples.load();
    }
    j["grid"] = grid_path;
    j["interrupted"] = bool(g_interrupted);
    write_json(o.json, j);
    return 0; // Ctrl-C is how a receiver without --duration ends: the report above is its result
}

} // namespace

int run_usrp(const UsrpOptions& o)
{
    // UHD's console log (its banner, probing messages) would break the one-line error of a
    // missing USRP: off until a device answers (find_usrp), unless the user asked for a level.
    // Set before UHD's logger first starts, which reads it.
    g_uhd_log_from_user = std::getenv("UHD_LOG_CONSOLE_LEVEL") != nullptr;
    if (!g_uhd_log_from_user)
        setenv("UHD_LOG_CONSOLE_LEVEL", "off", 1);
    return o.role == "tx" ? run_tx(o) : run_rx(o);
}

} // namespace semcom::apps
