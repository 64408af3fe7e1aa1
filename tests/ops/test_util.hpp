// Helpers for the ops tests: seeded random vectors and max-abs-difference.
#pragma once

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace sembed::ops::test {

inline std::vector<float> random_vector(size_t n, unsigned seed, float scale = 1.f) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0.f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(gen);
  return v;
}

template <class A, class B>
double max_abs_diff(const A& a, const B& b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(double(a[i]) - double(b[i])));
  return m;
}

}  // namespace sembed::ops::test
