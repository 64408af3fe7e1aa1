// Reading tokenizer.json stage blocks (see stage_json.hpp).
#include "tokenizer/stage_json.hpp"

#include <sembed/error.hpp>

namespace sembed::tokenizer {

std::optional<int64_t> checked_int(const json& v, int64_t lo, int64_t hi) {
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(hi)) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (v.is_number_integer()) {
    const int64_t i = v.get<int64_t>();
    if (i < lo || i > hi) return std::nullopt;
    return i;
  }
  return std::nullopt;
}

namespace {

// A value quoted for an error message, cut short when long.
std::string quoted(const json& v) {
  std::string s = v.dump();
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

}  // namespace

void StageContext::fail(std::string_view field, const std::string& message) const {
  throw Error(origin + ": " + path + "." + std::string(field) + " " + message);
}

void StageContext::fail(const std::string& message) const {
  throw Error(origin + ": " + path + " " + message);
}

bool StageContext::get_bool(const json& obj, const char* field, bool fallback) const {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) fail(field, "must be a boolean, not " + quoted(*it));
  return it->get<bool>();
}

std::string StageContext::get_string(const json& obj, const char* field,
                                     const std::string& fallback) const {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return fallback;
  if (!it->is_string()) fail(field, "must be a string, not " + quoted(*it));
  return it->get<std::string>();
}

int64_t StageContext::get_int(const json& obj, const char* field, int64_t lo, int64_t hi,
                              int64_t fallback) const {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return fallback;
  const auto v = checked_int(*it, lo, hi);
  if (!v) {
    fail(field, "must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                    "], not " + quoted(*it));
  }
  return *v;
}

double StageContext::get_double(const json& obj, const char* field, double fallback) const {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return fallback;
  if (!it->is_number()) fail(field, "must be a number, not " + quoted(*it));
  return it->get<double>();
}

const json& StageContext::require(const json& obj, const char* field) const {
  auto it = obj.find(field);
  if (it == obj.end()) fail(field, "is missing");
  return *it;
}

std::string StageContext::require_string(const json& obj, const char* field) const {
  const json& v = require(obj, field);
  if (!v.is_string()) fail(field, "must be a string, not " + quoted(v));
  return v.get<std::string>();
}

int64_t StageContext::require_int(const json& obj, const char* field, int64_t lo,
                                  int64_t hi) const {
  require(obj, field);
  return get_int(obj, field, lo, hi, 0);
}

const json& StageContext::require_array(const json& obj, const char* field) const {
  const json& v = require(obj, field);
  if (!v.is_array()) fail(field, "must be a list, not " + quoted(v));
  return v;
}

const json& StageContext::require_object(const json& obj, const char* field) const {
  const json& v = require(obj, field);
  if (!v.is_object()) fail(field, "must be an object, not " + quoted(v));
  return v;
}

int64_t StageContext::int_value(const json& v, int64_t lo, int64_t hi,
                                const std::string& what) const {
  const auto i = checked_int(v, lo, hi);
  if (!i) {
    throw Error(origin + ": " + what + " must be an integer in [" + std::to_string(lo) + ", " +
                std::to_string(hi) + "], not " + quoted(v));
  }
  return *i;
}

std::string type_of(const json& j) {
  auto it = j.find("type");
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string("(no type)");
}

void unsupported_type(const StageContext& ctx, const std::string& type,
                      const std::vector<std::string>& supported) {
  std::string list;
  for (const std::string& s : supported) list += (list.empty() ? "" : ", ") + s;
  throw Error(ctx.origin + ": " + ctx.path + ".type '" + type +
              "' is not supported (supported: " + list + ")");
}

}  // namespace sembed::tokenizer
