// WeightStore: every floating-point tensor of a model directory's weight file(s) as float32, by
// name. safetensors files are memory-mapped and f32 tensors are used in place (zero copy); f16,
// bf16 and f64 tensors (and unaligned or strided ones) are converted once at load into one
// owned buffer. pytorch_model.bin is read through a restricted unpickler (torch_bin.hpp).
// Names are stored the way BertModel sees them: a leading "bert." is stripped and the legacy
// "LayerNorm.gamma"/"LayerNorm.beta" become ".weight"/".bias", as transformers does at load.
// Integer tensors (e.g. the "embeddings.position_ids" buffer) are not weights: they are listed
// in ignored(), not in tensors().
// Other families' base-model prefixes ("roberta.", "mpnet.", ...) are stripped by
// strip_prefix() once the family is known. Does not know which tensors a model needs: see
// encoder_tensor_names.hpp.
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

class MappedFile;

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
  // Reads, in this order of preference, model.safetensors, model.safetensors.index.json
  // (shards), pytorch_model.bin, pytorch_model.bin.index.json from dir.
  // Throws sembed::Error naming the file and tensor at fault, or listing the files looked for.
  static WeightStore open(const std::filesystem::path& dir);
  // Opens one specific file: *.safetensors, or anything else as a pytorch .bin (zip) file.
  static WeightStore open_file(const std::filesystem::path& file);

  // nullptr when absent. A leading "bert." in name is ignored, like the names stored.
  const TensorView* find(std::string_view name) const;
  // The tensor, which must exist with exactly this shape; otherwise throws sembed::Error naming
  // the tensor, the expected and the found shape.
  const TensorView& require(std::string_view name,
                            const std::vector<int64_t>& expected_shape) const;

  // Renames every tensor "<prefix>x" to "x", as transformers does when a head class's
  // checkpoint (e.g. RobertaForMaskedLM's "roberta.*") is loaded into the base model. Throws
  // sembed::Error when both "x" and "<prefix>x" exist.
  void strip_prefix(std::string_view prefix);

  const std::map<std::string, TensorView, std::less<>>& tensors() const { return tensors_; }
  // Non-floating tensors that were skipped (names as stored in the file).
  const std::vector<std::string>& ignored() const { return ignored_; }
  // What the user may want to know about the load (renames, conversions, skipped tensors).
  const std::vector<std::string>& notes() const { return notes_; }

  const std::string& source() const { return source_; }              // file name(s) read
  const std::string& source_dtype() const { return source_dtype_; }  // e.g. "F32", "F16+F32"
  size_t parameter_count() const;                                    // sum of numel()
  size_t zero_copy_tensors() const { return zero_copy_; }            // used in place from the map

  // The memory holding t's data when t is used in place from a mapped file, or nullptr when it
  // was converted into the store's own buffer. Holding the result keeps t.data valid after the
  // store is gone, without keeping the converted buffer (a whole fp32 copy of an f16 model).
  std::shared_ptr<const void> mapping_of(const TensorView& t) const;

  WeightStore() = default;
  WeightStore(WeightStore&&) noexcept = default;
  WeightStore& operator=(WeightStore&&) noexcept = default;

 private:
  friend class WeightStoreBuilder;
  std::map<std::string, TensorView, std::less<>> tensors_;
  std::vector<std::shared_ptr<const void>> storage_;  // mmaps and converted buffers kept alive
  std::vector<std::shared_ptr<const MappedFile>> files_;  // the mmaps alone (mapping_of)
  std::vector<std::string> ignored_;
  std::vector<std::string> notes_;
  std::string source_;
  std::string source_dtype_;
  size_t zero_copy_ = 0;
};

}  // namespace sembed::loader
