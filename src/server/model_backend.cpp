// ModelBackend: the server's Backend over a loaded sembed::Model. The engine is always run with
// normalize=false and the model's own pooling, so requests asking for different normalization
// can share a batch; the server normalizes each request's rows as it asked.
#include <algorithm>
#include <utility>

#include "server/backend.hpp"

namespace sembed::server {
namespace {

// Tokenizing with this max_length never truncates: a 2 MiB body holds far fewer tokens.
constexpr size_t kNoTruncation = size_t{1} << 30;

class ModelBackend final : public Backend {
 public:
  explicit ModelBackend(std::shared_ptr<const Model> model) : model_(std::move(model)) {
    const ModelInfo& mi = model_->info();
    info_.model_id = mi.dir.filename().string();
    if (info_.model_id.empty()) info_.model_id = mi.dir.parent_path().filename().string();
    info_.pooling = std::string(to_string(mi.pooling));
    info_.dtype = mi.weight_dtype.empty() ? "float32" : mi.weight_dtype;
    info_.dimension = model_->dimension();
    info_.max_seq_length = model_->max_seq_length();
    info_.vocab_size = static_cast<size_t>(std::max(mi.vocab_size, 0));
    info_.normalize = mi.normalize;
  }

  TokenizedText tokenize(std::string_view text) const override {
    return model_->tokenize(text, kNoTruncation, true);
  }

  Matrix embed(const std::vector<std::vector<int32_t>>& ids) const override {
    EncodeOptions options;
    options.normalize = false;
    options.batch_size = std::max<size_t>(ids.size(), 1);  // the batcher already sized the batch
    return model_->encode_ids(ids, options);
  }

  const BackendInfo& info() const override { return info_; }

 private:
  std::shared_ptr<const Model> model_;
  BackendInfo info_;
};

}  // namespace

std::unique_ptr<Backend> make_model_backend(std::shared_ptr<const Model> model) {
  if (!model) throw Error("server: no model given");
  return std::make_unique<ModelBackend>(std::move(model));
}

}  // namespace sembed::server
