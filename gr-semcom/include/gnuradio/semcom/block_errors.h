/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_BLOCK_ERRORS_H
#define INCLUDED_SEMCOM_BLOCK_ERRORS_H

#include <gnuradio/semcom/api.h>

#include <string>
#include <vector>

namespace gr {
namespace semcom {

/*!
 * \brief Errors the gr-semcom blocks met while running.
 * \ingroup semcom
 *
 * A block whose work() meets an error it cannot count and go on from (a frame the mapper cannot
 * quantize, a file it cannot write) does not throw: GNU Radio would end that block's thread and
 * leave the others waiting forever. It logs one line, records "BLOCK: what" here and returns
 * WORK_DONE, so that the flowgraph ends; the program asks block_errors() after run() and fails
 * with the first one.
 */
SEMCOM_API void record_block_error(const std::string& block, const std::string& what);
//! Every error recorded since the process started (or since clear_block_errors()), in order.
SEMCOM_API std::vector<std::string> block_errors();
SEMCOM_API void clear_block_errors();

} // namespace semcom
} // namespace gr

#endif
