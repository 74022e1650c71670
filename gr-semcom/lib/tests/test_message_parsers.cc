/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The PMT parsers of message_parsers.h: quantizer side information and "snr" messages, as they
 * arrive over gr-zeromq (issue #15, found by fuzz/fuzz_side_info.cc and fuzz/fuzz_snr_message.cc).
 */
#include "message_parsers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace gr::semcom;

namespace {
pmt::pmt_t side_info(pmt::pmt_t bits, pmt::pmt_t z_min, pmt::pmt_t z_max, pmt::pmt_t gain, pmt::pmt_t values)
{
    auto d = pmt::make_dict();
    d = pmt::dict_add(d, pmt::mp("bits"), bits);
    d = pmt::dict_add(d, pmt::mp("z_min"), z_min);
    d = pmt::dict_add(d, pmt::mp("z_max"), z_max);
    d = pmt::dict_add(d, pmt::mp("gain"), gain);
    d = pmt::dict_add(d, pmt::mp("values"), values);
    return d;
}
} // namespace

// before: pmt::to_long on a real 'bits' threw out of the demapper's work(), a double beyond float
// range was narrowed (UB), bits 300 or a negative value count were taken as they came
TEST(MessageParsers, SideInformationIsTypeAndRangeChecked)
{
    const auto ok = side_info(pmt::from_long(4), pmt::from_double(-1.0), pmt::from_double(2.0), pmt::from_double(1.5),
                              pmt::from_long(16));
    const auto info = quantized_info_from_pmt(ok);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->bits, 4u);
    EXPECT_EQ(info->values, 16u);
    EXPECT_EQ(info->range.z_max, 2.0f);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    struct Case {
        pmt::pmt_t d;
        const char* why;
    };
    const Case bad[] = {
        { side_info(pmt::from_double(4.0), pmt::from_double(-1), pmt::from_double(2), pmt::from_double(1),
                    pmt::from_long(16)),
          "'bits'" },
        { side_info(pmt::from_long(300), pmt::from_double(-1), pmt::from_double(2), pmt::from_double(1),
                    pmt::from_long(16)),
          "'bits'" },
        { side_info(pmt::from_long(4), pmt::from_double(-1e300), pmt::from_double(2), pmt::from_double(1),
                    pmt::from_long(16)),
          "range" },
        { side_info(pmt::from_long(4), pmt::from_double(3), pmt::from_double(2), pmt::from_double(1),
                    pmt::from_long(16)),
          "range" },
        { side_info(pmt::from_long(4), pmt::from_double(-1), pmt::from_double(2), pmt::from_double(nan),
                    pmt::from_long(16)),
          "'gain'" },
        { side_info(pmt::from_long(4), pmt::from_double(-1), pmt::from_double(2), pmt::from_complex({ 1, 1 }),
                    pmt::from_long(16)),
          "'gain'" },
        { side_info(pmt::from_long(4), pmt::from_double(-1), pmt::from_double(2), pmt::from_double(1),
                    pmt::from_long(-2)),
          "'values'" },
        { side_info(pmt::from_long(4), pmt::from_double(-1), pmt::from_double(2), pmt::from_double(1),
                    pmt::from_long(17)),
          "'values'" },
        { pmt::dict_add(ok, pmt::mp("sent"), pmt::from_long(9)), "'sent'" },
        { pmt::cons(pmt::from_long(1), pmt::from_long(2)), "not a dict" },
    };
    for (const auto& c : bad) {
        std::string why;
        EXPECT_FALSE(quantized_info_from_pmt(c.d, &why)) << pmt::write_string(c.d);
        EXPECT_NE(why.find(c.why), std::string::npos) << why;
    }
}

TEST(MessageParsers, SnrMessagesOfEveryShape)
{
    auto m = parse_snr_message(pmt::from_double(7.5));
    EXPECT_EQ(m.kind, SnrMessage::Kind::all);
    EXPECT_EQ(m.all_db, 7.5f);
    m = parse_snr_message(pmt::init_f32vector(2, std::vector<float>{ 1.0f, 2.0f }));
    EXPECT_EQ(m.kind, SnrMessage::Kind::per_receiver);
    EXPECT_EQ(m.values, (std::vector<float>{ 1.0f, 2.0f }));
    auto reports = pmt::dict_add(pmt::make_dict(), pmt::mp("rx2"), pmt::from_double(3.0));
    reports = pmt::dict_add(reports, pmt::mp("left"), pmt::from_double(1.0));
    reports = pmt::dict_add(reports, pmt::from_long(1), pmt::from_complex({ 1, 1 }));
    m = parse_snr_message(reports);
    EXPECT_EQ(m.kind, SnrMessage::Kind::reports);
    ASSERT_EQ(m.reports.size(), 1u);
    EXPECT_EQ(m.reports[0].first, 2);
    EXPECT_EQ(m.errors.size(), 2u);
    // refused, never thrown: beyond float, NaN, complex, an improper list, too many values
    for (const auto& p : { pmt::from_double(1e300), pmt::from_double(std::nan("")), pmt::from_complex({ 1, 2 }),
                           pmt::cons(pmt::from_double(1), pmt::from_double(2)),
                           pmt::init_f32vector(1000, std::vector<float>(1000, 1.0f)),
                           pmt::make_vector(2, pmt::mp("x")), pmt::mp("rx1") }) {
        m = parse_snr_message(p);
        EXPECT_EQ(m.kind, SnrMessage::Kind::invalid);
        ASSERT_EQ(m.errors.size(), 1u);
        EXPECT_EQ(m.errors[0].find('\n'), std::string::npos);
    }
    // the decoder's port keeps its value for anything that is not a finite number
    EXPECT_EQ(snr_from_message(pmt::from_double(1e300), 4.0f), 4.0f);
    EXPECT_EQ(snr_from_message(pmt::from_complex({ 1, 2 }), 4.0f), 4.0f);
    EXPECT_EQ(snr_from_message(pmt::dict_add(pmt::make_dict(), pmt::mp("snr_db"), pmt::from_long(9)), 4.0f), 9.0f);
}

// GNU Radio's pmt::deserialize allocates (and loops over) the length a vector claims
TEST(MessageParsers, SerialisedLengthsAreCheckedBeforeDeserialising)
{
    const auto d = pmt::dict_add(pmt::make_dict(), pmt::mp("rx1"), pmt::from_double(3.0));
    EXPECT_TRUE(pmt::equal(deserialize_checked(pmt::serialize_str(d)), d));
    const auto v = pmt::init_f32vector(3, std::vector<float>{ 1, 2, 3 });
    EXPECT_TRUE(pmt::equal(deserialize_checked(pmt::serialize_str(v)), v));
    // a c64 uniform vector claiming 2^32 - 1 elements in 8 bytes; a vector of 2^32 - 1 items
    EXPECT_THROW(deserialize_checked(std::string("\x0a\x0b\xff\xff\xff\xff\x00\x00", 8)), std::invalid_argument);
    EXPECT_THROW(deserialize_checked(std::string("\x08\xff\xff\xff\xff\x06", 6)), std::invalid_argument);
    // nesting deeper than 32
    EXPECT_THROW(deserialize_checked(std::string(40, '\x07') + std::string(41, '\x06')), std::invalid_argument);
    EXPECT_THROW(deserialize_checked(std::string("\x02\x00\x05ab", 5)), std::invalid_argument); // truncated
}
