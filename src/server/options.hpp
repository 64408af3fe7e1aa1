// ServerOptions: every knob of `sembed serve`, with the defaults the CLI shows. Limits exist so
// that nothing a client sends can exhaust the server: body size, inputs per request, queue depth.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace sembed::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: pick a free port (Server::port() tells which)

  // HTTP threads: they run the I/O and the handlers, so this is the number of requests handled
  // (parsed, tokenized, waiting for the batcher) at once. Open or trickling connections hold no
  // thread.
  size_t http_threads = 128;

  // Transport limits (see http_server.hpp).
  size_t max_connections = 512;         // open connections; one more gets 503
  size_t max_header_bytes = 16 * 1024;  // whole header block; 431 beyond
  size_t max_header_count = 100;        // header fields; 431 beyond
  double request_timeout_seconds = 10;  // first byte to last body byte of one request
  double idle_timeout_seconds = 5;      // keep-alive wait for the next request

  // Batching (see engine/batcher.hpp).
  size_t max_batch_tokens = 16384;
  size_t max_batch_requests = 512;  // sequences per engine call
  size_t max_queue_requests = 1024;
  size_t max_queue_tokens = size_t{1} << 20;

  // The embedding cache's budget in bytes (`--cache-mb`): rows of token sequences seen before
  // are answered from it, bit-identical to a fresh computation; 0: no cache.
  size_t cache_bytes = 0;

  // Per-request limits.
  size_t max_body_bytes = size_t{2} << 20;  // 2 MiB, as TEI
  size_t max_client_batch_size = 1024;      // inputs in one request

  // TEI routes' default for `truncate` (TEI's --auto-truncate). OpenAI routes always default to
  // truncating, as sentence-transformers does.
  bool auto_truncate = false;

  // The prompt for requests that name none (TEI's --default-prompt-name / --default-prompt; at
  // most one of them). Unset: the model's default_prompt_name, as sentence-transformers does.
  std::optional<std::string> default_prompt_name;
  std::optional<std::string> default_prompt;

  // When set, every route except GET /health needs "Authorization: Bearer <api_key>".
  std::string api_key;

  // Name echoed as "model" when a request gives none, and reported by /info; empty: the model
  // directory's name.
  std::string model_id;

  // OpenAI token-id input (`input` as integers): refused unless the operator says the ids are
  // this model's own vocabulary. OpenAI clients such as langchain-openai send tiktoken ids by
  // default, which would silently embed unrelated tokens.
  bool openai_token_ids = false;

  // Seconds a client is told to wait (Retry-After) when the queue is full.
  int retry_after_seconds = 1;
};

}  // namespace sembed::server
