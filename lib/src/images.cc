/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/images.h>

#include <png.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>

namespace semcom {

namespace {

namespace fs = std::filesystem;

// The size of a file, refusing what is not a regular file (a folder, a missing path).
std::uint64_t file_size_of(const std::string& path)
{
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
        throw std::runtime_error("cannot open '" + path + "'" +
                                 (fs::exists(path, ec) ? ": not a regular file" : ": no such file"));
    const auto n = fs::file_size(path, ec);
    if (ec)
        throw std::runtime_error("cannot open '" + path + "': " + ec.message());
    return n;
}

/*
 * A file read in order, gunzipped if it is gzip (zlib's gzread reads plain files as they are).
 * Nothing is inflated before the caller has checked the header: read() takes exactly what is asked,
 * and how much a file may hold is bounded by its size on disk (see max_content()).
 */
class GzReader
{
public:
    explicit GzReader(const std::string& path) : d_path(path), d_file_size(file_size_of(path))
    {
        d_f = gzopen(path.c_str(), "rb");
        if (!d_f)
            throw std::runtime_error("cannot open '" + path + "'");
    }
    ~GzReader() { gzclose(d_f); }
    GzReader(const GzReader&) = delete;
    GzReader& operator=(const GzReader&) = delete;

    //! Up to n bytes appended to out; fewer only at the end of the data.
    std::size_t read(std::vector<unsigned char>& out, std::size_t n)
    {
        std::size_t got = 0;
        while (got < n) {
            const std::size_t chunk = std::min<std::size_t>(n - got, 1 << 20);
            const std::size_t at = out.size();
            out.resize(at + chunk);
            const int r = gzread(d_f, out.data() + at, unsigned(chunk));
            if (r < 0) {
                int err = 0;
                const char* msg = gzerror(d_f, &err);
                throw std::runtime_error("'" + d_path + "': read error: " + (msg ? msg : "?"));
            }
            out.resize(at + std::size_t(r));
            got += std::size_t(r);
            if (std::size_t(r) < chunk) {
                int err = 0;
                const char* msg = gzerror(d_f, &err);
                if (err != Z_OK && err != Z_STREAM_END)
                    throw std::runtime_error("'" + d_path + "': read error: " + (msg ? msg : "?"));
                break;
            }
        }
        return got;
    }
    //! Whether the data ends here.
    bool at_end()
    {
        std::vector<unsigned char> one;
        return read(one, 1) == 0;
    }
    /*!
     * The most bytes the rest of the file can hold: what is left of a plain file; for gzip, deflate's
     * largest expansion (1032:1) of the whole compressed file. Valid after the first read.
     */
    std::uint64_t max_content(std::uint64_t consumed) const
    {
        if (gzdirect(d_f))
            return d_file_size >= consumed ? d_file_size - consumed : 0;
        return d_file_size * 1032 + 64;
    }
    bool compressed() const { return !gzdirect(d_f); }
    const std::string& path() const { return d_path; }

private:
    std::string d_path;
    std::uint64_t d_file_size;
    gzFile d_f;
};

std::uint32_t be32(const unsigned char* p)
{
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}

struct Idx {
    std::vector<std::uint32_t> shape;
    std::vector<unsigned char> data; // uint8 payload
};

// No image set the project reads comes near this; a header that claims more is refused.
constexpr std::uint64_t max_idx_values = std::uint64_t(1) << 32;
constexpr std::uint64_t max_png_pixels = std::uint64_t(1) << 28; // 16384 x 16384

Idx read_idx_u8(const std::string& path)
{
    GzReader in(path);
    std::vector<unsigned char> head;
    if (in.read(head, 4) < 4 || head[0] != 0 || head[1] != 0)
        throw std::runtime_error("'" + path + "': not an IDX file (bad magic)");
    if (head[2] != 0x08)
        throw std::runtime_error("'" + path + "': IDX data type must be unsigned byte");
    const unsigned dims = head[3];
    if (in.read(head, 4 * std::size_t(dims)) < 4 * std::size_t(dims))
        throw std::runtime_error("'" + path + "': truncated IDX header");
    Idx idx;
    std::uint64_t count = 1;
    for (unsigned d = 0; d < dims; ++d) {
        const std::uint32_t n = be32(&head[4 + 4 * d]);
        idx.shape.push_back(n);
        // checked before multiplying: the product of up to 255 32-bit sizes overflows any integer
        if (n != 0 && count > max_idx_values / n)
            throw std::runtime_error("'" + path + "': IDX header claims more than " +
                                     std::to_string(max_idx_values) + " values");
        count *= n;
    }
    const std::uint64_t header = 4 + 4 * std::uint64_t(dims), room = in.max_content(header);
    if (count > room)
        throw std::runtime_error("'" + path + "': IDX header announces " + std::to_string(count) +
                                 " values, " + (in.compressed() ? "a compressed file" : "the file") + " of " +
                                 std::to_string(file_size_of(path)) + " bytes " +
                                 (in.compressed() ? "inflates to at most " + std::to_string(room)
                                                  : "holds " + std::to_string(room)));
    if (!in.compressed())
        idx.data.reserve(std::size_t(count));
    const std::size_t got = in.read(idx.data, std::size_t(count));
    if (got < count || !in.at_end())
        throw std::runtime_error("'" + path + "': IDX header announces " + std::to_string(count) +
                                 " values, file holds " + (got < count ? std::to_string(got) : "more"));
    return idx;
}

void set_coarse(ImageSet& s)
{
    s.coarse.resize(s.fine.size());
    for (std::size_t i = 0; i < s.fine.size(); ++i) {
        const int f = s.fine[i];
        s.coarse[i] = (f >= 0 && f < int(s.coarse_of_fine.size())) ? s.coarse_of_fine[f] : -1;
    }
}

} // namespace

const std::vector<int>& fashion_mnist_coarse_of_fine()
{
    static const std::vector<int> table{ 0, 1, 0, 1, 0, 2, 0, 2, 3, 2 };
    return table;
}

ImageSet load_idx(const std::string& images_path, const std::string& labels_path)
{
    const Idx images = read_idx_u8(images_path);
    if (images.shape.size() != 3)
        throw std::runtime_error("'" + images_path + "': expected N x H x W images, the IDX header has " +
                                 std::to_string(images.shape.size()) + " dimensions");
    if (images.shape[0] == 0 || images.shape[1] == 0 || images.shape[2] == 0)
        throw std::runtime_error("'" + images_path + "': holds no images (" + std::to_string(images.shape[0]) +
                                 " x " + std::to_string(images.shape[1]) + " x " + std::to_string(images.shape[2]) +
                                 ")");
    const Idx labels = read_idx_u8(labels_path);
    if (labels.shape.size() != 1 || labels.shape[0] != images.shape[0])
        throw std::runtime_error("'" + labels_path + "': " +
                                 (labels.shape.size() != 1
                                    ? "expected one dimension (N labels), the IDX header has " +
                                        std::to_string(labels.shape.size())
                                    : std::to_string(labels.shape[0]) + " labels for " +
                                        std::to_string(images.shape[0]) + " images in '" + images_path + "'"));
    ImageSet s;
    s.name = "idx";
    s.channels = 1;
    s.height = images.shape[1];
    s.width = images.shape[2];
    s.pixels.resize(images.data.size());
    std::transform(images.data.begin(), images.data.end(), s.pixels.begin(),
                   [](unsigned char v) { return v / 255.0f; });
    s.fine.assign(labels.data.begin(), labels.data.end());
    // An IDX file carries no label hierarchy: every coarse label is unknown (-1), so that fine and
    // coarse always have one entry per image (load_fashion_mnist sets the hierarchy).
    set_coarse(s);
    return s;
}

ImageSet load_fashion_mnist(const std::string& split, const std::string& dir)
{
    if (split != "train" && split != "test")
        throw std::invalid_argument("Fashion-MNIST split must be train or test, got '" + split + "'");
    const std::string prefix = split == "train" ? "train" : "t10k";
    const std::string images = dir + "/" + prefix + "-images-idx3-ubyte.gz";
    if (!std::filesystem::exists(images))
        throw std::runtime_error("Fashion-MNIST not found: '" + images +
                                 "' (apt-get install dataset-fashion-mnist)");
    ImageSet s = load_idx(images, dir + "/" + prefix + "-labels-idx1-ubyte.gz");
    s.name = "fashion-mnist";
    s.coarse_of_fine = fashion_mnist_coarse_of_fine();
    set_coarse(s);
    return s;
}

ImageSet load_cifar(const std::string& dir, int variant, const std::string& split)
{
    if (variant != 10 && variant != 100)
        throw std::invalid_argument("CIFAR variant must be 10 or 100");
    if (split != "train" && split != "test")
        throw std::invalid_argument("CIFAR split must be train or test, got '" + split + "'");
    std::vector<std::string> files;
    if (variant == 10) {
        if (split == "train")
            for (int i = 1; i <= 5; ++i)
                files.push_back(dir + "/data_batch_" + std::to_string(i) + ".bin");
        else
            files.push_back(dir + "/test_batch.bin");
    } else {
        files.push_back(dir + (split == "train" ? "/train.bin" : "/test.bin"));
    }
    const std::size_t label_bytes = variant == 10 ? 1 : 2, record = label_bytes + 3072;
    ImageSet s;
    s.name = variant == 10 ? "cifar-10" : "cifar-100";
    s.channels = 3;
    s.height = s.width = 32;
    std::vector<int> coarse_labels;
    const int fine_classes = variant == 10 ? 10 : 100, coarse_classes = 20;
    if (variant == 100)
        s.coarse_of_fine.assign(100, -1);
    for (const auto& f : files) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(f, ec))
            throw std::runtime_error("CIFAR file not found: '" + f + "'");
        // the size is checked before anything is read or allocated
        const auto size = std::filesystem::file_size(f, ec);
        if (ec || size == 0 || size % record || size > (std::uint64_t(1) << 32))
            throw std::runtime_error("'" + f + "': " + (ec ? ec.message() : std::to_string(size) + " bytes") +
                                     " is not a whole number of " + std::to_string(record) + "-byte records" +
                                     (size > (std::uint64_t(1) << 32) ? " of a CIFAR file (at most 4 GiB)" : ""));
        std::ifstream in(f, std::ios::binary);
        if (!in)
            throw std::runtime_error("CIFAR file not found: '" + f + "'");
        std::vector<unsigned char> raw(static_cast<std::size_t>(size));
        if (!in.read(reinterpret_cast<char*>(raw.data()), std::streamsize(raw.size())) || in.peek() != EOF)
            throw std::runtime_error("'" + f + "': read error (the file changed while it was read?)");
        s.pixels.reserve(s.pixels.size() + raw.size() / record * 3072);
        for (std::size_t r = 0; r < raw.size() / record; ++r) {
            const unsigned char* rec = &raw[r * record];
            const int fine = rec[label_bytes - 1], coarse = rec[0];
            // labels index the coarse_of_fine table and the decoders' logits: refused when out of range
            if (fine >= fine_classes || (variant == 100 && coarse >= coarse_classes))
                throw std::runtime_error("'" + f + "': record " + std::to_string(r) + " has " +
                                         (fine >= fine_classes ? "label " + std::to_string(fine) + ", CIFAR-" +
                                                                   std::to_string(variant) + " labels are 0.." +
                                                                   std::to_string(fine_classes - 1)
                                                               : "coarse label " + std::to_string(coarse) +
                                                                   ", CIFAR-100 coarse labels are 0..19"));
            if (variant == 100) {
                auto& c = s.coarse_of_fine[std::size_t(fine)];
                if (c >= 0 && c != coarse)
                    throw std::runtime_error("'" + f + "': record " + std::to_string(r) + " puts label " +
                                             std::to_string(fine) + " in coarse class " + std::to_string(coarse) +
                                             ", an earlier record in " + std::to_string(c));
                c = coarse;
            }
            s.fine.push_back(fine);
            coarse_labels.push_back(coarse);
            for (std::size_t p = 0; p < 3072; ++p)
                s.pixels.push_back(rec[label_bytes + p] / 255.0f);
        }
    }
    if (variant == 10) {
        s.coarse_of_fine = { 0, 0, 1, 1, 1, 1, 1, 1, 0, 0 }; // vehicles 0, animals 1
        set_coarse(s);
    } else {
        s.coarse = coarse_labels;
    }
    return s;
}

std::vector<float> read_png(const std::string& path, std::size_t& channels, std::size_t& height,
                            std::size_t& width)
{
    png_image image;
    std::memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    const std::uint64_t file_size = file_size_of(path);
    if (!png_image_begin_read_from_file(&image, path.c_str()))
        throw std::runtime_error("'" + path + "': not a readable PNG (" + image.message + ")");
    const bool colour = image.format & PNG_FORMAT_FLAG_COLOR;
    image.format = colour ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
    // The header's size is checked before anything is allocated: a PNG's pixels are deflated, and
    // deflate expands at most 1032:1 (plus a filter byte per row), so a header that claims more than
    // the file can hold is refused, as is anything past max_png_pixels.
    const std::uint64_t pixels = std::uint64_t(image.width) * image.height,
                        raw = pixels * PNG_IMAGE_PIXEL_SIZE(image.format);
    if (pixels > max_png_pixels || raw > file_size * 1032 + 1032 * std::uint64_t(image.height) + 1024) {
        png_image_free(&image);
        throw std::runtime_error("'" + path + "': PNG header claims " + std::to_string(image.width) + " x " +
                                 std::to_string(image.height) + " pixels, " +
                                 (pixels > max_png_pixels ? "more than the " + std::to_string(max_png_pixels) +
                                                              " this reader takes"
                                                          : "more than a " + std::to_string(file_size) +
                                                              "-byte file can hold"));
    }
    std::vector<unsigned char> buf(PNG_IMAGE_SIZE(image));
    if (!png_image_finish_read(&image, nullptr, buf.data(), 0, nullptr)) {
        const std::string message = image.message;
        png_image_free(&image);
        throw std::runtime_error("'" + path + "': " + message);
    }
    channels = colour ? 3 : 1;
    height = image.height;
    width = image.width;
    std::vector<float> chw(channels * height * width);
    for (std::size_t y = 0; y < height; ++y)
        for (std::size_t x = 0; x < width; ++x)
            for (std::size_t c = 0; c < channels; ++c)
                chw[(c * height + y) * width + x] = buf[(y * width + x) * channels + c] / 255.0f;
    return chw;
}

ImageSet load_png_folder(const std::string& dir)
{
    if (!std::filesystem::is_directory(dir))
        throw std::runtime_error("image folder not found: '" + dir + "'");
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        if (e.is_regular_file() && e.path().extension() == ".png")
            files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    if (files.empty())
        throw std::runtime_error("'" + dir + "': no .png files");
    ImageSet s;
    s.name = "png";
    for (const auto& f : files) {
        std::size_t c, h, w;
        auto img = read_png(f, c, h, w);
        if (s.pixels.empty()) {
            s.channels = c;
            s.height = h;
            s.width = w;
        } else if (c != s.channels || h != s.height || w != s.width) {
            throw std::runtime_error("'" + f + "' is " + std::to_string(c) + "x" + std::to_string(h) +
                                     "x" + std::to_string(w) + ", the folder's first image " +
                                     std::to_string(s.channels) + "x" + std::to_string(s.height) +
                                     "x" + std::to_string(s.width));
        }
        s.pixels.insert(s.pixels.end(), img.begin(), img.end());
        s.fine.push_back(-1);
        s.coarse.push_back(-1);
    }
    return s;
}

void write_png(const std::string& path, const float* chw, std::size_t channels,
               std::size_t height, std::size_t width)
{
    if (channels != 1 && channels != 3)
        throw std::invalid_argument("write_png: 1 or 3 channels, got " + std::to_string(channels));
    std::vector<unsigned char> buf(channels * height * width);
    for (std::size_t y = 0; y < height; ++y)
        for (std::size_t x = 0; x < width; ++x)
            for (std::size_t c = 0; c < channels; ++c) {
                const float v = chw[(c * height + y) * width + x];
                buf[(y * width + x) * channels + c] =
                    static_cast<unsigned char>(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f));
            }
    png_image image;
    std::memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = static_cast<png_uint_32>(width);
    image.height = static_cast<png_uint_32>(height);
    image.format = channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
    if (!png_image_write_to_file(&image, path.c_str(), 0, buf.data(), 0, nullptr))
        throw std::runtime_error("cannot write PNG '" + path + "': " + image.message);
}

void write_png_grid(const std::string& path, const std::vector<std::vector<const float*>>& rows,
                    std::size_t channels, std::size_t height, std::size_t width)
{
    const std::size_t gap = 2;
    std::size_t cols = 0;
    for (const auto& r : rows)
        cols = std::max(cols, r.size());
    if (rows.empty() || cols == 0)
        throw std::invalid_argument("write_png_grid: nothing to draw");
    const std::size_t gh = rows.size() * (height + gap) - gap, gw = cols * (width + gap) - gap;
    std::vector<float> grid(channels * gh * gw, 1.0f);
    for (std::size_t r = 0; r < rows.size(); ++r)
        for (std::size_t k = 0; k < rows[r].size(); ++k)
            for (std::size_t c = 0; c < channels; ++c)
                for (std::size_t y = 0; y < height; ++y)
                    for (std::size_t x = 0; x < width; ++x)
                        grid[(c * gh + r * (height + gap) + y) * gw + k * (width + gap) + x] =
                            rows[r][k][(c * height + y) * width + x];
    write_png(path, grid.data(), channels, gh, gw);
}

std::vector<float> mean_image(const ImageSet& set)
{
    const std::size_t D = set.image_size();
    if (set.size() == 0)
        throw std::invalid_argument("mean_image: empty image set");
    std::vector<double> sum(D, 0.0);
    for (std::size_t i = 0; i < set.size(); ++i)
        for (std::size_t k = 0; k < D; ++k)
            sum[k] += set.image(i)[k];
    std::vector<float> mean(D);
    for (std::size_t k = 0; k < D; ++k)
        mean[k] = float(sum[k] / double(set.size()));
    return mean;
}

int most_frequent_label(const std::vector<int>& labels)
{
    std::map<int, long> count;
    for (int l : labels)
        count[l]++;
    int best = 0;
    long most = -1;
    for (const auto& [label, c] : count)
        if (c > most) {
            best = label;
            most = c;
        }
    return best;
}

} // namespace semcom
