// AddedVocabulary (see added_vocabulary.hpp). BERT models carry a handful of added tokens, so a
// sorted pattern list with a first-character bitmap beats building an automaton: the common
// text contains no '[' and costs one bit test per character.
#include "tokenizer/added_vocabulary.hpp"

#include <algorithm>

#include "core/utf8.hpp"
#include "tokenizer/unicode_props.hpp"

namespace sembed::tokenizer {
namespace {

// Regex \w, as the reference's single_word check uses it (measured per code point).
bool is_word_char(char32_t c) { return (unicode::flags(c) & unicode::kWord) != 0; }

bool is_space(char32_t c) { return (unicode::flags(c) & unicode::kWhitespace) != 0; }

}  // namespace

AddedVocabulary::AddedVocabulary(std::vector<AddedToken> tokens, const Normalizer* normalizer)
    : tokens_(std::move(tokens)) {
  std::vector<Pattern> raw, norm;
  std::vector<char32_t> cps;
  std::vector<uint32_t> origin;
  NormalizedText out;
  for (size_t i = 0; i < tokens_.size(); ++i) {
    const AddedToken& t = tokens_[i];
    cps.clear();
    utf8::decode(t.content, cps);
    if (t.normalized && normalizer != nullptr) {
      out.clear();
      origin.resize(cps.size());
      for (size_t k = 0; k < origin.size(); ++k) origin[k] = static_cast<uint32_t>(k);
      normalizer->normalize(cps.data(), origin.data(), cps.size(), out);
      cps = out.chars;
    }
    if (cps.empty()) continue;  // an empty pattern can never be matched usefully
    Pattern p{std::u32string(cps.begin(), cps.end()), i};
    (t.normalized ? norm : raw).push_back(std::move(p));
  }
  build(raw_, std::move(raw));
  build(normalized_, std::move(norm));
}

void AddedVocabulary::build(PatternSet& set, std::vector<Pattern> patterns) {
  std::stable_sort(patterns.begin(), patterns.end(), [](const Pattern& a, const Pattern& b) {
    if (a.chars[0] != b.chars[0]) return a.chars[0] < b.chars[0];
    return a.chars.size() > b.chars.size();
  });
  set.patterns = std::move(patterns);
  for (const Pattern& p : set.patterns) {
    const char32_t c = p.chars[0];
    if (c < 128) {
      set.ascii_first[c >> 6] |= uint64_t{1} << (c & 63);
    } else {
      set.any_non_ascii_first = true;
    }
  }
}

void AddedVocabulary::find(const PatternSet& set, const char32_t* text, size_t n,
                           std::vector<AddedMatch>& out) const {
  if (set.patterns.empty()) return;
  size_t last_end = 0;  // end of the previous accepted match (lstrip may not cross it)
  size_t i = 0;
  while (i < n) {
    const char32_t c = text[i];
    const bool candidate =
        c < 128 ? ((set.ascii_first[c >> 6] >> (c & 63)) & 1) != 0 : set.any_non_ascii_first;
    if (!candidate) {
      ++i;
      continue;
    }
    // Longest pattern starting here (patterns with the same first char are longest first).
    auto it = std::lower_bound(set.patterns.begin(), set.patterns.end(), c,
                               [](const Pattern& p, char32_t x) { return p.chars[0] < x; });
    const Pattern* hit = nullptr;
    for (; it != set.patterns.end() && it->chars[0] == c; ++it) {
      const size_t len = it->chars.size();
      if (len <= n - i && std::equal(it->chars.begin(), it->chars.end(), text + i)) {
        hit = &*it;
        break;
      }
    }
    if (hit == nullptr) {
      ++i;
      continue;
    }
    size_t begin = i;
    size_t end = i + hit->chars.size();
    const AddedToken& token = tokens_[hit->token];
    if (token.single_word) {
      const bool start_ok = begin == 0 || !is_word_char(text[begin - 1]);
      const bool stop_ok = end == n || !is_word_char(text[end]);
      if (!start_ok || !stop_ok) {
        i = end;  // the reference's matcher has consumed these characters
        continue;
      }
    }
    if (token.lstrip) {
      size_t s = begin;
      while (s > last_end && is_space(text[s - 1])) --s;
      begin = s;
    }
    if (token.rstrip) {
      while (end < n && is_space(text[end])) ++end;
    }
    out.push_back({begin, end, token.id});
    last_end = end;
    i = end;
  }
}

const AddedToken* AddedVocabulary::find_content(const std::string& content) const {
  for (const AddedToken& t : tokens_) {
    if (t.content == content) return &t;
  }
  return nullptr;
}

}  // namespace sembed::tokenizer
