#include <semcom/images.h>

#include <gtest/gtest.h>

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
