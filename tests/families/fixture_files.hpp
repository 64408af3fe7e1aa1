// The random-weight fixture directories the family tests read (scripts/make_*_fixtures.py):
// each holds a model directory and its reference.json.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sembed::testing_fixtures {

// The fixtures under root (directories with a reference.json), sorted.
inline std::vector<std::string> fixture_names(const std::filesystem::path& root) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(root))
    if (std::filesystem::exists(e.path() / "reference.json"))
      names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

inline nlohmann::json read_reference(const std::filesystem::path& root, const std::string& name) {
  std::ifstream in(root / name / "reference.json");
  return nlohmann::json::parse(in);
}

}  // namespace sembed::testing_fixtures
