// Router: registers route handlers on the HTTP server wrapped in what every route needs — the API
// key check, mapping every exception to a JSON error in the route's dialect (nothing a handler
// throws reaches the HTTP library), the in-flight gauge and per-route metrics.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "server/api_error.hpp"
#include "server/embedding_service.hpp"
#include "server/options.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace sembed::server {

// Everything a route handler may use. Owned by Server; outlives every request.
struct RouteContext {
  const ServerOptions& options;
  const Backend& backend;
  engine::Batcher& batcher;
  Metrics& metrics;
  EmbeddingService& service;
  std::atomic<size_t>& in_flight;
  std::string model_id;  // options.model_id, or the backend's
};

using RouteFn = std::function<void(const httplib::Request&, httplib::Response&)>;

class Router {
 public:
  Router(httplib::Server& http, RouteContext& ctx) : http_(http), ctx_(ctx) {}
  void post(const std::string& path, Dialect dialect, RouteFn fn);
  void get(const std::string& path, Dialect dialect, RouteFn fn, bool needs_auth = true);
  RouteContext& context() { return ctx_; }

 private:
  RouteFn wrap(const std::string& path, Dialect dialect, RouteFn fn, bool needs_auth);
  httplib::Server& http_;
  RouteContext& ctx_;
};

// Sets a JSON error body and status on a response.
void set_error(httplib::Response& res, Dialect dialect, int status, const std::string& message,
               const std::string& param = {});

// Sets a JSON body and 200.
void set_json(httplib::Response& res, std::string body);

// Route groups, one file each.
void register_openai_routes(Router& router);
void register_tei_routes(Router& router);
void register_info_routes(Router& router);

}  // namespace sembed::server
