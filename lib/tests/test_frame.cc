#include <semcom/channel.h>
#include <semcom/convolutional.h>
#include <semcom/frame.h>
#include <semcom/scheme.h>

#include <gtest/gtest.h>

#include <cmath>
#include <algorithm>
#include <random>

using namespace semcom;

namespace {
FrameHeader sample_header()
{
    FrameHeader h;
    h.scheme = SchemeTable::instance().at("amijscc").header_code;
    h.model_id = 0xbeef;
    h.sequence = 123456789u;
    h.payload_symbols = 128;
    h.layers = 0;
    h.quantizer_bits = 8;
    h.z_min = -1.25f;
    h.z_max = 3.5f;
    h.gain = 0.731f;
    h.end_index = 77;
    return h;
}

std::vector<cfloat> payload(std::size_t n, unsigned seed)
{
    std::mt19937 rng(seed);
    const auto c = Constellation::qam(16);
    std::vector<cfloat> p(n);
    for (auto& x : p)
        x = c.point(rng() % 16);
    return p;
}
} // namespace

TEST(FrameHeader, RoundTripAndLayout)
{
    const auto h = sample_header();
    const auto bytes = h.serialize();
    ASSERT_EQ(bytes.size(), FrameHeader::size);
    EXPECT_EQ(bytes[0], 2);                     // version
    EXPECT_EQ(bytes[2], 0xbe);                  // model id, big-endian
    EXPECT_EQ(bytes[4], 123456789u >> 24);
    const auto back = FrameHeader::parse(bytes.data(), bytes.size());
    ASSERT_TRUE(back);
    EXPECT_TRUE(*back == h);
    EXPECT_EQ(back->z_max, 3.5f);
    EXPECT_EQ(back->end_index, 77);
}

TEST(FrameHeader, EverySingleBitErrorIsCaught)
{
    const auto bytes = sample_header().serialize();
    for (std::size_t bit = 0; bit < bytes.size() * 8; ++bit) {
        auto b = bytes;
        b[bit / 8] ^= std::uint8_t(1u << (bit % 8));
        std::string error;
        EXPECT_FALSE(FrameHeader::parse(b.data(), b.size(), &error)) << bit;
        EXPECT_NE(error.find("CRC"), std::string::npos);
    }
}

TEST(FrameHeader, RefusesInvalidFieldsEvenWithAGoodCrc)
{
    auto check = [](FrameHeader h, const std::string& what) {
        const auto b = h.serialize();
        std::string error;
        EXPECT_FALSE(FrameHeader::parse(b.data(), b.size(), &error)) << what;
        EXPECT_NE(error.find(what), std::string::npos) << error;
    };
    auto h = sample_header();
    h.version = 9;
    check(h, "version");
    h = sample_header();
    h.scheme = 77;
    check(h, "scheme");
    h = sample_header();
    h.quantizer_bits = 12;
    check(h, "bits");
    h = sample_header();
    h.z_max = -5.0f;
    check(h, "range");
    h = sample_header();
    h.gain = NAN;
    check(h, "gain");
    h = sample_header();
    h.end_index = 500;
    check(h, "end index");
    std::string error;
    EXPECT_FALSE(FrameHeader::parse(nullptr, 0, &error));
    EXPECT_NE(error.find("need 32"), std::string::npos);
}

TEST(FrameFormat, BuildThenParseThroughAFadedNoisyChannel)
{
    const FrameFormat fmt(32);
    const auto h = sample_header();
    const auto data = payload(h.payload_symbols, 1);
    const auto frame = fmt.build(h, data.data(), data.size());
    ASSERT_EQ(frame.size(), 128u + 524u + 32u + 128u);
    // unit-power preamble and pilots
    double p = 0;
    for (std::size_t i = 0; i < 128; ++i)
        p += std::norm(frame[i]);
    EXPECT_NEAR(p / 128, 1.0, 1e-6);

    int ok = 0;
    double mse = 0;
    Channel ch(ChannelConfig::parse("rayleigh", 25.0f), 4);
    std::vector<cfloat> y(frame.size());
    for (int t = 0; t < 200; ++t) {
        ch.new_block();
        if (std::abs(ch.block_gain()) < 0.3f)
            continue; // deep fade: skip, the point here is the parser
        ch.apply(frame.data(), y.data(), y.size());
        std::string error;
        const auto parsed = fmt.parse(y.data(), y.size(), &error);
        ASSERT_TRUE(parsed) << error;
        EXPECT_TRUE(parsed->header == h);
        EXPECT_NEAR(std::abs(parsed->channel.h - ch.block_gain()), 0.0, 0.1);
        for (std::size_t i = 0; i < data.size(); ++i)
            mse += std::norm(parsed->payload[i] - data[i]);
        ++ok;
    }
    EXPECT_GT(ok, 150);
    // LS estimate from 32 pilots: equalised noise about (1 + 1/32) sigma^2 / |h|^2
    EXPECT_LT(mse / (ok * data.size()), 0.05);
}

TEST(FrameFormat, BadBurstsAreRefusedWithAReason)
{
    const FrameFormat fmt(16);
    const auto h = sample_header();
    const auto data = payload(h.payload_symbols, 2);
    auto frame = fmt.build(h, data.data(), data.size());
    std::string error;
    EXPECT_FALSE(fmt.parse(frame.data(), 100, &error));
    EXPECT_NE(error.find("shorter"), std::string::npos);
    EXPECT_FALSE(fmt.parse(frame.data(), frame.size() - 10, &error));
    EXPECT_NE(error.find("data symbols"), std::string::npos);
    frame[128 + 5] = -frame[128 + 5]; // one coded header bit flipped on the air: corrected
    EXPECT_TRUE(fmt.parse(frame.data(), frame.size(), &error)) << error;
    for (std::size_t i = 200; i < 260; ++i) // a burst of errors the code cannot correct
        frame[i] = -frame[i];
    EXPECT_FALSE(fmt.parse(frame.data(), frame.size(), &error));
    EXPECT_FALSE(error.empty());
    EXPECT_THROW(fmt.build(h, data.data(), 10), std::invalid_argument);
    EXPECT_THROW(FrameFormat(1), std::invalid_argument);
}

namespace {
SideInfo sample_side()
{
    SideInfo s;
    s.keep_masks = { { 1, 0, 1, 1, 0, 0, 0, 0, 1 }, { 0, 0, 0, 0, 0, 0, 0, 0, 0 }, { 1, 1, 1, 1, 1, 1, 1, 1, 1 } };
    s.snr_db_used = { -5.0f, 12.25f };
    return s;
}
} // namespace

TEST(SideInfo, RoundTripInWholeBlocks)
{
    const auto s = sample_side();
    EXPECT_EQ(s.size(), 3 * (5 + 2) + 3 + 8);
    const auto bytes = s.serialize();
    EXPECT_EQ(bytes.size(), 32u); // 32 bytes, zero-padded to whole 8-byte blocks
    EXPECT_EQ(bytes[0], 1);        // a keep-mask record of image 0
    EXPECT_EQ(bytes[5], 0xb0);     // 1 0 1 1 0 0 0 0 | 1: the first bit the most significant
    const auto back = SideInfo::parse(bytes.data(), bytes.size(), 3);
    ASSERT_TRUE(back);
    EXPECT_TRUE(*back == s);
    // SNRs alone, or nothing
    SideInfo snr_only;
    snr_only.snr_db_used = { 1.0f, 2.0f, 3.0f };
    const auto b2 = snr_only.serialize();
    EXPECT_EQ(b2.size(), 16u);
    EXPECT_TRUE(*SideInfo::parse(b2.data(), b2.size(), 8) == snr_only);
    EXPECT_TRUE(SideInfo().serialize().empty());
    // quantizers of images 0 and 2 (image 1 without), with the SNRs
    SideInfo q;
    q.quantizers = { { 8, -1.5f, 2.25f, 0.75f, 0 }, {}, { 4, 0.0f, 1.0f, 1.25f, 100 } };
    q.snr_db_used = { 3.0f };
    EXPECT_EQ(q.size(), 2 * SideInfo::quantizer_bytes + 7);
    const auto b3 = q.serialize();
    const auto q3 = SideInfo::parse(b3.data(), b3.size(), 3);
    ASSERT_TRUE(q3);
    EXPECT_TRUE(*q3 == q);
}

TEST(SideInfo, MalformedRecordsAreRefusedWithAReason)
{
    auto refused = [](std::vector<std::uint8_t> b, std::size_t images, const std::string& what) {
        std::string error;
        EXPECT_FALSE(SideInfo::parse(b.data(), b.size(), images, &error)) << what;
        EXPECT_NE(error.find(what), std::string::npos) << error;
    };
    const auto good = sample_side().serialize();
    refused(good, 2, "keep mask of image 2 of 2");  // a mask for an image the burst does not have
    auto b = good;
    b[0] = 9;
    refused(b, 3, "unknown record type 9");
    b = good;
    b[4] = 20; // 20 entries claimed in 2 bytes
    refused(b, 3, "keep mask of 20 entries in 2 bytes");
    b = good;
    b[2] = 200;
    refused(b, 3, "a record of 200 bytes");
    refused({ 1, 0 }, 3, "cut short");
    SideInfo q;
    q.quantizers = { { 9, 0.0f, 1.0f, 1.0f, 0 } };
    refused(q.serialize(), 1, "quantizer of image 0 out of range");
    q.quantizers = { { 8, 1.0f, -1.0f, 1.0f, 0 } };
    refused(q.serialize(), 1, "quantizer of image 0 out of range");
    q.quantizers = { { 8, 0.0f, INFINITY, 1.0f, 0 } };
    refused(q.serialize(), 1, "quantizer of image 0 out of range");
    q.quantizers = { { 8, 0.0f, 1.0f, 1.0f, 0 } };
    auto bq = q.serialize();
    bq[2] = 14; // a 14-byte quantizer record
    refused(bq, 1, "quantizer record of image 0 of 1, 14 bytes");
    SideInfo nan;
    nan.snr_db_used = { NAN };
    const auto bn = nan.serialize();
    refused(bn, 1, "non-finite");
    SideInfo big;
    big.keep_masks.assign(12, std::vector<std::uint8_t>(147, 1)); // 12 x 24 bytes > 248
    EXPECT_GT(big.size(), SideInfo::max_bytes);
    EXPECT_THROW(big.serialize(), std::invalid_argument);
}

TEST(FrameFormat, SideInformationAfterThePilotsAndItsCrc)
{
    const FrameFormat fmt(32, 4);
    auto h = sample_header();
    h.quantizer_bits = 0;
    h.end_index = 0;
    h.spreading = 4;
    const auto side = sample_side().serialize();
    h.side_blocks = std::uint8_t(side.size() / 8);
    const auto back = FrameHeader::parse(h.serialize().data(), FrameHeader::size);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->side_blocks, 4);
    EXPECT_EQ(back->spreading, 4);
    const auto data = payload(h.payload_symbols, 3);
    EXPECT_THROW(fmt.build(h, data.data(), data.size()), std::invalid_argument); // the header says 4 blocks
    auto frame = fmt.build(h, data.data(), data.size(), side);
    // (32 bytes + CRC-32) x 8 bits + 6 tail bits, rate 1/2, 4 chips each
    EXPECT_EQ(fmt.side_symbols(h), 2u * ((32 + 4) * 8 + 6) * 4);
    ASSERT_EQ(frame.size(), fmt.burst_symbols(h));
    std::string error;
    auto parsed = fmt.parse(frame.data(), frame.size(), &error);
    ASSERT_TRUE(parsed) << error;
    EXPECT_EQ(parsed->side, side);
    for (std::size_t i = 0; i < data.size(); ++i)
        EXPECT_LT(std::abs(parsed->payload[i] - data[i]), 1e-4f);
    // the block wiped: the burst is refused, not decoded without its side information
    for (std::size_t i = fmt.overhead() + 400; i < fmt.overhead() + 800; ++i)
        frame[i] = -frame[i];
    EXPECT_FALSE(fmt.parse(frame.data(), frame.size(), &error));
    EXPECT_NE(error.find("side information: CRC"), std::string::npos) << error;
}

namespace {
// Bursts at known positions in noise, with a CFO and a random phase.
struct Capture {
    std::vector<cfloat> samples;
    std::vector<std::size_t> starts;
};

Capture capture(const FrameFormat& fmt, int bursts, float snr_db, float cfo, unsigned seed)
{
    std::mt19937 rng(seed);
    Capture c;
    const auto h = sample_header();
    const auto data = payload(h.payload_symbols, seed);
    const auto frame = fmt.build(h, data.data(), data.size());
    std::size_t pos = 0;
    for (int b = 0; b < bursts; ++b) {
        const std::size_t gap = 200 + rng() % 300;
        c.samples.resize(c.samples.size() + gap, cfloat(0, 0));
        pos += gap;
        c.starts.push_back(pos);
        const float phase = float(rng() % 628) / 100.0f;
        for (const auto& s : frame)
            c.samples.push_back(s * std::polar(1.0f, phase));
        pos += frame.size();
    }
    c.samples.resize(c.samples.size() + 300, cfloat(0, 0));
    BurstDetector::correct_cfo(c.samples.data(), c.samples.size(), -cfo); // adds the CFO
    Channel ch(ChannelConfig::parse("awgn", snr_db), seed);
    ch.apply(c.samples.data(), c.samples.data(), c.samples.size());
    return c;
}
} // namespace

class BurstDetection5and10dB : public ::testing::TestWithParam<float> {};

TEST_P(BurstDetection5and10dB, FindsAtLeast99PercentWithCfo)
{
    const FrameFormat fmt(32);
    const BurstDetector det(fmt);
    const float snr = GetParam();
    const float cfo = 0.003f; // cycles per symbol (e.g. 300 Hz at 100 ksym/s)
    const auto c = capture(fmt, 400, snr, cfo, 11);
    const auto found = det.detect(c.samples.data(), c.samples.size());
    std::size_t hits = 0, parsed = 0;
    double cfo_err = 0;
    for (const auto& f : found) {
        const bool hit = std::find(c.starts.begin(), c.starts.end(), f.start) != c.starts.end();
        hits += hit;
        if (!hit)
            continue;
        cfo_err += std::abs(f.cfo - cfo);
        std::vector<cfloat> burst(c.samples.begin() + f.start,
                                  c.samples.begin() + f.start + fmt.overhead() + 128);
        BurstDetector::correct_cfo(burst.data(), burst.size(), f.cfo);
        parsed += bool(fmt.parse(burst.data(), burst.size()));
    }
    EXPECT_GE(hits, 396u);                  // >= 99 % at the exact start
    EXPECT_EQ(found.size(), hits);          // and nothing else
    EXPECT_LT(cfo_err / hits, 2e-4);        // CFO to a fraction of its range
    // The coded header: uncoded, all 256 bits would be right with probability
    // (1 - Q(sqrt(2 snr)))^256 = 0.21 at 5 dB; with the K = 7 code nearly always.
    EXPECT_GE(parsed, hits * 99 / 100);
}

INSTANTIATE_TEST_SUITE_P(Snr, BurstDetection5and10dB, ::testing::Values(5.0f, 10.0f));

TEST(BurstDetector, NoFalseBurstsOnNoise)
{
    const FrameFormat fmt;
    const BurstDetector det(fmt);
    std::vector<cfloat> noise(2000000, cfloat(0, 0));
    Channel(ChannelConfig::parse("awgn", 0.0f), 3).apply(noise.data(), noise.data(), noise.size());
    EXPECT_TRUE(det.detect(noise.data(), noise.size()).empty());
    EXPECT_THROW(BurstDetector(fmt, 1.5f), std::invalid_argument);
}

TEST(ConvolutionalCode, RoundTripCorrectsErrorsAndBeatsUncodedBpsk)
{
    std::mt19937 rng(5);
    std::vector<std::uint8_t> bits(256);
    for (auto& b : bits)
        b = rng() & 1;
    const auto coded = ConvolutionalCode::encode(bits);
    ASSERT_EQ(coded.size(), 2u * (256u + 6u));
    // tail flushes the encoder: the last 12 coded bits of an all-zero tail from state 0 are 0
    EXPECT_EQ(ConvolutionalCode::encode(std::vector<std::uint8_t>(10, 0)),
              std::vector<std::uint8_t>(32, 0));
    std::vector<float> soft(coded.size());
    for (std::size_t i = 0; i < coded.size(); ++i)
        soft[i] = coded[i] ? 1.0f : -1.0f;
    EXPECT_EQ(ConvolutionalCode::decode(soft.data(), soft.size()), bits);
    // free distance 10: any 4 hard errors, spread out, are corrected
    for (std::size_t i : { 3u, 100u, 250u, 400u })
        soft[i] = -soft[i];
    EXPECT_EQ(ConvolutionalCode::decode(soft.data(), soft.size()), bits);
    // at Eb/N0 = 3 dB (BPSK symbol SNR 0 dB at rate 1/2): coded BER far below uncoded Q(sqrt(2))
    std::normal_distribution<float> noise(0.0f, 1.0f / std::sqrt(2.0f)); // Es/N0 = 0 dB
    std::size_t errors = 0, total = 0;
    for (int t = 0; t < 200; ++t) {
        for (auto& b : bits)
            b = rng() & 1;
        const auto c = ConvolutionalCode::encode(bits);
        for (std::size_t i = 0; i < c.size(); ++i)
            soft[i] = (c[i] ? 1.0f : -1.0f) + noise(rng);
        const auto d = ConvolutionalCode::decode(soft.data(), soft.size());
        for (std::size_t i = 0; i < bits.size(); ++i)
            errors += d[i] != bits[i];
        total += bits.size();
    }
    const double uncoded = 0.5 * std::erfc(1.0); // BPSK at Es/N0 = 0 dB
    EXPECT_LT(double(errors) / total, uncoded / 5); // about 0.02 against 0.079
    EXPECT_THROW(ConvolutionalCode::decode(soft.data(), 7), std::invalid_argument);
}
