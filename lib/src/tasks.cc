/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/tasks.h>

#include <stdexcept>

namespace semcom {

namespace {

struct TaskName {
    Task task;
    const char* name;
};
constexpr TaskName task_names[] = { { Task::fine, "fine" }, { Task::coarse, "coarse" }, { Task::binary, "binary" } };

} // namespace

Task parse_task(const std::string& name)
{
    for (const auto& t : task_names)
        if (name == t.name)
            return t.task;
    throw std::invalid_argument("unknown task '" + name + "' (fine, coarse, binary)");
}

const char* task_name(Task task)
{
    for (const auto& t : task_names)
        if (t.task == task)
            return t.name;
    return "?";
}

int task_classes(Task task) { return task == Task::binary ? 2 : 0; }

bool fashion_mnist_long_sleeve(int fine) { return fine == 2 || fine == 4 || fine == 6; }

int task_label(Task task, int fine, int coarse)
{
    switch (task) {
    case Task::fine:
        return fine >= 0 ? fine : -1;
    case Task::coarse:
        return coarse >= 0 ? coarse : -1;
    case Task::binary:
        return fine >= 0 ? (fashion_mnist_long_sleeve(fine) ? 1 : 0) : -1;
    }
    return -1;
}

} // namespace semcom
