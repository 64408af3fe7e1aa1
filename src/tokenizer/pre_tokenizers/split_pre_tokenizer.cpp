// SplitPreTokenizer (see split_pre_tokenizer.hpp): each piece goes to the regex as UTF-8; the
// byte ranges of the matches come back as code point ranges, then the events of tokenizers'
// Pattern impl for a regex: gaps as non-matches, matches (empty ones too) as matches.
#include "tokenizer/pre_tokenizers/split_pre_tokenizer.hpp"

#include <memory>

#include "core/utf8.hpp"
#include "tokenizer/stage_json.hpp"

namespace sembed::tokenizer {

std::string escape_regex_literal(const std::string& literal) {
  std::string out;
  for (char c : literal) {
    const unsigned char u = static_cast<unsigned char>(c);
    const bool alnum = (u >= '0' && u <= '9') || ((u | 0x20) >= 'a' && (u | 0x20) <= 'z');
    if (u < 0x80 && u > 0x20 && !alnum) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

SplitPreTokenizer::SplitPreTokenizer(const std::string& pattern, bool regex, SplitBehavior behavior,
                                     bool invert, const std::string& where)
    : regex_(regex ? pattern : escape_regex_literal(pattern), where),
      behavior_(behavior),
      invert_(invert) {}

void SplitPreTokenizer::pre_tokenize(PreTokenized& pt) const {
  thread_local std::string text;
  thread_local std::vector<uint32_t> char_at_byte;
  thread_local std::vector<std::pair<size_t, size_t>> matches;
  thread_local std::vector<SplitEvent> events;
  pt.next_splits.clear();
  for (const Split& split : pt.splits) {
    if (split.added_id >= 0) {
      pt.next_splits.push_back(split);
      continue;
    }
    const uint32_t begin = split.begin, end = split.end;
    text.clear();
    char_at_byte.clear();
    for (uint32_t i = begin; i < end; ++i) {
      const size_t before = text.size();
      utf8::append(text, pt.text.chars[i]);
      char_at_byte.insert(char_at_byte.end(), text.size() - before, i - begin);
    }
    char_at_byte.push_back(end - begin);  // the end of the text
    matches.clear();
    regex_.find_all(text, matches);
    events.clear();
    uint32_t prev = 0;
    for (const auto& [mb, me] : matches) {
      const uint32_t cb = char_at_byte[mb], ce = char_at_byte[me];
      if (prev != cb) events.push_back({prev, cb, invert_});
      events.push_back({cb, ce, !invert_});
      prev = ce;
    }
    if (prev != end - begin) events.push_back({prev, end - begin, invert_});
    apply_split_behavior(events, behavior_, begin, pt.next_splits);
  }
  pt.splits.swap(pt.next_splits);
}

}  // namespace sembed::tokenizer

namespace sembed::tokenizer {

std::unique_ptr<PreTokenizer> build_pre_tokenizer(const json& block, const StageContext& ctx);

// {"type": "Split", "pattern": {"String": " "} or {"Regex": "\\s+"}, "behavior": "Removed",
//  "invert": false}
std::unique_ptr<PreTokenizer> build_split_pre_tokenizer(const json& block,
                                                        const StageContext& ctx) {
  const json& pattern = ctx.require_object(block, "pattern");
  const StageContext pctx = ctx.at("pattern");
  std::string source;
  bool is_regex = false;
  if (auto s = pattern.find("String"); s != pattern.end() && s->is_string()) {
    source = s->get<std::string>();
  } else if (auto r = pattern.find("Regex"); r != pattern.end() && r->is_string()) {
    source = r->get<std::string>();
    is_regex = true;
  } else {
    pctx.fail("must be {\"String\": ...} or {\"Regex\": ...}, not " + pattern.dump());
  }
  const SplitBehavior behavior = parse_split_behavior(ctx.require_string(block, "behavior"),
                                                      ctx.origin + ": " + ctx.path + ".behavior");
  return std::make_unique<SplitPreTokenizer>(
      source, is_regex, behavior, ctx.get_bool(block, "invert", false),
      ctx.origin + ": " + pctx.path + (is_regex ? ".Regex" : ".String"));
}

// {"type": "Sequence", "pretokenizers": [...]}
std::unique_ptr<PreTokenizer> build_sequence_pre_tokenizer(const json& block,
                                                           const StageContext& ctx) {
  const json& list = ctx.require_array(block, "pretokenizers");
  std::vector<std::unique_ptr<PreTokenizer>> stages;
  for (size_t i = 0; i < list.size(); ++i) {
    stages.push_back(build_pre_tokenizer(list[i], ctx.at("pretokenizers").index(i)));
  }
  return std::make_unique<SequencePreTokenizer>(std::move(stages));
}

}  // namespace sembed::tokenizer
