// Request body parsing and field validation shared by the routes. Every failure is an ApiError
// naming the field (and index) at fault, with the status the route's dialect uses: malformed JSON
// is always 400; a missing field or a wrong type is `type_status` (400 for OpenAI, 422 for TEI).
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "server/api_error.hpp"

namespace sembed::server {

using json = nlohmann::json;

// Nesting deeper than this is refused before parsing: no embedding request needs more than 3
// levels, and bounding it keeps hostile bodies from costing stack or time.
constexpr size_t kMaxJsonDepth = 32;

// Parses a request body that must be a JSON object. Throws ApiError(400) naming the byte offset of
// a syntax error, or the depth limit.
json parse_body(const std::string& body);

// One input to embed: a text, or token ids given by the client.
struct Input {
  bool is_ids = false;
  std::string text;
  std::vector<int32_t> ids;
};

// Typed access to the fields of one request object.
class Fields {
 public:
  Fields(const json& object, int type_status) : obj_(object), type_status_(type_status) {}

  bool has(const char* name) const;
  const json& required(const char* name) const;
  std::optional<bool> boolean(const char* name) const;
  std::optional<std::string> string(const char* name) const;
  // A non-negative integer within [min, max].
  std::optional<size_t> integer(const char* name, size_t min, size_t max) const;
  int type_status() const { return type_status_; }

 private:
  const json& obj_;
  int type_status_;
};

// An "input"/"inputs" value: a string, an array of strings, an array of token ids (one input), or
// an array of token id arrays. `field` names it in errors. Ids must fit int32; their range is
// checked against the vocabulary later.
std::vector<Input> parse_inputs(const json& value, const std::string& field, int type_status);

// Strings only: a string or an array of strings.
std::vector<std::string> parse_texts(const json& value, const std::string& field, int type_status);

// A short, safe rendering of a JSON value's type for messages ("number", "array", ...).
std::string type_name(const json& value);

}  // namespace sembed::server
