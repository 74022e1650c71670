/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/hardware/profile.h>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <stdexcept>

using semcom::hardware::Profile;
using semcom::hardware::profile_keys;

namespace fs = std::filesystem;

namespace {

std::string error_of(const std::string& path)
{
    try {
        Profile::load(path);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "no error";
}

class BadProfiles : public ::testing::Test
{
protected:
    void SetUp() override
    {
        d_dir = fs::temp_directory_path() / ("semcom-profiles-" + std::to_string(::getpid()));
        fs::create_directories(d_dir);
    }
    void TearDown() override { fs::remove_all(d_dir); }
    std::string write(const std::string& name, const std::string& text)
    {
        const auto p = (d_dir / name).string();
        std::ofstream(p) << text;
        return p;
    }
    fs::path d_dir;
};

} // namespace

TEST(Profile, ShippedProfilesLoadWithEveryField)
{
    int found = 0;
    for (const auto& e : fs::directory_iterator(fs::path(SEMCOM_SOURCE_DIR) / "hardware" / "profiles")) {
        if (e.path().extension() != ".yaml")
            continue;
        SCOPED_TRACE(e.path().string());
        ++found;
        const auto p = Profile::load(e.path().string());
        EXPECT_EQ(p.values().size(), profile_keys().size()); // every field given
        EXPECT_EQ(p.text("device") + ".yaml", e.path().filename().string());
        EXPECT_GT(p.number("sample_rate"), 0.0);
        EXPECT_GT(p.number("center_freq"), 1e6);
        // the master clock reaches the sample rate by an integer decimation
        const double decimation = p.number("master_clock_rate") / p.number("sample_rate");
        EXPECT_NEAR(decimation, std::round(decimation), 1e-9);
        EXPECT_LE(p.number("max_rx_input_dbm"), -15.0);
        EXPECT_EQ(p.text("args").find('"'), std::string::npos); // quotes are YAML's, not the value's
    }
    EXPECT_EQ(found, 3);
    const auto b210 = Profile::load(std::string(SEMCOM_SOURCE_DIR) + "/hardware/profiles/b210.yaml");
    EXPECT_EQ(b210.text("args"), "type=b200");
    EXPECT_EQ(b210.text("tx_antenna"), "TX/RX");
    EXPECT_DOUBLE_EQ(b210.number("master_clock_rate"), 16e6);
    EXPECT_DOUBLE_EQ(b210.number("tx_gain"), 40.0);
}

TEST_F(BadProfiles, PartialProfilesAreFine)
{
    const auto p = Profile::load(write("ok.yaml", "# a comment\nargs: type=b200,serial=31\nrx_gain: 3\n"));
    EXPECT_EQ(p.text("args"), "type=b200,serial=31");
    EXPECT_DOUBLE_EQ(p.number("rx_gain"), 3.0);
    EXPECT_FALSE(p.has("tx_gain"));
}

TEST_F(BadProfiles, AreRefusedNamingTheFileTheLineAndTheKey)
{
    const auto typo = write("typo.yaml", "args: type=b200\nrx_gian: 3\n");
    EXPECT_EQ(error_of(typo).rfind("'" + typo + "', line 2: unknown field 'rx_gian' (known: args, center_freq", 0), 0u)
        << error_of(typo);
    EXPECT_NE(error_of(write("nested.yaml", "args:\n  type: b200\n")).find("'args' must be a plain value"),
              std::string::npos);
    EXPECT_NE(error_of(write("list.yaml", "args: [a, b]\n")).find("'args' must be a plain value"), std::string::npos);
    const auto nan = write("nan.yaml", "sample_rate: fast\n");
    EXPECT_EQ(error_of(nan), "'" + nan + "': sample_rate = 'fast' is not a number");
    const auto open_quote = write("bad.yaml", "args: \"type=b200\n");
    EXPECT_EQ(error_of(open_quote).rfind("'" + open_quote + "', line 1: not valid YAML (", 0), 0u) << error_of(open_quote);
    EXPECT_NE(error_of(write("bad2.yaml", "args: [a,\n")).find("not valid YAML ("), std::string::npos);
    EXPECT_EQ(Profile::load(write("quotes.yaml", "args: 'it''s'  # ok\ntx_antenna: \"TX/\\\"RX\"\n")).text("args"), "it's");
    EXPECT_NE(error_of(write("empty.yaml", "")).find(": empty, expected key: value pairs"), std::string::npos);
    EXPECT_NE(error_of(write("comments.yaml", "# nothing\n")).find(": empty"), std::string::npos);
    EXPECT_NE(error_of(write("scalar.yaml", "b210\n")).find("expected key: value pairs"), std::string::npos);
    EXPECT_NE(error_of(write("clock.yaml", "clock_source: atomic\n")).find("clock_source = 'atomic' (internal, external"),
              std::string::npos);
    EXPECT_NE(error_of(write("twice.yaml", "rx_gain: 1\nrx_gain: 2\n")).find("line 2: 'rx_gain' given twice"),
              std::string::npos)
        << error_of(write("twice.yaml", "rx_gain: 1\nrx_gain: 2\n"));
    EXPECT_NE(error_of((d_dir / "missing.yaml").string()).find("cannot read it"), std::string::npos);
}

namespace {
std::string parse_error(const std::string& text)
{
    try {
        Profile::parse(text, "p.yaml");
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "no error";
}
} // namespace

// issue #15 (fuzzing): yaml-cpp echoes the character it stops at, a newline or a control character
// included, and values are echoed as written: every refusal must stay one line
TEST(Profile, RefusalsAreOneLineWhateverTheText)
{
    for (const std::string text : { std::string("device: \"a\\\n\nb\"\n"), std::string("clock_source: \"in\\nternal\"\n"),
                                    std::string("\"dev\\nice\": b210\n"), std::string("rx_gain: \"1\\t\\u0001x\"\n") }) {
        const auto e = parse_error(text);
        EXPECT_NE(e, "no error") << text;
        EXPECT_EQ(e.rfind("'p.yaml'", 0), 0u) << e;
        EXPECT_EQ(e.find('\n'), std::string::npos) << e;
        for (char c : e)
            EXPECT_GE(static_cast<unsigned char>(c), 0x20u) << e;
    }
    EXPECT_NE(parse_error("clock_source: \"in\\nternal\"\n").find("clock_source = 'in\\nternal'"), std::string::npos);
}

TEST_F(BadProfiles, ALargeFileIsRefusedBeforeItIsRead)
{
    const auto path = write("big.yaml", "device: b210\n# " + std::string(Profile::max_bytes, 'x') + "\n");
    EXPECT_NE(error_of(path).find("bytes, more than a profile may have"), std::string::npos) << error_of(path);
    EXPECT_NE(error_of(d_dir.string()).find("not a regular file"), std::string::npos);
    EXPECT_EQ(Profile::parse("device: b210\nsample_rate: 1e6\n", "p.yaml").number("sample_rate"), 1e6);
}
