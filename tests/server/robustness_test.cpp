// Nothing a client sends takes the server down: random bytes, mutated valid requests, hostile
// JSON values, random Unicode through the real tokenizer, and malformed HTTP on raw sockets. After
// each barrage the server must still answer /health and embed correctly, and no response may be a
// 5xx (every failure is the client's, and is answered with a JSON error).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>

#include <sembed/sembed.hpp>

#include "test_server.hpp"

namespace sembed::server::testing {
namespace {

const char* kRoutes[] = {"/v1/embeddings", "/embed", "/similarity", "/tokenize", "/embeddings"};

std::shared_ptr<const Model> default_model() {
  static std::shared_ptr<const Model> model = Model::load(resolve_model_dir(std::nullopt));
  return model;
}

class Robustness : public ::testing::Test {
 protected:
  static ServerOptions options() {
    ServerOptions o;
    o.max_body_bytes = 64 * 1024;
    o.max_client_batch_size = 64;
    return o;
  }
  void SetUp() override {
    srv = std::make_unique<TestServer>(options(), make_model_backend(default_model()));
  }
  void expect_alive() {
    EXPECT_EQ(srv->get("/health").status, 200);
    const Reply r = srv->post("/embed", json{{"inputs", "still alive"}});
    EXPECT_EQ(r.status, 200) << r.body;
  }
  // A reply to garbage: answered, not a server error, and a JSON error body when refused.
  void expect_client_error_or_ok(const Reply& r, const std::string& what) {
    ASSERT_NE(r.status, 0) << "no response to " << what;
    EXPECT_LT(r.status, 500) << what << " -> " << r.body;
    if (r.status >= 400) {
      EXPECT_TRUE(json::accept(r.body)) << what << " -> " << r.body;
    }
  }
  std::unique_ptr<TestServer> srv;
};

TEST_F(Robustness, RandomBytes) {
  std::mt19937 rng(7);
  auto http = srv->client();
  for (int i = 0; i < 600; ++i) {
    std::string body(rng() % 300, '\0');
    for (char& c : body) c = static_cast<char>(rng() % 256);
    const char* route = kRoutes[rng() % 5];
    const Reply r = TestServer::to_reply(http->Post(route, body, "application/json"));
    expect_client_error_or_ok(r, std::string(route) + " random body " + std::to_string(i));
    EXPECT_NE(r.status, 200);
  }
  expect_alive();
}

TEST_F(Robustness, MutatedValidRequests) {
  const std::vector<std::pair<std::string, std::string>> seeds = {
      {"/v1/embeddings", R"({"input":["a b c","déjà vu"],"model":"x","dimensions":8,"encoding_format":"base64"})"},
      {"/v1/embeddings", R"({"input":[[101,2023,102],[101,102]]})"},
      {"/embed", R"({"inputs":["one","two"],"normalize":false,"truncate":true,"truncation_direction":"Left"})"},
      {"/similarity", R"({"inputs":{"source_sentence":"x","sentences":["y","z"]}})"},
      {"/tokenize", R"({"inputs":["héllo wörld"],"add_special_tokens":false})"},
      {"/tokenize", R"({"content":"abc","with_pieces":true})"},
  };
  std::mt19937 rng(11);
  auto http = srv->client();
  for (int i = 0; i < 1500; ++i) {
    const auto& [route, seed] = seeds[rng() % seeds.size()];
    std::string body = seed;
    const int edits = 1 + rng() % 4;
    for (int e = 0; e < edits && !body.empty(); ++e) {
      const size_t pos = rng() % body.size();
      switch (rng() % 4) {
        case 0: body[pos] = static_cast<char>(rng() % 256); break;
        case 1: body.erase(pos, 1 + rng() % 5); break;
        case 2: {
          static const char kJsonish[] = "[]{}\",:0-9eE.tfn\\";
          body.insert(pos, 1, kJsonish[rng() % (sizeof kJsonish - 1)]);
          break;
        }
        default: body.insert(pos, body.substr(rng() % body.size(), rng() % 20)); break;
      }
    }
    const Reply r = TestServer::to_reply(http->Post(route.c_str(), body, "application/json"));
    expect_client_error_or_ok(r, route + " " + body);
  }
  expect_alive();
}

TEST_F(Robustness, HostileJsonValues) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/v1/embeddings", R"({"input":"a","dimensions":1e999})"},
      {"/v1/embeddings", R"({"input":"a","dimensions":18446744073709551616})"},
      {"/v1/embeddings", R"({"input":"a","dimensions":-9223372036854775808})"},
      {"/v1/embeddings", R"({"input":[99999999999999999999]})"},
      {"/v1/embeddings", R"({"input":[1.5,2]})"},
      {"/v1/embeddings", R"({"input":[[-1]]})"},
      {"/v1/embeddings", R"({"input":[[101,true]]})"},
      {"/v1/embeddings", R"({"input":null})"},
      {"/v1/embeddings", R"({"input":"\ud800"})"},
      {"/v1/embeddings", R"({"input":"a\u0000b"})"},
      {"/v1/embeddings", R"({"input":"a","input":"b"})"},
      {"/embed", R"({"inputs":{"a":"b"}})"},
      {"/embed", R"({"inputs":[null]})"},
      {"/embed", R"({"inputs":"x","truncation_direction":null,"normalize":null})"},
      {"/similarity", R"({"inputs":{"source_sentence":"a","sentences":[]}})"},
      {"/similarity", R"({"inputs":{"source_sentence":["a"],"sentences":"b"}})"},
      {"/tokenize", R"({"inputs":[]})"},
      {"/tokenize", R"({"content":"x","add_special":"yes"})"},
      {"/embed", std::string(30, '[') + std::string(30, ']')},
      {"/embed", "{\"inputs\":" + std::string(20000, '[')},
      {"/embed", "{\"inputs\":\"" + std::string(60000, 'a') + "\"}"},
      {"/embed", "{\"inputs\":\"" + std::string(60000, 'a') + "\",\"truncate\":true}"},
  };
  auto http = srv->client();
  for (const auto& [route, body] : cases) {
    const Reply r = TestServer::to_reply(http->Post(route.c_str(), body, "application/json"));
    expect_client_error_or_ok(r, route + " " + body.substr(0, 120));
  }
  expect_alive();
}

TEST_F(Robustness, RandomUnicodeThroughTheRealTokenizer) {
  // Code points from tricky ranges: controls, combining marks, CJK, emoji, zero-width, RTL, and
  // private use; JSON-escaped so the body is always valid.
  const std::vector<std::pair<uint32_t, uint32_t>> ranges = {
      {0x01, 0x1F},     {0x20, 0x7E},     {0x80, 0x2FF},     {0x300, 0x36F}, {0x590, 0x6FF},
      {0x200B, 0x200F}, {0x4E00, 0x4FFF}, {0xE000, 0xE0FF},  {0xFFF0, 0xFFFD}, {0x1F300, 0x1F6FF},
      {0x10000, 0x1007F}};
  std::mt19937 rng(3);
  auto http = srv->client();
  for (int i = 0; i < 150; ++i) {
    json texts = json::array();
    for (int k = 0; k < 4; ++k) {
      std::u32string cps;
      const size_t n = rng() % 200;
      for (size_t c = 0; c < n; ++c) {
        const auto& [lo, hi] = ranges[rng() % ranges.size()];
        cps.push_back(lo + rng() % (hi - lo + 1));
      }
      std::string utf8;
      for (char32_t cp : cps) {
        if (cp < 0x80) {
          utf8 += static_cast<char>(cp);
        } else if (cp < 0x800) {
          utf8 += static_cast<char>(0xC0 | (cp >> 6));
          utf8 += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
          utf8 += static_cast<char>(0xE0 | (cp >> 12));
          utf8 += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          utf8 += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
          utf8 += static_cast<char>(0xF0 | (cp >> 18));
          utf8 += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
          utf8 += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          utf8 += static_cast<char>(0x80 | (cp & 0x3F));
        }
      }
      texts.push_back(utf8);
    }
    const char* route = i % 2 ? "/embed" : "/tokenize";
    json body = {{"inputs", texts}};
    if (i % 2) body["truncate"] = true;
    const Reply r = TestServer::to_reply(http->Post(route, body.dump(), "application/json"));
    ASSERT_EQ(r.status, 200) << route << " " << body.dump() << " -> " << r.body;
  }
  expect_alive();
}

// Sends raw bytes on a fresh connection and returns whatever comes back before close/timeout.
std::string raw_exchange(int port, const std::string& bytes, bool half_close = true) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "<connect failed>";
  }
  timeval tv{3, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void)::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  if (half_close) ::shutdown(fd, SHUT_WR);
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

TEST_F(Robustness, MalformedHttp) {
  const int port = srv->port();
  const std::vector<std::string> requests = {
      "GARBAGE\r\n\r\n",
      "POST /embed HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n{}",
      "POST /embed HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n{}",
      "POST /embed HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n{\"inputs\":",
      "POST /embed HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"inputs\":\"a\"}",
      "POST /embed HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
      "POST /embed HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFF\r\nabc",
      "POST /embed HTTP/1.1\r\nHost: x\r\nX-Long: " + std::string(100000, 'h') + "\r\n\r\n",
      "GET /" + std::string(20000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n",
      "POST /embed HTTP/9.9\r\n\r\n",
      std::string("\0\0\0\0\xff\xfe", 6),
      "",
  };
  for (const auto& req : requests) {
    const std::string reply = raw_exchange(port, req);
    // Whatever came back (possibly nothing: the connection is simply closed), the server lives.
    if (!reply.empty()) EXPECT_EQ(reply.rfind("HTTP/1.1 ", 0), 0u) << reply.substr(0, 200);
    EXPECT_EQ(reply.find("HTTP/1.1 5"), std::string::npos) << req.substr(0, 80) << " -> "
                                                          << reply.substr(0, 300);
  }
  // A client that connects and vanishes mid-request.
  for (int i = 0; i < 20; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      const std::string part = "POST /embed HTTP/1.1\r\nContent-Length: 50\r\n\r\n{\"inp";
      (void)::send(fd, part.data(), part.size(), MSG_NOSIGNAL);
    }
    ::close(fd);
  }
  expect_alive();
}

}  // namespace
}  // namespace sembed::server::testing
