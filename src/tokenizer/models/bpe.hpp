// Bpe: the byte-pair-encoding model of tokenizers (GPT-2, RoBERTa, ModernBERT, Llama-style):
// a word starts as one symbol per character (continuing_subword_prefix on all but the first,
// end_of_word_suffix on the last), characters missing from the vocabulary become their
// <0xXX> byte tokens (byte_fallback) or the unknown token (consecutive ones fused with
// fuse_unk; dropped when there is no unk_token, as in the reference); then the adjacent pair
// of lowest merge rank is merged, leftmost first, until no pair has a merge. ignore_merges:
// a word that is itself in the vocabulary is taken whole. Pieces keep their character ranges.
// Refused: dropout > 0 (random merges skipped: the same text would not always give the same
// tokens, which sembed promises); unknown merge tokens; an unk_token outside the vocabulary.
// Does not: pre-tokenize (pre_tokenizers/) or map bytes (ByteLevel does that before).
// Thread safety: immutable after construction; tokenize() uses thread-local working memory and a
// bounded thread-local cache of recent words.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tokenizer/models/model.hpp"
#include "tokenizer/vocab.hpp"

namespace sembed::tokenizer {

struct BpeOptions {
  std::optional<std::string> unk_token;
  std::optional<std::string> continuing_subword_prefix;
  std::optional<std::string> end_of_word_suffix;
  bool fuse_unk = false;
  bool byte_fallback = false;
  bool ignore_merges = false;
};

class Bpe : public Model {
 public:
  // `merges` in rank order. Throws sembed::Error naming `origin` and the merge at fault.
  Bpe(Vocab vocab, const std::vector<std::pair<std::string, std::string>>& merges,
      BpeOptions options, const std::string& origin);

  // Appends the pieces of word[0..n) (code points) to `out`.
  void tokenize(const char32_t* word, size_t n, std::vector<ModelToken>& out) const override;
  int32_t token_to_id(std::string_view token) const override { return vocab_.find(token); }
  const std::string& id_to_token(int32_t id) const override { return vocab_.token(id); }
  size_t vocab_size() const override { return vocab_.size(); }
  size_t id_bound() const override { return vocab_.id_bound(); }

  const Vocab& vocab() const { return vocab_; }
  const BpeOptions& options() const { return options_; }

 private:
  struct MergeSlot {
    uint64_t key = ~uint64_t{0};  // (left id << 32) | right id; all ones: empty
    uint32_t rank = 0;
    int32_t new_id = -1;
  };
  const MergeSlot* find_merge(int32_t left, int32_t right) const;
  void insert_merge(int32_t left, int32_t right, uint32_t rank, int32_t new_id);
  void merge_word(const char32_t* word, size_t n, std::vector<ModelToken>& out) const;

  Vocab vocab_;
  BpeOptions options_;
  int32_t unk_id_ = -1;
  std::vector<MergeSlot> merges_;
  uint64_t merge_mask_ = 0;
  uint64_t instance_ = 0;  // tags this model's entries in the thread-local cache
};

}  // namespace sembed::tokenizer
