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

// Whole file, gunzipped if it is gzip (zlib's gzread reads plain files as they are).
std::vector<unsigned char> read_all(const std::string& path)
{
    gzFile f = gzopen(path.c_str(), "rb");
    if (!f)
        throw std::runtime_error("cannot open '" + path + "'");
    std::vector<unsigned char> data;
    unsigned char buf[1 << 16];
    int n;
    while ((n = gzread(f, buf, sizeof buf)) > 0)
        data.insert(data.end(), buf, buf + n);
    int err = 0;
    const char* msg = gzerror(f, &err);
    const std::string message = msg ? msg : "";
    gzclose(f);
    if (n < 0 || (err != Z_OK && err != Z_STREAM_END))
        throw std::runtime_error("'" + path + "': read error: " + message);
    return data;
}

std::uint32_t be32(const unsigned char* p)
{
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}

struct Idx {
    std::vector<std::uint32_t> shape;
    std::vector<unsigned char> data; // uint8 payload
};

Idx read_idx_u8(const std::string& path)
{
    auto raw = read_all(path);
    if (raw.size() < 4 || raw[0] != 0 || raw[1] != 0)
        throw std::runtime_error("'" + path + "': not an IDX file (bad magic)");
    if (raw[2] != 0x08)
        throw std::runtime_error("'" + path + "': IDX data type must be unsigned byte");
    const unsigned dims = raw[3];
    if (raw.size() < 4 + 4 * dims)
        throw std::runtime_error("'" + path + "': truncated IDX header");
    Idx idx;
    std::size_t count = 1;
    for (unsigned d = 0; d < dims; ++d) {
        idx.shape.push_back(be32(&raw[4 + 4 * d]));
        count *= idx.shape.back();
    }
    if (raw.size() - (4 + 4 * dims) != count)
        throw std::runtime_error("'" + path + "': IDX header announces " + std::to_string(count) +
                                 " values, file holds " + std::to_string(raw.size() - (4 + 4 * dims)));
    idx.data.assign(raw.begin() + 4 + 4 * dims, raw.end());
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
    const Idx labels = read_idx_u8(labels_path);
    if (images.shape.size() != 3)
        throw std::runtime_error("'" + images_path + "': expected N x H x W images");
    if (labels.shape.size() != 1 || labels.shape[0] != images.shape[0])
        throw std::runtime_error("'" + labels_path + "': " +
                                 std::to_string(labels.shape.empty() ? 0 : labels.shape[0]) +
                                 " labels for " + std::to_string(images.shape[0]) + " images");
    ImageSet s;
    s.name = "idx";
    s.channels = 1;
    s.height = images.shape[1];
    s.width = images.shape[2];
    s.pixels.resize(images.data.size());
    std::transform(images.data.begin(), images.data.end(), s.pixels.begin(),
                   [](unsigned char v) { return v / 255.0f; });
    s.fine.assign(labels.data.begin(), labels.data.end());
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
    for (const auto& f : files) {
        std::ifstream in(f, std::ios::binary);
        if (!in)
            throw std::runtime_error("CIFAR file not found: '" + f + "'");
        std::vector<unsigned char> raw((std::istreambuf_iterator<char>(in)), {});
        if (raw.empty() || raw.size() % record)
            throw std::runtime_error("'" + f + "': " + std::to_string(raw.size()) +
                                     " bytes is not a whole number of " + std::to_string(record) +
                                     "-byte records");
        for (std::size_t r = 0; r < raw.size() / record; ++r) {
            const unsigned char* rec = &raw[r * record];
            s.fine.push_back(rec[label_bytes - 1]);
            coarse_labels.push_back(rec[0]);
            for (std::size_t p = 0; p < 3072; ++p)
                s.pixels.push_back(rec[label_bytes + p] / 255.0f);
        }
    }
    if (variant == 10) {
        s.coarse_of_fine = { 0, 0, 1, 1, 1, 1, 1, 1, 0, 0 }; // vehicles 0, animals 1
        set_coarse(s);
    } else {
        s.coarse_of_fine.assign(100, -1);
        for (std::size_t i = 0; i < s.fine.size(); ++i)
            s.coarse_of_fine[s.fine[i]] = coarse_labels[i];
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
    if (!png_image_begin_read_from_file(&image, path.c_str()))
        throw std::runtime_error("'" + path + "': not a readable PNG (" + image.message + ")");
    const bool colour = image.format & PNG_FORMAT_FLAG_COLOR;
    image.format = colour ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
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
