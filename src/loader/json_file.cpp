// Reading small JSON configuration files with file- and field-naming errors.
#include "loader/json_file.hpp"

#include <fstream>
#include <sembed/error.hpp>
#include <sstream>

namespace sembed::loader {

nlohmann::json read_json_file(const std::filesystem::path& file, size_t max_bytes) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    throw Error(file.string() + ": not found (or not a regular file)");
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) throw Error(file.string() + ": cannot read size: " + ec.message());
  if (size > max_bytes)
    throw Error(file.string() + ": " + std::to_string(size) +
                " bytes is too large for a JSON "
                "configuration file (limit " +
                std::to_string(max_bytes) + ")");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(file.string() + ": cannot open");
  std::string text(static_cast<size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (static_cast<size_t>(in.gcount()) != text.size()) throw Error(file.string() + ": short read");
  try {
    // nlohmann's lexer rejects ill-formed UTF-8 inside strings, which is what we want.
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(file.string() + ": invalid JSON: " + e.what());
  }
}

namespace {

const nlohmann::json* field(const nlohmann::json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

[[noreturn]] void wrong_type(std::string_view key, const std::filesystem::path& file,
                             std::string_view expected, const nlohmann::json& value) {
  throw Error(file.string() + ": field '" + std::string(key) + "' should be " +
              std::string(expected) + ", found " + value.type_name());
}

}  // namespace

std::optional<int64_t> json_int(const nlohmann::json& obj, std::string_view key,
                                const std::filesystem::path& file) {
  const auto* v = field(obj, key);
  if (!v) return std::nullopt;
  if (v->is_number_integer()) {
    if (v->is_number_unsigned() && v->get<uint64_t>() > uint64_t(INT64_MAX))
      throw Error(file.string() + ": field '" + std::string(key) + "' is out of range");
    return v->get<int64_t>();
  }
  // Python's json writes integral floats as "512.0" only rarely, but accept them exactly.
  if (v->is_number_float()) {
    const double d = v->get<double>();
    if (d == static_cast<double>(static_cast<int64_t>(d)) && d >= -9.0e15 && d <= 9.0e15)
      return static_cast<int64_t>(d);
  }
  wrong_type(key, file, "an integer", *v);
}

std::optional<double> json_number(const nlohmann::json& obj, std::string_view key,
                                  const std::filesystem::path& file) {
  const auto* v = field(obj, key);
  if (!v) return std::nullopt;
  if (!v->is_number()) wrong_type(key, file, "a number", *v);
  return v->get<double>();
}

std::optional<bool> json_bool(const nlohmann::json& obj, std::string_view key,
                              const std::filesystem::path& file) {
  const auto* v = field(obj, key);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) wrong_type(key, file, "true or false", *v);
  return v->get<bool>();
}

std::optional<std::string> json_string(const nlohmann::json& obj, std::string_view key,
                                       const std::filesystem::path& file) {
  const auto* v = field(obj, key);
  if (!v) return std::nullopt;
  if (!v->is_string()) wrong_type(key, file, "a string", *v);
  return v->get<std::string>();
}

}  // namespace sembed::loader
