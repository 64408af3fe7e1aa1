// server_bench: requests/s and p50/p99 latency of `sembed serve` at several client concurrencies
// (default 1, 8, 64), each client sending one short sentence per request to /v1/embeddings over
// a keep-alive loopback connection. Not a Google Benchmark: it reports a latency distribution.
//
//   server_bench [--model DIR] [--seconds 10] [--concurrency 1,8,64] [--url http://host:port]
//                [--max-batch-tokens N] [--no-batching] [--threads N]
//
// Without --url it starts the server in this process on an ephemeral loopback port (the clients
// then share the machine with it, as they would on one host). --no-batching caps every engine
// call at one sequence, to show what dynamic batching buys. The first row ("in-process") is
// Model::encode of one sentence at a time in this process, the floor a lone request can reach.
#include <httplib.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <sembed/sembed.hpp>
#include <string>
#include <thread>
#include <vector>

#include "server/server.hpp"

namespace {

const char* kSentences[] = {
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "The girl is carrying a baby.",
    "A man is riding a horse.",
    "A woman is playing violin.",
    "Two men pushed carts through the woods.",
    "A man is riding a white horse on an enclosed ground.",
    "A monkey is playing drums.",
    "Someone in a gorilla costume is playing a set of drums.",
    "The cat sits on the mat.",
    "It is raining outside today.",
    "Stocks rallied after the announcement.",
};

struct Args {
  std::string model, url;
  double seconds = 10;
  std::vector<int> concurrency = {1, 8, 64};
  size_t max_batch_tokens = 16384;
  bool no_batching = false;
  int threads = 0;
};

double metric(const std::string& text, const std::string& name) {
  const std::regex re("^" + name + " ([0-9.eE+-]+)$", std::regex::multiline);
  std::smatch m;
  return std::regex_search(text, m, re) ? std::stod(m[1]) : 0.0;
}

struct LevelResult {
  int concurrency;
  size_t requests, errors;
  double seconds, p50_ms, p99_ms, mean_batch;
};

LevelResult run_level(const std::string& host, int port, int concurrency, double seconds) {
  auto fetch_metrics = [&] {
    httplib::Client c(host, port);
    auto r = c.Get("/metrics");
    return r ? r->body : std::string();
  };
  const std::string before = fetch_metrics();
  std::atomic<bool> go{false}, stop{false};
  std::vector<std::vector<double>> latencies(concurrency);
  std::vector<size_t> errors(concurrency, 0);
  std::vector<std::thread> clients;
  for (int c = 0; c < concurrency; ++c) {
    clients.emplace_back([&, c] {
      httplib::Client http(host, port);
      http.set_keep_alive(true);
      http.set_tcp_nodelay(true);
      http.set_read_timeout(120, 0);
      size_t k = static_cast<size_t>(c);
      while (!go.load()) std::this_thread::yield();
      while (!stop.load()) {
        const std::string body = nlohmann::json{
            {"input", kSentences[k++ % std::size(kSentences)]},
            {"model", "bench"}}.dump();
        const auto t0 = std::chrono::steady_clock::now();
        auto r = http.Post("/v1/embeddings", body, "application/json");
        const auto t1 = std::chrono::steady_clock::now();
        if (!r || r->status != 200) {
          ++errors[c];
          continue;
        }
        latencies[c].push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      }
    });
  }
  const auto t0 = std::chrono::steady_clock::now();
  go = true;
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : clients) t.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::string after = fetch_metrics();

  std::vector<double> all;
  size_t errs = 0;
  for (int c = 0; c < concurrency; ++c) {
    all.insert(all.end(), latencies[c].begin(), latencies[c].end());
    errs += errors[c];
  }
  std::sort(all.begin(), all.end());
  auto pct = [&](double q) {
    return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<size_t>(q * all.size()))];
  };
  const double batches =
      metric(after, "sembed_batch_size_count") - metric(before, "sembed_batch_size_count");
  const double seqs =
      metric(after, "sembed_batch_size_sum") - metric(before, "sembed_batch_size_sum");
  return {concurrency,
          all.size(),
          errs,
          elapsed,
          pct(0.5),
          pct(0.99),
          batches > 0 ? seqs / batches : 0.0};
}

// The same sentences through Model::encode in this process, one at a time: what a request would
// cost with no HTTP and no batcher, measured in the same run so the server's overhead reads as a
// ratio even on a loaded machine.
LevelResult run_in_process(const sembed::Model& model, double seconds) {
  std::vector<double> all;
  sembed::EncodeOptions eo;
  const auto t0 = std::chrono::steady_clock::now();
  size_t k = 0;
  while (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < seconds) {
    const auto a = std::chrono::steady_clock::now();
    model.encode({kSentences[k++ % std::size(kSentences)]}, eo);
    all.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::sort(all.begin(), all.end());
  return {0,       all.size(),          0,
          elapsed, all[all.size() / 2], all[std::min(all.size() - 1, all.size() * 99 / 100)],
          1.0};
}

std::vector<int> parse_list(const std::string& s) {
  std::vector<int> out;
  size_t pos = 0;
  while (pos < s.size()) {
    const size_t comma = s.find(',', pos);
    out.push_back(std::stoi(s.substr(pos, comma - pos)));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "server_bench: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--model")
      args.model = next();
    else if (a == "--url")
      args.url = next();
    else if (a == "--seconds")
      args.seconds = std::stod(next());
    else if (a == "--concurrency")
      args.concurrency = parse_list(next());
    else if (a == "--max-batch-tokens")
      args.max_batch_tokens = std::stoul(next());
    else if (a == "--threads")
      args.threads = std::stoi(next());
    else if (a == "--no-batching")
      args.no_batching = true;
    else {
      std::fprintf(stderr,
                   "usage: server_bench [--model DIR] [--url URL] [--seconds S] "
                   "[--concurrency 1,8,64] [--max-batch-tokens N] [--no-batching] "
                   "[--threads N]\n");
      return 2;
    }
  }
  try {
    std::string host = "127.0.0.1";
    int port = 0;
    std::unique_ptr<sembed::server::Server> server;
    std::shared_ptr<const sembed::Model> model;
    std::string model_dir = "(remote)";
    if (!args.url.empty()) {
      const std::regex re(R"(^http://([^:/]+):(\d+)/?$)");
      std::smatch m;
      if (!std::regex_match(args.url, m, re)) throw sembed::Error("--url must be http://host:port");
      host = m[1];
      port = std::stoi(m[2]);
    } else {
      const auto dir = sembed::resolve_model_dir(
          args.model.empty() ? std::nullopt : std::optional<std::filesystem::path>(args.model));
      model_dir = dir.string();
      sembed::LoadOptions lo;
      lo.threads = args.threads;
      model = sembed::Model::load(dir, lo);
      sembed::server::ServerOptions o;
      o.host = host;
      o.port = 0;
      o.max_batch_tokens = args.max_batch_tokens;
      if (args.no_batching) o.max_batch_requests = 1;
      server =
          std::make_unique<sembed::server::Server>(o, sembed::server::make_model_backend(model));
      port = server->start();
    }
    std::printf("server_bench: model %s, %g s per level, batching %s, %u hardware threads\n",
                model_dir.c_str(), args.seconds, args.no_batching ? "off" : "on",
                std::thread::hardware_concurrency());
    run_level(host, port, 4, 1.0);  // warm-up
    std::printf("%11s %10s %10s %10s %10s %12s %8s\n", "concurrency", "requests", "req/s", "p50 ms",
                "p99 ms", "mean batch", "errors");
    if (model) {
      const LevelResult r = run_in_process(*model, std::min(args.seconds, 5.0));
      std::printf("%11s %10zu %10.1f %10.2f %10.2f %12s %8s\n", "in-process", r.requests,
                  r.requests / r.seconds, r.p50_ms, r.p99_ms, "-", "-");
    }
    for (int c : args.concurrency) {
      const LevelResult r = run_level(host, port, c, args.seconds);
      std::printf("%11d %10zu %10.1f %10.2f %10.2f %12.2f %8zu\n", r.concurrency, r.requests,
                  r.requests / r.seconds, r.p50_ms, r.p99_ms, r.mean_batch, r.errors);
      std::fflush(stdout);
    }
    if (server) server->stop();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "server_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
