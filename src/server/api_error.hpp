// ApiError: a client-facing failure with its HTTP status, and the JSON bodies it becomes in each
// API dialect. OpenAI clients expect {"error": {"message", "type", "param", "code"}}; TEI clients
// expect {"error": "...", "error_type": "..."}. Every message names the field or input at fault.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

namespace sembed::server {

enum class Dialect { OpenAI, Tei };

class ApiError : public std::runtime_error {
 public:
  // param: the request field at fault ("input", "input[3]", "dimensions"...), if any.
  ApiError(int status, std::string message, std::string param = {})
      : std::runtime_error(std::move(message)), status_(status), param_(std::move(param)) {}
  int status() const { return status_; }
  const std::string& param() const { return param_; }

 private:
  int status_;
  std::string param_;
};

// The JSON body for an error in the given dialect (always valid UTF-8 JSON, whatever the message
// holds).
std::string error_body(Dialect dialect, int status, const std::string& message,
                       const std::string& param = {});

// TEI's error_type / OpenAI's error type for a status, e.g. 413 -> "validation".
std::string error_type(Dialect dialect, int status);

}  // namespace sembed::server
