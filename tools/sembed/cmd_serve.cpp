// sembed serve: runs the HTTP embedding server (OpenAI /v1/embeddings and TEI /embed,
// /similarity, /tokenize, plus /health, /info, /metrics) on one model until SIGTERM or SIGINT,
// then lets in-flight requests finish and exits 0. See docs/server.md.
#include <malloc.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <sembed/cross_encoder.hpp>
#include <sembed/sembed.hpp>
#include <string>
#include <thread>

#include "sembed/cli_common.hpp"
#include "sembed/commands.hpp"
#include "server/server.hpp"

namespace sembed::cli {
namespace {

struct ServeArgs {
  std::string model;
  std::string reranker;
  int threads = 0;
  std::string dtype = "float32";
  server::ServerOptions options;
};

void run_serve(const ServeArgs& args) {
  // Block the shutdown signals in every thread (threads inherit the mask, so do it before the
  // model and server start theirs); one thread below waits for them with sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A client closing its connection early must not kill the server.
  ::signal(SIGPIPE, SIG_IGN);
  // glibc gives busy threads their own malloc arenas (up to 8 per core), and each keeps its own
  // fragments: with 128 HTTP threads RSS crept ~15% higher over 300 large requests than with one
  // arena per core (docs/server.md, "Memory"). MALLOC_ARENA_MAX in the environment still wins.
  if (!std::getenv("MALLOC_ARENA_MAX")) {
    ::mallopt(M_ARENA_MAX, static_cast<int>(std::max(2u, std::thread::hardware_concurrency())));
  }

  server::ServerOptions options = args.options;
  if (options.api_key.empty()) {
    if (const char* key = std::getenv("SEMBED_API_KEY")) options.api_key = key;
  }
  const auto dir = resolve_model_dir(
      args.model.empty() ? std::nullopt : std::optional<std::filesystem::path>(args.model));
  LoadOptions load;
  load.threads = args.threads;
  load.dtype = parse_dtype(args.dtype);
  std::shared_ptr<const Model> model = Model::load(dir, load);
  std::shared_ptr<const CrossEncoder> reranker;
  if (!args.reranker.empty()) reranker = CrossEncoder::load(args.reranker, load);

  server::Server srv(options, server::make_model_backend(model), reranker);
  const int port = srv.start();
  std::fprintf(stderr, "sembed serve: listening on http://%s:%d (model %s, dimension %zu%s%s)\n",
               options.host.c_str(), port, dir.string().c_str(), model->dimension(),
               reranker ? (", reranker " + args.reranker).c_str() : "",
               options.api_key.empty() ? "" : ", API key required");
  std::fflush(stderr);

  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    std::fprintf(stderr, "sembed serve: %s received, finishing in-flight requests\n",
                 sig == SIGTERM ? "SIGTERM" : "SIGINT");
    std::fflush(stderr);
    srv.stop();
  });
  srv.wait();
  waiter.join();
  std::fprintf(stderr, "sembed serve: stopped\n");
}

}  // namespace

void register_serve(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  server::ServerOptions& o = args->options;
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Serve embeddings over HTTP (OpenAI /v1/embeddings, TEI /embed, /similarity, ...; "
      "/rerank and /predict with --reranker)");
  cmd->add_option("--model", args->model, "Model directory (default: $SEMBED_MODEL or the cache)");
  cmd->add_option("--reranker", args->reranker,
                  "Cross-encoder directory served at TEI's /rerank and /predict (default: none; "
                  "they answer 424)");
  cmd->add_option("--host", o.host, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", o.port, "Port to listen on (0: any free port)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--threads", args->threads, "Threads per engine call (0: physical cores)")
      ->capture_default_str();
  add_dtype_option(*cmd, args->dtype);
  cmd->add_option("--http-threads", o.http_threads,
                  "HTTP worker threads: clients served at once, and tokenization workers")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--max-batch-tokens", o.max_batch_tokens,
                  "Token budget of one engine batch (at least the model's max_seq_length)")
      ->capture_default_str();
  cmd->add_option("--max-batch-requests", o.max_batch_requests, "Sequences per engine batch")
      ->capture_default_str();
  cmd->add_option("--max-client-batch-size", o.max_client_batch_size, "Inputs per request")
      ->capture_default_str();
  cmd->add_option("--max-queue-requests", o.max_queue_requests,
                  "Requests waiting for the engine before new ones get 429")
      ->capture_default_str();
  cmd->add_option("--max-queue-tokens", o.max_queue_tokens,
                  "Tokens waiting for the engine before new requests get 429")
      ->capture_default_str();
  cmd->add_option("--max-body-bytes", o.max_body_bytes, "Largest request body (413 beyond)")
      ->capture_default_str();
  cmd->add_option_function<size_t>(
         "--cache-mb", [&o](size_t mb) { o.cache_bytes = mb << 20; },
         "Embedding cache in MiB: texts seen before are answered from it, bit-identical "
         "(default 0: off)")
      ->check(CLI::Range(size_t{0}, size_t{1} << 20));
  cmd->add_option("--max-connections", o.max_connections,
                  "Open connections at once; one more is answered 503 and closed")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--max-header-bytes", o.max_header_bytes, "Largest request header block (431)")
      ->capture_default_str();
  cmd->add_option("--request-timeout", o.request_timeout_seconds,
                  "Seconds from a request's first byte to its last (slow clients are cut off)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--idle-timeout", o.idle_timeout_seconds,
                  "Seconds a keep-alive connection may wait idle for its next request")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option_function<std::string>(
         "--openai-token-ids", [&o](const std::string& v) { o.openai_token_ids = v == "model"; },
         "`model`: /v1/embeddings accepts token ids as this model's own vocabulary; "
         "`refuse` (default): token ids get a 400 (OpenAI clients send tiktoken ids)")
      ->check(CLI::IsMember({"model", "refuse"}));
  cmd->add_flag("--auto-truncate", o.auto_truncate,
                "TEI routes truncate over-long inputs unless a request says truncate=false "
                "(OpenAI routes always default to truncating)");
  auto* prompt_name =
      cmd->add_option_function<std::string>(
             "--default-prompt-name", [&o](const std::string& v) { o.default_prompt_name = v; },
             "Prompt NAME (of the model's config_sentence_transformers.json) for requests without "
             "prompt_name (default: the model's default_prompt_name)")
          ->type_name("NAME");
  cmd->add_option_function<std::string>(
         "--default-prompt", [&o](const std::string& v) { o.default_prompt = v; },
         "Prepend TEXT to the texts of requests without prompt_name, instead of a named prompt "
         "(\"\": none)")
      ->excludes(prompt_name);
  cmd->add_option("--api-key", o.api_key,
                  "Require 'Authorization: Bearer KEY' on every route but /health "
                  "(default: $SEMBED_API_KEY)");
  cmd->add_option("--model-id", o.model_id,
                  "Model name echoed in responses and /info (default: the directory's name)");
  cmd->callback([args] { run_serve(*args); });
}

}  // namespace sembed::cli
