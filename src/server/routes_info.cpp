// Service routes: GET /health, / and /ping (no API key needed, for load balancers), GET /info
// (TEI's shape plus sembed's fields), GET /metrics (Prometheus text format), GET /openapi.json
// (this server's OpenAPI description, no API key needed).

#include "server/router.hpp"

#ifndef SEMBED_VERSION
#define SEMBED_VERSION "0.1.0"
#endif

namespace sembed::server {

std::string_view openapi_json();  // openapi_spec.cpp, generated from openapi.json

void register_info_routes(Router& router) {
  RouteContext& ctx = router.context();
  router.get(
      "/health", Dialect::Tei,
      [](const HttpRequest&, HttpResponse& res) { set_json(res, "{\"status\":\"ok\"}"); },
      /*needs_auth=*/false);
  // TEI answers its health check at GET / and /ping too (POST / embeds); GET / is in
  // routes_page.cpp (browsers get the similarity page there).
  for (const char* path : {"/ping"}) {
    router.get(
        path, Dialect::Tei,
        [](const HttpRequest&, HttpResponse& res) { set_json(res, "{\"status\":\"ok\"}"); },
        /*needs_auth=*/false);
  }

  router.get("/info", Dialect::Tei, [&ctx](const HttpRequest&, HttpResponse& res) {
    const BackendInfo& bi = ctx.backend.info();
    const ServerOptions& o = ctx.options;
    json info = {
        {"model_id", ctx.model_id},
        {"model_sha", nullptr},
        {"served_model_name", ctx.model_id},
        {"sha", nullptr},
        {"docker_label", nullptr},
        {"model_dtype", bi.dtype},
        {"matmul_kernel", bi.matmul_kernel},
        {"cpu_features", bi.cpu_features},
        {"model_type", {{"embedding", {{"pooling", bi.pooling}}}}},
        {"max_concurrent_requests", o.http_threads},
        {"max_input_length", bi.max_seq_length},
        {"max_batch_tokens", o.max_batch_tokens},
        {"max_batch_requests", o.max_batch_requests},
        {"max_client_batch_size", o.max_client_batch_size},
        {"max_queue_requests", o.max_queue_requests},
        {"max_body_bytes", o.max_body_bytes},
        {"auto_truncate", o.auto_truncate},
        {"max_connections", o.max_connections},
        {"openai_token_ids", o.openai_token_ids ? "model" : "refuse"},
        {"tokenization_workers", o.http_threads},
        {"dimension", bi.dimension},
        {"normalize", bi.normalize},
        {"cache_bytes", ctx.cache ? ctx.cache->stats().max_bytes : 0},
        {"version", SEMBED_VERSION},
        {"engine", "sembed"},
    };
    set_json(res, info.dump(-1, ' ', false, json::error_handler_t::replace));
  });

  router.get(
      "/openapi.json", Dialect::Tei,
      [](const HttpRequest&, HttpResponse& res) { set_json(res, std::string(openapi_json())); },
      /*needs_auth=*/false);

  router.get("/metrics", Dialect::Tei, [&ctx](const HttpRequest&, HttpResponse& res) {
    res.status = 200;
    engine::EmbeddingCache::Stats cache_stats;
    if (ctx.cache) cache_stats = ctx.cache->stats();
    res.body = ctx.metrics.render(ctx.batcher.queued_requests(), ctx.batcher.queued_tokens(),
                                  ctx.in_flight.load(), ctx.cache ? &cache_stats : nullptr);
    res.content_type = "text/plain; version=0.0.4; charset=utf-8";
  });
}

}  // namespace sembed::server
