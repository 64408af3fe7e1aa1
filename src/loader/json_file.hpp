// Reading small JSON files (config.json, modules.json, ...) with errors that name the file and
// the field. Does not read tokenizer.json (the tokenizer layer owns that) nor safetensors headers
// (safetensors.cpp parses those from memory).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace sembed::loader {

// Parses a whole JSON file. Throws sembed::Error naming the file when it is missing, unreadable,
// larger than max_bytes, not UTF-8 or not JSON.
nlohmann::json read_json_file(const std::filesystem::path& file, size_t max_bytes = 64u << 20);

// Typed access to an object's field. A missing (or null) field gives the fallback / nullopt; a
// field of the wrong type throws sembed::Error naming the file and the field.
std::optional<int64_t> json_int(const nlohmann::json& obj, std::string_view key,
                                const std::filesystem::path& file);
std::optional<double> json_number(const nlohmann::json& obj, std::string_view key,
                                  const std::filesystem::path& file);
std::optional<bool> json_bool(const nlohmann::json& obj, std::string_view key,
                              const std::filesystem::path& file);
std::optional<std::string> json_string(const nlohmann::json& obj, std::string_view key,
                                       const std::filesystem::path& file);

}  // namespace sembed::loader
