// Service routes: GET /health (no API key needed, for load balancers), GET /info (TEI's shape plus
// sembed's fields), GET /metrics (Prometheus text format).
#include <httplib.h>

#include "server/router.hpp"

#ifndef SEMBED_VERSION
#define SEMBED_VERSION "0.1.0"
#endif

namespace sembed::server {

void register_info_routes(Router& router) {
  RouteContext& ctx = router.context();
  router.get(
      "/health", Dialect::Tei,
      [](const httplib::Request&, httplib::Response& res) { set_json(res, "{\"status\":\"ok\"}"); },
      /*needs_auth=*/false);

  router.get("/info", Dialect::Tei, [&ctx](const httplib::Request&, httplib::Response& res) {
    const BackendInfo& bi = ctx.backend.info();
    const ServerOptions& o = ctx.options;
    json info = {
        {"model_id", ctx.model_id},
        {"model_sha", nullptr},
        {"model_dtype", bi.dtype},
        {"model_type", {{"embedding", {{"pooling", bi.pooling}}}}},
        {"max_concurrent_requests", o.http_threads},
        {"max_input_length", bi.max_seq_length},
        {"max_batch_tokens", o.max_batch_tokens},
        {"max_batch_requests", o.max_batch_requests},
        {"max_client_batch_size", o.max_client_batch_size},
        {"max_queue_requests", o.max_queue_requests},
        {"max_body_bytes", o.max_body_bytes},
        {"auto_truncate", o.auto_truncate},
        {"tokenization_workers", o.http_threads},
        {"dimension", bi.dimension},
        {"normalize", bi.normalize},
        {"version", SEMBED_VERSION},
        {"engine", "sembed"},
    };
    set_json(res, info.dump(-1, ' ', false, json::error_handler_t::replace));
  });

  router.get("/metrics", Dialect::Tei, [&ctx](const httplib::Request&, httplib::Response& res) {
    res.status = 200;
    res.set_content(ctx.metrics.render(ctx.batcher.queued_requests(), ctx.batcher.queued_tokens(),
                                       ctx.in_flight.load()),
                    "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace sembed::server
