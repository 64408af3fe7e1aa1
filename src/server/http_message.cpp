// Header lookups of HttpRequest / HttpResponse (see http_message.hpp).
#include "server/http_message.hpp"

namespace sembed::server {
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string find_header(const HeaderList& headers, std::string_view name, bool* found) {
  for (const auto& [k, v] : headers) {
    if (header_name_equal(k, name)) {
      if (found) *found = true;
      return v;
    }
  }
  if (found) *found = false;
  return {};
}

}  // namespace

bool header_name_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string HttpRequest::header(std::string_view name) const {
  return find_header(headers, name, nullptr);
}

bool HttpRequest::has_header(std::string_view name) const {
  bool found = false;
  find_header(headers, name, &found);
  return found;
}

void HttpResponse::set_header(std::string name, std::string value) {
  for (auto& [k, v] : headers) {
    if (header_name_equal(k, name)) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

std::string HttpResponse::header(std::string_view name) const {
  return find_header(headers, name, nullptr);
}

}  // namespace sembed::server
