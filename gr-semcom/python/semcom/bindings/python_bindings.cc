/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pybind11 bindings of the gr-semcom blocks: `from gnuradio import semcom`.
 */
#include <pybind11/complex.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <gnuradio/semcom/block_errors.h>
#include <gnuradio/semcom/broadcast_channel.h>
#include <gnuradio/semcom/burst_receiver.h>
#include <semcom/frame.h>
#include <gnuradio/semcom/burst_transmitter.h>
#include <gnuradio/semcom/equaliser.h>
#include <gnuradio/semcom/image_sink.h>
#include <gnuradio/semcom/image_source.h>
#include <gnuradio/semcom/metrics_sink.h>
#ifdef SEMCOM_HAVE_NEURAL
#include <gnuradio/semcom/image_classifier.h>
#include <gnuradio/semcom/semantic_encoder.h>
#include <gnuradio/semcom/transceiver.h>
#endif
#ifdef SEMCOM_HAVE_SEPARATE
#include <gnuradio/semcom/separate_coding.h>
#endif
#include <gnuradio/semcom/quantized_demapper.h>
#include <gnuradio/semcom/quantized_mapper.h>
#include <gnuradio/semcom/snr_report_source.h>
#include <gnuradio/semcom/superposition_demapper.h>
#include <gnuradio/semcom/superposition_mapper.h>
#include <gnuradio/semcom/waveform_channel.h>
#include <gnuradio/semcom/zmq_stream_source.h>

namespace py = pybind11;
using namespace gr::semcom;

void bind_monitor_blocks(py::module& m); // monitor_python.cc

PYBIND11_MODULE(semcom_python, m)
{
    m.doc() = "gr-semcom blocks (semantic broadcast communication)";
    // The base classes (gr.sync_block, ...) are registered by gnuradio.gr.
    py::module::import("gnuradio.gr");

    py::class_<superposition_mapper,
               gr::sync_block,
               gr::block,
               gr::basic_block,
               std::shared_ptr<superposition_mapper>>(
        m,
        "superposition_mapper",
        "K index streams (bytes) -> superposed complex symbols, "
        "Y = sum_k sqrt(alpha_k) C_k[s_k], unit average power.")
        .def(py::init(&superposition_mapper::make), py::arg("layers"), py::arg("alphas"))
        .def("super_constellation", &superposition_mapper::super_constellation)
        .def("indices_out_of_range", &superposition_mapper::indices_out_of_range)
        .def("set_alphas", &superposition_mapper::set_alphas, py::arg("alphas"))
        .def("alphas", &superposition_mapper::alphas);

    py::class_<superposition_demapper,
               gr::sync_block,
               gr::block,
               gr::basic_block,
               std::shared_ptr<superposition_demapper>>(
        m,
        "superposition_demapper",
        "Per-layer hard (hard_ml, hard_sic) or soft (llr, posterior) decisions on superposed "
        "symbols; one output per layer.")
        .def(py::init(&superposition_demapper::make),
             py::arg("layers"),
             py::arg("alphas"),
             py::arg("mode") = "hard_ml",
             py::arg("noise_var") = 0.1f)
        .def("set_noise_var", &superposition_demapper::set_noise_var, py::arg("noise_var"))
        .def("noise_var", &superposition_demapper::noise_var)
        .def("symbols_nonfinite", &superposition_demapper::symbols_nonfinite)
        .def("snr_tags_ignored", &superposition_demapper::snr_tags_ignored);

    py::class_<quantized_mapper,
               gr::sync_interpolator,
               gr::sync_block,
               gr::block,
               gr::basic_block,
               std::shared_ptr<quantized_mapper>>(
        m,
        "quantized_mapper",
        "Vector of 2n features -> n unit-power complex symbols via an asymmetric q-bit "
        "quantizer; side information in a 'semcom_frame' tag.")
        .def(py::init(&quantized_mapper::make),
             py::arg("values"),
             py::arg("bits"),
             py::arg("range_mode") = "per_frame",
             py::arg("z_min") = -1.0f,
             py::arg("z_max") = 1.0f)
        .def("mean_symbols_sent", &quantized_mapper::mean_symbols_sent);

    py::class_<quantized_demapper,
               gr::block,
               gr::basic_block,
               std::shared_ptr<quantized_demapper>>(
        m,
        "quantized_demapper",
        "n received symbols + 'semcom_frame' side information -> 2n features; frames without "
        "side information are dropped and counted.")
        .def(py::init(&quantized_demapper::make), py::arg("values"), py::arg("snap") = false)
        .def("frames_dropped", &quantized_demapper::frames_dropped)
        .def("symbols_nonfinite", &quantized_demapper::symbols_nonfinite);

    py::class_<broadcast_channel,
               gr::sync_block,
               gr::block,
               gr::basic_block,
               std::shared_ptr<broadcast_channel>>(
        m,
        "broadcast_channel",
        "One input, one output per receiver: y_r = h_r x + n_r with AWGN, Rayleigh or "
        "Rician fading and SNR_dB = 10 log10(1 / sigma^2).")
        .def(py::init(&broadcast_channel::make),
             py::arg("channels"),
             py::arg("snrs_db"),
             py::arg("fading_mode") = "block",
             py::arg("frame_len") = 1024,
             py::arg("seed") = 0)
        .def("set_snr", &broadcast_channel::set_snr, py::arg("receiver"), py::arg("snr_db"))
        .def("set_snrs", &broadcast_channel::set_snrs, py::arg("snrs_db"))
        .def("snrs", &broadcast_channel::snrs)
        .def("set_channel", &broadcast_channel::set_channel, py::arg("receiver"), py::arg("channel"),
             "Receiver's channel from now on: awgn, rayleigh or rician:K (its SNR and fading mode kept).")
        .def("set_channels", &broadcast_channel::set_channels, py::arg("channels"))
        .def("channels", &broadcast_channel::channels);

    py::class_<image_source, gr::sync_block, gr::block, gr::basic_block, std::shared_ptr<image_source>>(
        m, "image_source",
        "Images of a dataset as CHW float vectors, one per frame, with 'semcom_image' tags {seq, fine, coarse}.")
        .def(py::init(&image_source::make), py::arg("dataset"), py::arg("path") = "",
             py::arg("split") = "test", py::arg("limit") = 0, py::arg("shuffle") = false,
             py::arg("repeat") = false, py::arg("seed") = 0)
        .def("image_size", &image_source::image_size)
        .def("image_shape", &image_source::image_shape)
        .def("num_images", &image_source::num_images);

    py::class_<metrics_sink, gr::hier_block2, gr::basic_block, std::shared_ptr<metrics_sink>>(
        m, "metrics_sink",
        "Accuracy, PSNR and SSIM of one receiver (originals, reconstructions, class scores), "
        "matched by frame seq; JSON summary and 'metrics' messages.")
        .def(py::init(&metrics_sink::make), py::arg("channels"), py::arg("height"), py::arg("width"),
             py::arg("num_classes"), py::arg("task") = "fine", py::arg("receiver") = "rx1",
             py::arg("report_every") = 100, py::arg("json_path") = "", py::arg("reconstructions") = true,
             py::arg("max_pending") = 4096)
        .def("accuracy", &metrics_sink::accuracy)
        .def("psnr_db", &metrics_sink::psnr_db)
        .def("ssim", &metrics_sink::ssim)
        .def("frames", &metrics_sink::frames)
        .def("frames_missing", &metrics_sink::frames_missing)
        .def("frames_sent", &metrics_sink::frames_sent)
        .def("frames_pending", &metrics_sink::frames_pending)
        .def("frames_nonfinite", &metrics_sink::frames_nonfinite)
        .def("frames_unmatched", &metrics_sink::frames_unmatched)
        .def("summary_json", &metrics_sink::summary_json);

    py::class_<image_sink, gr::hier_block2, gr::basic_block, std::shared_ptr<image_sink>>(
        m, "image_sink", "PNG files of the first frames of every input and a grid, one row per input.")
        .def(py::init(&image_sink::make), py::arg("channels"), py::arg("height"), py::arg("width"),
             py::arg("num_inputs"), py::arg("directory"), py::arg("max_images") = 16,
             py::arg("grid_columns") = 8, py::arg("prefix") = "image")
        .def("write_grid", &image_sink::write_grid);

    py::class_<equaliser, gr::sync_block, gr::block, gr::basic_block, std::shared_ptr<equaliser>>(
        m, "equaliser", "One-tap ZF/MMSE equaliser from 'semcom_csi' tags; writes 'snr_db' tags.")
        .def(py::init(&equaliser::make), py::arg("kind") = "zf")
        .def("frames_without_gain", &equaliser::frames_without_gain);

    py::class_<waveform_channel, gr::hier_block2, gr::basic_block, std::shared_ptr<waveform_channel>>(
        m, "waveform_channel",
        "One receiver's channel for burst samples (gr-channels): [fading_model] -> channel_model with the "
        "noise voltage of the symbol SNR; impairments none or realistic (CFO, clock offset, two paths).")
        .def(py::init(&waveform_channel::make), py::arg("channel") = "awgn", py::arg("snr_db") = 10.0f,
             py::arg("impairments") = "none", py::arg("sps") = 4, py::arg("receiver") = 0, py::arg("seed") = 1)
        .def("set_snr", &waveform_channel::set_snr, py::arg("snr_db"))
        .def("snr", &waveform_channel::snr)
        .def("noise_voltage", &waveform_channel::noise_voltage)
        .def("channel_seed", &waveform_channel::channel_seed);

    py::class_<burst_transmitter, gr::block, gr::basic_block, std::shared_ptr<burst_transmitter>>(
        m, "burst_transmitter", "Mapper symbols -> RRC-shaped bursts (preamble, coded header, pilots, payload).")
        .def(py::init(&burst_transmitter::make), py::arg("payload_symbols"), py::arg("scheme"),
             py::arg("model_id") = 0, py::arg("layers") = 2, py::arg("sps") = 4, py::arg("rolloff") = 0.35f,
             py::arg("pilots") = 32, py::arg("gap") = 1000, py::arg("amplitude") = 1.0f,
             py::arg("start_time") = -1.0, py::arg("images_per_burst") = 1, py::arg("spreading") = 1,
             py::arg("side_info_bytes") = 0)
        .def("burst_samples", &burst_transmitter::burst_samples)
        .def("bursts_sent", &burst_transmitter::bursts_sent)
        .def("images_sent", &burst_transmitter::images_sent)
        .def("side_info_unsent", &burst_transmitter::side_info_unsent);

    py::class_<burst_receiver, gr::block, gr::basic_block, std::shared_ptr<burst_receiver>>(
        m, "burst_receiver", "Samples -> equalised payload symbols with seq, snr_db and side-information tags.")
        .def(py::init(&burst_receiver::make), py::arg("payload_symbols"), py::arg("scheme") = 0,
             py::arg("sps") = 4, py::arg("rolloff") = 0.35f, py::arg("pilots") = 32, py::arg("threshold") = ::semcom::BurstDetector::default_threshold,
             py::arg("spreading") = 1)
        .def("bursts_detected", &burst_receiver::bursts_detected)
        .def("header_errors", &burst_receiver::header_errors)
        .def("frames_decoded", &burst_receiver::frames_decoded)
        .def("frames_rejected", &burst_receiver::frames_rejected)
        .def("mean_snr_db", &burst_receiver::mean_snr_db);

    py::class_<snr_report_source, gr::block, gr::basic_block, std::shared_ptr<snr_report_source>>(
        m, "snr_report_source",
        "PMT messages (the receivers' SNR reports) from a ZeroMQ SUB socket, each checked before it is "
        "deserialised (deserialize_checked); refused ones are counted, the rest published on 'out'.")
        .def(py::init(&snr_report_source::make), py::arg("address"), py::arg("timeout_ms") = 100,
             py::arg("bind") = true)
        .def("messages_received", &snr_report_source::messages_received)
        .def("messages_refused", &snr_report_source::messages_refused);

    py::class_<zmq_stream_source, gr::sync_block, gr::block, gr::basic_block, std::shared_ptr<zmq_stream_source>>(
        m, "zmq_stream_source",
        "A stream and its tags from a ZeroMQ SUB socket (what gr-zeromq's pub_sink publishes), each message "
        "checked before any of it is used; refused ones are counted and dropped.")
        .def(py::init(&zmq_stream_source::make), py::arg("itemsize"), py::arg("address"),
             py::arg("timeout_ms") = 100, py::arg("pass_tags") = true)
        .def("messages_received", &zmq_stream_source::messages_received)
        .def("messages_refused", &zmq_stream_source::messages_refused)
        .def("items_refused", &zmq_stream_source::items_refused);

    bind_monitor_blocks(m);

    m.def("block_errors", &block_errors,
          "Errors the gr-semcom blocks met while running ('BLOCK: what'), in order: each ended its block "
          "(WORK_DONE) so that the flowgraph ends");
    m.def("clear_block_errors", &clear_block_errors);

#ifdef SEMCOM_HAVE_NEURAL
    py::class_<semantic_encoder, gr::block, gr::basic_block, std::shared_ptr<semantic_encoder>>(
        m, "semantic_encoder", "Neural encoder (TorchScript + manifest): images -> layer indices or features.")
        .def(py::init(&semantic_encoder::make), py::arg("model"), py::arg("device") = "auto",
             py::arg("max_batch") = 16)
        .def("set_snr", &semantic_encoder::set_snr, py::arg("snr_db"))
        .def("set_snrs", &semantic_encoder::set_snrs, py::arg("snr_db"))
        .def("set_feedback", &semantic_encoder::set_feedback, py::arg("on"))
        .def("feedback", &semantic_encoder::feedback)
        .def("reports_ignored", &semantic_encoder::reports_ignored)
        .def("snrs", &semantic_encoder::snrs)
        .def("snr_width", &semantic_encoder::snr_width)
        .def("channel_uses", &semantic_encoder::channel_uses)
        .def("num_outputs", &semantic_encoder::num_outputs)
        .def("frames_dropped", &semantic_encoder::frames_dropped)
        .def("mean_symbols_sent", &semantic_encoder::mean_symbols_sent)
        .def("device_name", &semantic_encoder::device_name);

    py::class_<neural_decoder, gr::block, gr::basic_block, std::shared_ptr<neural_decoder>>(
        m, "neural_decoder", "Neural decoder of one receiver: frames of symbols -> class scores and image.")
        .def(py::init(&neural_decoder::make), py::arg("model"), py::arg("device") = "auto",
             py::arg("snr_db") = 10.0f, py::arg("max_batch") = 16, py::arg("max_wait_us") = 2000,
             py::arg("realtime") = false, py::arg("queue_capacity") = 64, py::arg("exit_threshold") = 0.0f,
             py::arg("hard_decisions") = false)
        .def("set_snr", &neural_decoder::set_snr, py::arg("snr_db"))
        .def("frames_decoded", &neural_decoder::frames_decoded)
        .def("frames_dropped", &neural_decoder::frames_dropped)
        .def("frames_invalid", &neural_decoder::frames_invalid)
        .def("frames_bad_snr", &neural_decoder::frames_bad_snr)
        .def("set_exit_threshold", &neural_decoder::set_exit_threshold, py::arg("threshold"))
        .def("exit_threshold", &neural_decoder::exit_threshold)
        .def("exit_layers", &neural_decoder::exit_layers)
        .def("mean_exit_layer", &neural_decoder::mean_exit_layer)
        .def("frames_per_exit_layer", &neural_decoder::frames_per_exit_layer)
        .def("mean_symbols_received", &neural_decoder::mean_symbols_received)
        .def("hard_decisions", &neural_decoder::hard_decisions)
        .def("frames_rejected", &neural_decoder::frames_rejected)
        .def("channel_uses", &neural_decoder::channel_uses)
        .def("num_classes", &neural_decoder::num_classes)
        .def("image_size", &neural_decoder::image_size)
        .def("task", &neural_decoder::task)
        .def("receiver", &neural_decoder::receiver)
        .def("device_name", &neural_decoder::device_name)
        .def("frames_per_model", &neural_decoder::frames_per_model)
        .def("set_bank", &neural_decoder::set_bank, py::arg("on"))
        .def("bank", &neural_decoder::bank)
        .def("set_snr_report", &neural_decoder::set_snr_report, py::arg("report_every"), py::arg("weight"))
        .def("reported_snr_db", &neural_decoder::reported_snr_db);

    py::class_<transmitter, gr::hier_block2, gr::basic_block, std::shared_ptr<transmitter>>(
        m, "transmitter",
        "The transmitter of a model family, built from its encoder manifest: images -> encoder -> the "
        "mapper of its transmit kind -> symbols (or, sps > 0, bursts).")
        .def(py::init(&transmitter::make), py::arg("model"), py::arg("device") = "auto", py::arg("max_batch") = 32,
             py::arg("sps") = 0, py::arg("burst_gap") = 200, py::arg("images_per_burst") = 1, py::arg("spreading") = 1)
        .def("scheme", &transmitter::scheme)
        .def("header_code", &transmitter::header_code)
        .def("transmit_kind", &transmitter::transmit_kind)
        .def("channel_uses", &transmitter::channel_uses)
        .def("receivers", &transmitter::receivers)
        .def("image_shape", &transmitter::image_shape)
        .def("snr_width", &transmitter::snr_width)
        .def("set_snr", &transmitter::set_snr, py::arg("snr_db"))
        .def("set_snrs", &transmitter::set_snrs, py::arg("snr_db"))
        .def("snrs", &transmitter::snrs)
        .def("set_feedback", &transmitter::set_feedback, py::arg("on"),
             "Use (True, the default) or ignore (False) the receivers' SNR reports on port snr.")
        .def("feedback", &transmitter::feedback)
        .def("reports_ignored", &transmitter::reports_ignored)
        .def("set_alphas", &transmitter::set_alphas, py::arg("alphas"),
             "Superposition schemes: the layers' power shares from now on (the decoders stay as trained).")
        .def("alphas", &transmitter::alphas)
        .def("mean_symbols_sent", &transmitter::mean_symbols_sent)
        .def("frames_dropped", &transmitter::frames_dropped)
        .def("device_name", &transmitter::device_name)
        .def("blocks", &transmitter::blocks, "The blocks inside, by name (semantic_encoder, mapper, ...).");

    py::class_<receiver, gr::hier_block2, gr::basic_block, std::shared_ptr<receiver>>(
        m, "receiver",
        "The receiver of one model (or a comma-separated bank): equalised symbols (or, sps > 0, burst "
        "samples) -> demapping of its transmit kind -> neural decoder -> class scores and image.")
        .def(py::init(&receiver::make), py::arg("models"), py::arg("device") = "auto", py::arg("snr_db") = 10.0f,
             py::arg("max_batch") = 32, py::arg("realtime") = false, py::arg("sps") = 0,
             py::arg("report_every") = 16, py::arg("report_weight") = 1.0 / 32.0, py::arg("exit_threshold") = 0.0f,
             py::arg("hard_decisions") = false, py::arg("spreading") = 1)
        .def("scheme", &receiver::scheme)
        .def("header_code", &receiver::header_code)
        .def("transmit_kind", &receiver::transmit_kind)
        .def("channel_uses", &receiver::channel_uses)
        .def("receiver_number", &receiver::receiver_number)
        .def("task", &receiver::task)
        .def("num_classes", &receiver::num_classes)
        .def("image_size", &receiver::image_size)
        .def("image_port", &receiver::image_port)
        .def("set_snr", &receiver::set_snr, py::arg("snr_db"))
        .def("frames_decoded", &receiver::frames_decoded)
        .def("frames_dropped", &receiver::frames_dropped)
        .def("frames_invalid", &receiver::frames_invalid)
        .def("blocks", &receiver::blocks, "The blocks inside, by name (burst_receiver, neural_decoder, ...).")
        .def("set_exit_threshold", &receiver::set_exit_threshold, py::arg("threshold"))
        .def("exit_threshold", &receiver::exit_threshold)
        .def("exit_layers", &receiver::exit_layers)
        .def("mean_exit_layer", &receiver::mean_exit_layer)
        .def("frames_per_exit_layer", &receiver::frames_per_exit_layer)
        .def("mean_symbols_received", &receiver::mean_symbols_received)
        .def("frames_rejected", &receiver::frames_rejected)
        .def("frames_per_model", &receiver::frames_per_model)
        .def("set_bank", &receiver::set_bank, py::arg("on"),
             "A bank: each frame to the model trained nearest its SNR (True) or to the first (False).")
        .def("bank", &receiver::bank)
        .def("bursts_detected", &receiver::bursts_detected)
        .def("header_errors", &receiver::header_errors)
        .def("frames_rejected", &receiver::frames_rejected)
        .def("mean_snr_db", &receiver::mean_snr_db)
        .def("reported_snr_db", &receiver::reported_snr_db)
        .def("device_name", &receiver::device_name);

    py::class_<image_classifier, gr::sync_block, gr::block, gr::basic_block, std::shared_ptr<image_classifier>>(
        m, "image_classifier",
        "A classifier of clean images (TorchScript + manifest, e.g. models/separate_classifier.json): images -> "
        "one logits output per task.")
        .def(py::init(&image_classifier::make), py::arg("model"), py::arg("device") = "auto", py::arg("max_batch") = 32)
        .def("classes", &image_classifier::classes)
        .def("tasks", &image_classifier::tasks)
        .def("device_name", &image_classifier::device_name);
    m.attr("has_neural") = true;
#else
    m.attr("has_neural") = false;
#endif
#ifdef SEMCOM_HAVE_SEPARATE
    py::class_<separate_transmitter, gr::block, gr::basic_block, std::shared_ptr<separate_transmitter>>(
        m, "separate_transmitter",
        "Separate coding baseline: images -> JPEG at the highest quality that fits -> CRC + LDPC + Gray QAM on "
        "channel_uses symbols.")
        .def(py::init(&separate_transmitter::make), py::arg("channels"), py::arg("height"), py::arg("width"),
             py::arg("mcs"), py::arg("channel_uses"))
        .def("payload_bytes", &separate_transmitter::payload_bytes)
        .def("link", &separate_transmitter::link)
        .def("images_sent", &separate_transmitter::images_sent)
        .def("images_too_large", &separate_transmitter::images_too_large)
        .def("mean_jpeg_quality", &separate_transmitter::mean_jpeg_quality);
    py::class_<separate_receiver, gr::block, gr::basic_block, std::shared_ptr<separate_receiver>>(
        m, "separate_receiver",
        "Separate coding baseline: equalised symbols -> LDPC decoding, CRC, JPEG decoding -> images (the "
        "fallback image when a frame fails).")
        .def(py::init(&separate_receiver::make), py::arg("channels"), py::arg("height"), py::arg("width"),
             py::arg("mcs"), py::arg("channel_uses"), py::arg("fallback") = "fashion-mnist", py::arg("snr_db") = 10.0f)
        .def("frames_decoded", &separate_receiver::frames_decoded)
        .def("frames_failed", &separate_receiver::frames_failed)
        .def("frames_without_snr", &separate_receiver::frames_without_snr);
    m.attr("has_separate") = true;
#else
    m.attr("has_separate") = false;
#endif
}
