/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The separate coding baseline as two blocks over semcom::separate::SeparateLink (lib/separate)
 * and semcom::JpegCodec: the same link and JPEG budget as `semcom simulate --scheme separate`,
 * so a flowgraph can set it beside a semantic scheme on the same images and channels.
 */
#include "block_util.h"

#include <gnuradio/io_signature.h>
#include <gnuradio/semcom/frame_info.h>
#include <gnuradio/semcom/separate_coding.h>
#include <semcom/images.h>
#include <semcom/jpeg_codec.h>
#include <semcom/separate/link.h>

#include <algorithm>
#include <atomic>
#include <cmath>

namespace gr {
namespace semcom {
namespace {

namespace sep = ::semcom::separate;

//! The MCS of that name (its block's name is added by build_or_explain).
const sep::Mcs& mcs_named(const std::string& name)
{
    std::string names;
    for (const auto& m : sep::mcs_table()) {
        if (m.name == name)
            return m;
        names += (names.empty() ? "" : ", ") + m.name;
    }
    throw std::invalid_argument("unknown MCS '" + name + "' (one of " + names + ")");
}

void check_shape(const char* block, int c, int h, int w, int n)
{
    if ((c != 1 && c != 3) || h < 1 || w < 1)
        throw std::invalid_argument(std::string(block) + ": images must be 1 or 3 channels of at least 1x1");
    if (n < 8)
        throw std::invalid_argument(std::string(block) + ": channel_uses must be >= 8, got " + std::to_string(n));
}

class separate_transmitter_impl : public separate_transmitter
{
public:
    separate_transmitter_impl(int c, int h, int w, const std::string& mcs, int n)
        : gr::block("separate_transmitter",
                    gr::io_signature::make(1, 1, int(sizeof(float)) * c * h * w),
                    gr::io_signature::make(1, 1, sizeof(gr_complex))),
          d_link(build_or_explain("separate_transmitter", [&] { return sep::SeparateLink(mcs_named(mcs), n); })),
          d_codec(std::size_t(c), std::size_t(h), std::size_t(w)),
          d_n(n), d_image(std::size_t(c) * h * w)
    {
        set_output_multiple(n);
        set_tag_propagation_policy(TPP_DONT); // each image's frame info goes to its first symbol
    }

    int payload_bytes() const override { return int(d_link.payload_bytes()); }
    std::string link() const override { return d_link.describe(); }
    long images_sent() const override { return d_sent; }
    long images_too_large() const override { return d_too_large; }
    double mean_jpeg_quality() const override
    {
        const long fitted = d_sent - d_too_large;
        return fitted > 0 ? d_quality_sum / double(fitted) : std::nan("");
    }

    void forecast(int noutput_items, gr_vector_int& required) override { required[0] = noutput_items / d_n; }

    int general_work(int noutput_items, gr_vector_int& ninput_items, gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override
    {
        return guarded_work(name(), d_logger, [&]() -> int {
            const int images = std::min(ninput_items[0], noutput_items / d_n);
            const auto* in = static_cast<const float*>(input_items[0]);
            auto* out = static_cast<gr_complex*>(output_items[0]);
            std::vector<gr::tag_t> tags;
            get_tags_in_window(tags, 0, 0, uint64_t(images), frame_info::key());
            for (int i = 0; i < images; ++i) {
                int quality = 0;
                auto payload = d_codec.encode_to_budget(in + std::size_t(i) * d_image, d_link.payload_bytes(), &quality);
                if (payload.empty()) {
                    payload = { 0 }; // quality 0: nothing fits, the receiver shows its fallback image
                    if (d_too_large++ == 0)
                        d_logger->warn("an image does not fit {} bytes even at JPEG quality 1: sent empty (counted)",
                                       d_link.payload_bytes());
                } else {
                    d_quality_sum = d_quality_sum + quality;
                }
                d_link.transmit(payload, d_symbols);
                std::copy(d_symbols.begin(), d_symbols.end(), out + std::size_t(i) * d_n);
                pmt::pmt_t info = pmt::PMT_NIL;
                for (const auto& t : tags)
                    if (t.offset == nitems_read(0) + uint64_t(i))
                        info = t.value;
                info = frame_info::with(info, "jpeg_quality", pmt::from_long(quality));
                add_item_tag(0, nitems_written(0) + uint64_t(i) * d_n, frame_info::key(), info);
                ++d_sent;
            }
            consume_each(images);
            return images * d_n;
        });
    }

private:
    const sep::SeparateLink d_link;
    const ::semcom::JpegCodec d_codec;
    const int d_n;
    const std::size_t d_image;
    std::vector<::semcom::cfloat> d_symbols;
    std::atomic<long> d_sent{ 0 }, d_too_large{ 0 };
    std::atomic<double> d_quality_sum{ 0.0 };
};

std::vector<float> fallback_image(const std::string& fallback, int c, int h, int w)
{
    const std::size_t size = std::size_t(c) * h * w;
    if (fallback == "zeros")
        return std::vector<float>(size, 0.0f);
    if (fallback == "fashion-mnist") {
        if (c != 1 || h != 28 || w != 28)
            throw std::invalid_argument("separate_receiver: fallback 'fashion-mnist' is for 1x28x28 images");
        return ::semcom::mean_image(::semcom::load_fashion_mnist("train"));
    }
    throw std::invalid_argument("separate_receiver: fallback '" + fallback + "': use fashion-mnist or zeros");
}

class separate_receiver_impl : public separate_receiver
{
public:
    separate_receiver_impl(int c, int h, int w, const std::string& mcs, int n, const std::string& fallback,
                           float snr_db)
        : gr::block("separate_receiver", gr::io_signature::make(1, 1, sizeof(gr_complex)),
                    gr::io_signature::make(1, 1, int(sizeof(float)) * c * h * w)),
          d_link(build_or_explain("separate_receiver", [&] { return sep::SeparateLink(mcs_named(mcs), n); })),
          d_codec(std::size_t(c), std::size_t(h), std::size_t(w)),
          d_fallback(fallback_image(fallback, c, h, w)),
          d_n(n), d_image(std::size_t(c) * h * w), d_snr_db(snr_db), d_noise_var(std::size_t(n))
    {
        if (!std::isfinite(snr_db))
            throw std::invalid_argument("separate_receiver: snr_db must be finite");
        set_tag_propagation_policy(TPP_DONT); // each frame's info goes to its image
    }

    long frames_decoded() const override { return d_decoded; }
    long frames_failed() const override { return d_failed; }
    long frames_without_snr() const override { return d_without_snr; }

    void forecast(int noutput_items, gr_vector_int& required) override { required[0] = noutput_items * d_n; }

    int general_work(int noutput_items, gr_vector_int& ninput_items, gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override
    {
        return guarded_work(name(), d_logger, [&]() -> int {
            const int frames = std::min(noutput_items, ninput_items[0] / d_n);
            const auto* in = static_cast<const gr_complex*>(input_items[0]);
            auto* out = static_cast<float*>(output_items[0]);
            std::vector<gr::tag_t> tags;
            get_tags_in_window(tags, 0, 0, uint64_t(frames) * d_n, frame_info::key());
            for (int f = 0; f < frames; ++f) {
                const uint64_t first = nitems_read(0) + uint64_t(f) * d_n;
                pmt::pmt_t info = pmt::PMT_NIL;
                for (const auto& t : tags)
                    if (t.offset == first)
                        info = t.value;
                auto snr = frame_info::measured_snr_db(info);
                if (!snr || !std::isfinite(*snr)) {
                    ++d_without_snr;
                    snr = d_snr_db;
                }
                // after equalisation the noise variance is 1 / SNR (unit signal power, DESIGN §4)
                std::fill(d_noise_var.begin(), d_noise_var.end(), float(std::pow(10.0, -*snr / 10.0)));
                const bool crc = d_link.receive(in + std::size_t(f) * d_n, d_noise_var.data(), d_payload);
                float* dst = out + std::size_t(f) * d_image;
                const bool shown = crc && !d_payload.empty() && d_payload[0] != 0 && d_codec.decode(d_payload, dst);
                if (!shown) {
                    std::copy(d_fallback.begin(), d_fallback.end(), dst);
                    ++d_failed;
                }
                ++d_decoded;
                add_item_tag(0, nitems_written(0) + uint64_t(f), frame_info::key(),
                             frame_info::with(info, "link_ok", pmt::from_long(shown ? 1 : 0)));
            }
            consume_each(frames * d_n);
            return frames;
        });
    }

private:
    sep::SeparateLink d_link;
    const ::semcom::JpegCodec d_codec;
    const std::vector<float> d_fallback;
    const int d_n;
    const std::size_t d_image;
    const float d_snr_db;
    std::vector<float> d_noise_var;
    std::vector<std::uint8_t> d_payload;
    std::atomic<long> d_decoded{ 0 }, d_failed{ 0 }, d_without_snr{ 0 };
};

} // namespace

separate_transmitter::sptr separate_transmitter::make(int channels, int height, int width, const std::string& mcs,
                                                      int channel_uses)
{
    check_shape("separate_transmitter", channels, height, width, channel_uses);
    return gnuradio::make_block_sptr<separate_transmitter_impl>(channels, height, width, mcs, channel_uses);
}

separate_receiver::sptr separate_receiver::make(int channels, int height, int width, const std::string& mcs,
                                                int channel_uses, const std::string& fallback, float snr_db)
{
    check_shape("separate_receiver", channels, height, width, channel_uses);
    return gnuradio::make_block_sptr<separate_receiver_impl>(channels, height, width, mcs, channel_uses, fallback,
                                                             snr_db);
}

} // namespace semcom
} // namespace gr
