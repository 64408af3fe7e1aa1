// Unigram (see unigram.hpp). The lattice is walked over the split's UTF-8 bytes, as the
// reference does, so that scores, ties and unknown pieces come out exactly as there.
#include "tokenizer/models/unigram.hpp"

#include <cstdio>
#include <limits>
#include <sembed/error.hpp>

#include "core/utf8.hpp"

namespace sembed::tokenizer {
namespace {

constexpr double kUnkPenalty = 10.0;

}  // namespace

Unigram::Unigram(std::vector<std::pair<std::string, double>> pieces, std::optional<size_t> unk_id,
                 bool byte_fallback)
    : byte_fallback_(byte_fallback) {
  if (unk_id) {
    if (pieces.empty()) throw Error("the vocabulary is empty but unk_id is set");
    if (*unk_id >= pieces.size()) {
      throw Error("unk_id " + std::to_string(*unk_id) + " is not below the vocabulary size " +
                  std::to_string(pieces.size()));
    }
    unk_id_ = static_cast<int32_t>(*unk_id);
  }
  double min_score = std::numeric_limits<double>::infinity();
  pieces_.reserve(pieces.size());
  scores_.reserve(pieces.size());
  for (size_t id = 0; id < pieces.size(); ++id) {
    ids_.insert(pieces[id].first, static_cast<int32_t>(id));
    if (pieces[id].second < min_score) min_score = pieces[id].second;
    pieces_.push_back(std::move(pieces[id].first));
    scores_.push_back(pieces[id].second);
  }
  unk_score_ = min_score - kUnkPenalty;
  std::vector<std::string_view> keys(pieces_.begin(), pieces_.end());
  std::vector<int32_t> values(pieces_.size());
  for (size_t id = 0; id < pieces_.size(); ++id) values[id] = static_cast<int32_t>(id);
  trie_.build(keys, values);
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    byte_ids_[b] = ids_.find(name);
  }
}

const std::string& Unigram::id_to_token(int32_t id) const {
  static const std::string kEmpty;
  if (id < 0 || static_cast<size_t>(id) >= pieces_.size()) return kEmpty;
  return pieces_[static_cast<size_t>(id)];
}

void Unigram::tokenize(const char32_t* chars, size_t n, std::vector<ModelToken>& out) const {
  struct Node {
    double score;
    int32_t starts_at;  // byte position of the best piece ending here; -1: none yet
    int32_t id;
  };
  thread_local std::string bytes;
  thread_local std::vector<uint32_t> char_at;  // char_at[byte position] at character starts
  thread_local std::vector<uint32_t> starts;   // byte position of each character, then the end
  thread_local std::vector<Node> best;
  thread_local std::vector<std::pair<uint32_t, uint32_t>> path;  // byte ranges, fused
  if (n == 0) return;
  bytes.clear();
  starts.clear();
  for (size_t i = 0; i < n; ++i) {
    starts.push_back(static_cast<uint32_t>(bytes.size()));
    utf8::append(bytes, chars[i]);
  }
  const size_t size = bytes.size();
  starts.push_back(static_cast<uint32_t>(size));
  char_at.resize(size + 1);
  for (size_t i = 0; i <= n; ++i) char_at[starts[i]] = static_cast<uint32_t>(i);
  best.assign(size + 1, Node{0.0, -1, 0});

  for (size_t i = 0; i < n; ++i) {
    const uint32_t at = starts[i];
    const size_t mblen = starts[i + 1] - at;
    const double here = best[at].score;
    bool has_single_node = false;
    trie_.common_prefixes(bytes.data() + at, size - at, [&](size_t length, int32_t id) {
      Node& target = best[at + length];
      const double candidate = scores_[static_cast<size_t>(id)] + here;
      if (target.starts_at < 0 || candidate > target.score) {
        target = {candidate, static_cast<int32_t>(at), id};
      }
      if (length == mblen) has_single_node = true;
    });
    if (!has_single_node) {
      Node& target = best[at + mblen];
      const double candidate = unk_score_ + here;
      if (target.starts_at < 0 || candidate > target.score) {
        if (!unk_id_) throw Error("Unigram: a character has no piece and the model has no unk_id");
        target = {candidate, static_cast<int32_t>(at), *unk_id_};
      }
    }
  }

  // Backtrack, fusing consecutive unknown pieces.
  path.clear();
  bool fusing = false;
  for (size_t end = size; end > 0;) {
    const Node& node = best[end];
    const uint32_t start = static_cast<uint32_t>(node.starts_at);
    const bool unknown = unk_id_ && node.id == *unk_id_;
    if (unknown && fusing) {
      path.back().first = start;
    } else {
      path.emplace_back(start, static_cast<uint32_t>(end));
    }
    fusing = unknown;
    end = start;
  }
  for (size_t k = path.size(); k-- > 0;) {
    const auto [b, e] = path[k];
    const uint32_t cb = char_at[b], ce = char_at[e];
    const std::string_view piece(bytes.data() + b, e - b);
    int32_t id = ids_.find(piece);
    if (id < 0 && byte_fallback_) {
      bool all = true;
      for (char c : piece) all = all && byte_ids_[static_cast<unsigned char>(c)] >= 0;
      if (all) {
        for (char c : piece)
          out.push_back({byte_ids_[static_cast<unsigned char>(c)], cb, ce, false});
        continue;
      }
    }
    if (id < 0) {
      if (!unk_id_) throw Error("Unigram: an unknown piece and the model has no unk_id");
      id = *unk_id_;
    }
    out.push_back({id, cb, ce, true});
  }
}

std::unique_ptr<Model> build_unigram(const json& j, const StageContext& ctx) {
  const json& vocab = ctx.require_array(j, "vocab");
  std::vector<std::pair<std::string, double>> pieces;
  pieces.reserve(vocab.size());
  if (vocab.size() >= static_cast<size_t>(kMaxCount)) ctx.fail("vocab", "is too large");
  for (size_t i = 0; i < vocab.size(); ++i) {
    const json& e = vocab[i];
    if (!e.is_array() || e.size() != 2 || !e[0].is_string() || !e[1].is_number()) {
      ctx.fail("vocab[" + std::to_string(i) + "]",
               "must be [piece, score], not " + e.dump().substr(0, 80));
    }
    pieces.emplace_back(e[0].get<std::string>(), e[1].get<double>());
  }
  std::optional<size_t> unk_id;
  if (auto it = j.find("unk_id"); it != j.end() && !it->is_null()) {
    unk_id = static_cast<size_t>(ctx.get_int(j, "unk_id", 0, kMaxCount, 0));
    if (*unk_id >= pieces.size()) {
      ctx.fail("unk_id", "is " + std::to_string(*unk_id) + ", not below the vocabulary size " +
                             std::to_string(pieces.size()));
    }
  }
  const bool byte_fallback = ctx.get_bool(j, "byte_fallback", false);
  return std::make_unique<Unigram>(std::move(pieces), unk_id, byte_fallback);
}

}  // namespace sembed::tokenizer
