// torch.save zip files: locate <archive>/data.pkl, unpickle it with the restricted unpickler,
// and turn each tensor into a bounds-checked view of its storage entry <archive>/data/<key>.
#include "loader/torch_bin.hpp"

#include <cstring>
#include <optional>
#include <sembed/error.hpp>

#include "loader/unpickler.hpp"
#include "loader/zip_reader.hpp"

namespace sembed::loader {

namespace {

bool has_prefix(const uint8_t* d, size_t n, const char* magic, size_t len) {
  return n >= len && std::memcmp(d, magic, len) == 0;
}

// Largest element index a view addresses (offset + sum (size_i - 1) * stride_i), or nullopt on
// overflow. Only called when every size is >= 1.
std::optional<uint64_t> last_index(const PickledTensor& t) {
  unsigned __int128 last = static_cast<uint64_t>(t.storage_offset);
  for (size_t i = 0; i < t.shape.size(); ++i) {
    last += static_cast<unsigned __int128>(static_cast<uint64_t>(t.shape[i] - 1)) *
            static_cast<uint64_t>(t.stride[i]);
    if (last > (static_cast<unsigned __int128>(1) << 62)) return std::nullopt;
  }
  return static_cast<uint64_t>(last);
}

}  // namespace

std::vector<RawTensor> parse_torch_bin(const uint8_t* data, size_t size, const std::string& label) {
  if (size == 0) throw Error(label + ": empty file");
  if (!has_prefix(data, size, "PK\x03\x04", 4)) {
    // torch < 1.6 wrote a bare pickle sequence (magic number first) or a tar archive.
    if (data[0] == 0x80 || (size > 262 && std::memcmp(data + 257, "ustar", 5) == 0))
      throw Error(label +
                  ": the legacy (pre-zip) torch.save format is unsupported; re-save it "
                  "with a recent torch, or convert it to model.safetensors");
    throw Error(label + ": not a torch zip archive (nor safetensors)");
  }
  const ZipReader zip(data, size, label);

  // Every entry lives under one top folder whose name torch takes from the file name.
  std::string prefix;
  for (const auto& e : zip.entries()) {
    const auto slash = e.name.find('/');
    if (slash != std::string::npos && e.name.compare(slash, std::string::npos, "/data.pkl") == 0) {
      prefix = e.name.substr(0, slash + 1);
      break;
    }
  }
  if (prefix.empty()) throw Error(label + ": torch archive without a data.pkl");
  if (const ZipEntry* bo = zip.find(prefix + "byteorder")) {
    const std::string order(reinterpret_cast<const char*>(bo->data), bo->size);
    if (order != "little")
      throw Error(label + ": byte order '" + order.substr(0, 16) + "' is unsupported");
  }
  const ZipEntry* pkl = zip.find(prefix + "data.pkl");
  zip.verify(*pkl);
  const PickledStateDict sd = unpickle_state_dict(pkl->data, pkl->size, label + ":" + pkl->name);

  std::vector<const ZipEntry*> storage_entries;
  for (const auto& s : sd.storages) {
    const std::string name = prefix + "data/" + s.key;
    const ZipEntry* e = zip.find(name);
    if (!e) throw Error(label + ": storage entry '" + name + "' is missing");
    const unsigned __int128 need = static_cast<unsigned __int128>(s.numel) * dtype_size(s.dtype);
    if (need != e->size)
      throw Error(label + ": storage entry '" + name + "' holds " + std::to_string(e->size) +
                  " bytes, but its " + std::string(dtype_name(s.dtype)) + " storage of " +
                  std::to_string(s.numel) + " elements needs " +
                  std::to_string(static_cast<uint64_t>(need)));
    zip.verify(*e);
    storage_entries.push_back(e);
  }

  std::vector<RawTensor> out;
  out.reserve(sd.tensors.size());
  for (const auto& t : sd.tensors) {
    const PickledStorage& s = sd.storages[t.storage];
    RawTensor r;
    r.name = t.name;
    r.dtype = s.dtype;
    r.shape = t.shape;
    r.strides = t.stride;
    const auto numel = checked_numel(t.shape, size_t(1) << 48);
    if (!numel)
      throw Error(label + ": tensor '" + t.name + "' has an absurd shape " + shape_string(t.shape));
    r.numel = *numel;
    r.data = storage_entries[t.storage]->data;
    if (r.numel > 0) {
      const auto last = last_index(t);
      if (!last || *last >= s.numel)
        throw Error(label + ": tensor '" + t.name + "' with shape " + shape_string(t.shape) +
                    " and storage offset " + std::to_string(t.storage_offset) +
                    " reaches past its storage of " + std::to_string(s.numel) + " elements");
      r.data += static_cast<size_t>(t.storage_offset) * dtype_size(s.dtype);
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace sembed::loader
