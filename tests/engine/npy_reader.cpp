// Minimal .npy reader for the golden files: version 1/2 header, '<f4', C order, 2-D.
#include "npy_reader.hpp"

#include <cstdint>
#include <fstream>
#include <regex>

namespace sembed::testing {

Matrix read_npy_f32(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open " + path);
  char magic[8];
  in.read(magic, 8);
  if (std::string(magic, 6) != "\x93NUMPY") throw Error(path + ": not a .npy file");
  uint32_t header_len = 0;
  if (magic[6] == 1) {
    uint8_t b[2];
    in.read(reinterpret_cast<char*>(b), 2);
    header_len = b[0] | (b[1] << 8);
  } else {
    uint8_t b[4];
    in.read(reinterpret_cast<char*>(b), 4);
    header_len = b[0] | (b[1] << 8) | (b[2] << 16) | (uint32_t(b[3]) << 24);
  }
  std::string header(header_len, '\0');
  in.read(header.data(), header_len);
  if (header.find("'<f4'") == std::string::npos || header.find("'fortran_order': False") == std::string::npos)
    throw Error(path + ": expected C-order float32");
  std::smatch m;
  if (!std::regex_search(header, m, std::regex(R"(\((\d+), (\d+)\))")))
    throw Error(path + ": expected a 2-D array");
  Matrix out(std::stoul(m[1]), std::stoul(m[2]));
  in.read(reinterpret_cast<char*>(out.data.data()), static_cast<std::streamsize>(out.data.size() * 4));
  if (!in) throw Error(path + ": truncated");
  return out;
}

}  // namespace sembed::testing
