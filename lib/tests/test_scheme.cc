#include <semcom/frame.h>
#include <semcom/scheme.h>

#include <gtest/gtest.h>

#include <set>

using namespace semcom;

TEST(SchemeTable, BuiltinRowsHaveUniqueNamesAndCodes)
{
    const auto t = SchemeTable::builtin();
    std::set<std::string> names;
    std::set<int> codes;
    for (const auto& r : t.rows()) {
        EXPECT_TRUE(names.insert(r.name).second) << r.name;
        EXPECT_TRUE(codes.insert(r.header_code).second) << r.name;
        EXPECT_NE(r.header_code, 0);
        EXPECT_EQ(parse_transmit_kind(transmit_kind_name(r.kind)), r.kind);
    }
    // The codes on the air are a contract with deployed receivers (docs/frame-format.md).
    EXPECT_EQ(t.at("deepscm").header_code, 1);
    EXPECT_EQ(t.at("cm").header_code, 2);
    EXPECT_EQ(t.at("mijscc").header_code, 3);
    EXPECT_EQ(t.at("amijscc").header_code, 4);
    EXPECT_EQ(t.at("separate").header_code, 5);
    EXPECT_EQ(t.at("asc").header_code, 6);
    EXPECT_EQ(t.at("asc").kind, TransmitKind::quantized);
    EXPECT_EQ(t.at("deepbroadcast").header_code, 7);
    EXPECT_EQ(t.at("deepbroadcast").kind, TransmitKind::analog);
    EXPECT_EQ(t.at("deepbroadcast").default_models, "models/deepbroadcast");
    EXPECT_EQ(t.find(std::uint8_t(7))->name, "deepbroadcast");
    EXPECT_EQ(t.at("deepbroadcast_16qam").header_code, 8);
    EXPECT_EQ(t.at("deepbroadcast_16qam").kind, TransmitKind::indices);
    EXPECT_EQ(t.at("amijscc").kind, TransmitKind::quantized);
    EXPECT_EQ(t.find(std::uint8_t(4))->name, "amijscc");
    EXPECT_EQ(t.at("udeepsc").header_code, 9);
    EXPECT_EQ(t.at("udeepsc").kind, TransmitKind::codebook);
    EXPECT_EQ(t.at("udeepsc").default_models, "models/udeepsc");
    EXPECT_STREQ(transmit_kind_name(TransmitKind::codebook), "codebook");
}

TEST(SchemeTable, UnknownNameListsTheKnownOnes)
{
    const auto t = SchemeTable::builtin();
    try {
        t.at("deepsmc");
        FAIL() << "no throw";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("deepscm, cm, mijscc, amijscc, separate"), std::string::npos) << e.what();
    }
    EXPECT_EQ(t.find(std::uint8_t(200)), nullptr);
}

TEST(SchemeTable, RowsFromTextAreAddedAndCheckedLineByLine)
{
    auto t = SchemeTable::builtin();
    t.add_from_text("# test rows\n\ntoy 20 superposition /tmp/toy  # a comment\nother 21 analog\n", "rows.txt");
    ASSERT_NE(t.find("toy"), nullptr);
    EXPECT_EQ(t.at("toy").header_code, 20);
    EXPECT_EQ(t.at("toy").default_models, "/tmp/toy");
    EXPECT_EQ(t.at("other").kind, TransmitKind::analog);

    const std::pair<const char*, const char*> bad[] = {
        { "x 22 teleport\n", "rows.txt:1: unknown transmit kind 'teleport'" },
        { "\ny 1 analog\n", "rows.txt:2: scheme table: 'y': header code 1 is taken by 'deepscm'" },
        { "deepscm 30 analog\n", "already in the table" },
        { "z 0 analog\n", "not an integer in 1..255" },
        { "z 256 analog\n", "not an integer in 1..255" },
        { "z 3x analog\n", "not an integer in 1..255" },
        { "z 40\n", "expected NAME CODE KIND" },
        { "z 40 analog a b\n", "unexpected 'b'" },
    };
    for (const auto& [text, message] : bad) {
        auto u = SchemeTable::builtin();
        try {
            u.add_from_text(text, "rows.txt");
            ADD_FAILURE() << "accepted: " << text;
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
        }
    }
}

TEST(SchemeTable, HeaderParserRefusesCodesOutsideTheTable)
{
    FrameHeader h;
    h.payload_symbols = 128;
    for (const auto& r : SchemeTable::instance().rows()) {
        h.scheme = r.header_code;
        const auto bytes = h.serialize();
        EXPECT_TRUE(FrameHeader::parse(bytes.data(), bytes.size()).has_value()) << r.name;
    }
    h.scheme = 99;
    const auto bytes = h.serialize();
    std::string why;
    EXPECT_FALSE(FrameHeader::parse(bytes.data(), bytes.size(), &why).has_value());
    EXPECT_NE(why.find("unknown scheme 99"), std::string::npos) << why;
}
