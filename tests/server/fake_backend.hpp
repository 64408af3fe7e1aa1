// FakeBackend: a deterministic stand-in for a model, so the HTTP layer can be tested without
// weights. Tokens are space-separated words (id 100 + length of the word, capped), wrapped in
// [CLS]=1 and [SEP]=2; an embedding depends only on its own ids. A BEL character makes tokenize()
// throw, token id 999 makes embed() throw, and a configurable delay slows every batch (to fill the
// queue).
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "server/backend.hpp"

namespace sembed::server::testing {

class FakeBackend final : public Backend {
 public:
  explicit FakeBackend(size_t dim = 8, size_t max_seq_length = 16) {
    info_.model_id = "fake-model";
    info_.pooling = "mean";
    info_.dtype = "float32";
    info_.dimension = dim;
    info_.max_seq_length = max_seq_length;
    info_.vocab_size = 1000;
    info_.normalize = true;
  }

  // Like the real backend, refuses to tokenize very long texts in full (here: over 40 tokens).
  TokenizedText tokenize(std::string_view text) const override {
    TokenizedText t = tokenize_all(text);
    if (t.ids.size() > 40) throw InputTooLong(40, true);
    return t;
  }

  // "t<id>" per id, space-separated; [CLS]=1 and [SEP]=2 dropped when skip_special_tokens.
  std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const override {
    std::string out;
    for (int32_t id : ids) {
      if (skip_special_tokens && (id == 1 || id == 2)) continue;
      if (!out.empty()) out += ' ';
      out += "t" + std::to_string(id);
    }
    return out;
  }

  TokenizedText tokenize_unbounded(std::string_view text) const override {
    return tokenize_all(text);
  }

  std::vector<int32_t> truncated_ids(std::string_view text, size_t max_length,
                                     bool keep_end) const override {
    std::vector<int32_t> ids = tokenize_all(text).ids;
    if (ids.size() <= max_length) return ids;
    std::vector<int32_t> out = {ids.front()};
    if (keep_end)
      out.insert(out.end(), ids.end() - 1 - (max_length - 2), ids.end() - 1);
    else
      out.insert(out.end(), ids.begin() + 1, ids.begin() + 1 + (max_length - 2));
    out.push_back(ids.back());
    return out;
  }

  TokenizedText tokenize_all(std::string_view text) const {
    TokenizedText t;
    auto add = [&](int32_t id, std::string tok, size_t b, size_t e) {
      t.ids.push_back(id);
      t.type_ids.push_back(0);
      t.tokens.push_back(std::move(tok));
      t.offsets.emplace_back(b, e);
    };
    if (const size_t bell = text.find('\a'); bell != std::string_view::npos) {
      throw Error("control character at byte " + std::to_string(bell));
    }
    add(1, "[CLS]", 0, 0);
    size_t i = 0;
    while (i < text.size()) {
      if (text[i] == ' ') {
        ++i;
        continue;
      }
      size_t j = i;
      while (j < text.size() && text[j] != ' ') ++j;
      const std::string word(text.substr(i, j - i));
      // Offsets count code points, as the real tokenizer reports them.
      add(static_cast<int32_t>(100 + std::min<size_t>(word.size(), 800)), word,
          code_points(text, i), code_points(text, j));
      i = j;
    }
    add(2, "[SEP]", 0, 0);
    return t;
  }

  // No prompts of its own; a prompt (the server's --default-prompt) is its words plus [CLS].
  std::string prompt(const std::optional<std::string>& name) const override {
    if (name)
      throw Error("prompt name '" + *name + "' is not among the model's prompts (it has none)");
    return {};
  }
  size_t prompt_length(const std::string& prompt) const override {
    return prompt.empty() ? 0 : tokenize_all(prompt).ids.size() - 1;
  }

  // Prompt tokens count like any other: the fake has no include_prompt: false.
  Matrix embed(const std::vector<std::vector<int32_t>>& ids,
               const std::vector<size_t>& /*prompt_tokens*/) const override {
    batches.fetch_add(1);
    if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    Matrix m(ids.size(), info_.dimension);
    for (size_t r = 0; r < ids.size(); ++r) {
      for (size_t k = 0; k < ids[r].size(); ++k) {
        if (ids[r][k] == 999) throw Error("fake engine failure");
        for (size_t c = 0; c < info_.dimension; ++c) {
          m.at(r, c) += static_cast<float>((ids[r][k] * (c + 3) + k) % 17) - 8.0f;
        }
      }
      for (size_t c = 0; c < info_.dimension; ++c) m.at(r, c) /= static_cast<float>(ids[r].size());
    }
    return m;
  }

  const BackendInfo& info() const override { return info_; }

  static size_t code_points(std::string_view text, size_t byte_end) {
    size_t n = 0;
    for (size_t b = 0; b < byte_end; ++b) n += (static_cast<unsigned char>(text[b]) & 0xC0) != 0x80;
    return n;
  }

  int delay_ms = 0;
  mutable std::atomic<int> batches{0};

 private:
  BackendInfo info_;
};

}  // namespace sembed::server::testing
