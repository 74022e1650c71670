/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_ONE_LINE_H
#define SEMCOM_ONE_LINE_H

#include <cstdio>
#include <string>

namespace semcom {

/*!
 * \brief An error message made one printable line: control characters (a newline inside a quoted
 * JSON or YAML value, an escape a parser echoes) written as \n, \t, \xNN, and a message longer than
 * \p max cut in its middle (" ... "), so that it keeps the file it names and what was expected.
 *
 * The parsers of files and messages (model manifests, hardware profiles) pass every refusal through
 * it: the apps print the message as one line and exit non-zero.
 */
inline std::string one_line(const std::string& message, std::size_t max = 1000)
{
    std::string out;
    out.reserve(message.size());
    for (const char ch : message) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\n')
            out += "\\n";
        else if (c == '\r')
            out += "\\r";
        else if (c == '\t')
            out += "\\t";
        else if (c < 0x20 || c == 0x7f) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            out += hex;
        } else {
            out += ch;
        }
    }
    if (max >= 16 && out.size() > max) {
        const std::size_t tail = max / 3, head = max - tail - 5;
        out = out.substr(0, head) + " ... " + out.substr(out.size() - tail);
    }
    return out;
}

} // namespace semcom

#endif
