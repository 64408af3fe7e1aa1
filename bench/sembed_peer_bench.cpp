// sembed as a peer of bench/run.py: loads a model once, then answers the line protocol of
// bench/peers/protocol.py on stdin/stdout (load, embed, corpus, latency, rss, quit), so that
// sembed is timed exactly as the Python peers are: wall clock around one public-API encode call
// (tokenization, batching, encoder, pooling, normalisation included).
//
//   sembed_peer_bench --model DIR --threads N [--batch 32] [--dtype float32|bf16|int8]
//
// Not a Google Benchmark binary despite the *_bench.cpp name (bench/CMakeLists.txt links every
// *_bench.cpp with benchmark::benchmark; this one has its own main and uses none of it).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sembed/sembed.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // Linux: KiB
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out;
}

void reply(const std::string& json_object) {
  std::cout << "BENCH " << json_object << std::endl;  // flush: the runner waits on each line
}

void reply_error(const std::string& message) {
  reply("{\"error\": \"" + json_escape(message) + "\"}");
}

// Writes a [rows, cols] little-endian float32 C-order .npy file (format version 1.0).
void write_npy(const std::string& path, const sembed::Matrix& m) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" +
                       std::to_string(m.rows) + ", " + std::to_string(m.cols) + "), }";
  // magic(6) + version(2) + header_len(2) + header + '\n' must be a multiple of 64.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::ofstream f(path, std::ios::binary);
  if (!f) throw sembed::Error("cannot write " + path);
  f.write("\x93NUMPY\x01\x00", 8);
  uint16_t len = static_cast<uint16_t>(header.size());
  char len_bytes[2] = {static_cast<char>(len & 0xff), static_cast<char>(len >> 8)};
  f.write(len_bytes, 2);
  f.write(header.data(), static_cast<std::streamsize>(header.size()));
  f.write(reinterpret_cast<const char*>(m.data.data()),
          static_cast<std::streamsize>(m.data.size() * sizeof(float)));
  if (!f) throw sembed::Error("short write to " + path);
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw sembed::Error("cannot read " + path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(f, line)) lines.push_back(line);
  return lines;
}

int usage() {
  std::cerr << "usage: sembed_peer_bench --model DIR --threads N [--batch 32] [--dtype float32]\n"
               "then commands on stdin, see bench/peers/protocol.py\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_dir;
  int threads = 0;
  size_t batch = 32;
  std::string dtype = "float32";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return usage();
    if (a == "--model")
      model_dir = argv[++i];
    else if (a == "--threads")
      threads = std::atoi(argv[++i]);
    else if (a == "--batch")
      batch = static_cast<size_t>(std::atol(argv[++i]));
    else if (a == "--dtype")
      dtype = argv[++i];
    else
      return usage();
  }
  if (model_dir.empty()) return usage();

  std::shared_ptr<sembed::Model> model;
  try {
    sembed::LoadOptions lo;
    lo.threads = threads;
    lo.dtype = sembed::parse_dtype(dtype);
    model = sembed::Model::load(model_dir, lo);
  } catch (const std::exception& e) {
    reply_error(std::string("load: ") + e.what());
    return 1;
  }
  const sembed::ModelInfo& info = model->info();
  {
    std::ostringstream o;
    o << "{\"ready\": true, \"peak_rss_mb\": " << peak_rss_mb() << ", \"engine\": \"sembed "
      << json_escape(std::string(sembed::to_string(info.dtype))) << " ("
      << json_escape(info.matmul_kernel) << ") " << info.num_layers << "x" << info.hidden_size
      << "\", \"threads\": " << threads << ", \"max_seq_length\": " << info.max_seq_length
      << ", \"load_seconds\": " << info.load_seconds << "}";
    reply(o.str());
  }

  sembed::EncodeOptions opts;
  opts.batch_size = batch;
  std::map<std::string, std::vector<std::string>> sets;
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string cmd, name, arg;
    in >> cmd >> name >> arg;
    try {
      if (cmd == "load") {
        sets[name] = read_lines(arg);
        reply("{\"loaded\": " + std::to_string(sets[name].size()) + "}");
      } else if (cmd == "embed") {
        sembed::Matrix m = model->encode(sets.at(name), opts);
        write_npy(arg, m);
        reply("{\"rows\": " + std::to_string(m.rows) + ", \"dim\": " + std::to_string(m.cols) +
              "}");
      } else if (cmd == "corpus") {
        const auto& texts = sets.at(name);
        auto t0 = Clock::now();
        sembed::Matrix m = model->encode(texts, opts);
        double s = std::chrono::duration<double>(Clock::now() - t0).count();
        std::ostringstream o;
        o.precision(9);
        o << "{\"seconds\": " << s << "}";
        reply(o.str());
      } else if (cmd == "latency") {
        const auto& texts = sets.at(name);
        size_t n = std::min(texts.size(), static_cast<size_t>(std::atol(arg.c_str())));
        std::vector<std::string> one(1);
        std::ostringstream o;
        o.precision(6);
        o << "{\"ms\": [";
        for (size_t i = 0; i < n; ++i) {
          one[0] = texts[i];
          auto t0 = Clock::now();
          sembed::Matrix m = model->encode(one, opts);
          double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
          o << (i ? ", " : "") << ms;
        }
        o << "]}";
        reply(o.str());
      } else if (cmd == "rss") {
        std::ostringstream o;
        o << "{\"peak_rss_mb\": " << peak_rss_mb() << "}";
        reply(o.str());
      } else if (cmd == "quit") {
        reply("{\"bye\": true}");
        return 0;
      } else {
        reply_error("unknown command '" + cmd + "'");
      }
    } catch (const std::exception& e) {
      reply_error(cmd + ": " + e.what());
    }
  }
  return 0;
}
