/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * semcom.transmitter and semcom.receiver: the chains of a model family, built once from its
 * Signature through one builder per transmit kind.
 */
#include "neural_util.h"
#include "semantic_encoder_impl.h"

#include <gnuradio/blocks/vector_to_stream.h>
#include <gnuradio/io_signature.h>
#include <gnuradio/semcom/burst_receiver.h>
#include <gnuradio/semcom/burst_transmitter.h>
#include <gnuradio/semcom/quantized_demapper.h>
#include <gnuradio/semcom/quantized_mapper.h>
#include <gnuradio/semcom/superposition_mapper.h>
#include <gnuradio/semcom/transceiver.h>
#include <semcom/frame.h>

#include <cmath>
#include <functional>
#include <map>

namespace gr {
namespace semcom {

using ::semcom::TransmitKind;

namespace {

using named_blocks = std::vector<std::pair<std::string, gr::block_sptr>>;

//! What a kind's transmit builder leaves: the block whose output 0 is the symbol stream.
struct tx_tail {
    gr::basic_block_sptr symbols;
    quantized_mapper::sptr quantizer; //!< quantized / analog only
};
using tx_builder = std::function<tx_tail(gr::hier_block2&, const semantic_encoder::sptr&, const nn::Signature&,
                                         named_blocks&)>;

tx_tail superposition_tx(gr::hier_block2& h, const semantic_encoder::sptr& enc, const nn::Signature& s,
                         named_blocks& blocks)
{
    auto mapper = superposition_mapper::make(s.layers, s.alphas);
    for (std::size_t k = 0; k < s.layers.size(); ++k)
        h.connect(enc, int(k), mapper, int(k));
    blocks.emplace_back("superposition_mapper", mapper);
    return { mapper, nullptr };
}

tx_tail quantized_tx(gr::hier_block2& h, const semantic_encoder::sptr& enc, const nn::Signature& s,
                     named_blocks& blocks)
{
    auto mapper = quantized_mapper::make(2 * s.channel_uses, int(s.quantizer_bits), "per_frame");
    h.connect(enc, 0, mapper, 0);
    blocks.emplace_back("quantized_mapper", mapper);
    return { mapper, mapper };
}

//! The transmit builders by kind: the one table a new kind of transmission adds a row to.
const std::map<TransmitKind, tx_builder>& tx_builders()
{
    static const std::map<TransmitKind, tx_builder> table{
        { TransmitKind::superposition, superposition_tx },
        { TransmitKind::indices, superposition_tx },  // one layer, alpha 1
        { TransmitKind::codebook, superposition_tx }, // one layer, alpha 1; keep masks in the frame info
        { TransmitKind::quantized, quantized_tx },
        { TransmitKind::analog, quantized_tx }, // 8 bits (docs/model-manifest.md)
    };
    return table;
}

//! What a kind's receive builder does between the front end and the decoder.
using rx_builder = std::function<void(gr::hier_block2&, const gr::basic_block_sptr& from,
                                      const gr::basic_block_sptr& decoder, const nn::ReceiverSignature&,
                                      named_blocks&)>;

void direct_rx(gr::hier_block2& h, const gr::basic_block_sptr& from, const gr::basic_block_sptr& decoder,
               const nn::ReceiverSignature&, named_blocks&)
{
    h.connect(from, 0, decoder, 0);
}

void quantized_rx(gr::hier_block2& h, const gr::basic_block_sptr& from, const gr::basic_block_sptr& decoder,
                  const nn::ReceiverSignature& s, named_blocks& blocks)
{
    // y / gain per frame from the side information, back to n complex values
    auto demap = quantized_demapper::make(2 * s.channel_uses);
    auto unpack = gr::blocks::vector_to_stream::make(sizeof(gr_complex), s.channel_uses);
    h.connect(from, 0, demap, 0);
    h.connect(demap, 0, unpack, 0);
    h.connect(unpack, 0, decoder, 0);
    blocks.emplace_back("quantized_demapper", demap);
}

const std::map<TransmitKind, rx_builder>& rx_builders()
{
    static const std::map<TransmitKind, rx_builder> table{
        { TransmitKind::superposition, direct_rx },
        { TransmitKind::indices, direct_rx },
        { TransmitKind::codebook, direct_rx }, // the decoder demaps its segment (keep masks in the frame info)
        { TransmitKind::quantized, quantized_rx },
        { TransmitKind::analog, quantized_rx },
    };
    return table;
}

template <typename Table>
const typename Table::mapped_type& builder_for(const Table& table, TransmitKind kind, const char* block,
                                               const std::string& path)
{
    const auto it = table.find(kind);
    if (it == table.end())
        throw std::invalid_argument(std::string(block) + ": '" + path + "': no chain for transmit kind '" +
                                    ::semcom::transmit_kind_name(kind) + "'");
    return it->second;
}

/*!
 * What a burst of this encoder's frames carries after its pilots (frame-format.md, side
 * information): the SNRs it encodes with (snr_width values), each image's keep masks (receivers x
 * tokens bits) and each image's quantizer (quantized, analog: so that they share bursts). The
 * images per burst shrink so that it fits.
 */
struct SideBudget {
    int images, bytes;
};
SideBudget side_info_budget(const nn::Signature& sig, int images_per_burst)
{
    const std::size_t snr = ::semcom::SideInfo::snr_bytes(std::size_t(std::max(0, sig.snr_width)));
    std::size_t per_image = 0;
    if (sig.keep_masks && sig.codebook)
        per_image += ::semcom::SideInfo::keep_mask_bytes(std::size_t(sig.receivers) * std::size_t(sig.codebook->tokens));
    if (sig.kind == TransmitKind::quantized || sig.kind == TransmitKind::analog)
        per_image += images_per_burst > 1 ? ::semcom::SideInfo::quantizer_bytes : 0; // one image: the header
    const std::size_t room = ::semcom::SideInfo::max_bytes;
    if (snr + per_image > room)
        throw std::invalid_argument("transmitter: '" + sig.path + "': its side information (" +
                                    std::to_string(snr + per_image) + " bytes per image) exceeds a burst's " +
                                    std::to_string(room) + " bytes");
    int images = images_per_burst;
    if (per_image && std::size_t(images) * per_image + snr > room)
        images = int((room - snr) / per_image);
    return { images, int(snr + std::size_t(images) * per_image) };
}

class transmitter_impl : public transmitter
{
public:
    transmitter_impl(std::shared_ptr<nn::Model> model, const nn::Signature& sig, int sps, int burst_gap,
                     int images_per_burst, int spreading)
        : gr::hier_block2("semcom_transmitter",
                          gr::io_signature::make(1, 1, sizeof(float) * sig.image_numel()),
                          gr::io_signature::make(1, 1, sizeof(gr_complex))),
          d_sig(sig)
    {
        d_encoder = semantic_encoder_impl::make_from(std::move(model), sig);
        connect(self(), 0, d_encoder, 0);
        message_port_register_hier_in(pmt::mp("snr"));
        msg_connect(self(), pmt::mp("snr"), d_encoder, pmt::mp("snr"));
        d_blocks.emplace_back("semantic_encoder", d_encoder);
        const auto tail = builder_for(tx_builders(), sig.kind, "transmitter", sig.path)(*this, d_encoder, sig, d_blocks);
        d_quantizer = tail.quantizer;
        d_superposition = std::dynamic_pointer_cast<superposition_mapper>(tail.symbols);
        gr::basic_block_sptr out = tail.symbols;
        if (sps > 0) {
            const int layers = sig.layer_outputs.empty() ? (sig.indices_output >= 0 ? 1 : 0) : int(sig.layers.size());
            const auto side = side_info_budget(sig, images_per_burst);
            auto burst = burst_transmitter::make(sig.channel_uses, sig.header_code, 0, layers, sps, 0.35f, 32, burst_gap,
                                                 1.0f, -1.0, side.images, spreading, side.bytes);
            connect(out, 0, burst, 0);
            d_blocks.emplace_back("burst_transmitter", burst);
            out = burst;
        }
        connect(out, 0, self(), 0);
    }

    std::string scheme() const override { return d_sig.scheme; }
    int header_code() const override { return d_sig.header_code; }
    std::string transmit_kind() const override { return ::semcom::transmit_kind_name(d_sig.kind); }
    int channel_uses() const override { return d_sig.channel_uses; }
    int receivers() const override { return d_sig.receivers; }
    std::vector<int> image_shape() const override
    {
        return std::vector<int>(d_sig.image_shape.begin(), d_sig.image_shape.end());
    }
    int snr_width() const override { return d_sig.snr_width; }
    void set_snr(float snr_db) override { d_encoder->set_snr(snr_db); }
    void set_snrs(const std::vector<float>& snr_db) override { d_encoder->set_snrs(snr_db); }
    std::vector<float> snrs() const override { return d_encoder->snrs(); }
    void set_feedback(bool on) override { d_encoder->set_feedback(on); }
    bool feedback() const override { return d_encoder->feedback(); }
    long reports_ignored() const override { return d_encoder->reports_ignored(); }
    void set_alphas(const std::vector<float>& alphas) override
    {
        const bool superposition = d_sig.kind == ::semcom::TransmitKind::superposition;
        if (alphas.empty()) { // the manifest's
            if (superposition)
                d_superposition->set_alphas(d_sig.alphas);
            return;
        }
        if (!superposition || d_sig.layers.size() < 2)
            throw std::invalid_argument("transmitter: '" + d_sig.path + "' sends " +
                                        ::semcom::transmit_kind_name(d_sig.kind) +
                                        " symbols with one layer: no power shares to set");
        d_superposition->set_alphas(alphas);
    }
    std::vector<float> alphas() const override
    {
        if (d_sig.kind != ::semcom::TransmitKind::superposition)
            return {};
        return d_superposition->alphas();
    }
    double mean_symbols_sent() const override
    {
        if (d_quantizer)
            return d_quantizer->mean_symbols_sent();
        return d_sig.keep_masks ? d_encoder->mean_symbols_sent() : double(d_sig.channel_uses);
    }
    long frames_dropped() const override { return d_encoder->frames_dropped(); }
    std::string device_name() const override { return d_encoder->device_name(); }
    named_blocks blocks() const override { return d_blocks; }

private:
    const nn::Signature d_sig;
    semantic_encoder::sptr d_encoder;
    quantized_mapper::sptr d_quantizer;
    superposition_mapper::sptr d_superposition; //!< superposition, indices, codebook kinds; else null
    named_blocks d_blocks;
};

class receiver_impl : public receiver
{
public:
    receiver_impl(std::shared_ptr<nn::ModelBank> bank, float snr_db, bool realtime, int sps, int report_every,
                  double report_weight, float exit_threshold, bool hard_decisions, int spreading)
        : gr::hier_block2("semcom_receiver",
                          gr::io_signature::make(1, 1, sizeof(gr_complex)),
                          gr::io_signature::makev(int(output_sizes(bank->signature()).size()),
                                                  int(output_sizes(bank->signature()).size()),
                                                  output_sizes(bank->signature()))),
          d_sig(bank->signature())
    {
        const auto& build = builder_for(rx_builders(), d_sig.kind, "receiver", d_sig.path);
        d_decoder =
            neural_decoder_make_from(std::move(bank), snr_db, 2000, realtime, 64, exit_threshold, hard_decisions);
        d_decoder->set_snr_report(report_every, report_weight);
        message_port_register_hier_out(pmt::mp("snr_report"));
        msg_connect(d_decoder, pmt::mp("snr_report"), self(), pmt::mp("snr_report"));
        gr::basic_block_sptr front = self();
        if (sps > 0) {
            // the header must name this model's scheme: frames of another are refused and counted
            d_burst = burst_receiver::make(d_sig.channel_uses, d_sig.header_code, sps, 0.35f, 32,
                                           ::semcom::BurstDetector::default_threshold, spreading);
            connect(self(), 0, d_burst, 0);
            d_blocks.emplace_back("burst_receiver", d_burst);
            front = d_burst;
        }
        build(*this, front, d_decoder, d_sig, d_blocks);
        d_blocks.emplace_back("neural_decoder", d_decoder);
        for (std::size_t k = 0; k < output_sizes(d_sig).size(); ++k)
            connect(d_decoder, int(k), self(), int(k));
    }

    //! As the neural_decoder's: the class scores when the model has logits, then the image.
    static std::vector<int> output_sizes(const nn::ReceiverSignature& s)
    {
        std::vector<int> sz;
        if (s.logits_output >= 0)
            sz.push_back(int(sizeof(float)) * s.classes);
        if (s.image_output >= 0)
            sz.push_back(int(sizeof(float) * s.image_numel));
        return sz;
    }

    std::string scheme() const override { return d_sig.scheme; }
    int header_code() const override { return d_sig.header_code; }
    std::string transmit_kind() const override { return ::semcom::transmit_kind_name(d_sig.kind); }
    int channel_uses() const override { return d_sig.channel_uses; }
    int receiver_number() const override { return d_sig.receiver; }
    std::string task() const override { return d_sig.task; }
    int num_classes() const override { return d_sig.classes; }
    int image_size() const override { return int(d_sig.image_numel); }
    int image_port() const override { return d_sig.image_output < 0 ? -1 : d_sig.logits_output >= 0 ? 1 : 0; }
    void set_snr(float snr_db) override { d_decoder->set_snr(snr_db); }
    long frames_decoded() const override { return d_decoder->frames_decoded(); }
    long frames_dropped() const override { return d_decoder->frames_dropped(); }
    long frames_invalid() const override { return d_decoder->frames_invalid(); }
    void set_bank(bool on) override { d_decoder->set_bank(on); }
    bool bank() const override { return d_decoder->bank(); }
    std::vector<long> frames_per_model() const override { return d_decoder->frames_per_model(); }
    void set_exit_threshold(float threshold) override { d_decoder->set_exit_threshold(threshold); }
    float exit_threshold() const override { return d_decoder->exit_threshold(); }
    int exit_layers() const override { return d_decoder->exit_layers(); }
    double mean_exit_layer() const override { return d_decoder->mean_exit_layer(); }
    std::vector<long> frames_per_exit_layer() const override { return d_decoder->frames_per_exit_layer(); }
    double mean_symbols_received() const override { return d_decoder->mean_symbols_received(); }
    std::uint64_t bursts_detected() const override { return d_burst ? d_burst->bursts_detected() : 0; }
    std::uint64_t header_errors() const override { return d_burst ? d_burst->header_errors() : 0; }
    std::uint64_t frames_rejected() const override
    {
        return (d_burst ? d_burst->frames_rejected() : 0) + std::uint64_t(d_decoder->frames_rejected());
    }
    double mean_snr_db() const override { return d_burst ? d_burst->mean_snr_db() : std::nan(""); }
    double reported_snr_db() const override { return d_decoder->reported_snr_db(); }
    std::string device_name() const override { return d_decoder->device_name(); }
    named_blocks blocks() const override { return d_blocks; }

private:
    const nn::ReceiverSignature d_sig;
    std::shared_ptr<neural_decoder> d_decoder;
    burst_receiver::sptr d_burst;
    named_blocks d_blocks;
};

} // namespace

transmitter::sptr transmitter::make(const std::string& model, const std::string& device, int max_batch, int sps,
                                    int burst_gap, int images_per_burst, int spreading)
{
    if (sps < 0 || burst_gap < 0)
        throw std::invalid_argument("transmitter: sps and burst_gap must be >= 0");
    auto m = load_model("transmitter", model, device, max_batch);
    nn::Signature sig;
    try {
        sig = nn::Signature::from_encoder(m->manifest());
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(std::string("transmitter: ") + e.what());
    }
    builder_for(tx_builders(), sig.kind, "transmitter", sig.path); // refuse before building anything
    return gnuradio::get_initial_sptr(
        new transmitter_impl(std::move(m), sig, sps, burst_gap, images_per_burst, spreading));
}

receiver::sptr receiver::make(const std::string& models, const std::string& device, float snr_db, int max_batch,
                              bool realtime, int sps, int report_every, double report_weight, float exit_threshold,
                              bool hard_decisions, int spreading)
{
    if (sps < 0)
        throw std::invalid_argument("receiver: sps must be >= 0");
    if (report_every < 0 || !(report_weight > 0.0 && report_weight <= 1.0))
        throw std::invalid_argument("receiver: report_every must be >= 0 and report_weight in (0, 1]");
    auto bank = load_model_bank("receiver", split_list(models), device, max_batch);
    builder_for(rx_builders(), bank->signature().kind, "receiver", bank->signature().path);
    return gnuradio::get_initial_sptr(new receiver_impl(std::move(bank), snr_db, realtime, sps, report_every,
                                                        report_weight, exit_threshold, hard_decisions, spreading));
}

} // namespace semcom
} // namespace gr
