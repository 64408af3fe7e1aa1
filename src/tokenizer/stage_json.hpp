// Reading tokenizer.json stage blocks: typed field access whose errors name the file, the field
// path ("normalizer.normalizers[1].pattern") and the value, and the one error for a stage type we
// do not support, listing the supported ones. Shared by every stage factory and the loader.
// Does not: know any stage (the factories in normalizers/, pre_tokenizers/, models/,
// processors/ do).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sembed::tokenizer {

using json = nlohmann::json;

// Largest length-like value accepted from a file (lengths, ids, counts).
constexpr int64_t kMaxCount = int64_t{1} << 30;

// An integer JSON value inside [lo, hi], else nullopt. nlohmann's get<int>() of a float or of an
// out-of-range number is a plain cast (undefined behaviour, found by the fuzzer), so every
// integer read goes through here.
std::optional<int64_t> checked_int(const json& v, int64_t lo, int64_t hi);

// Where a stage block sits: the file it came from and its path inside the file.
struct StageContext {
  const std::string& origin;  // file name (or description) for errors
  std::string path;           // e.g. "normalizer.normalizers[2]"

  StageContext at(std::string_view field) const {
    return {origin, path + "." + std::string(field)};
  }
  StageContext index(size_t i) const { return {origin, path + "[" + std::to_string(i) + "]"}; }

  // "<origin>: <path>.<field> <message>"
  [[noreturn]] void fail(std::string_view field, const std::string& message) const;
  [[noreturn]] void fail(const std::string& message) const;

  // Optional fields: fallback when absent or null; an error naming the field when mistyped.
  bool get_bool(const json& obj, const char* field, bool fallback) const;
  std::string get_string(const json& obj, const char* field, const std::string& fallback) const;
  int64_t get_int(const json& obj, const char* field, int64_t lo, int64_t hi,
                  int64_t fallback) const;
  double get_double(const json& obj, const char* field, double fallback) const;
  // Required fields.
  const json& require(const json& obj, const char* field) const;
  std::string require_string(const json& obj, const char* field) const;
  int64_t require_int(const json& obj, const char* field, int64_t lo, int64_t hi) const;
  const json& require_array(const json& obj, const char* field) const;
  const json& require_object(const json& obj, const char* field) const;
  // An integer value (not a field), named by `what` in errors.
  int64_t int_value(const json& v, int64_t lo, int64_t hi, const std::string& what) const;
};

// The "type" of a stage block ("(no type)" when it has none).
std::string type_of(const json& j);

// "<origin>: <path>.type 'X' is not supported (supported: A, B, C)".
[[noreturn]] void unsupported_type(const StageContext& ctx, const std::string& type,
                                   const std::vector<std::string>& supported);

// A stage kind's table of builders, dispatched on "type". Each stage kind's factory.cpp holds
// one: adding a stage is one new file and one line there.
template <typename Stage>
struct StageBuilder {
  const char* type;
  Stage (*build)(const json& block, const StageContext& ctx);
};

template <typename Stage, size_t N>
Stage build_stage(const StageBuilder<Stage> (&table)[N], const json& block,
                  const StageContext& ctx) {
  if (!block.is_object()) ctx.fail("must be an object");
  const std::string type = type_of(block);
  for (const auto& entry : table) {
    if (type == entry.type) return entry.build(block, ctx);
  }
  std::vector<std::string> supported;
  for (const auto& entry : table) supported.emplace_back(entry.type);
  unsupported_type(ctx, type, supported);
}

}  // namespace sembed::tokenizer
