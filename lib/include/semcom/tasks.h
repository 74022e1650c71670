/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_TASKS_H
#define SEMCOM_TASKS_H

#include <string>

namespace semcom {

/*!
 * \brief The classification tasks a receiver's logits can score (a decoder manifest's task).
 *
 * - fine: the dataset's own label (Fashion-MNIST: its 10 classes);
 * - coarse: the coarse label the dataset gives with it (Fashion-MNIST: the 4 classes of DESIGN §4);
 * - binary: Fashion-MNIST long-sleeve tops, label 1 for Pullover 2, Coat 4 and Shirt 6, 0 for the
 *   other seven (DeepBroadcast's binary task, python/semcom_train/schemes/deepbroadcast.py).
 *
 * The one place C++ turns a frame's labels into the label a receiver is scored against.
 */
enum class Task { fine, coarse, binary };

//! The task named \p name; std::invalid_argument naming the known tasks otherwise.
Task parse_task(const std::string& name);
//! "fine", "coarse", "binary".
const char* task_name(Task task);
//! Classes of a task with a fixed count (binary: 2); 0 where the dataset decides (fine, coarse).
int task_classes(Task task);
//! Fashion-MNIST: is \p fine a long-sleeve top (Pullover, Coat, Shirt)?
bool fashion_mnist_long_sleeve(int fine);
/*!
 * The label of \p task for an image whose fine label is \p fine and coarse label \p coarse
 * (-1: unknown). An unknown fine label gives -1 for fine and binary; an unknown coarse -1 for coarse.
 */
int task_label(Task task, int fine, int coarse);

} // namespace semcom

#endif
