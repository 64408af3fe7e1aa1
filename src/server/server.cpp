// Server wiring: the HTTP library's settings (limits, timeouts, thread pool), the batcher over the
// backend, the routes, and the JSON bodies for errors the HTTP library raises itself (unknown
// route, body over the limit, unparsable request).
#include "server/server.hpp"

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>
#include <condition_variable>

#include "server/router.hpp"

namespace sembed::server {
namespace {

// httplib listens with a backlog of 5; a burst of new clients would then see dropped SYNs and
// one-second retransmits. Raising the backlog on the bound socket needs the protected socket.
class HttpServer : public httplib::Server {
 public:
  void widen_backlog(int backlog) {
    const auto sock = svr_sock_.load();
    if (sock != INVALID_SOCKET) ::listen(sock, backlog);
  }
};

bool known_route(const std::string& path) {
  static const char* kRoutes[] = {"/v1/embeddings", "/embeddings", "/embed",  "/similarity",
                                  "/tokenize",      "/health",     "/info",   "/metrics"};
  for (const char* r : kRoutes) {
    if (path == r) return true;
  }
  return false;
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  std::unique_ptr<Backend> backend;
  Metrics metrics;
  std::unique_ptr<engine::Batcher> batcher;
  std::unique_ptr<EmbeddingService> service;
  std::atomic<size_t> in_flight{0};
  std::unique_ptr<RouteContext> ctx;
  HttpServer http;
  std::thread listener;
  std::mutex mu;
  std::condition_variable cv;
  bool started = false, stopped = false;
};

Server::Server(ServerOptions options, std::unique_ptr<Backend> backend)
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
      s.options.max_queue_requests == 0 || s.options.max_batch_requests == 0) {
    throw Error("server limits (--max-client-batch-size, --http-threads, --max-queue-requests, "
                "--max-batch-requests) must be positive");
  }

  engine::BatcherOptions bo;
  bo.max_batch_tokens = s.options.max_batch_tokens;
  bo.max_batch_sequences = s.options.max_batch_requests;
  bo.max_queue_requests = s.options.max_queue_requests;
  bo.max_queue_tokens = s.options.max_queue_tokens;
  const Backend* be = s.backend.get();
  Metrics* metrics = &s.metrics;
  s.batcher = std::make_unique<engine::Batcher>(
      [be](const std::vector<std::vector<int32_t>>& ids) { return be->embed(ids); }, bo,
      [metrics](const engine::BatchReport& r) {
        metrics->observe_batch(r.sequences, r.tokens, r.requests, r.seconds, r.failed);
      });
  s.service = std::make_unique<EmbeddingService>(*s.backend, *s.batcher, s.metrics,
                                                 s.options.max_client_batch_size);
  s.ctx.reset(new RouteContext{s.options, *s.backend, *s.batcher, s.metrics, *s.service,
                               s.in_flight,
                               s.options.model_id.empty() ? info.model_id : s.options.model_id});

  // HTTP settings. Keep-alive lets a client reuse its connection; TCP_NODELAY avoids the
  // Nagle/delayed-ACK stall between the header and body writes of small responses.
  const size_t threads = s.options.http_threads;
  s.http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  s.http.set_payload_max_length(s.options.max_body_bytes);
  s.http.set_tcp_nodelay(true);
  // httplib's default socket options add SO_REUSEPORT, which lets a second server bind a port
  // already in use and silently share its traffic. SO_REUSEADDR alone still allows a quick
  // restart while old connections are in TIME_WAIT.
  s.http.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  s.http.set_keep_alive_max_count(1000);
  s.http.set_keep_alive_timeout(5);
  s.http.set_read_timeout(10);
  s.http.set_write_timeout(10);

  Router router(s.http, *s.ctx);
  register_openai_routes(router);
  register_tei_routes(router);
  register_info_routes(router);

  // Errors raised by the HTTP library itself arrive here with no body; routes' own errors
  // already have one and pass through untouched.
  const size_t max_body = s.options.max_body_bytes;
  s.http.set_error_handler(httplib::Server::HandlerWithResponse(
      [metrics, max_body](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    const Dialect dialect = req.path.rfind("/v1/", 0) == 0 || req.path == "/embeddings"
                                ? Dialect::OpenAI
                                : Dialect::Tei;
    std::string message;
    switch (res.status) {
      case 404:
        message = known_route(req.path)
                      ? "method " + req.method + " is not allowed on " + req.path
                      : "no such route: " + req.method + " " + req.path.substr(0, 200);
        if (known_route(req.path)) res.status = 405;
        break;
      case 413:
        message = "request body is larger than this server's limit of " +
                  std::to_string(max_body) + " bytes";
        break;
      case 400: message = "malformed HTTP request"; break;
      default: message = "HTTP error " + std::to_string(res.status); break;
    }
    set_error(res, dialect, res.status, message);
    try {
      metrics->observe_request(known_route(req.path) ? req.path : "other", res.status, 0.0);
    } catch (...) {
    }
    return httplib::Server::HandlerResponse::Handled;
  }));
  s.http.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        set_error(res, Dialect::Tei, 500, "internal error");
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
  int port = s.options.port;
  if (port == 0) {
    port = s.http.bind_to_any_port(s.options.host);
    if (port < 0) port = 0;
  } else if (!s.http.bind_to_port(s.options.host, port)) {
    port = 0;
  }
  if (port <= 0) {
    throw Error("cannot listen on " + s.options.host + ":" + std::to_string(s.options.port) +
                " (address in use, or not an address of this machine)");
  }
  s.http.widen_backlog(1024);
  port_ = port;
  s.listener = std::thread([&s] { s.http.listen_after_bind(); });
  // listen_after_bind sets is_running first thing; wait for it so a stop() right after start()
  // is not lost.
  for (int i = 0; i < 5000 && !s.http.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return port;
}

void Server::wait() {
  Impl& s = *impl_;
  std::unique_lock<std::mutex> lock(s.mu);
  s.cv.wait(lock, [&] { return s.stopped || !s.started; });
}

void Server::stop() {
  Impl& s = *impl_;
  std::thread listener;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.stopped) return;
    s.stopped = true;
    listener = std::move(s.listener);
  }
  // Order matters: the HTTP server joins its workers after their current requests, which wait on
  // the batcher — so the batcher stops only after them.
  s.http.stop();
  if (listener.joinable()) listener.join();
  s.batcher->stop();
  s.cv.notify_all();
}

}  // namespace sembed::server
