// Sequence normalizer: runs its normalizers one after the other, each on the previous one's
// output (origins compose, since each stage maps its input's origins through).
// Working buffers are thread_local and per nesting depth, so a Sequence inside a Sequence works.
#include <memory>
#include <vector>

#include "tokenizer/normalizers/factory.hpp"

namespace sembed::tokenizer {
namespace {

class SequenceNormalizer final : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> stages)
      : stages_(std::move(stages)) {}

  void normalize(const char32_t* chars, const uint32_t* origin, size_t n,
                 NormalizedText& out) const override {
    if (stages_.empty()) {
      out.chars.insert(out.chars.end(), chars, chars + n);
      out.origin.insert(out.origin.end(), origin, origin + n);
      return;
    }
    thread_local std::vector<std::unique_ptr<NormalizedText[]>> pool;
    thread_local size_t depth = 0;
    if (pool.size() <= depth) pool.push_back(std::make_unique<NormalizedText[]>(2));
    NormalizedText* buf = pool[depth].get();
    ++depth;
    struct Leave {
      ~Leave() { --depth; }
    } leave;
    const char32_t* in_chars = chars;
    const uint32_t* in_origin = origin;
    size_t in_n = n;
    for (size_t i = 0; i + 1 < stages_.size(); ++i) {
      NormalizedText& dst = buf[i % 2];
      dst.clear();
      stages_[i]->normalize(in_chars, in_origin, in_n, dst);
      in_chars = dst.chars.data();
      in_origin = dst.origin.data();
      in_n = dst.size();
    }
    stages_.back()->normalize(in_chars, in_origin, in_n, out);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> stages_;
};

}  // namespace

std::unique_ptr<Normalizer> build_normalizer_sequence(const json& j, const StageContext& ctx) {
  const json& list = ctx.require_array(j, "normalizers");
  std::vector<std::unique_ptr<Normalizer>> stages;
  const StageContext items = ctx.at("normalizers");
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i].is_null()) continue;
    stages.push_back(build_normalizer(list[i], items.index(i)));
  }
  return std::make_unique<SequenceNormalizer>(std::move(stages));
}

}  // namespace sembed::tokenizer
