// Test helpers: start a Server on an ephemeral loopback port and talk to it with a plain HTTP
// client, returning status, headers and parsed JSON.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "server/server.hpp"

namespace sembed::server::testing {

using json = nlohmann::json;

struct Reply {
  int status = 0;  // 0: no HTTP response at all
  std::string body;
  httplib::Headers headers;
  json parsed() const { return json::parse(body); }
  std::string header(const std::string& key) const {
    auto it = headers.find(key);
    return it == headers.end() ? "" : it->second;
  }
};

class TestServer {
 public:
  TestServer(ServerOptions options, std::unique_ptr<Backend> backend,
             std::shared_ptr<const CrossEncoder> reranker = nullptr) {
    ::signal(SIGPIPE, SIG_IGN);
    options.host = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<Server>(options, std::move(backend), std::move(reranker));
    port_ = server_->start();
  }
  ~TestServer() { server_->stop(); }
  int port() const { return port_; }
  Server& server() { return *server_; }

  std::unique_ptr<httplib::Client> client() const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
    c->set_keep_alive(true);
    c->set_tcp_nodelay(true);  // else Nagle holds the body behind the headers for 40 ms
    c->set_read_timeout(60, 0);
    c->set_write_timeout(60, 0);
    return c;
  }

  Reply post(const std::string& path, const std::string& body,
             const httplib::Headers& headers = {}) const {
    auto c = client();
    return to_reply(c->Post(path.c_str(), headers, body, "application/json"));
  }
  Reply post(const std::string& path, const json& body, const httplib::Headers& headers = {}) const {
    return post(path, body.dump(), headers);
  }
  Reply get(const std::string& path, const httplib::Headers& headers = {}) const {
    auto c = client();
    return to_reply(c->Get(path.c_str(), headers));
  }

  static Reply to_reply(const httplib::Result& r) {
    Reply out;
    if (!r) return out;
    out.status = r->status;
    out.body = r->body;
    out.headers = r->headers;
    return out;
  }

 private:
  std::unique_ptr<Server> server_;
  int port_ = 0;
};

// An error reply names what is wrong: status, and the dialect's shape with the field in it.
inline void expect_openai_error(const Reply& r, int status, const std::string& mentions) {
  EXPECT_EQ(r.status, status) << r.body;
  const json j = json::parse(r.body);
  ASSERT_TRUE(j.contains("error")) << r.body;
  EXPECT_TRUE(j["error"]["message"].is_string());
  EXPECT_TRUE(j["error"]["type"].is_string());
  EXPECT_NE(j["error"]["message"].get<std::string>().find(mentions), std::string::npos)
      << "message does not mention '" << mentions << "': " << r.body;
}

inline void expect_tei_error(const Reply& r, int status, const std::string& mentions) {
  EXPECT_EQ(r.status, status) << r.body;
  const json j = json::parse(r.body);
  ASSERT_TRUE(j["error"].is_string()) << r.body;
  EXPECT_TRUE(j["error_type"].is_string());
  EXPECT_NE(j["error"].get<std::string>().find(mentions), std::string::npos)
      << "message does not mention '" << mentions << "': " << r.body;
}

// The macros add the calling line to failures.
#define EXPECT_TEI_ERROR(...)      \
  do {                             \
    SCOPED_TRACE("error check");   \
    expect_tei_error(__VA_ARGS__); \
  } while (0)
#define EXPECT_OPENAI_ERROR(...)      \
  do {                                \
    SCOPED_TRACE("error check");      \
    expect_openai_error(__VA_ARGS__); \
  } while (0)

}  // namespace sembed::server::testing
