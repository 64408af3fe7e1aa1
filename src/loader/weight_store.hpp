// WeightStore: every tensor of a model directory's weight file(s) as float32, by name.
// safetensors files are memory-mapped and f32 tensors are used in place (zero copy); f16/bf16
// tensors are converted once at load. pytorch_model.bin is read by a restricted unpickler.
// Thread safety: immutable after open(); safe to read from any number of threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sembed::loader {

struct TensorView {
  std::vector<int64_t> shape;
  const float* data = nullptr;  // float32, row-major, lives as long as the WeightStore
  size_t numel() const {
    size_t n = 1;
    for (auto d : shape) n *= static_cast<size_t>(d);
    return n;
  }
};

class WeightStore {
 public:
  // Finds model.safetensors, model.safetensors.index.json (shards) or pytorch_model.bin in dir.
  static WeightStore open(const std::filesystem::path& dir);
  // Opens one specific file (safetensors or pytorch .bin).
  static WeightStore open_file(const std::filesystem::path& file);

  // nullptr when absent.
  const TensorView* find(std::string_view name) const;
  const std::map<std::string, TensorView, std::less<>>& tensors() const { return tensors_; }

  const std::string& source() const { return source_; }        // file name(s) read
  const std::string& source_dtype() const { return source_dtype_; }  // e.g. "F32", "F16"

  WeightStore() = default;
  WeightStore(WeightStore&&) noexcept = default;
  WeightStore& operator=(WeightStore&&) noexcept = default;

 private:
  friend class WeightStoreBuilder;
  std::map<std::string, TensorView, std::less<>> tensors_;
  std::vector<std::shared_ptr<void>> storage_;  // mmaps and converted buffers kept alive
  std::string source_;
  std::string source_dtype_;
};

}  // namespace sembed::loader
