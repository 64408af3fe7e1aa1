// sembed::Error — the single exception type thrown by the sembed library.
// Its message names the file, field or input at fault, ready to show to a user.
#pragma once

#include <stdexcept>
#include <string>

namespace sembed {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace sembed
