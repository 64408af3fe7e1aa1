// The tokenizer pipeline (see tokenizer.hpp): validate UTF-8, decode to code points, split off
// the added tokens matched on the original text, normalize each remaining piece (each normalized
// code point keeps its original index), split off the added tokens matched on normalized text,
// pre-tokenize, run the model on each split; then truncate and post-process. Stages are called
// once per piece or split, never per character.
// Working memory is thread_local so that encode() allocates only its result.
#include "tokenizer/tokenizer.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <sembed/error.hpp>

#include "core/utf8.hpp"
#include "tokenizer/tokenizer_impl.hpp"

namespace sembed::tokenizer {
namespace {

struct Scratch {
  std::vector<char32_t> original;
  std::vector<uint32_t> identity;  // identity[i] == i: the origins of the original text
  PreTokenized pt;
  std::vector<AddedMatch> raw_matches, norm_matches;
  std::vector<ModelToken> tokens;
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

// Released like a working text (normalized_text.hpp) after a long text, with everything in it.
struct ScratchRelease {
  Scratch& s;
  ~ScratchRelease() {
    if (s.identity.size() > kKeptWorkingChars || s.pt.text.chars.capacity() > kKeptWorkingChars)
      s = Scratch{};
  }
};

std::string to_utf8(const char32_t* cps, size_t n) {
  std::string s;
  s.reserve(n);
  for (size_t i = 0; i < n; ++i) utf8::append(s, cps[i]);
  return s;
}

// Original code points [begin, end), which hold no raw added token: normalized and appended
// to s.pt, with its splits (added tokens matched on the normalized text kept whole).
void add_piece(const Tokenizer::Impl& impl, Scratch& s, size_t begin, size_t end) {
  NormalizedText& text = s.pt.text;
  const size_t start = text.size();
  if (impl.normalizer) {
    impl.normalizer->normalize(s.original.data() + begin, s.identity.data() + begin, end - begin,
                               text);
  } else {
    text.chars.insert(text.chars.end(), s.original.begin() + static_cast<std::ptrdiff_t>(begin),
                      s.original.begin() + static_cast<std::ptrdiff_t>(end));
    text.origin.insert(text.origin.end(), s.identity.begin() + static_cast<std::ptrdiff_t>(begin),
                       s.identity.begin() + static_cast<std::ptrdiff_t>(end));
  }
  const uint32_t stop = static_cast<uint32_t>(text.size());
  uint32_t pos = static_cast<uint32_t>(start);
  if (impl.added.has_normalized()) {
    s.norm_matches.clear();
    impl.added.find_normalized(text.chars.data() + start, stop - start, s.norm_matches);
    for (const AddedMatch& m : s.norm_matches) {
      const uint32_t mb = static_cast<uint32_t>(start + m.begin);
      const uint32_t me = static_cast<uint32_t>(start + m.end);
      if (mb > pos) s.pt.splits.push_back({pos, mb});
      s.pt.splits.push_back({mb, me, m.id});
      pos = me;
    }
  }
  if (stop > pos) s.pt.splits.push_back({pos, stop});
}

}  // namespace

void Tokenizer::Impl::encode_sequence(std::string_view text, Encoding& out) const {
  if (auto bad = utf8::find_invalid(text)) {
    throw Error("invalid UTF-8 at byte offset " + std::to_string(*bad));
  }
  Scratch& s = scratch();
  const ScratchRelease release{s};
  s.original.clear();
  utf8::decode(text, s.original);
  const size_t n = s.original.size();
  for (size_t i = s.identity.size(); i < n; ++i) s.identity.push_back(static_cast<uint32_t>(i));
  PreTokenized& pt = s.pt;
  pt.clear();
  if (!added.has_raw()) {
    add_piece(*this, s, 0, n);
  } else {
    s.raw_matches.clear();
    added.find_raw(s.original.data(), n, s.raw_matches);
    size_t pos = 0;
    for (const AddedMatch& m : s.raw_matches) {
      if (m.begin > pos) add_piece(*this, s, pos, m.begin);
      const uint32_t b = static_cast<uint32_t>(pt.text.size());
      for (size_t i = m.begin; i < m.end; ++i)
        pt.text.push(s.original[i], static_cast<uint32_t>(i));
      pt.splits.push_back({b, static_cast<uint32_t>(pt.text.size()), m.id});
      pos = m.end;
    }
    if (pos < n) add_piece(*this, s, pos, n);
  }
  if (pre_tokenizer) pre_tokenizer->pre_tokenize(pt);

  // Offsets follow the reference: a token spans from the origin of its first code point to the
  // origin of its last one, inclusive.
  const char32_t* chars = pt.text.chars.data();
  const uint32_t* origin = pt.text.origin.data();
  for (const Split& split : pt.splits) {
    if (split.end <= split.begin) continue;
    if (split.added_id >= 0) {
      out.ids.push_back(split.added_id);
      out.tokens.push_back(to_utf8(chars + split.begin, split.end - split.begin));
      out.offsets.emplace_back(origin[split.begin], origin[split.end - 1] + 1);
      continue;
    }
    s.tokens.clear();
    model->tokenize(chars + split.begin, split.end - split.begin, s.tokens);
    for (const ModelToken& t : s.tokens) {
      const size_t b = split.begin + t.begin, e = split.begin + t.end;
      out.ids.push_back(t.id);
      out.tokens.push_back(t.text_is_token ? to_utf8(chars + b, e - b) : model->id_to_token(t.id));
      out.offsets.emplace_back(origin[b], origin[e - 1] + 1);
    }
  }
}

Encoding Tokenizer::Impl::encode(std::string_view a, const std::string_view* b,
                                 const EncodeOptions& options) const {
  Encoding ea, eb;
  encode_sequence(a, ea);
  if (b != nullptr) encode_sequence(*b, eb);
  const size_t added_count =
      options.add_special_tokens && post ? post->added_tokens(b != nullptr) : 0;
  const size_t untruncated = ea.size() + (b != nullptr ? eb.size() : 0) + added_count;
  if (options.max_length) {
    TruncationParams params = truncation.value_or(TruncationParams{});
    params.max_length = *options.max_length;
    truncate(ea, b != nullptr ? &eb : nullptr, params, added_count);
  }
  Encoding out;
  if (post) {
    post->process(ea, b != nullptr ? &eb : nullptr, options.add_special_tokens, out);
  } else {
    concatenate_encodings(ea, b != nullptr ? &eb : nullptr, out);
  }
  out.untruncated_length = untruncated;
  return out;
}

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Tokenizer Tokenizer::from_model_dir(const std::filesystem::path& dir) {
  if (std::filesystem::exists(dir / "tokenizer.json"))
    return from_tokenizer_json(dir / "tokenizer.json");
  if (std::filesystem::exists(dir / "vocab.txt")) return from_vocab_dir(dir);
  for (const char* sp : {"sentencepiece.bpe.model", "spiece.model", "tokenizer.model"}) {
    if (std::filesystem::exists(dir / sp)) {
      // Older XLM-R / T5-style checkpoints: only the SentencePiece model, which sembed does not
      // read. transformers converts it to the tokenizer.json sembed reads.
      throw Error(dir.string() + ": has " + sp +
                  " but no tokenizer.json; sembed reads tokenizer.json — write one with "
                  "transformers: AutoTokenizer.from_pretrained(dir).save_pretrained(dir)");
    }
  }
  throw Error(dir.string() + ": no tokenizer.json nor vocab.txt");
}

Tokenizer Tokenizer::from_tokenizer_json(const std::filesystem::path& file) {
  std::FILE* f = std::fopen(file.c_str(), "rb");
  if (f == nullptr) throw Error(file.string() + ": cannot open");
  std::string text;
  char buf[1 << 16];
  size_t got;
  while ((got = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, got);
  std::fclose(f);
  auto impl = load_tokenizer_json(text, file.string());
  impl->model_max_length = read_model_max_length(file.parent_path());
  return Tokenizer(std::move(impl));
}

Tokenizer Tokenizer::from_vocab_dir(const std::filesystem::path& dir) {
  return Tokenizer(load_vocab_dir(dir));
}

Tokenizer Tokenizer::from_json_text(std::string_view json, const std::string& origin) {
  return Tokenizer(load_tokenizer_json(json, origin));
}

Encoding Tokenizer::encode(std::string_view text, const EncodeOptions& options) const {
  return impl_->encode(text, nullptr, options);
}

Encoding Tokenizer::encode_pair(std::string_view a, std::string_view b,
                                const EncodeOptions& options) const {
  return impl_->encode(a, &b, options);
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const {
  const std::vector<AddedToken>& added_tokens = impl_->added.tokens();
  auto is_special = [&](const std::string& content) {
    for (const AddedToken& t : added_tokens) {
      if (t.special && t.content == content) return true;
    }
    return false;
  };
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int32_t id : ids) {
    const std::string* token = nullptr;
    for (const AddedToken& t : added_tokens) {
      if (t.id == id) token = &t.content;
    }
    if (token == nullptr && id >= 0 && static_cast<size_t>(id) < impl_->model->id_bound()) {
      const std::string& t = impl_->model->id_to_token(id);
      if (!t.empty()) token = &t;
    }
    if (token == nullptr) continue;
    if (skip_special_tokens && is_special(*token)) continue;
    tokens.push_back(*token);
  }
  if (impl_->decoder) {
    impl_->decoder->decode_chain(tokens);
    std::string text;
    for (const std::string& t : tokens) text += t;
    return text;
  }
  std::string text;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (i) text.push_back(' ');
    text += tokens[i];
  }
  return text;
}

int32_t Tokenizer::pad_id() const { return impl_->pad_id; }
const std::string& Tokenizer::pad_token() const { return impl_->pad_token; }
size_t Tokenizer::vocab_size() const {
  // Like the reference's get_vocab_size(with_added_tokens=True): one past the largest id.
  size_t n = impl_->model->id_bound();
  for (const AddedToken& t : impl_->added.tokens()) {
    if (t.id >= 0) n = std::max(n, static_cast<size_t>(t.id) + 1);
  }
  return n;
}
const std::optional<TruncationParams>& Tokenizer::file_truncation() const {
  return impl_->truncation;
}
const std::optional<PaddingParams>& Tokenizer::file_padding() const { return impl_->padding; }
std::optional<size_t> Tokenizer::model_max_length() const { return impl_->model_max_length; }

}  // namespace sembed::tokenizer
