// safetensors parsing with full bounds checking. Follows the format's rules: header length
// bounded, header a JSON object of tensors (plus optional "__metadata__" of strings), each tensor's
// byte range inside the data section, its length equal to numel x dtype size, no two ranges
// overlapping. Holes between tensors are tolerated (harmless: nothing reads them).
#include "loader/safetensors.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sembed/error.hpp>
#include <set>

namespace sembed::loader {

namespace {

// Same cap as the reference implementation: a header is metadata, never data.
constexpr uint64_t kMaxHeaderBytes = 100u << 20;
// No real tensor comes near this; it keeps size arithmetic far from overflow.
constexpr size_t kMaxElements = size_t(1) << 48;

[[noreturn]] void fail(const std::string& label, const std::string& what) {
  throw Error(label + ": invalid safetensors file: " + what);
}

uint64_t read_u64_le(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::vector<int64_t> parse_shape(const nlohmann::json& j, const std::string& label,
                                 const std::string& name) {
  if (!j.is_array()) fail(label, "tensor '" + name + "': 'shape' is not an array");
  if (j.size() > 64) fail(label, "tensor '" + name + "': shape has too many dimensions");
  std::vector<int64_t> shape;
  for (const auto& d : j) {
    if (!d.is_number_unsigned())
      fail(label, "tensor '" + name + "': shape entries must be non-negative integers");
    const uint64_t v = d.get<uint64_t>();
    if (v > kMaxElements)
      fail(label, "tensor '" + name + "': absurd dimension " + std::to_string(v));
    shape.push_back(static_cast<int64_t>(v));
  }
  return shape;
}

}  // namespace

std::vector<RawTensor> parse_safetensors(const uint8_t* data, size_t size,
                                         const std::string& label) {
  if (size < 8)
    fail(label,
         "file is " + std::to_string(size) + " bytes, shorter than the 8-byte header length");
  const uint64_t header_len = read_u64_le(data);
  if (header_len > kMaxHeaderBytes)
    fail(label, "header length " + std::to_string(header_len) + " exceeds the 100 MiB limit");
  if (header_len > size - 8)
    fail(label, "header length " + std::to_string(header_len) + " runs past the end of the file (" +
                    std::to_string(size) + " bytes)");
  if (header_len < 2) fail(label, "header is too short to be a JSON object");
  const char* hbegin = reinterpret_cast<const char*>(data + 8);
  const char* hend = hbegin + header_len;
  if (*hbegin != '{') fail(label, "header does not start with '{'");

  // Duplicate keys are ambiguous (which tensor wins?), so refuse them; nlohmann would keep the
  // last.
  std::set<std::string> seen;
  std::string duplicate;
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(
        hbegin, hend, [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
          if (depth == 1 && event == nlohmann::json::parse_event_t::key) {
            const auto& key = parsed.get_ref<const std::string&>();
            if (!seen.insert(key).second && duplicate.empty()) duplicate = key;
          }
          return true;
        });
  } catch (const nlohmann::json::exception& e) {
    fail(label, std::string("header is not valid JSON: ") + e.what());
  }
  if (!duplicate.empty()) fail(label, "tensor '" + duplicate + "' appears twice in the header");
  if (!header.is_object()) fail(label, "header is not a JSON object");

  const uint8_t* base = data + 8 + header_len;
  const uint64_t data_len = size - 8 - header_len;

  struct Range {
    uint64_t begin, end;
    size_t index;
  };
  std::vector<Range> ranges;
  std::vector<RawTensor> out;
  out.reserve(header.size());
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) fail(label, "'__metadata__' is not an object");
      for (const auto& [k, v] : entry.items())
        if (!v.is_string()) fail(label, "'__metadata__' value of '" + k + "' is not a string");
      continue;
    }
    if (!entry.is_object()) fail(label, "tensor '" + name + "' is not an object");
    const auto dt = entry.find("dtype");
    const auto sh = entry.find("shape");
    const auto offs = entry.find("data_offsets");
    if (dt == entry.end() || !dt->is_string())
      fail(label, "tensor '" + name + "': missing 'dtype'");
    if (sh == entry.end()) fail(label, "tensor '" + name + "': missing 'shape'");
    if (offs == entry.end() || !offs->is_array() || offs->size() != 2 ||
        !(*offs)[0].is_number_unsigned() || !(*offs)[1].is_number_unsigned())
      fail(label, "tensor '" + name + "': 'data_offsets' must be two non-negative integers");
    const auto dtype = parse_safetensors_dtype(dt->get_ref<const std::string&>());
    if (!dtype)
      fail(label, "tensor '" + name + "': unsupported dtype '" + dt->get<std::string>() + "'");
    RawTensor t;
    t.name = name;
    t.dtype = *dtype;
    t.shape = parse_shape(*sh, label, name);
    const auto numel = checked_numel(t.shape, kMaxElements);
    if (!numel) fail(label, "tensor '" + name + "': absurd shape " + shape_string(t.shape));
    t.numel = *numel;
    const uint64_t begin = (*offs)[0].get<uint64_t>();
    const uint64_t end = (*offs)[1].get<uint64_t>();
    if (begin > end || end > data_len)
      fail(label, "tensor '" + name + "': data_offsets [" + std::to_string(begin) + ", " +
                      std::to_string(end) + "] are outside the data section of " +
                      std::to_string(data_len) + " bytes");
    const uint64_t expected = static_cast<uint64_t>(t.numel) * dtype_size(t.dtype);
    if (end - begin != expected)
      fail(label, "tensor '" + name + "': " + std::to_string(end - begin) + " bytes for dtype " +
                      std::string(dtype_name(t.dtype)) + " and shape " + shape_string(t.shape) +
                      ", which needs " + std::to_string(expected));
    t.data = base + begin;
    // Empty tensors own no bytes, so they cannot overlap anything.
    if (end > begin) ranges.push_back({begin, end, out.size()});
    out.push_back(std::move(t));
  }

  std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  for (size_t i = 1; i < ranges.size(); ++i) {
    const auto& prev = ranges[i - 1];
    const auto& cur = ranges[i];
    if (cur.begin < prev.end)
      fail(label,
           "tensors '" + out[prev.index].name + "' and '" + out[cur.index].name + "' overlap");
  }
  return out;
}

}  // namespace sembed::loader
