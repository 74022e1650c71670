/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_IMAGES_H
#define SEMCOM_IMAGES_H

#include <cstdint>
#include <string>
#include <vector>

namespace semcom {

/*!
 * \brief A set of images in memory: float in [0, 1], NCHW (DESIGN §4), with labels.
 *
 * fine[i] is the dataset's label (-1 if unknown), coarse[i] its coarse label through
 * coarse_of_fine (Fashion-MNIST: the hierarchy of DESIGN §4; CIFAR-100: the dataset's own 20
 * superclasses; CIFAR-10: vehicles 0 / animals 1; PNG folders: -1).
 */
struct ImageSet {
    std::string name;
    std::size_t channels = 0, height = 0, width = 0;
    std::vector<float> pixels;
    std::vector<int> fine, coarse;
    std::vector<int> coarse_of_fine;

    std::size_t size() const { return fine.size(); }
    std::size_t image_size() const { return channels * height * width; }
    const float* image(std::size_t i) const { return pixels.data() + i * image_size(); }
};

//! The Fashion-MNIST coarse label of each of its 10 labels (DESIGN §4).
const std::vector<int>& fashion_mnist_coarse_of_fine();

//! Reads an IDX image file and an IDX label file (gzip or plain), e.g. Fashion-MNIST's.
ImageSet load_idx(const std::string& images_path, const std::string& labels_path);
//! Fashion-MNIST from Debian's dataset-fashion-mnist (split "train" or "test").
ImageSet load_fashion_mnist(const std::string& split = "test",
                            const std::string& dir = "/usr/share/datasets/fashion-mnist");
//! CIFAR-10 (variant 10: data_batch_1..5.bin / test_batch.bin) or CIFAR-100 (train.bin /
//! test.bin) binary files from dir.
ImageSet load_cifar(const std::string& dir, int variant, const std::string& split = "test");
//! All *.png files of a folder, sorted by name; all must have the same size and channels.
ImageSet load_png_folder(const std::string& dir);

//! Writes one CHW image in [0, 1] as 8-bit grey (C = 1) or RGB (C = 3) PNG.
void write_png(const std::string& path, const float* chw, std::size_t channels,
               std::size_t height, std::size_t width);
//! Reads a PNG as CHW floats in [0, 1] (grey or RGB; alpha dropped, palettes expanded).
std::vector<float> read_png(const std::string& path, std::size_t& channels, std::size_t& height,
                            std::size_t& width);

/*!
 * What a receiver shows when it has no decoded image (the separate baseline's lost frames): the
 * mean image of a set, pixel by pixel, and the most frequent label of a task (the smallest label
 * among the most frequent on ties), as python/semcom_train/separate.py does.
 */
std::vector<float> mean_image(const ImageSet& set);
int most_frequent_label(const std::vector<int>& labels);

/*!
 * \brief A grid of images, one row per image set: rows[r][k] is the k-th image of row r, all CHW
 * of the same shape. Written with a 2-pixel white gap: originals above each receiver's
 * reconstructions.
 */
void write_png_grid(const std::string& path, const std::vector<std::vector<const float*>>& rows,
                    std::size_t channels, std::size_t height, std::size_t width);

} // namespace semcom

#endif
