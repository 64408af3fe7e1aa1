// Request parsing: a depth pre-scan, nlohmann's parser, and field accessors that turn every
// surprise into an ApiError naming the field.
#include "server/request_json.hpp"

#include <algorithm>
#include <limits>

namespace sembed::server {

namespace {

// Counts bracket nesting outside strings; enough to refuse absurd depth before building a DOM.
size_t max_depth(const std::string& s) {
  size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : s) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > deepest) deepest = depth;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

std::string type_name(const json& value) {
  switch (value.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "boolean";
    case json::value_t::string: return "string";
    case json::value_t::array: return "array";
    case json::value_t::object: return "object";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "integer";
    case json::value_t::number_float: return "number";
    default: return "value";
  }
}

json parse_body(const std::string& body) {
  if (body.empty()) throw ApiError(400, "request body is empty; expected a JSON object");
  if (max_depth(body) > kMaxJsonDepth) {
    throw ApiError(400, "malformed JSON: nested deeper than " + std::to_string(kMaxJsonDepth) +
                            " levels");
  }
  json value;
  try {
    value = json::parse(body);
  } catch (const json::parse_error& e) {
    throw ApiError(400, "malformed JSON at byte " + std::to_string(e.byte) + ": " + e.what());
  } catch (const std::exception& e) {
    throw ApiError(400, std::string("malformed JSON: ") + e.what());
  }
  if (!value.is_object()) {
    throw ApiError(400, "request body must be a JSON object, got " + type_name(value));
  }
  return value;
}

bool Fields::has(const char* name) const {
  auto it = obj_.find(name);
  return it != obj_.end() && !it->is_null();
}

const json& Fields::required(const char* name) const {
  auto it = obj_.find(name);
  if (it == obj_.end() || it->is_null()) {
    throw ApiError(type_status_, std::string("missing field `") + name + "`", name);
  }
  return *it;
}

std::optional<bool> Fields::boolean(const char* name) const {
  if (!has(name)) return std::nullopt;
  const json& v = obj_.at(name);
  if (!v.is_boolean()) {
    throw ApiError(type_status_,
                   std::string("field `") + name + "` must be a boolean, got " + type_name(v), name);
  }
  return v.get<bool>();
}

std::optional<std::string> Fields::string(const char* name) const {
  if (!has(name)) return std::nullopt;
  const json& v = obj_.at(name);
  if (!v.is_string()) {
    throw ApiError(type_status_,
                   std::string("field `") + name + "` must be a string, got " + type_name(v), name);
  }
  return v.get<std::string>();
}

std::optional<size_t> Fields::integer(const char* name, size_t min, size_t max) const {
  if (!has(name)) return std::nullopt;
  const json& v = obj_.at(name);
  if (!v.is_number_integer()) {
    throw ApiError(type_status_,
                   std::string("field `") + name + "` must be an integer, got " + type_name(v),
                   name);
  }
  if (v.is_number_unsigned() || v.get<long long>() >= 0) {
    const unsigned long long u = v.get<unsigned long long>();
    if (u >= min && u <= max) return static_cast<size_t>(u);
  }
  throw ApiError(type_status_,
                 std::string("field `") + name + "` must be between " + std::to_string(min) +
                     " and " + std::to_string(max) + ", got " + v.dump(),
                 name);
}

namespace {

std::vector<int32_t> parse_ids(const json& array, const std::string& field, int type_status) {
  std::vector<int32_t> ids;
  ids.reserve(array.size());
  for (size_t i = 0; i < array.size(); ++i) {
    const json& v = array[i];
    if (!v.is_number_integer()) {
      throw ApiError(type_status,
                     "`" + field + "[" + std::to_string(i) + "]` must be a token id (integer), got " +
                         type_name(v),
                     field);
    }
    const long long id = v.is_number_unsigned()
                             ? static_cast<long long>(std::min<unsigned long long>(
                                   v.get<unsigned long long>(),
                                   std::numeric_limits<long long>::max()))
                             : v.get<long long>();
    if (id < 0 || id > std::numeric_limits<int32_t>::max()) {
      throw ApiError(type_status,
                     "`" + field + "[" + std::to_string(i) + "]` is not a valid token id: " +
                         v.dump(),
                     field);
    }
    ids.push_back(static_cast<int32_t>(id));
  }
  return ids;
}

}  // namespace

std::vector<Input> parse_inputs(const json& value, const std::string& field, int type_status) {
  std::vector<Input> inputs;
  if (value.is_string()) {
    inputs.push_back(Input{false, value.get<std::string>(), {}});
    return inputs;
  }
  if (!value.is_array()) {
    throw ApiError(type_status,
                   "`" + field +
                       "` must be a string, an array of strings, or token id arrays; got " +
                       type_name(value),
                   field);
  }
  if (value.empty()) throw ApiError(400, "`" + field + "` must not be empty", field);
  // An array of integers is one input given as token ids (OpenAI's convention).
  if (value[0].is_number()) {
    inputs.push_back(Input{true, {}, parse_ids(value, field, type_status)});
    return inputs;
  }
  inputs.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    const json& v = value[i];
    const std::string name = field + "[" + std::to_string(i) + "]";
    if (v.is_string()) {
      inputs.push_back(Input{false, v.get<std::string>(), {}});
    } else if (v.is_array()) {
      if (v.empty()) throw ApiError(400, "`" + name + "` has no token ids", name);
      inputs.push_back(Input{true, {}, parse_ids(v, name, type_status)});
    } else {
      throw ApiError(type_status,
                     "`" + name + "` must be a string or an array of token ids, got " +
                         type_name(v),
                     name);
    }
  }
  return inputs;
}

std::vector<std::string> parse_texts(const json& value, const std::string& field,
                                     int type_status) {
  std::vector<std::string> texts;
  if (value.is_string()) {
    texts.push_back(value.get<std::string>());
    return texts;
  }
  if (!value.is_array()) {
    throw ApiError(type_status,
                   "`" + field + "` must be a string or an array of strings, got " +
                       type_name(value),
                   field);
  }
  if (value.empty()) throw ApiError(400, "`" + field + "` must not be empty", field);
  texts.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_string()) {
      throw ApiError(type_status,
                     "`" + field + "[" + std::to_string(i) + "]` must be a string, got " +
                         type_name(value[i]),
                     field + "[" + std::to_string(i) + "]");
    }
    texts.push_back(value[i].get<std::string>());
  }
  return texts;
}

}  // namespace sembed::server
