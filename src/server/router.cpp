// Router: the per-request envelope around every route (see router.hpp).
#include "server/router.hpp"

#include <httplib.h>

#include <chrono>
#include <new>

namespace sembed::server {
namespace {

// Compares without an early exit, so response time does not reveal how much of a key matched.
bool constant_time_equal(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

bool authorized(const httplib::Request& req, const std::string& key) {
  if (key.empty()) return true;
  const std::string header = req.get_header_value("Authorization");
  static const std::string kBearer = "Bearer ";
  if (header.size() < kBearer.size() || header.compare(0, kBearer.size(), kBearer) != 0) {
    return false;
  }
  return constant_time_equal(header.substr(kBearer.size()), key);
}

}  // namespace

void set_error(httplib::Response& res, Dialect dialect, int status, const std::string& message,
               const std::string& param) {
  res.status = status;
  res.set_content(error_body(dialect, status, message, param), "application/json");
}

void set_json(httplib::Response& res, std::string body) {
  res.status = 200;
  res.body = std::move(body);
  res.set_header("Content-Type", "application/json");
}

RouteFn Router::wrap(const std::string& path, Dialect dialect, RouteFn fn, bool needs_auth) {
  RouteContext* ctx = &ctx_;
  return [ctx, path, dialect, fn = std::move(fn), needs_auth](const httplib::Request& req,
                                                              httplib::Response& res) {
    const auto t0 = std::chrono::steady_clock::now();
    ctx->in_flight.fetch_add(1);
    try {
      if (needs_auth && !authorized(req, ctx->options.api_key)) {
        res.set_header("WWW-Authenticate", "Bearer");
        throw ApiError(401, "missing or wrong API key: send the header `Authorization: Bearer <key>`");
      }
      fn(req, res);
    } catch (const ApiError& e) {
      set_error(res, dialect, e.status(), e.what(), e.param());
    } catch (const engine::QueueFull& e) {
      ctx->metrics.observe_rejected_queue_full();
      res.set_header("Retry-After", std::to_string(ctx->options.retry_after_seconds));
      set_error(res, dialect, 429, e.what());
    } catch (const engine::BatcherStopped& e) {
      set_error(res, dialect, 503, e.what());
    } catch (const std::bad_alloc&) {
      set_error(res, dialect, 503, "out of memory while handling this request; retry later");
    } catch (const std::exception& e) {
      set_error(res, dialect, 500, std::string("internal error: ") + e.what());
    } catch (...) {
      set_error(res, dialect, 500, "internal error");
    }
    ctx->in_flight.fetch_sub(1);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    try {
      ctx->metrics.observe_request(path, res.status, seconds);
    } catch (...) {
    }
  };
}

void Router::post(const std::string& path, Dialect dialect, RouteFn fn) {
  http_.Post(path, wrap(path, dialect, std::move(fn), true));
}

void Router::get(const std::string& path, Dialect dialect, RouteFn fn, bool needs_auth) {
  http_.Get(path, wrap(path, dialect, std::move(fn), needs_auth));
}

}  // namespace sembed::server
