// WordPiece: the model stage. Greedy longest match from the left; pieces after the first are
// looked up with the continuing-subword prefix ("##"); a word longer than
// max_input_chars_per_word code points, or with any position where no piece matches, becomes
// the single unknown token spanning the whole word.
// Does not: split text into words (pre_tokenizers/).
// Thread safety: immutable after construction; tokenize() uses thread_local working memory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tokenizer/models/model.hpp"
#include "tokenizer/stage_json.hpp"
#include "tokenizer/vocab.hpp"

namespace sembed::tokenizer {

struct WordPieceOptions {
  std::string unk_token = "[UNK]";
  std::string continuing_subword_prefix = "##";
  size_t max_input_chars_per_word = 100;
};

class WordPiece final : public Model {
 public:
  // Throws sembed::Error when unk_token is not in the vocabulary.
  WordPiece(Vocab vocab, WordPieceOptions options);

  void tokenize(const char32_t* word, size_t n, std::vector<ModelToken>& out) const override;
  int32_t token_to_id(std::string_view token) const override { return vocab_.find(token); }
  const std::string& id_to_token(int32_t id) const override { return vocab_.token(id); }
  size_t vocab_size() const override { return vocab_.size(); }
  size_t id_bound() const override { return vocab_.id_bound(); }

  const Vocab& vocab() const { return vocab_; }
  int32_t unk_id() const { return unk_id_; }
  const WordPieceOptions& options() const { return options_; }

 private:
  Vocab vocab_;
  WordPieceOptions options_;
  int32_t unk_id_ = -1;
};

// tokenizer.json's WordPiece model block.
std::unique_ptr<Model> build_wordpiece(const json& j, const StageContext& ctx);

}  // namespace sembed::tokenizer
