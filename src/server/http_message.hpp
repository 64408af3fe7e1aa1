// HttpRequest / HttpResponse: the server's own view of one HTTP exchange, independent of the HTTP
// library underneath (http_server.cpp). Routes, the router and the tests of routes see only these.
// The request body is already de-chunked and decoded (gzip/deflate) and within the body limit.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sembed::server {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive ASCII comparison of header names.
bool header_name_equal(std::string_view a, std::string_view b);

struct HttpRequest {
  std::string method;  // "GET", "POST", ... as sent
  std::string path;    // the target without its query string
  std::string query;   // after '?', empty when none
  HeaderList headers;
  std::string body;
  // The first header of that name (case-insensitive), or "" when absent.
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  HeaderList headers;  // extra headers (Retry-After, Allow, WWW-Authenticate, ...)
  void set_header(std::string name, std::string value);
  std::string header(std::string_view name) const;
};

}  // namespace sembed::server
