// Unigram: the SentencePiece unigram model as Hugging Face tokenizers runs it (encode_optimized):
// Viterbi over the lattice of every vocabulary piece that starts at each character, scores
// summed in double precision, ties kept by the first candidate (pieces tried shortest first);
// a character no piece covers becomes the unknown piece scored min_score - 10; consecutive
// unknown pieces are fused into one token whose string is the text itself (fuse_unk); with
// byte_fallback, an unknown piece becomes its UTF-8 bytes as <0xXX> tokens when all exist.
// Does not: split text (pre_tokenizers/), sample (alpha / nbest_size, a training feature).
// Thread safety: immutable after construction; tokenize() uses thread_local working memory.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tokenizer/models/model.hpp"
#include "tokenizer/piece_trie.hpp"
#include "tokenizer/stage_json.hpp"
#include "tokenizer/vocab.hpp"

namespace sembed::tokenizer {

class Unigram final : public Model {
 public:
  // pieces[i] = (piece, score) for id i. Throws sembed::Error (without file context) when
  // unk_id is out of range or set on an empty vocabulary, as the reference refuses them.
  Unigram(std::vector<std::pair<std::string, double>> pieces, std::optional<size_t> unk_id,
          bool byte_fallback);

  void tokenize(const char32_t* chars, size_t n, std::vector<ModelToken>& out) const override;
  int32_t token_to_id(std::string_view token) const override { return ids_.find(token); }
  const std::string& id_to_token(int32_t id) const override;
  size_t vocab_size() const override { return pieces_.size(); }
  size_t id_bound() const override { return pieces_.size(); }

 private:
  std::vector<std::string> pieces_;
  std::vector<double> scores_;
  StringIdMap ids_;  // piece -> id (a repeated piece: its last id, as the reference)
  PieceTrie trie_;   // value of each piece: its id
  std::optional<int32_t> unk_id_;
  bool byte_fallback_ = false;
  double unk_score_ = 0;
  int32_t byte_ids_[256];  // <0xXX> ids, -1 when absent
};

std::unique_ptr<Model> build_unigram(const json& j, const StageContext& ctx);

}  // namespace sembed::tokenizer
