// Router: route table and the per-request envelope around every route (see router.hpp).
#include "server/router.hpp"

#include <chrono>
#include <new>

namespace sembed::server {
namespace {

// Compares without an early exit, so response time does not reveal how much of a key matched.
bool constant_time_equal(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

bool authorized(const HttpRequest& req, const std::string& key) {
  if (key.empty()) return true;
  const std::string header = req.header("Authorization");
  static const std::string kBearer = "Bearer ";
  if (header.size() < kBearer.size() || header.compare(0, kBearer.size(), kBearer) != 0) {
    return false;
  }
  return constant_time_equal(header.substr(kBearer.size()), key);
}

// JSON bodies only: application/json, or any `+json` type; parameters (charset) are ignored.
// A request without Content-Type is read as JSON, as curl -d users and most clients expect.
bool json_content_type(const HttpRequest& req) {
  if (!req.has_header("Content-Type")) return true;
  std::string type = req.header("Content-Type");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
  size_t b = 0;
  while (b < type.size() && (type[b] == ' ' || type[b] == '\t')) ++b;
  type = type.substr(b);
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (type == "application/json") return true;
  return type.size() > 5 && type.rfind("application/", 0) == 0 &&
         type.compare(type.size() - 5, 5, "+json") == 0;
}

// Methods of RFC 9110 and PATCH (RFC 5789) and QUERY (the HTTP QUERY draft): on a known route the
// answer to one it does not take is 405 with Allow. Any other token is 501 everywhere.
bool known_method(const std::string& m) {
  static const char* kKnown[] = {"GET",     "HEAD",    "POST",  "PUT",   "DELETE",
                                 "CONNECT", "OPTIONS", "TRACE", "PATCH", "QUERY"};
  for (const char* k : kKnown) {
    if (m == k) return true;
  }
  return false;
}

}  // namespace

Dialect dialect_of_path(const std::string& path) {
  return path.rfind("/v1/", 0) == 0 || path == "/embeddings" ? Dialect::OpenAI : Dialect::Tei;
}

void set_error(HttpResponse& res, Dialect dialect, int status, const std::string& message,
               const std::string& param) {
  res.status = status;
  res.body = error_body(dialect, status, message, param);
  res.content_type = "application/json";
}

void set_json(HttpResponse& res, std::string body) {
  res.status = 200;
  res.body = std::move(body);
  res.content_type = "application/json";
}

void Router::add(const std::string& method, const std::string& path, Dialect dialect, RouteFn fn,
                 bool needs_auth) {
  routes_[path].push_back(Route{method, dialect, needs_auth, std::move(fn)});
}

void Router::post(const std::string& path, Dialect dialect, RouteFn fn) {
  add("POST", path, dialect, std::move(fn), true);
}

void Router::get(const std::string& path, Dialect dialect, RouteFn fn, bool needs_auth) {
  add("GET", path, dialect, std::move(fn), needs_auth);
}

std::vector<std::string> Router::paths() const {
  std::vector<std::string> out;
  for (const auto& [path, routes] : routes_) out.push_back(path);
  return out;
}

HttpResponse Router::transport_error(int status, const std::string& message,
                                     const std::string& path) const {
  HttpResponse res;
  set_error(res, dialect_of_path(path), status, message);
  if (status == 503)
    res.set_header("Retry-After", std::to_string(ctx_.options.retry_after_seconds));
  try {
    ctx_.metrics.observe_request(routes_.count(path) ? path : "other", status, 0.0);
  } catch (...) {
  }
  return res;
}

void Router::handle(const HttpRequest& req, HttpResponse& res) const {
  if (!known_method(req.method)) {
    res = transport_error(
        501, "method " + req.method.substr(0, 32) + " is not implemented by this server", req.path);
    return;
  }
  const auto it = routes_.find(req.path);
  if (it == routes_.end()) {
    res = transport_error(404, "no such route: " + req.method + " " + req.path.substr(0, 200),
                          req.path);
    return;
  }
  for (const Route& r : it->second) {
    if (r.method == req.method) return run(r, it->first, req, res);
  }
  std::string allow;
  for (const Route& r : it->second) allow += (allow.empty() ? "" : ", ") + r.method;
  res = transport_error(405,
                        "method " + req.method.substr(0, 32) + " is not allowed on " + req.path +
                            " (allowed: " + allow + ")",
                        req.path);
  res.set_header("Allow", allow);
}

void Router::run(const Route& route, const std::string& path, const HttpRequest& req,
                 HttpResponse& res) const {
  const auto t0 = std::chrono::steady_clock::now();
  ctx_.in_flight.fetch_add(1);
  const Dialect dialect = route.dialect;
  try {
    if (route.needs_auth && !authorized(req, ctx_.options.api_key)) {
      res.set_header("WWW-Authenticate", "Bearer");
      throw ApiError(401,
                     "missing or wrong API key: send the header `Authorization: Bearer <key>`");
    }
    if (route.method == "POST" && !json_content_type(req)) {
      throw ApiError(415, "Content-Type must be application/json, got `" +
                              req.header("Content-Type").substr(0, 100) + "`");
    }
    route.fn(req, res);
  } catch (const ApiError& e) {
    set_error(res, dialect, e.status(), e.what(), e.param());
  } catch (const engine::QueueFull& e) {
    ctx_.metrics.observe_rejected_queue_full();
    res.set_header("Retry-After", std::to_string(ctx_.options.retry_after_seconds));
    set_error(res, dialect, 429, e.what());
  } catch (const engine::BatcherStopped& e) {
    set_error(res, dialect, 503, e.what());
  } catch (const std::bad_alloc&) {
    set_error(res, dialect, 503, "out of memory while handling this request; retry later");
  } catch (const std::exception& e) {
    set_error(res, dialect, 500, std::string("internal error: ") + e.what());
  } catch (...) {
    set_error(res, dialect, 500, "internal error");
  }
  ctx_.in_flight.fetch_sub(1);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  try {
    ctx_.metrics.observe_request(path, res.status, seconds);
  } catch (...) {
  }
}

}  // namespace sembed::server
