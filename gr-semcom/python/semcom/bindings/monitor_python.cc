/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pybind11 bindings of the over-the-air helper blocks: the UHD monitors and the frame matcher.
 */
#include <pybind11/pybind11.h>

#include <gnuradio/semcom/frame_matcher.h>
#include <gnuradio/semcom/uhd_async_counter.h>
#include <gnuradio/semcom/uhd_overflow_counter.h>

namespace py = pybind11;
using namespace gr::semcom;

void bind_monitor_blocks(py::module& m)
{
    py::class_<uhd_async_counter, gr::block, gr::basic_block, std::shared_ptr<uhd_async_counter>>(
        m, "uhd_async_counter",
        "Counts a usrp_sink's async events (message port 'in'): underflows, late bursts, sequence errors, "
        "burst acknowledgements.")
        .def(py::init(&uhd_async_counter::make))
        .def("underflows", &uhd_async_counter::underflows)
        .def("late_bursts", &uhd_async_counter::late_bursts)
        .def("sequence_errors", &uhd_async_counter::sequence_errors)
        .def("acks", &uhd_async_counter::acks)
        .def("drain", &uhd_async_counter::drain);

    py::class_<uhd_overflow_counter, gr::sync_block, gr::block, gr::basic_block,
               std::shared_ptr<uhd_overflow_counter>>(
        m, "uhd_overflow_counter",
        "Counts a usrp_source's overflows and the samples lost, from the jumps of its rx_time tags.")
        .def(py::init(&uhd_overflow_counter::make), py::arg("sample_rate"))
        .def("overflows", &uhd_overflow_counter::overflows)
        .def("samples_lost", &uhd_overflow_counter::samples_lost)
        .def("samples", &uhd_overflow_counter::samples);

    py::class_<frame_matcher, gr::block, gr::basic_block, std::shared_ptr<frame_matcher>>(
        m, "frame_matcher",
        "Pairs decoded frames with the originals by the seq of their semcom_image tags; lost frames leave "
        "their originals out.")
        .def(py::init(&frame_matcher::make), py::arg("item_size"))
        .def("matched", &frame_matcher::matched)
        .def("missing", &frame_matcher::missing);
}
