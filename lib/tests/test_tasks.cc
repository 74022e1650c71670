/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/tasks.h>

#include <gtest/gtest.h>

#include <stdexcept>

using namespace semcom;

TEST(Tasks, NamesRoundTripAndUnknownIsRefused)
{
    for (const auto t : { Task::fine, Task::coarse, Task::binary })
        EXPECT_EQ(parse_task(task_name(t)), t);
    try {
        parse_task("image");
        FAIL() << "no throw";
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "unknown task 'image' (fine, coarse, binary)");
    }
    EXPECT_THROW(parse_task("Binary"), std::invalid_argument);
    EXPECT_EQ(task_classes(Task::binary), 2);
    EXPECT_EQ(task_classes(Task::fine), 0);
}

TEST(Tasks, BinaryIsLongSleeveTops)
{
    // Fashion-MNIST: 0 T-shirt, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Boot
    const int expected[10] = { 0, 0, 1, 0, 1, 0, 1, 0, 0, 0 };
    for (int fine = 0; fine < 10; ++fine) {
        EXPECT_EQ(task_label(Task::binary, fine, -1), expected[fine]) << fine;
        EXPECT_EQ(task_label(Task::fine, fine, 3), fine);
        EXPECT_EQ(task_label(Task::coarse, fine, 3), 3);
    }
    EXPECT_EQ(task_label(Task::binary, -1, 2), -1);
    EXPECT_EQ(task_label(Task::fine, -1, 2), -1);
    EXPECT_EQ(task_label(Task::coarse, 4, -1), -1);
}
