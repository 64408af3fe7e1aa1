// HttpServer: the HTTP/1.1 transport of `sembed serve`, on Boost.Beast (asio). It owns sockets,
// parsing, limits and timeouts, and hands each complete request to one Handler; it knows no
// routes and no JSON. Why Beast and not cpp-httplib: see docs/server.md ("HTTP layer").
//
// What it guarantees, whatever a client sends:
// - the body limit counts decoded bytes (Content-Length, chunked, gzip/deflate) and a request is
//   refused with 413 as soon as it crosses it; an over-limit Content-Length is refused before any
//   body byte is read and without `100 Continue`;
// - header block over max_header_bytes or more than max_header_count fields: 431;
// - a whole-request read deadline (header and body), and an idle deadline between keep-alive
//   requests: trickling clients are cut off and hold no thread while they trickle;
// - at most max_connections open connections; one more is answered 503 and closed;
// - pipelined requests answered in order; no Content-Length and no chunked means an empty body;
// - invalid or conflicting Content-Length / Transfer-Encoding: 400.
// Handlers run on the I/O threads (`threads` of them) and may block; an idle or trickling
// connection holds no thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "server/http_message.hpp"

namespace sembed::server {

struct HttpLimits {
  size_t max_body_bytes = size_t{2} << 20;
  size_t max_header_bytes = 16 * 1024;
  size_t max_header_count = 100;
  size_t max_connections = 512;
  std::chrono::milliseconds request_read_timeout{10000};  // from first byte to full body
  std::chrono::milliseconds idle_timeout{5000};           // keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{10000};
  // Bodies (request or response) at least this large release freed heap memory back to the OS
  // afterwards (malloc_trim), so a burst of large requests leaves no per-thread high-water mark.
  size_t trim_after_bytes = 256 * 1024;
};

using HttpHandler = std::function<void(const HttpRequest&, HttpResponse&)>;
// Builds the response to an error found by the transport itself (413, 431, 400, 501, 503, 408,
// 415 for an unknown Content-Encoding) for a request to `path` (empty when not known yet).
using HttpErrorResponder =
    std::function<HttpResponse(int status, const std::string& message, const std::string& path)>;

class HttpServer {
 public:
  HttpServer(HttpLimits limits, size_t threads, HttpHandler handler, HttpErrorResponder on_error);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens (port 0: any free port); returns the bound port. Throws sembed::Error.
  int bind(const std::string& host, int port);
  // Starts the I/O threads; returns at once.
  void start();
  // Stops accepting, closes idle connections, lets requests being handled finish and their
  // responses be written, then joins the threads. Idempotent.
  void stop();

  size_t open_connections() const;

  struct Impl;  // defined in http_server.cpp (its connections refer to it)

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace sembed::server
