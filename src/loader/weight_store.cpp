// WeightStore: finds the weight file(s) of a directory, parses them (safetensors.cpp,
// torch_bin.cpp), normalises tensor names and turns every floating tensor into a float32 view,
// in place when possible.
#include "loader/weight_store.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <sembed/error.hpp>
#include <set>

#include "loader/dtype.hpp"
#include "loader/json_file.hpp"
#include "loader/mapped_file.hpp"
#include "loader/safetensors.hpp"
#include "loader/torch_bin.hpp"

namespace sembed::loader {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kBertPrefix = "bert.";

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

// The name BertModel would bind: base-model prefix stripped, TF-era LayerNorm names renamed.
std::string normalise_name(std::string_view raw, bool& renamed_legacy) {
  std::string name(starts_with(raw, kBertPrefix) ? raw.substr(kBertPrefix.size()) : raw);
  if (ends_with(name, "LayerNorm.gamma")) {
    name.replace(name.size() - 5, 5, "weight");
    renamed_legacy = true;
  } else if (ends_with(name, "LayerNorm.beta")) {
    name.replace(name.size() - 4, 4, "bias");
    renamed_legacy = true;
  }
  return name;
}

bool is_contiguous(const RawTensor& t) {
  if (t.strides.empty()) return true;
  int64_t expect = 1;
  for (size_t i = t.shape.size(); i-- > 0;) {
    if (t.shape[i] != 1 && t.strides[i] != expect) return false;
    expect *= t.shape[i];
  }
  return true;
}

// Copies a strided tensor into dst (row-major), converting to f32. The parser has checked that
// every addressed element is inside the storage.
void gather_strided(const RawTensor& t, size_t dim, const uint8_t* src, float*& dst) {
  const size_t esize = dtype_size(t.dtype);
  if (dim == t.shape.size()) {
    convert_to_f32(t.dtype, src, 1, dst++);
    return;
  }
  const int64_t n = t.shape[dim];
  const int64_t stride = t.strides[dim];
  if (dim + 1 == t.shape.size() && stride == 1) {
    convert_to_f32(t.dtype, src, static_cast<size_t>(n), dst);
    dst += n;
    return;
  }
  for (int64_t i = 0; i < n; ++i)
    gather_strided(t, dim + 1, src + static_cast<size_t>(i * stride) * esize, dst);
}

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

}  // namespace

// Assembles a WeightStore from the tensors of one or more parsed files.
class WeightStoreBuilder {
 public:
  void add_file(std::shared_ptr<const MappedFile> file, std::vector<RawTensor> tensors) {
    files_.push_back(file);
    for (auto& t : tensors) pending_.push_back({std::move(t), file->path().filename().string()});
  }
  // Names a shard index promised in this file; checked in finish().
  void expect(const std::string& name, const std::string& file) {
    expected_.push_back({name, file});
  }

  WeightStore finish(std::string source) {
    WeightStore ws;
    ws.source_ = std::move(source);
    for (auto& f : files_) ws.storage_.push_back(f);
    ws.files_ = files_;

    std::map<std::string, std::string> found_in;  // raw name -> file
    for (const auto& p : pending_) {
      if (!found_in.emplace(p.tensor.name, p.file).second)
        throw Error("tensor '" + p.tensor.name + "' appears twice (in " + found_in[p.tensor.name] +
                    " and " + p.file + ")");
    }
    for (const auto& [name, file] : expected_) {
      auto it = found_in.find(name);
      if (it == found_in.end() || it->second != file)
        throw Error("the shard index lists tensor '" + name + "' in " + file +
                    ", but that file does not contain it");
    }

    // One 64-byte aligned buffer for everything that cannot be used in place.
    constexpr size_t kAlign = 64;
    size_t owned_floats = 0;
    std::vector<size_t> offset(pending_.size(), SIZE_MAX);
    for (size_t i = 0; i < pending_.size(); ++i) {
      const RawTensor& t = pending_[i].tensor;
      if (!is_floating(t.dtype) || in_place(t)) continue;
      offset[i] = owned_floats;
      owned_floats += (t.numel + kAlign / 4 - 1) / (kAlign / 4) * (kAlign / 4);
    }
    float* owned = nullptr;
    if (owned_floats > 0) {
      void* p = std::aligned_alloc(kAlign, owned_floats * sizeof(float));
      if (!p) throw Error("out of memory converting " + std::to_string(owned_floats) + " weights");
      ws.storage_.push_back(std::shared_ptr<const void>(p, FreeDeleter{}));
      owned = static_cast<float*>(p);
    }

    std::set<std::string> dtypes;
    bool renamed_legacy = false;
    size_t stripped = 0;
    std::map<std::string, std::string> raw_of;  // stored name -> raw name, to report clashes
    for (size_t i = 0; i < pending_.size(); ++i) {
      const RawTensor& t = pending_[i].tensor;
      if (!is_floating(t.dtype)) {
        ws.ignored_.push_back(t.name);
        continue;
      }
      if (starts_with(t.name, kBertPrefix)) ++stripped;
      std::string name = normalise_name(t.name, renamed_legacy);
      auto [it, fresh] = raw_of.emplace(name, t.name);
      if (!fresh)
        throw Error("tensors '" + it->second + "' and '" + t.name + "' in " + ws.source_ +
                    " both name the weight '" + name + "'");
      dtypes.insert(std::string(dtype_name(t.dtype)));
      TensorView view;
      view.shape = t.shape;
      if (offset[i] == SIZE_MAX) {
        view.data = reinterpret_cast<const float*>(t.data);
        ++ws.zero_copy_;
      } else {
        float* dst = owned + offset[i];
        view.data = dst;
        if (is_contiguous(t)) {
          convert_to_f32(t.dtype, t.data, t.numel, dst);
        } else if (t.numel > 0) {
          gather_strided(t, 0, t.data, dst);
        }
      }
      ws.tensors_.emplace(std::move(name), std::move(view));
    }
    for (const auto& d : dtypes) ws.source_dtype_ += (ws.source_dtype_.empty() ? "" : "+") + d;
    if (stripped)
      ws.notes_.push_back("stripped the 'bert.' prefix from " + std::to_string(stripped) +
                          " tensor names");
    if (renamed_legacy) ws.notes_.push_back("renamed legacy LayerNorm.gamma/beta tensors");
    if (!ws.ignored_.empty())
      ws.notes_.push_back("ignored " + std::to_string(ws.ignored_.size()) +
                          " non-floating tensor(s), e.g. '" + ws.ignored_.front() + "'");
    if (dtypes.size() > 1 || (dtypes.size() == 1 && *dtypes.begin() != "F32"))
      ws.notes_.push_back("converted " + ws.source_dtype_ + " weights to F32 at load");
    return ws;
  }

 private:
  static bool in_place(const RawTensor& t) {
    return t.dtype == DType::F32 && is_contiguous(t) &&
           reinterpret_cast<uintptr_t>(t.data) % alignof(float) == 0;
  }
  struct Pending {
    RawTensor tensor;
    std::string file;
  };
  std::vector<std::shared_ptr<const MappedFile>> files_;
  std::vector<Pending> pending_;
  std::vector<std::pair<std::string, std::string>> expected_;
};

namespace {

void add_weight_file(WeightStoreBuilder& b, const fs::path& file) {
  auto mf = MappedFile::open(file);
  const std::string label = file.string();
  if (file.extension() == ".safetensors")
    b.add_file(mf, parse_safetensors(mf->data(), mf->size(), label));
  else
    b.add_file(mf, parse_torch_bin(mf->data(), mf->size(), label));
}

// A shard file name from an index must stay inside the model directory.
void check_shard_name(const std::string& name, const fs::path& index) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
      name.find('\\') != std::string::npos || name.find('\0') != std::string::npos)
    throw Error(index.string() + ": shard file name '" + name +
                "' is not a plain file name in the model directory");
}

WeightStore open_index(const fs::path& index) {
  const auto j = read_json_file(index);
  const auto wm = j.is_object() ? j.find("weight_map") : j.end();
  if (wm == j.end() || !wm->is_object() || wm->empty())
    throw Error(index.string() + ": missing or empty 'weight_map' object");
  const fs::path dir = index.parent_path();
  WeightStoreBuilder b;
  std::set<std::string> shards;
  for (const auto& [name, file] : wm->items()) {
    if (!file.is_string())
      throw Error(index.string() + ": weight_map entry '" + name + "' is not a file name");
    const auto& f = file.get_ref<const std::string&>();
    check_shard_name(f, index);
    shards.insert(f);
    b.expect(name, f);
  }
  std::string source;
  for (const auto& f : shards) {
    add_weight_file(b, dir / f);
    source += (source.empty() ? "" : ", ") + f;
  }
  return b.finish(index.filename().string() + " (" + source + ")");
}

}  // namespace

WeightStore WeightStore::open_file(const fs::path& file) {
  if (ends_with(file.filename().string(), ".index.json")) return open_index(file);
  WeightStoreBuilder b;
  add_weight_file(b, file);
  return b.finish(file.filename().string());
}

WeightStore WeightStore::open(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error(dir.string() + ": not a directory");
  static const char* const kCandidates[] = {"model.safetensors", "model.safetensors.index.json",
                                            "pytorch_model.bin", "pytorch_model.bin.index.json"};
  for (const char* name : kCandidates) {
    const fs::path p = dir / name;
    if (fs::exists(p, ec)) return open_file(p);
  }
  std::string msg =
      dir.string() +
      ": no weights found (looked for model.safetensors, "
      "model.safetensors.index.json, pytorch_model.bin, pytorch_model.bin.index.json)";
  for (const char* other : {"tf_model.h5", "flax_model.msgpack", "model.onnx", "onnx/model.onnx"})
    if (fs::exists(dir / other, ec))
      msg += std::string("; ") + other + " is present but not supported";
  throw Error(msg);
}

void WeightStore::strip_prefix(std::string_view prefix) {
  if (prefix.empty()) return;
  std::vector<std::string> prefixed;  // collected first: renaming while iterating would revisit
  for (const auto& [name, view] : tensors_)
    if (starts_with(name, prefix)) prefixed.push_back(name);
  for (const auto& full : prefixed) {
    std::string name = full.substr(prefix.size());
    if (tensors_.count(name))
      throw Error("tensors '" + full + "' and '" + name + "' in " + source_ +
                  " both name the weight '" + name + "'");
    auto node = tensors_.extract(full);
    node.key() = std::move(name);
    tensors_.insert(std::move(node));
  }
  if (!prefixed.empty())
    notes_.push_back("stripped the '" + std::string(prefix) + "' prefix from " +
                     std::to_string(prefixed.size()) + " tensor names");
}

const TensorView* WeightStore::find(std::string_view name) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end() && starts_with(name, kBertPrefix))
    it = tensors_.find(name.substr(kBertPrefix.size()));
  return it == tensors_.end() ? nullptr : &it->second;
}

const TensorView& WeightStore::require(std::string_view name,
                                       const std::vector<int64_t>& expected_shape) const {
  const TensorView* t = find(name);
  if (!t)
    throw Error("tensor '" + std::string(name) + "' (expected shape " +
                shape_string(expected_shape) + ") is missing from " + source_);
  if (t->shape != expected_shape)
    throw Error("tensor '" + std::string(name) + "' in " + source_ + " has shape " +
                shape_string(t->shape) + ", expected " + shape_string(expected_shape));
  return *t;
}

std::shared_ptr<const void> WeightStore::mapping_of(const TensorView& t) const {
  const auto* begin = reinterpret_cast<const uint8_t*>(t.data);
  const size_t bytes = t.numel() * sizeof(float);
  for (const auto& f : files_)
    if (f->data() && begin >= f->data() && begin + bytes <= f->data() + f->size()) return f;
  return nullptr;
}

size_t WeightStore::parameter_count() const {
  size_t n = 0;
  for (const auto& [name, t] : tensors_) n += t.numel();
  return n;
}

}  // namespace sembed::loader
