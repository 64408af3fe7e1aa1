// Reads a float32 C-order .npy file (what numpy.save writes for a 2-D float32 array); test-only.
#pragma once

#include <string>

#include <sembed/sembed.hpp>

namespace sembed::testing {
Matrix read_npy_f32(const std::string& path);
}
