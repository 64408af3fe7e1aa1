// ServerOptions: every knob of `sembed serve`, with the defaults the CLI shows. Limits exist so that
// nothing a client sends can exhaust the server: body size, inputs per request, queue depth.
#pragma once

#include <cstddef>
#include <string>

namespace sembed::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: pick a free port (Server::port() tells which)

  // HTTP worker threads. Each open keep-alive connection holds one while it is open, so this is
  // also the number of clients served at once; requests are tokenized on these threads.
  size_t http_threads = 128;

  // Batching (see engine/batcher.hpp).
  size_t max_batch_tokens = 16384;
  size_t max_batch_requests = 512;  // sequences per engine call
  size_t max_queue_requests = 1024;
  size_t max_queue_tokens = size_t{1} << 20;

  // Per-request limits.
  size_t max_body_bytes = size_t{2} << 20;  // 2 MiB, as TEI
  size_t max_client_batch_size = 1024;      // inputs in one request

  // TEI routes' default for `truncate` (TEI's --auto-truncate). OpenAI routes always default to
  // truncating, as sentence-transformers does.
  bool auto_truncate = false;

  // When set, every route except GET /health needs "Authorization: Bearer <api_key>".
  std::string api_key;

  // Name echoed as "model" when a request gives none, and reported by /info; empty: the model
  // directory's name.
  std::string model_id;

  // Seconds a client is told to wait (Retry-After) when the queue is full.
  int retry_after_seconds = 1;
};

}  // namespace sembed::server
