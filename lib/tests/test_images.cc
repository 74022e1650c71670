#include <semcom/images.h>

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

using namespace semcom;

namespace {
std::string temp_dir(const std::string& name)
{
    auto d = std::filesystem::temp_directory_path() / ("semcom-test-" + name);
    std::filesystem::remove_all(d);
    std::filesystem::create_directories(d);
    return d.string();
}
} // namespace

TEST(Images, FashionMnistTestSetAndHierarchy)
{
    const auto s = load_fashion_mnist("test");
    ASSERT_EQ(s.size(), 10000u);
    EXPECT_EQ(s.channels, 1u);
    EXPECT_EQ(s.height, 28u);
    EXPECT_EQ(s.width, 28u);
    EXPECT_EQ(s.pixels.size(), 10000u * 784u);
    // the first test image is an ankle boot (label 9), footwear (coarse 2)
    EXPECT_EQ(s.fine[0], 9);
    EXPECT_EQ(s.coarse[0], 2);
    int per_class[10] = {};
    for (std::size_t i = 0; i < s.size(); ++i) {
        ++per_class[s.fine[i]];
        EXPECT_EQ(s.coarse[i], fashion_mnist_coarse_of_fine()[s.fine[i]]);
    }
    for (int c : per_class)
        EXPECT_EQ(c, 1000);
    EXPECT_THROW(load_fashion_mnist("valid"), std::invalid_argument);
    EXPECT_THROW(load_fashion_mnist("test", "/nonexistent"), std::runtime_error);
}

TEST(Images, CifarBinaryRecords)
{
    const auto dir = temp_dir("cifar");
    {
        std::ofstream f(dir + "/test.bin", std::ios::binary);
        for (int r = 0; r < 3; ++r) {
            f.put(char(7 + r)).put(char(40 + r)); // coarse, fine
            for (int p = 0; p < 3072; ++p)
                f.put(char((p + r) % 256));
        }
    }
    const auto s = load_cifar(dir, 100, "test");
    ASSERT_EQ(s.size(), 3u);
    EXPECT_EQ(s.fine[2], 42);
    EXPECT_EQ(s.coarse[2], 9);
    EXPECT_EQ(s.coarse_of_fine[41], 8);
    EXPECT_FLOAT_EQ(s.image(1)[5], 6 / 255.0f);
    std::ofstream(dir + "/test_batch.bin", std::ios::binary) << std::string(100, 'x');
    EXPECT_THROW(load_cifar(dir, 10, "test"), std::runtime_error); // not whole records
    EXPECT_THROW(load_cifar(dir, 10, "train"), std::runtime_error); // missing files
}

TEST(Images, PngRoundTripAndFolder)
{
    const auto dir = temp_dir("png");
    std::vector<float> img(3 * 5 * 7);
    for (std::size_t i = 0; i < img.size(); ++i)
        img[i] = float(i % 256) / 255.0f;
    write_png(dir + "/a.png", img.data(), 3, 5, 7);
    std::size_t c, h, w;
    const auto back = read_png(dir + "/a.png", c, h, w);
    ASSERT_EQ(c, 3u);
    ASSERT_EQ(h, 5u);
    ASSERT_EQ(w, 7u);
    for (std::size_t i = 0; i < img.size(); ++i)
        EXPECT_NEAR(back[i], img[i], 0.5f / 255.0f);
    write_png(dir + "/b.png", img.data(), 3, 5, 7);
    const auto s = load_png_folder(dir);
    EXPECT_EQ(s.size(), 2u);
    EXPECT_EQ(s.fine[0], -1);
    std::vector<float> grey(5 * 7, 0.5f);
    write_png(dir + "/c.png", grey.data(), 1, 5, 7);
    EXPECT_THROW(load_png_folder(dir), std::runtime_error); // mixed channels
    std::ofstream(dir + "/d.png") << "not a png";
    EXPECT_THROW(read_png(dir + "/d.png", c, h, w), std::runtime_error);
    // grid: 2 rows of 3 images with 2-pixel gaps
    std::vector<const float*> row(3, grey.data());
    write_png_grid(dir + "/grid.png", { row, row }, 1, 5, 7);
    read_png(dir + "/grid.png", c, h, w);
    EXPECT_EQ(h, 2u * 5u + 2u);
    EXPECT_EQ(w, 3u * 7u + 4u);
}

TEST(Images, MeanImageAndMostFrequentLabel)
{
    ImageSet set;
    set.channels = 1;
    set.height = 1;
    set.width = 2;
    set.pixels = { 0.0f, 1.0f, 0.5f, 1.0f, 1.0f, 0.25f };
    set.fine = { 3, 1, 3 };
    const auto mean = mean_image(set);
    ASSERT_EQ(mean.size(), 2u);
    EXPECT_FLOAT_EQ(mean[0], 0.5f);
    EXPECT_FLOAT_EQ(mean[1], 0.75f);
    EXPECT_EQ(most_frequent_label(set.fine), 3);
    EXPECT_EQ(most_frequent_label({ 2, 0, 0, 2 }), 0); // ties: the smallest
    EXPECT_THROW(mean_image(ImageSet{}), std::invalid_argument);
}

namespace {
std::string idx_bytes(const std::vector<std::uint32_t>& shape, const std::string& payload)
{
    std::string s{ '\0', '\0', '\x08', char(shape.size()) };
    for (auto n : shape)
        for (int b = 3; b >= 0; --b)
            s.push_back(char((n >> (8 * b)) & 0xff));
    return s + payload;
}
void write(const std::string& path, const std::string& bytes)
{
    std::ofstream(path, std::ios::binary) << bytes;
}
//! What f throws, or "" when it does not throw.
template <class F>
std::string error_of(F f)
{
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}
} // namespace

// issue #15: image_source('idx', ...) read coarse labels that load_idx never filled
TEST(Images, IdxGivesOneCoarseLabelPerImage)
{
    const auto dir = temp_dir("idx");
    write(dir + "/i", idx_bytes({ 2, 3, 4 }, std::string(24, '\x7f')));
    write(dir + "/l", idx_bytes({ 2 }, std::string{ '\x09', '\x01' }));
    const auto s = load_idx(dir + "/i", dir + "/l");
    ASSERT_EQ(s.size(), 2u);
    ASSERT_EQ(s.coarse.size(), 2u);
    EXPECT_EQ(s.coarse[0], -1); // an IDX file has no hierarchy
    EXPECT_EQ(s.fine[0], 9);
    EXPECT_EQ(s.height, 3u);
    EXPECT_EQ(s.width, 4u);
    // Debian's Fashion-MNIST files, read as plain IDX files
    const std::string fm = "/usr/share/datasets/fashion-mnist/t10k-";
    if (std::filesystem::exists(fm + "images-idx3-ubyte.gz")) {
        const auto f = load_idx(fm + "images-idx3-ubyte.gz", fm + "labels-idx1-ubyte.gz");
        EXPECT_EQ(f.size(), 10000u);
        EXPECT_EQ(f.coarse.size(), f.size());
    }
}

// issue #15: the IDX size check overflowed, and a header that claims more than the file can hold
// was allocated before it was refused (gzip: inflated whole first)
TEST(Images, IdxHeaderClaimsAreCheckedAgainstTheFile)
{
    const auto dir = temp_dir("idx-claims");
    write(dir + "/l", idx_bytes({ 2 }, "\x01\x02"));
    // 2^32 x 2^32 x 1 overflowed a 64-bit product to 0 = the empty payload
    write(dir + "/overflow", idx_bytes({ 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x10u }, ""));
    auto e = error_of([&] { load_idx(dir + "/overflow", dir + "/l"); });
    EXPECT_NE(e.find(dir + "/overflow"), std::string::npos) << e;
    EXPECT_NE(e.find("claims more than"), std::string::npos) << e;
    // a plain file that claims 60000 x 28 x 28 values in a few bytes
    write(dir + "/big", idx_bytes({ 60000, 28, 28 }, "abc"));
    e = error_of([&] { load_idx(dir + "/big", dir + "/l"); });
    EXPECT_NE(e.find("47040000 values, the file of 19 bytes holds 3"), std::string::npos) << e;
    // the same header gzipped: refused from the compressed size (deflate expands at most 1032:1)
    {
        gzFile g = gzopen((dir + "/big.gz").c_str(), "wb");
        const auto bytes = idx_bytes({ 60000, 28, 28 }, "abc");
        gzwrite(g, bytes.data(), unsigned(bytes.size()));
        gzclose(g);
    }
    e = error_of([&] { load_idx(dir + "/big.gz", dir + "/l"); });
    EXPECT_NE(e.find("a compressed file of"), std::string::npos) << e;
    EXPECT_NE(e.find("inflates to at most"), std::string::npos) << e;
    // more data than announced, a truncated file, no images, wrong label count: one line each
    write(dir + "/long", idx_bytes({ 2, 1, 1 }, "abc"));
    write(dir + "/short", idx_bytes({ 2, 1, 2 }, "abc"));
    write(dir + "/none", idx_bytes({ 0, 28, 28 }, ""));
    write(dir + "/ok", idx_bytes({ 2, 1, 1 }, "ab"));
    write(dir + "/l3", idx_bytes({ 3 }, "\x01\x02\x03"));
    for (const auto& [images, labels] : std::vector<std::pair<std::string, std::string>>{
           { "long", "l" }, { "short", "l" }, { "none", "l" }, { "ok", "l3" }, { "ok", "missing" } }) {
        e = error_of([&] { load_idx(dir + "/" + images, dir + "/" + labels); });
        EXPECT_FALSE(e.empty()) << images << " " << labels;
        EXPECT_EQ(e.find('\n'), std::string::npos) << e;
        EXPECT_NE(e.find(dir), std::string::npos) << e;
    }
}

// issue #15: a CIFAR-100 fine label >= 100 wrote past the coarse_of_fine table
TEST(Images, CifarRefusesLabelsOutOfRange)
{
    const auto dir = temp_dir("cifar-labels");
    auto record = [](int coarse, int fine) {
        std::string r{ char(coarse), char(fine) };
        return r + std::string(3072, '\x10');
    };
    write(dir + "/test.bin", record(3, 40) + record(4, 200));
    auto e = error_of([&] { load_cifar(dir, 100, "test"); });
    EXPECT_NE(e.find(dir + "/test.bin': record 1 has label 200, CIFAR-100 labels are 0..99"), std::string::npos)
      << e;
    write(dir + "/test.bin", record(20, 40));
    EXPECT_NE(error_of([&] { load_cifar(dir, 100, "test"); }).find("coarse label 20"), std::string::npos);
    write(dir + "/test.bin", record(3, 40) + record(5, 40));
    EXPECT_NE(error_of([&] { load_cifar(dir, 100, "test"); }).find("puts label 40 in coarse class 5"),
              std::string::npos);
    write(dir + "/test_batch.bin", std::string(1, '\x0a') + std::string(3072, '\0'));
    EXPECT_NE(error_of([&] { load_cifar(dir, 10, "test"); }).find("label 10, CIFAR-10 labels are 0..9"),
              std::string::npos);
    EXPECT_THROW(load_cifar(dir, 10, "valid"), std::invalid_argument);
}

// issue #15: a PNG header's size was allocated before the file was read
TEST(Images, PngHeaderClaimingMoreThanTheFileIsRefused)
{
    const auto dir = temp_dir("png-claims");
    std::vector<float> grey(4, 0.5f);
    write_png(dir + "/small.png", grey.data(), 1, 2, 2);
    std::string bytes;
    {
        std::ifstream f(dir + "/small.png", std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(f), {});
    }
    // IHDR's width and height (bytes 16..23) set to 16000 x 16000: 256 MB claimed by ~70 bytes
    for (int k = 0; k < 2; ++k) {
        bytes[16 + 4 * k] = 0;
        bytes[17 + 4 * k] = 0;
        bytes[18 + 4 * k] = char(0x3e);
        bytes[19 + 4 * k] = char(0x80);
    }
    const std::uint32_t crc = crc32(0, reinterpret_cast<const Bytef*>(bytes.data() + 12), 17);
    for (int b = 0; b < 4; ++b)
        bytes[29 + b] = char((crc >> (24 - 8 * b)) & 0xff);
    write(dir + "/big.png", bytes);
    std::size_t c, h, w;
    const auto e = error_of([&] { read_png(dir + "/big.png", c, h, w); });
    EXPECT_NE(e.find(dir + "/big.png': PNG header claims 16000 x 16000 pixels, more than a"), std::string::npos)
      << e;
    // past the reader's limit whatever the file's size: 60000 x 60000
    for (int k = 0; k < 2; ++k) {
        bytes[18 + 4 * k] = char(0xea);
        bytes[19 + 4 * k] = char(0x60);
    }
    const std::uint32_t crc2 = crc32(0, reinterpret_cast<const Bytef*>(bytes.data() + 12), 17);
    for (int b = 0; b < 4; ++b)
        bytes[29 + b] = char((crc2 >> (24 - 8 * b)) & 0xff);
    write(dir + "/bigger.png", bytes);
    EXPECT_NE(error_of([&] { read_png(dir + "/bigger.png", c, h, w); }).find("more than the 268435456 this reader takes"),
              std::string::npos);
}
