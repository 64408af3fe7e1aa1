// Server wiring: the batcher over the backend, the routes on the router, and the HTTP transport
// (http_server.hpp) with the limits of ServerOptions.
#include "server/server.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>

#include "server/http_server.hpp"
#include "server/router.hpp"

namespace sembed::server {
namespace {

// The server's prompt for requests that name none: --default-prompt, or the model's prompt that
// --default-prompt-name names (checked here, so a typo stops the server from starting).
std::optional<std::string> default_prompt(const ServerOptions& o, const Backend& backend) {
  if (o.default_prompt && o.default_prompt_name) {
    throw Error("--default-prompt and --default-prompt-name cannot both be given");
  }
  if (o.default_prompt) return o.default_prompt;
  if (!o.default_prompt_name) return std::nullopt;
  try {
    return backend.prompt(o.default_prompt_name);
  } catch (const Error& e) {
    throw Error(std::string("--default-prompt-name: ") + e.what());
  }
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  std::unique_ptr<Backend> backend;
  Metrics metrics;
  std::unique_ptr<engine::Batcher> batcher;
  std::unique_ptr<engine::EmbeddingCache> cache;  // null: --cache-mb 0
  std::unique_ptr<EmbeddingService> service;
  // The reranker and its batcher: pairs of many requests share its batches as texts share the
  // embedding batcher's. Its owner thread runs beside the embedding one, so a long rerank
  // batch does not hold up embeddings (the two share the cores).
  std::shared_ptr<const CrossEncoder> reranker;
  std::unique_ptr<engine::Batcher> rerank_batcher;
  std::atomic<size_t> in_flight{0};
  std::unique_ptr<RouteContext> ctx;
  std::unique_ptr<Router> router;
  std::unique_ptr<HttpServer> http;
  std::mutex mu;
  std::condition_variable cv;
  bool started = false, stopped = false;
};

Server::Server(ServerOptions options, std::unique_ptr<Backend> backend,
               std::shared_ptr<const CrossEncoder> reranker)
    : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  if (!backend) throw Error("server: no backend");
  s.options = std::move(options);
  s.backend = std::move(backend);
  const BackendInfo& info = s.backend->info();
  if (s.options.max_batch_tokens < info.max_seq_length) {
    throw Error("--max-batch-tokens (" + std::to_string(s.options.max_batch_tokens) +
                ") must be at least the model's max_seq_length (" +
                std::to_string(info.max_seq_length) + ")");
  }
  if (s.options.max_client_batch_size == 0 || s.options.http_threads == 0 ||
      s.options.max_queue_requests == 0 || s.options.max_batch_requests == 0 ||
      s.options.max_connections == 0 || s.options.request_timeout_seconds <= 0 ||
      s.options.idle_timeout_seconds <= 0) {
    throw Error(
        "server limits (--max-client-batch-size, --http-threads, --max-queue-requests, "
        "--max-batch-requests, --max-connections, --request-timeout, --idle-timeout) "
        "must be positive");
  }

  engine::BatcherOptions bo;
  bo.max_batch_tokens = s.options.max_batch_tokens;
  bo.max_batch_sequences = s.options.max_batch_requests;
  bo.max_queue_requests = s.options.max_queue_requests;
  bo.max_queue_tokens = s.options.max_queue_tokens;
  const Backend* be = s.backend.get();
  Metrics* metrics = &s.metrics;
  s.batcher = std::make_unique<engine::Batcher>(
      [be](const std::vector<std::vector<int32_t>>& ids, const std::vector<size_t>& prompt_tokens) {
        return be->embed(ids, prompt_tokens);
      },
      bo,
      [metrics](const engine::BatchReport& r) {
        metrics->observe_batch(r.sequences, r.tokens, r.requests, r.seconds, r.failed);
      });
  if (s.options.cache_bytes > 0)
    s.cache = std::make_unique<engine::EmbeddingCache>(s.options.cache_bytes);
  s.service = std::make_unique<EmbeddingService>(*s.backend, *s.batcher, s.metrics,
                                                 s.options.max_client_batch_size,
                                                 default_prompt(s.options, *s.backend),
                                                 s.cache.get());
  s.ctx.reset(new RouteContext{s.options, *s.backend, *s.batcher, s.metrics, *s.service,
                               s.in_flight,
                               s.options.model_id.empty() ? info.model_id : s.options.model_id});
  if (reranker) {
    if (s.options.max_batch_tokens < reranker->max_seq_length()) {
      throw Error("--max-batch-tokens (" + std::to_string(s.options.max_batch_tokens) +
                  ") must be at least the reranker's max_seq_length (" +
                  std::to_string(reranker->max_seq_length()) + ")");
    }
    s.reranker = std::move(reranker);
    const CrossEncoder* ce = s.reranker.get();
    s.rerank_batcher = std::make_unique<engine::Batcher>(
        [ce](const std::vector<std::vector<int32_t>>& ids,
             const std::vector<size_t>& first_segment) {
          // routes_tei_rerank.cpp sends, per sequence, how many leading tokens have type id 0.
          std::vector<std::vector<int32_t>> type_ids(ids.size());
          for (size_t i = 0; i < ids.size(); ++i) {
            type_ids[i].assign(ids[i].size(), 1);
            std::fill_n(type_ids[i].begin(), std::min(first_segment[i], ids[i].size()), 0);
          }
          PredictOptions logits;
          logits.apply_activation = false;
          logits.batch_size = ids.size();
          return ce->predict_ids(ids, type_ids, logits);
        },
        bo,
        [metrics](const engine::BatchReport& r) {
          metrics->observe_batch(r.sequences, r.tokens, r.requests, r.seconds, r.failed);
        });
    s.ctx->reranker = s.reranker.get();
    s.ctx->rerank_batcher = s.rerank_batcher.get();
  }

  s.ctx->cache = s.cache.get();
  s.router = std::make_unique<Router>(*s.ctx);
  register_openai_routes(*s.router);
  register_tei_routes(*s.router);
  register_info_routes(*s.router);
  register_page_routes(*s.router);

  HttpLimits limits;
  limits.max_body_bytes = s.options.max_body_bytes;
  limits.max_header_bytes = s.options.max_header_bytes;
  limits.max_header_count = s.options.max_header_count;
  limits.max_connections = s.options.max_connections;
  auto ms = [](double seconds) {
    return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
  };
  limits.request_read_timeout = ms(s.options.request_timeout_seconds);
  limits.idle_timeout = ms(s.options.idle_timeout_seconds);
  const Router* router = s.router.get();
  s.http = std::make_unique<HttpServer>(
      limits, s.options.http_threads,
      [router](const HttpRequest& req, HttpResponse& res) { router->handle(req, res); },
      [router](int status, const std::string& message, const std::string& path) {
        return router->transport_error(status, message, path);
      });
}

Server::~Server() { stop(); }

const ServerOptions& Server::options() const { return impl_->options; }

int Server::start() {
  Impl& s = *impl_;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.started) throw Error("server: already started");
    s.started = true;
  }
  port_ = s.http->bind(s.options.host, s.options.port);
  s.http->start();
  return port_;
}

void Server::wait() {
  Impl& s = *impl_;
  std::unique_lock<std::mutex> lock(s.mu);
  s.cv.wait(lock, [&] { return s.stopped || !s.started; });
}

void Server::stop() {
  Impl& s = *impl_;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.stopped) return;
    s.stopped = true;
  }
  // Order matters: the HTTP server lets requests being handled finish, and they wait on the
  // batcher — so the batcher stops only after them.
  s.http->stop();
  s.batcher->stop();
  if (s.rerank_batcher) s.rerank_batcher->stop();
  s.cv.notify_all();
}

}  // namespace sembed::server
