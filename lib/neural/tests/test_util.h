/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// Helpers for the semcom-neural tests: where the test models are, raw reference files, and
// scratch copies of a model with an edited manifest or file.
#ifndef SEMCOM_NEURAL_TEST_UTIL_H
#define SEMCOM_NEURAL_TEST_UTIL_H

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace semcom_test {

namespace fs = std::filesystem;
using nlohmann::json;

//! Written by tests/make_test_models.py (the CTest fixture); SEMCOM_TEST_MODELS overrides.
inline fs::path models_dir()
{
    const char* env = std::getenv("SEMCOM_TEST_MODELS");
    return fs::path(env ? env : SEMCOM_TEST_MODELS);
}

//! Path of a test model's manifest; fails the test if the fixture has not run.
inline std::string model_json(const std::string& name)
{
    const auto p = models_dir() / (name + ".json");
    EXPECT_TRUE(fs::exists(p)) << p << " missing: run tests/make_test_models.py --out "
                               << models_dir() << " (ctest does, as a fixture)";
    return p.string();
}

template<typename T>
std::vector<T> read_raw(const fs::path& p)
{
    std::ifstream f(p, std::ios::binary);
    EXPECT_TRUE(f.good()) << p;
    std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::vector<T> out(bytes.size() / sizeof(T));
    std::memcpy(out.data(), bytes.data(), out.size() * sizeof(T));
    return out;
}

//! Reference input i / output k of model \p name at batch \p b.
inline fs::path ref_in(const std::string& name, int b, int i)
{
    return models_dir() / (name + ".b" + std::to_string(b) + ".in" + std::to_string(i) + ".f32");
}
inline fs::path ref_out(const std::string& name, int b, int k, const char* ext = "f32")
{
    return models_dir() /
           (name + ".b" + std::to_string(b) + ".out" + std::to_string(k) + "." + ext);
}

inline json read_json(const fs::path& p)
{
    std::ifstream f(p);
    return json::parse(f);
}
inline void write_text(const fs::path& p, const std::string& text)
{
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f << text;
}

//! A private directory with copies of test models, removed at the end of the test.
class Scratch
{
public:
    Scratch()
    {
        std::random_device rd;
        d_dir = fs::temp_directory_path() /
                ("semcom-neural-test-" + std::to_string(rd()) + std::to_string(rd()));
        fs::create_directories(d_dir);
    }
    ~Scratch()
    {
        std::error_code ec;
        fs::remove_all(d_dir, ec);
    }
    const fs::path& dir() const { return d_dir; }

    //! Copies NAME.pt and NAME.json, applies \p edit to the manifest, returns the .json path.
    std::string copy(const std::string& name, const std::function<void(json&)>& edit = {})
    {
        fs::copy_file(models_dir() / (name + ".pt"),
                      d_dir / (name + ".pt"),
                      fs::copy_options::overwrite_existing);
        auto doc = read_json(models_dir() / (name + ".json"));
        if (edit)
            edit(doc);
        write_text(d_dir / (name + ".json"), doc.dump(2));
        return (d_dir / (name + ".json")).string();
    }

private:
    fs::path d_dir;
};

//! Runs \p f, expects an exception of type E whose message contains every one of \p parts.
template<typename E, typename F>
void expect_error(F&& f, std::initializer_list<std::string> parts)
{
    try {
        f();
        ADD_FAILURE() << "no exception; expected one mentioning '" << *parts.begin() << "'";
    } catch (const E& e) {
        const std::string msg = e.what();
        for (const auto& p : parts)
            EXPECT_NE(msg.find(p), std::string::npos) << "message lacks '" << p << "':\n  " << msg;
    } catch (const std::exception& e) {
        ADD_FAILURE() << "wrong exception type: " << e.what();
    }
}

} // namespace semcom_test

#endif
