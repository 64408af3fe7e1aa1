// Router: the route table of the server and the envelope around every route — method and path
// lookup (404; 405 with `Allow`), the Content-Type check (415), the API key check, mapping every
// exception to a JSON error in the route's dialect (nothing a handler throws reaches the HTTP
// layer), the in-flight gauge and per-route metrics. It sees only HttpRequest / HttpResponse, so
// it and the routes do not depend on the HTTP library (http_server.hpp).
#pragma once

#include <sembed/cross_encoder.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "server/api_error.hpp"
#include "server/embedding_service.hpp"
#include "server/http_message.hpp"
#include "server/options.hpp"

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
  // The cross-encoder behind /rerank and /predict (`sembed serve --reranker DIR`) and the batcher
  // that runs it; null when the server has none.
  const CrossEncoder* reranker = nullptr;
  engine::Batcher* rerank_batcher = nullptr;
  // The embedding cache (`--cache-mb`), null when off.
  const engine::EmbeddingCache* cache = nullptr;
};

using RouteFn = std::function<void(const HttpRequest&, HttpResponse&)>;

// The dialect errors on a path are written in: OpenAI's under /v1/ and /embeddings, TEI's
// elsewhere.
Dialect dialect_of_path(const std::string& path);

class Router {
 public:
  explicit Router(RouteContext& ctx) : ctx_(ctx) {}
  void post(const std::string& path, Dialect dialect, RouteFn fn);
  void get(const std::string& path, Dialect dialect, RouteFn fn, bool needs_auth = true);
  RouteContext& context() { return ctx_; }

  // Answers one request (never throws).
  void handle(const HttpRequest& req, HttpResponse& res) const;
  // The JSON error for a failure found before routing (by the HTTP layer), counted in metrics.
  HttpResponse transport_error(int status, const std::string& message,
                               const std::string& path) const;
  // Every registered path, in order (for /openapi.json checks and 405 messages).
  std::vector<std::string> paths() const;

 private:
  struct Route {
    std::string method;
    Dialect dialect;
    bool needs_auth;
    RouteFn fn;
  };
  void add(const std::string& method, const std::string& path, Dialect dialect, RouteFn fn,
           bool needs_auth);
  void run(const Route& route, const std::string& path, const HttpRequest& req,
           HttpResponse& res) const;
  RouteContext& ctx_;
  std::map<std::string, std::vector<Route>> routes_;
};

// Sets a JSON error body and status on a response.
void set_error(HttpResponse& res, Dialect dialect, int status, const std::string& message,
               const std::string& param = {});

// Sets a JSON body and 200.
void set_json(HttpResponse& res, std::string body);

// Route groups, one file each.
void register_openai_routes(Router& router);
void register_tei_routes(Router& router);
void register_info_routes(Router& router);
void register_page_routes(Router& router);

}  // namespace sembed::server
