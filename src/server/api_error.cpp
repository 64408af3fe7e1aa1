// Error bodies for both dialects. Messages may quote client text, which can be anything, so the
// JSON is dumped with invalid UTF-8 replaced rather than throwing.
#include "server/api_error.hpp"

#include <nlohmann/json.hpp>

namespace sembed::server {

std::string error_type(Dialect dialect, int status) {
  if (dialect == Dialect::OpenAI) {
    switch (status) {
      case 401:
        return "authentication_error";
      case 404:
        return "not_found_error";
      case 429:
        return "rate_limit_error";
      case 503:
        return "server_unavailable_error";
      default:
        return status >= 500 ? "server_error" : "invalid_request_error";
    }
  }
  // TEI's ErrorType enum, spelled as TEI serializes it (Unhealthy, Backend, Overloaded,
  // Validation, Tokenizer, Empty). 401 has no TEI body (TEI answers it bare); sembed says
  // "Unauthorized" there.
  switch (status) {
    case 400:
      return "Empty";
    case 401:
      return "Unauthorized";
    case 424:
      return "Backend";
    case 429:
      return "Overloaded";
    case 503:
      return "Unhealthy";
    default:
      return status >= 500 ? "Backend" : "Validation";
  }
}

std::string error_body(Dialect dialect, int status, const std::string& message,
                       const std::string& param) {
  nlohmann::json body;
  if (dialect == Dialect::OpenAI) {
    body["error"] = {{"message", message},
                     {"type", error_type(dialect, status)},
                     {"param", param.empty() ? nlohmann::json(nullptr) : nlohmann::json(param)},
                     {"code", status}};
  } else {
    body["error"] = message;
    body["error_type"] = error_type(dialect, status);
    if (!param.empty()) body["field"] = param;
  }
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace sembed::server
