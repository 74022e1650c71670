/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gnuradio/semcom/frame_info.h>
#include <semcom/equaliser.h>

#include <cmath>

namespace gr {
namespace semcom {
namespace frame_info {

const pmt::pmt_t& key()
{
    static const pmt::pmt_t k = pmt::mp("semcom_frame");
    return k;
}

pmt::pmt_t with(const pmt::pmt_t& info, const char* field, const pmt::pmt_t& value)
{
    const pmt::pmt_t base = pmt::is_dict(info) ? info : pmt::make_dict();
    return pmt::dict_add(base, pmt::mp(field), value);
}

pmt::pmt_t get(const pmt::pmt_t& info, const char* field)
{
    if (!pmt::is_dict(info))
        return pmt::PMT_NIL;
    return pmt::dict_ref(info, pmt::mp(field), pmt::PMT_NIL);
}

std::optional<double> number(const pmt::pmt_t& info, const char* field)
{
    const auto v = get(info, field);
    if (!pmt::is_number(v) || pmt::is_complex(v))
        return std::nullopt;
    return pmt::to_double(v);
}

std::optional<double> measured_snr_db(const pmt::pmt_t& info)
{
    const auto h = get(info, "h");
    const auto noise_var = number(info, "noise_var");
    if (pmt::is_complex(h) && noise_var && *noise_var > 0.0)
        return double(::semcom::effective_snr_db(std::complex<float>(pmt::to_complex(h)), float(*noise_var)));
    const auto snr = number(info, "snr_db");
    if (snr && std::isfinite(*snr))
        return snr;
    return std::nullopt;
}

pmt::pmt_t find(const std::vector<gr::tag_t>& tags)
{
    pmt::pmt_t found = pmt::PMT_NIL;
    for (const auto& t : tags)
        if (pmt::eqv(t.key, key()))
            found = t.value;
    return found;
}

} // namespace frame_info
} // namespace semcom
} // namespace gr
