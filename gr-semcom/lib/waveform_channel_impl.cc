/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gnuradio/channels/channel_model.h>
#include <gnuradio/channels/fading_model.h>
#include <gnuradio/io_signature.h>
#include <gnuradio/semcom/waveform_channel.h>
#include <semcom/channel.h>

#include <cmath>
#include <complex>
#include <stdexcept>

namespace gr {
namespace semcom {

namespace {

::semcom::ChannelConfig parse_channel(const std::string& channel, float snr_db)
{
    try {
        return ::semcom::ChannelConfig::parse(channel, snr_db);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(std::string("waveform_channel: channel: ") + e.what());
    }
}

double noise_voltage_of(float snr_db)
{
    if (!std::isfinite(snr_db))
        throw std::invalid_argument("waveform_channel: snr_db must be finite");
    // gr-channels takes the noise voltage: the standard deviation of the complex noise
    return std::sqrt(::semcom::noise_variance_from_snr_db(snr_db));
}

} // namespace

class waveform_channel_impl : public waveform_channel
{
public:
    waveform_channel_impl(const std::string& channel, float snr_db, const std::string& impairments, int sps,
                          int receiver, std::uint64_t seed)
        : gr::hier_block2("semcom_waveform_channel", gr::io_signature::make(1, 1, sizeof(gr_complex)),
                          gr::io_signature::make(1, 1, sizeof(gr_complex))),
          d_snr_db(snr_db), d_noise_voltage(noise_voltage_of(snr_db))
    {
        const auto cfg = parse_channel(channel, snr_db);
        if (impairments != "none" && impairments != "realistic")
            throw std::invalid_argument("waveform_channel: impairments '" + impairments +
                                        "' (expected none or realistic)");
        if (sps < 1)
            throw std::invalid_argument("waveform_channel: sps must be >= 1 (got " + std::to_string(sps) + ")");
        if (receiver < 0)
            throw std::invalid_argument("waveform_channel: receiver must be >= 0 (got " +
                                        std::to_string(receiver) + ")");
        const std::size_t r = std::size_t(receiver);
        d_seed = int(seed * 1000 + r * 17 + 1);

        const bool realistic = impairments == "realistic";
        std::vector<gr_complex> taps{ { 1.0f, 0.0f } };
        if (realistic) {
            const float a = std::pow(10.0f, -12.0f / 20.0f);
            taps = { { 1.0f, 0.0f }, { 0.0f, 0.0f }, { 0.0f, 0.0f }, std::polar(a, 1.0f + float(r)) };
            const float norm = 1.0f / std::sqrt(1.0f + a * a); // unit channel energy: the SNR stays the symbol SNR
            for (auto& t : taps)
                t *= norm * std::polar(1.0f, 0.7f * float(r + 1)); // and a phase of its own
        }
        d_model = gr::channels::channel_model::make(d_noise_voltage, realistic ? 0.002 / sps : 0.0,
                                                    realistic ? 1.0 + 2e-6 : 1.0, taps, double(d_seed), false);
        if (cfg.fading != ::semcom::Fading::none) {
            d_fading = gr::channels::fading_model::make(8, 1e-5f, cfg.fading == ::semcom::Fading::rician,
                                                        cfg.k_factor, d_seed);
            connect(self(), 0, d_fading, 0);
            connect(d_fading, 0, d_model, 0);
        } else {
            connect(self(), 0, d_model, 0);
        }
        connect(d_model, 0, self(), 0);
    }

    void set_snr(float snr_db) override
    {
        d_noise_voltage = noise_voltage_of(snr_db);
        d_snr_db = snr_db;
        d_model->set_noise_voltage(d_noise_voltage);
    }
    float snr() const override { return d_snr_db; }
    double noise_voltage() const override { return d_noise_voltage; }
    int channel_seed() const override { return d_seed; }

    std::vector<std::pair<std::string, gr::block_sptr>> blocks() const override
    {
        std::vector<std::pair<std::string, gr::block_sptr>> out;
        if (d_fading)
            out.emplace_back(d_fading->name(), d_fading);
        return out;
    }

private:
    float d_snr_db;
    double d_noise_voltage;
    int d_seed = 0;
    gr::channels::fading_model::sptr d_fading;
    gr::channels::channel_model::sptr d_model;
};

waveform_channel::sptr waveform_channel::make(const std::string& channel, float snr_db,
                                              const std::string& impairments, int sps, int receiver,
                                              std::uint64_t seed)
{
    return gnuradio::make_block_sptr<waveform_channel_impl>(channel, snr_db, impairments, sps, receiver, seed);
}

} // namespace semcom
} // namespace gr
