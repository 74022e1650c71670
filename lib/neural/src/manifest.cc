/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/channel.h>
#include <semcom/constellation.h>
#include <semcom/neural/manifest.h>
#include <semcom/one_line.h>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <cctype>
#include <cfloat>
#include <climits>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>

namespace semcom {
namespace neural {

using json = nlohmann::json;

namespace {

const char* type_of(const json& j)
{
    if (j.is_number_integer())
        return "integer";
    if (j.is_number())
        return "number";
    return j.type_name(); // "null", "string", "array", "object", "boolean"
}

/*
 * Reads typed fields with the path of each one ("inputs[1].shape"), so that every refusal says
 * which manifest and which field.
 */
class Reader
{
public:
    explicit Reader(std::string origin)
      : d_origin(std::move(origin))
    {}

    //! One line (control characters escaped, long values cut: one_line) that names the manifest.
    [[noreturn]] void fail(const std::string& what) const
    {
        throw std::invalid_argument(one_line(d_origin + ": " + what));
    }
    [[noreturn]] void wrong_type(const std::string& field,
                                 const char* expected,
                                 const json& got) const
    {
        fail("field '" + field + "' must be " + expected + ", got " + type_of(got));
    }

    const json& required(const json& obj, const std::string& prefix, const char* key) const
    {
        auto it = obj.find(key);
        if (it == obj.end())
            fail("missing required field '" + prefix + key + "'");
        return *it;
    }
    //! nullptr when absent or null.
    const json* optional(const json& obj, const char* key) const
    {
        auto it = obj.find(key);
        if (it == obj.end() || it->is_null())
            return nullptr;
        return &*it;
    }

    std::string string(const json& j, const std::string& field) const
    {
        if (!j.is_string())
            wrong_type(field, "a string", j);
        return j.get<std::string>();
    }
    std::string nonempty_string(const json& j, const std::string& field) const
    {
        auto s = string(j, field);
        if (s.empty())
            fail("field '" + field + "' must not be empty");
        return s;
    }
    std::int64_t integer(const json& j, const std::string& field) const
    {
        if (!j.is_number_integer())
            wrong_type(field, "an integer", j);
        // nlohmann keeps integers above INT64_MAX unsigned: get<int64_t> would wrap them negative
        if (j.is_number_unsigned() && j.get<std::uint64_t>() > std::uint64_t(INT64_MAX))
            fail("field '" + field + "' is " + std::to_string(j.get<std::uint64_t>()) + ", out of range");
        return j.get<std::int64_t>();
    }
    //! An integer in [lo, hi], checked before it is narrowed to whatever the field is stored in.
    std::int64_t integer(const json& j, const std::string& field, std::int64_t lo, std::int64_t hi) const
    {
        const auto v = integer(j, field);
        if (v < lo || v > hi)
            fail("field '" + field + "' must be in " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " +
                 std::to_string(v));
        return v;
    }
    //! A number a float holds (finite, |v| <= FLT_MAX), checked before it is narrowed to float.
    double float_number(const json& j, const std::string& field) const
    {
        const double v = number(j, field);
        if (!(std::abs(v) <= double(FLT_MAX)))
            fail("field '" + field + "' is " + std::to_string(v) + ", beyond the range of a float");
        return v;
    }
    double number(const json& j, const std::string& field) const
    {
        if (!j.is_number())
            wrong_type(field, "a number", j);
        return j.get<double>();
    }
    const json& array(const json& j, const std::string& field) const
    {
        if (!j.is_array())
            wrong_type(field, "an array", j);
        return j;
    }
    const json& object(const json& j, const std::string& field) const
    {
        if (!j.is_object())
            wrong_type(field, "an object", j);
        return j;
    }
    std::vector<std::int64_t> integers(const json& j, const std::string& field) const
    {
        std::vector<std::int64_t> out;
        for (std::size_t i = 0; i < array(j, field).size(); ++i)
            out.push_back(integer(j[i], field + "[" + std::to_string(i) + "]"));
        return out;
    }
    std::vector<double> numbers(const json& j, const std::string& field) const
    {
        std::vector<double> out;
        for (std::size_t i = 0; i < array(j, field).size(); ++i)
            out.push_back(number(j[i], field + "[" + std::to_string(i) + "]"));
        return out;
    }

private:
    std::string d_origin;
};

const char* const input_roles[] = { "image", "snr_db", "symbols", "index_posteriors", "keep_mask", "exit_threshold" };
const char* const output_roles[] = { "layer",  "features", "end_index", "indices",
                                     "keep_mask", "logits", "image",   "exit_layer" };
const char* const side_infos[] = { "quantizer_range", "end_index", "keep_mask" };

template <std::size_t N>
bool one_of(const std::string& s, const char* const (&set)[N])
{
    for (const char* v : set)
        if (s == v)
            return true;
    return false;
}

template <std::size_t N>
std::string join(const char* const (&set)[N])
{
    std::string out;
    for (const char* v : set)
        out += (out.empty() ? "" : ", ") + std::string(v);
    return out;
}

TensorSpec read_tensor(const Reader& r, const json& j, const std::string& field, bool input)
{
    r.object(j, field);
    TensorSpec t;
    t.name = r.nonempty_string(r.required(j, field + ".", "name"), field + ".name");
    t.shape = r.integers(r.required(j, field + ".", "shape"), field + ".shape");
    if (t.shape.empty() || t.shape[0] != -1)
        r.fail("field '" + field + ".shape' must start with -1 (the batch dimension)");
    std::int64_t numel = 1;
    for (std::size_t d = 1; d < t.shape.size(); ++d) {
        if (t.shape[d] <= 0)
            r.fail("field '" + field + ".shape[" + std::to_string(d) +
                   "]' must be a positive size (only the first, batch, dimension is -1), got " +
                   std::to_string(t.shape[d]));
        // checked before multiplying: one item of more than max_item_values values is refused
        if (t.shape[d] > Manifest::max_item_values / numel)
            r.fail("field '" + field + ".shape' holds more than " + std::to_string(Manifest::max_item_values) +
                   " values per item");
        numel *= t.shape[d];
    }
    const auto dtype = r.string(r.required(j, field + ".", "dtype"), field + ".dtype");
    if (dtype == "float32")
        t.dtype = DType::float32;
    else if (dtype == "int64")
        t.dtype = DType::int64;
    else
        r.fail("field '" + field + ".dtype' is '" + dtype + "': expected float32 or int64");
    t.role = r.string(r.required(j, field + ".", "role"), field + ".role");
    if (input ? !one_of(t.role, input_roles) : !one_of(t.role, output_roles))
        r.fail("field '" + field + ".role' is '" + t.role + "': expected one of " +
               (input ? join(input_roles) : join(output_roles)));
    if (auto* task = r.optional(j, "task"))
        t.task = r.nonempty_string(*task, field + ".task");
    return t;
}

TransmitSpec read_transmit(const Reader& r, const json& doc)
{
    const auto& j = r.object(r.required(doc, "", "transmit"), "transmit");
    TransmitSpec t;
    const auto kind = r.string(r.required(j, "transmit.", "kind"), "transmit.kind");
    const auto parsed = parse_transmit_kind(kind);
    if (!parsed)
        r.fail("field 'transmit.kind' is '" + kind +
               "': expected superposition, quantized, analog, indices, separate or codebook");
    t.kind = *parsed;
    const auto receivers = r.integer(r.required(j, "transmit.", "receivers"), "transmit.receivers");
    if (receivers < 1 || receivers > 64)
        r.fail("field 'transmit.receivers' must be in 1..64, got " + std::to_string(receivers));
    t.receivers = int(receivers);
    const auto snr = r.string(r.required(j, "transmit.", "snr_inputs"), "transmit.snr_inputs");
    if (snr == "none")
        t.snr_inputs = SnrInputs::none;
    else if (snr == "own")
        t.snr_inputs = SnrInputs::own;
    else if (snr == "all_receivers")
        t.snr_inputs = SnrInputs::all_receivers;
    else
        r.fail("field 'transmit.snr_inputs' is '" + snr + "': expected none, own or all_receivers");
    const auto& side = r.array(r.required(j, "transmit.", "side_info"), "transmit.side_info");
    for (std::size_t i = 0; i < side.size(); ++i) {
        const std::string field = "transmit.side_info[" + std::to_string(i) + "]";
        auto v = r.string(side[i], field);
        if (!one_of(v, side_infos))
            r.fail("field '" + field + "' is '" + v + "': expected one of " + join(side_infos));
        t.side_info.push_back(std::move(v));
    }
    return t;
}

std::vector<TensorSpec> read_tensors(const Reader& r, const json& doc, const char* key, bool input)
{
    const std::string field = key;
    const auto& arr = r.array(r.required(doc, "", key), field);
    if (arr.empty())
        r.fail("field '" + field + "' must list at least one tensor");
    std::vector<TensorSpec> out;
    std::set<std::string> names;
    for (std::size_t i = 0; i < arr.size(); ++i) {
        out.push_back(read_tensor(r, arr[i], field + "[" + std::to_string(i) + "]", input));
        if (!names.insert(out.back().name).second)
            r.fail("field '" + field + "' names '" + out.back().name + "' twice");
    }
    return out;
}

CodebookSpec read_codebook(const Reader& r, const json& j)
{
    r.object(j, "codebook");
    CodebookSpec c;
    auto positive = [&](const char* key) {
        const std::string field = std::string("codebook.") + key;
        const auto v = r.integer(r.required(j, "codebook.", key), field);
        if (v < 1 || v > (1 << 20))
            r.fail("field '" + field + "' must be a positive integer, got " + std::to_string(v));
        return int(v);
    };
    c.size = positive("size");
    c.dim = positive("dim");
    c.groups = positive("groups");
    c.tokens = positive("tokens");
    c.decoder_layers = positive("decoder_layers");
    if (c.size < 2)
        r.fail("field 'codebook.size' must be >= 2, got " + std::to_string(c.size));
    const auto labels = r.integers(r.required(j, "codebook.", "labels"), "codebook.labels");
    if (labels.size() != std::size_t(c.size))
        r.fail("field 'codebook.labels' has " + std::to_string(labels.size()) + " entries for codebook.size " +
               std::to_string(c.size));
    std::vector<bool> seen(std::size_t(c.size), false);
    for (std::size_t k = 0; k < labels.size(); ++k) {
        if (labels[k] < 0 || labels[k] >= c.size || seen[std::size_t(labels[k])])
            r.fail("field 'codebook.labels' must be a permutation of 0.." + std::to_string(c.size - 1) +
                   ": entry " + std::to_string(k) + " is " + std::to_string(labels[k]));
        seen[std::size_t(labels[k])] = true;
        c.labels.push_back(int(labels[k]));
    }
    const auto prior = r.numbers(r.required(j, "codebook.", "point_log_prior"), "codebook.point_log_prior");
    if (prior.size() != std::size_t(c.size))
        r.fail("field 'codebook.point_log_prior' has " + std::to_string(prior.size()) +
               " entries for codebook.size " + std::to_string(c.size));
    for (std::size_t k = 0; k < prior.size(); ++k) {
        if (!(std::abs(prior[k]) <= double(FLT_MAX)))
            r.fail("field 'codebook.point_log_prior[" + std::to_string(k) + "]' must be finite");
        c.point_log_prior.push_back(float(prior[k])); // finite as a float: checked above
    }
    if (auto* t = r.optional(j, "task_groups"))
        for (std::size_t i = 0; i < r.array(*t, "codebook.task_groups").size(); ++i) {
            const std::string field = "codebook.task_groups[" + std::to_string(i) + "]";
            const auto v = r.integer((*t)[i], field);
            if (v < 1 || v > c.groups)
                r.fail("field '" + field + "' is " + std::to_string(v) + ": a receiver sends 1.." +
                       std::to_string(c.groups) + " (codebook.groups) indices per kept token");
            c.task_groups.push_back(int(v));
        }
    if (auto* t = r.optional(j, "tasks"))
        for (std::size_t i = 0; i < r.array(*t, "codebook.tasks").size(); ++i)
            c.tasks.push_back(r.nonempty_string((*t)[i], "codebook.tasks[" + std::to_string(i) + "]"));
    if (auto* t = r.optional(j, "exit_threshold")) {
        c.exit_threshold = r.number(*t, "codebook.exit_threshold");
        if (!(c.exit_threshold > 0.0 && c.exit_threshold <= 1.0))
            r.fail("field 'codebook.exit_threshold' must be in (0, 1], got " + std::to_string(c.exit_threshold));
    }
    if (auto* t = r.optional(j, "rate_table")) {
        for (std::size_t i = 0; i < r.array(*t, "codebook.rate_table").size(); ++i) {
            const std::string field = "codebook.rate_table[" + std::to_string(i) + "]";
            const auto& row = r.object((*t)[i], field);
            RateTableRow out;
            out.task = r.string(r.required(row, field + ".", "task"), field + ".task");
            out.snr_db = r.numbers(r.required(row, field + ".", "snr_db"), field + ".snr_db");
            out.tokens = r.integers(r.required(row, field + ".", "tokens"), field + ".tokens");
            if (out.tokens.size() != out.snr_db.size())
                r.fail("field '" + field + ".tokens' has " + std::to_string(out.tokens.size()) +
                       " entries for " + std::to_string(out.snr_db.size()) + " SNRs");
            for (auto n : out.tokens)
                if (n < 0 || n > c.tokens)
                    r.fail("field '" + field + ".tokens' has " + std::to_string(n) + " tokens of " +
                           std::to_string(c.tokens));
            c.rate_table.push_back(std::move(out));
        }
    }
    if (auto* t = r.optional(j, "parameters"))
        c.parameters = r.integer(*t, "codebook.parameters", 0, INT64_MAX);
    return c;
}

//! The codebook against the rest of the manifest (what the C++ side relies on).
void check_codebook(const Reader& r, Manifest& m)
{
    if (m.transmit.kind != TransmitKind::codebook)
        return;
    if (!m.codebook)
        r.fail("a 'codebook' transmitter needs the field 'codebook' (size, groups, tokens, labels, "
               "point_log_prior, decoder_layers)");
    const auto& c = *m.codebook;
    if (m.constellations.size() != 1)
        r.fail("field 'constellations' must hold the one constellation of the codebook's indices, has " +
               std::to_string(m.constellations.size()));
    if (unsigned(c.size) != m.constellations.front().order)
        r.fail("field 'codebook.size' is " + std::to_string(c.size) + " but constellations[0] '" +
               m.constellations.front().name + "' has " + std::to_string(m.constellations.front().order) +
               " points (one index = one point)");
    const std::int64_t slots = std::int64_t(m.transmit.receivers) * c.tokens * c.groups;
    if (slots != m.channel_uses)
        r.fail("field 'channel_uses' is " + std::to_string(m.channel_uses) + " but transmit.receivers x "
               "codebook.tokens x codebook.groups = " + std::to_string(m.transmit.receivers) + " x " +
               std::to_string(c.tokens) + " x " + std::to_string(c.groups) + " = " + std::to_string(slots));
    if (c.task_groups.empty())
        m.codebook->task_groups.assign(std::size_t(m.transmit.receivers), c.groups);
    else if (c.task_groups.size() != std::size_t(m.transmit.receivers))
        r.fail("field 'codebook.task_groups' has " + std::to_string(c.task_groups.size()) + " entries for " +
               std::to_string(m.transmit.receivers) + " receivers (transmit.receivers)");
    if (!c.tasks.empty() && c.tasks.size() != std::size_t(m.transmit.receivers))
        r.fail("field 'codebook.tasks' has " + std::to_string(c.tasks.size()) + " tasks for " +
               std::to_string(m.transmit.receivers) + " receivers (transmit.receivers)");
    for (std::size_t i = 0; i < m.inputs.size(); ++i) {
        const auto& t = m.inputs[i];
        const std::string field = "inputs[" + std::to_string(i) + "].shape";
        if (t.role == "index_posteriors" &&
            t.shape != std::vector<std::int64_t>{ -1, std::int64_t(c.tokens) * c.groups, c.size })
            r.fail("field '" + field + "' is " + t.describe() + " but the codebook's posteriors are [-1, " +
                   std::to_string(std::int64_t(c.tokens) * c.groups) + ", " + std::to_string(c.size) +
                   "] (codebook.tokens x codebook.groups, codebook.size)");
        if (t.role == "keep_mask" && t.item_numel() != c.tokens)
            r.fail("field '" + field + "' is " + t.describe() + " but a receiver's keep mask has codebook.tokens = " +
                   std::to_string(c.tokens) + " entries");
    }
    for (std::size_t i = 0; i < m.outputs.size(); ++i)
        if (m.outputs[i].role == "keep_mask" &&
            m.outputs[i].item_numel() != std::int64_t(m.transmit.receivers) * c.tokens)
            r.fail("field 'outputs[" + std::to_string(i) + "].shape' is " + m.outputs[i].describe() +
                   " but the keep masks of " + std::to_string(m.transmit.receivers) + " receivers are " +
                   std::to_string(std::int64_t(m.transmit.receivers) * c.tokens) + " values");
}

} // namespace

const char* dtype_name(DType t)
{
    return t == DType::int64 ? "int64" : "float32";
}

std::int64_t TensorSpec::item_numel() const
{
    std::int64_t n = 1;
    for (std::size_t d = 1; d < shape.size(); ++d)
        n *= shape[d];
    return n;
}

std::vector<std::int64_t> TensorSpec::batch_shape(std::int64_t batch) const
{
    auto s = shape;
    if (!s.empty())
        s[0] = batch;
    return s;
}

std::string TensorSpec::describe() const
{
    std::ostringstream os;
    os << '[';
    for (std::size_t d = 0; d < shape.size(); ++d)
        os << (d ? ", " : "") << shape[d];
    os << "] " << dtype_name(dtype);
    return os.str();
}

Manifest Manifest::load(const std::string& json_path)
{
    std::ifstream f(json_path, std::ios::binary);
    if (!f)
        throw std::runtime_error(
          json_path + ": cannot open the model manifest (" +
          (std::filesystem::exists(json_path) ? "unreadable" : "no such file") + ")");
    // the size first: a manifest is a few kB, and nothing of a larger file is read
    std::error_code ec;
    const auto size = std::filesystem::file_size(json_path, ec);
    if (ec || !std::filesystem::is_regular_file(json_path, ec))
        throw std::runtime_error(json_path + ": not a regular file (a model manifest is a JSON file)");
    if (size > max_bytes)
        throw std::runtime_error(json_path + ": " + std::to_string(size) + " bytes, more than a model manifest may have (" +
                                 std::to_string(max_bytes) + ")");
    std::ostringstream text;
    text << f.rdbuf();
    if (f.bad() || text.str().size() > max_bytes)
        throw std::runtime_error(json_path + ": read error");
    return parse(text.str(), json_path);
}

Manifest Manifest::parse(const std::string& json_text, const std::string& origin)
{
    const Reader r(origin);
    if (json_text.size() > max_bytes)
        r.fail(std::to_string(json_text.size()) + " bytes, more than a model manifest may have (" +
               std::to_string(max_bytes) + ")");
    json doc;
    try {
        doc = json::parse(json_text);
    } catch (const json::exception& e) {
        // parse errors, and numbers out of range (out_of_range.406: "number overflow parsing '1e999'")
        r.fail(std::string("malformed JSON: ") + e.what());
    }
    if (!doc.is_object())
        r.fail(std::string("the manifest must be a JSON object, got ") + type_of(doc));

    Manifest m;
    m.path = origin;
    // The version first: a newer format may have changed any other field.
    m.format = r.string(r.required(doc, "", "format"), "format");
    if (m.format == "semcom-model/1")
        r.fail("format semcom-model/1 is no longer read (no transmit section): migrate it with "
               "'/usr/bin/python3 scripts/migrate_manifests.py " +
               origin + "' (docs/model-manifest.md)");
    if (m.format != format_version)
        r.fail("unknown format version '" + m.format + "' (this runtime reads '" + format_version +
               "')");

    m.name = r.nonempty_string(r.required(doc, "", "name"), "name");
    m.scheme = r.nonempty_string(r.required(doc, "", "scheme"), "scheme");
    m.role = r.string(r.required(doc, "", "role"), "role");
    if (m.role != "encoder" && m.role != "decoder")
        r.fail("field 'role' is '" + m.role + "': expected encoder or decoder");
    m.file = r.nonempty_string(r.required(doc, "", "file"), "file");
    m.sha256 = r.string(r.required(doc, "", "sha256"), "sha256");
    if (m.sha256.size() != 64 ||
        m.sha256.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
        r.fail("field 'sha256' must be 64 hex digits, got '" + m.sha256 + "'");
    for (auto& c : m.sha256)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    m.transmit = read_transmit(r, doc);
    m.inputs = read_tensors(r, doc, "inputs", true);
    m.outputs = read_tensors(r, doc, "outputs", false);
    m.channel_uses = r.integer(r.required(doc, "", "channel_uses"), "channel_uses", 1, max_channel_uses);

    if (auto* j = r.optional(doc, "receiver")) {
        m.receiver = static_cast<int>(r.integer(*j, "receiver", 1, 64)); // transmit.receivers is at most 64
    }
    if (auto* j = r.optional(doc, "tasks"))
        for (std::size_t i = 0; i < r.array(*j, "tasks").size(); ++i)
            m.tasks.push_back(r.string((*j)[i], "tasks[" + std::to_string(i) + "]"));

    if (auto* j = r.optional(doc, "constellations")) {
        for (std::size_t k = 0; k < r.array(*j, "constellations").size(); ++k) {
            const std::string field = "constellations[" + std::to_string(k) + "]";
            const auto& c = r.object((*j)[k], field);
            ConstellationSpec spec;
            spec.name = r.nonempty_string(r.required(c, field + ".", "name"), field + ".name");
            // at most 2^16 points (semcom-core's largest table is far below): never narrowed
            spec.order = static_cast<unsigned>(
              r.integer(r.required(c, field + ".", "order"), field + ".order", 2, 1 << 16));
            const auto& pts = r.array(r.required(c, field + ".", "points"), field + ".points");
            if (pts.size() != spec.order)
                r.fail("field '" + field + ".points' has " + std::to_string(pts.size()) +
                       " points for order " + std::to_string(spec.order));
            for (std::size_t s = 0; s < pts.size(); ++s) {
                const std::string pf = field + ".points[" + std::to_string(s) + "]";
                const auto xy = r.numbers(pts[s], pf);
                if (xy.size() != 2)
                    r.fail("field '" + pf + "' must be [I, Q], got " + std::to_string(xy.size()) +
                           " numbers");
                spec.points.emplace_back(xy[0], xy[1]);
            }
            m.constellations.push_back(std::move(spec));
        }
    }
    if (auto* j = r.optional(doc, "alphas")) {
        m.alphas = r.numbers(*j, "alphas");
        double sum = 0.0;
        for (double a : m.alphas) {
            if (!(a > 0.0))
                r.fail("field 'alphas' must be positive power shares");
            sum += a;
        }
        if (!m.alphas.empty() && std::abs(sum - 1.0) > 1e-4)
            r.fail("field 'alphas' must sum to 1, sums to " + std::to_string(sum));
        if (!m.constellations.empty() && m.alphas.size() != m.constellations.size())
            r.fail("field 'alphas' has " + std::to_string(m.alphas.size()) + " entries for " +
                   std::to_string(m.constellations.size()) + " constellations");
    }
    if (auto* j = r.optional(doc, "quantizer")) {
        r.object(*j, "quantizer");
        QuantizerSpec q;
        const auto bits = r.integer(r.required(*j, "quantizer.", "bits"), "quantizer.bits");
        if (bits < 1 || bits > 8)
            r.fail("field 'quantizer.bits' must be in 1..8, got " + std::to_string(bits));
        q.bits = static_cast<unsigned>(bits);
        q.range_mode = r.string(r.required(*j, "quantizer.", "range_mode"), "quantizer.range_mode");
        if (q.range_mode != "per_frame" && q.range_mode != "calibrated")
            r.fail("field 'quantizer.range_mode' is '" + q.range_mode +
                   "': expected per_frame or calibrated");
        // the quantizer works in float: a range beyond it is refused, not narrowed to infinity
        if (auto* z = r.optional(*j, "z_min"))
            q.z_min = r.float_number(*z, "quantizer.z_min");
        if (auto* z = r.optional(*j, "z_max"))
            q.z_max = r.float_number(*z, "quantizer.z_max");
        if (q.range_mode == "calibrated") {
            if (!q.z_min || !q.z_max)
                r.fail("a calibrated quantizer needs fields 'quantizer.z_min' and "
                       "'quantizer.z_max'");
            if (!(*q.z_max > *q.z_min))
                r.fail("field 'quantizer.z_max' must exceed 'quantizer.z_min'");
        }
        m.quantizer = q;
    }
    if (auto* j = r.optional(doc, "train_snr_db")) {
        auto snr_entry = [&](const json& e, const std::string& field) {
            if (e.is_number()) {
                const double v = e.get<double>();
                return SnrSpec{ v, v };
            }
            const auto range = r.numbers(e, field);
            if (range.size() != 2 || range[0] > range[1])
                r.fail("field '" + field + "' must be an SNR or a range [low, high]");
            return SnrSpec{ range[0], range[1] };
        };
        if (j->is_number())
            m.train_snr_db.push_back(snr_entry(*j, "train_snr_db"));
        else
            for (std::size_t i = 0; i < r.array(*j, "train_snr_db").size(); ++i)
                m.train_snr_db.push_back(
                  snr_entry((*j)[i], "train_snr_db[" + std::to_string(i) + "]"));
    }
    if (auto* j = r.optional(doc, "channels")) {
        for (std::size_t i = 0; i < r.array(*j, "channels").size(); ++i) {
            const std::string field = "channels[" + std::to_string(i) + "]";
            m.channels.push_back(r.nonempty_string((*j)[i], field));
            try {
                ChannelConfig::parse(m.channels.back(), 0.0f);
            } catch (const std::invalid_argument& e) {
                r.fail("field '" + field + "': " + e.what());
            }
        }
        if (m.channels.size() != std::size_t(m.transmit.receivers))
            r.fail("field 'channels' has " + std::to_string(m.channels.size()) + " entries for " +
                   std::to_string(m.transmit.receivers) + " receivers (transmit.receivers)");
    }
    if (auto* j = r.optional(doc, "dataset")) {
        r.object(*j, "dataset");
        DatasetSpec d;
        d.name = r.string(r.required(*j, "dataset.", "name"), "dataset.name");
        if (auto* s = r.optional(*j, "image_shape")) {
            std::int64_t numel = 1;
            for (std::size_t i = 0; i < r.array(*s, "dataset.image_shape").size(); ++i) {
                d.image_shape.push_back(r.integer((*s)[i], "dataset.image_shape[" + std::to_string(i) + "]", 1,
                                                  max_item_values / numel));
                numel *= d.image_shape.back();
            }
        }
        if (auto* s = r.optional(*j, "range")) {
            const auto range = r.numbers(*s, "dataset.range");
            if (range.size() != 2)
                r.fail("field 'dataset.range' must be [low, high]");
            d.range_lo = range[0];
            d.range_hi = range[1];
        }
        m.dataset = d;
    }
    if (auto* j = r.optional(doc, "labels")) {
        r.object(*j, "labels");
        LabelSpec l;
        // class counts and class numbers: range-checked before they are narrowed to int
        if (auto* v = r.optional(*j, "fine"))
            l.fine = static_cast<int>(r.integer(*v, "labels.fine", 0, max_classes));
        if (auto* v = r.optional(*j, "coarse"))
            l.coarse = static_cast<int>(r.integer(*v, "labels.coarse", 0, max_classes));
        if (auto* v = r.optional(*j, "coarse_of_fine"))
            for (std::size_t i = 0; i < r.array(*v, "labels.coarse_of_fine").size(); ++i)
                l.coarse_of_fine.push_back(static_cast<int>(
                  r.integer((*v)[i], "labels.coarse_of_fine[" + std::to_string(i) + "]", -1, max_classes - 1)));
        m.labels = l;
    }
    if (auto* j = r.optional(doc, "codebook"))
        m.codebook = read_codebook(r, *j);
    check_codebook(r, m);
    if (auto* j = r.optional(doc, "metrics"))
        for (const auto& [key, value] : r.object(*j, "metrics").items())
            if (value.is_number())
                m.metrics[key] = value.get<double>();
    if (auto* j = r.optional(doc, "torch_version"))
        m.torch_version = r.string(*j, "torch_version");
    if (auto* j = r.optional(doc, "created_by"))
        m.created_by = r.string(*j, "created_by");
    return m;
}

bool TransmitSpec::has_side_info(const std::string& what) const
{
    for (const auto& s : side_info)
        if (s == what)
            return true;
    return false;
}

int Manifest::input_with_role(const std::string& role) const
{
    for (std::size_t i = 0; i < inputs.size(); ++i)
        if (inputs[i].role == role)
            return int(i);
    return -1;
}

int Manifest::output_with_role(const std::string& role) const
{
    for (std::size_t i = 0; i < outputs.size(); ++i)
        if (outputs[i].role == role)
            return int(i);
    return -1;
}

std::string Manifest::model_path() const
{
    namespace fs = std::filesystem;
    const fs::path f(file);
    if (f.is_absolute())
        return f.string();
    return (fs::path(path).parent_path() / f).string();
}

void verify_constellations(const Manifest& m, double tolerance)
{
    for (std::size_t k = 0; k < m.constellations.size(); ++k) {
        const auto& spec = m.constellations[k];
        const std::string field = "constellations[" + std::to_string(k) + "] '" + spec.name + "'";
        std::optional<Constellation> ours;
        try {
            ours = Constellation::from_name(spec.name);
        } catch (const std::invalid_argument& e) {
            throw std::invalid_argument(
              one_line(m.path + ": " + field + ": semcom-core has no such constellation (" + e.what() + ")"));
        }
        if (ours->order() != spec.order || spec.points.size() != spec.order)
            throw std::invalid_argument(one_line(m.path + ": " + field + " has order " +
                                                 std::to_string(spec.order) + ", semcom-core's has " +
                                                 std::to_string(ours->order())));
        for (unsigned s = 0; s < spec.order; ++s) {
            const std::complex<double> c(ours->point(s).real(), ours->point(s).imag());
            if (!(std::abs(spec.points[s] - c) <= tolerance)) {
                std::ostringstream os;
                os.precision(7);
                os << m.path << ": " << field << " point " << s << " is (" << spec.points[s].real()
                   << ", " << spec.points[s].imag() << ") but semcom-core's table has (" << c.real()
                   << ", " << c.imag() << "): the index -> point mapping differs (tolerance "
                   << tolerance << ")";
                throw std::invalid_argument(one_line(os.str()));
            }
        }
    }
}

std::string sha256_file(const std::string& path)
{
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f)
        throw std::runtime_error(path + ": cannot open to compute its sha256");
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> guard(f, &std::fclose);
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("sha256: OpenSSL EVP initialisation failed");
    std::vector<unsigned char> buf(1 << 20);
    std::size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0)
        if (EVP_DigestUpdate(ctx.get(), buf.data(), n) != 1)
            throw std::runtime_error("sha256: OpenSSL EVP update failed");
    if (std::ferror(f))
        throw std::runtime_error(path + ": read error while computing its sha256");
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx.get(), digest, &len) != 1)
        throw std::runtime_error("sha256: OpenSSL EVP final failed");
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
        out.push_back(hex[digest[i] >> 4]);
        out.push_back(hex[digest[i] & 15]);
    }
    return out;
}

} // namespace neural
} // namespace semcom
