// Server: the `sembed serve` HTTP server — OpenAI and TEI embedding routes over one dynamic
// batcher, and optionally a cross-encoder's /rerank and /predict over a second one (see
// docs/server.md). It runs in-process, so tests and benchmarks can start it on an
// ephemeral loopback port.
//
// Lifecycle: construct, start() (binds, then serves on background threads), and stop() (stops
// accepting, lets in-flight requests finish, drains the batcher) — from any thread, including a
// signal-handling thread. The destructor stops.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

#include <sembed/cross_encoder.hpp>

#include "server/backend.hpp"
#include "server/options.hpp"

namespace sembed::server {

class Server {
 public:
  // Throws sembed::Error on inconsistent options (e.g. a token budget below max_seq_length).
  // reranker: the cross-encoder behind /rerank and /predict, or null for none (they answer 424).
  Server(ServerOptions options, std::unique_ptr<Backend> backend,
         std::shared_ptr<const CrossEncoder> reranker = nullptr);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds host:port (port 0 picks a free one) and starts serving. Returns the bound port.
  // Throws sembed::Error when the address cannot be bound.
  int start();
  // Blocks until the server has stopped (after stop(), from another thread).
  void wait();
  // Graceful shutdown; idempotent.
  void stop();

  int port() const { return port_; }
  const ServerOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace sembed::server
