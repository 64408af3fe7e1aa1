// Test helpers: start a Server on an ephemeral loopback port and talk to it with a plain HTTP
// client, returning status, headers and parsed JSON.
#pragma once

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
  TestServer(ServerOptions options, std::unique_ptr<Backend> backend) {
    ::signal(SIGPIPE, SIG_IGN);
    options.host = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<Server>(options, std::move(backend));
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

}  // namespace sembed::server::testing
