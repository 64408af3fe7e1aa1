// The tokenizer pipeline (see tokenizer.hpp): validate UTF-8, decode to code points, split off
// added tokens, normalize each remaining piece (keeping each normalized character's origin),
// split normalized added tokens, pre-tokenize, WordPiece, then truncate, post-process.
// Working memory is thread_local so that encode() allocates only its result.
#include "tokenizer/tokenizer.hpp"

#include <sembed/error.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "core/utf8.hpp"
#include "tokenizer/pre_tokenizer.hpp"
#include "tokenizer/tokenizer_impl.hpp"

namespace sembed::tokenizer {
namespace {

struct Scratch {
  std::vector<char32_t> original;
  NormalizedText normalized, normalize_tmp;
  std::vector<AddedMatch> raw_matches, norm_matches;
  std::vector<WordSpan> words;
  std::vector<Piece> pieces;
  std::string word_bytes;
  std::vector<uint32_t> boundaries;
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

std::string to_utf8(const char32_t* cps, size_t n) {
  std::string s;
  s.reserve(n);
  for (size_t i = 0; i < n; ++i) utf8::append(s, cps[i]);
  return s;
}

// Words of normalized chars [begin, end) -> WordPiece tokens.
void tokenize_words(const Tokenizer::Impl& impl, Scratch& s, size_t begin, size_t end,
                    Encoding& out) {
  const char32_t* chars = s.normalized.chars.data();
  const uint32_t* origin = s.normalized.origin.data();
  s.words.clear();
  if (impl.bert_pre_tokenizer) {
    bert_pre_tokenize(chars + begin, end - begin, s.words);
  } else if (end > begin) {
    s.words.push_back({0, end - begin});
  }
  const WordPiece& model = *impl.model;
  for (const WordSpan& w : s.words) {
    const size_t wb = begin + w.begin;
    s.pieces.clear();
    model.tokenize(chars + wb, w.end - w.begin, s.pieces, s.word_bytes, s.boundaries);
    for (const Piece& p : s.pieces) {
      size_t lo = origin[wb + p.begin], hi = origin[wb + p.begin];
      for (size_t k = wb + p.begin + 1; k < wb + p.end; ++k) {
        lo = std::min<size_t>(lo, origin[k]);
        hi = std::max<size_t>(hi, origin[k]);
      }
      out.ids.push_back(p.id);
      out.tokens.push_back(p.id == model.unk_id() ? model.options().unk_token
                                                  : model.vocab().token(p.id));
      out.offsets.emplace_back(lo, hi + 1);
    }
  }
}

// Original code points [begin, end) that are not an added token.
void encode_piece(const Tokenizer::Impl& impl, Scratch& s, size_t begin, size_t end,
                  Encoding& out) {
  s.normalized.clear();
  if (impl.normalizer) {
    impl.normalizer->normalize(s.original.data() + begin, end - begin,
                               static_cast<uint32_t>(begin), s.normalized, s.normalize_tmp);
  } else {
    s.normalized.chars.assign(s.original.begin() + static_cast<std::ptrdiff_t>(begin),
                              s.original.begin() + static_cast<std::ptrdiff_t>(end));
    s.normalized.origin.resize(end - begin);
    for (size_t i = begin; i < end; ++i) s.normalized.origin[i - begin] = static_cast<uint32_t>(i);
  }
  const size_t n = s.normalized.chars.size();
  if (!impl.added.has_normalized()) {
    tokenize_words(impl, s, 0, n, out);
    return;
  }
  s.norm_matches.clear();
  impl.added.find_normalized(s.normalized.chars.data(), n, s.norm_matches);
  size_t pos = 0;
  for (const AddedMatch& m : s.norm_matches) {
    if (m.begin > pos) tokenize_words(impl, s, pos, m.begin, out);
    size_t lo = s.normalized.origin[m.begin], hi = lo;
    for (size_t k = m.begin; k < m.end; ++k) {
      lo = std::min<size_t>(lo, s.normalized.origin[k]);
      hi = std::max<size_t>(hi, s.normalized.origin[k]);
    }
    out.ids.push_back(m.id);
    out.tokens.push_back(to_utf8(s.normalized.chars.data() + m.begin, m.end - m.begin));
    out.offsets.emplace_back(lo, hi + 1);
    pos = m.end;
  }
  if (pos < n) tokenize_words(impl, s, pos, n, out);
}

}  // namespace

void Tokenizer::Impl::encode_sequence(std::string_view text, Encoding& out) const {
  if (auto bad = utf8::find_invalid(text)) {
    throw Error("invalid UTF-8 at byte offset " + std::to_string(*bad));
  }
  Scratch& s = scratch();
  s.original.clear();
  utf8::decode(text, s.original);
  const size_t n = s.original.size();
  if (!added.has_raw()) {
    encode_piece(*this, s, 0, n, out);
    return;
  }
  s.raw_matches.clear();
  added.find_raw(s.original.data(), n, s.raw_matches);
  // encode_piece reuses the scratch buffers, so keep the matches in a local copy.
  const std::vector<AddedMatch> matches = s.raw_matches;
  size_t pos = 0;
  for (const AddedMatch& m : matches) {
    if (m.begin > pos) encode_piece(*this, s, pos, m.begin, out);
    out.ids.push_back(m.id);
    out.tokens.push_back(to_utf8(s.original.data() + m.begin, m.end - m.begin));
    out.offsets.emplace_back(m.begin, m.end);
    pos = m.end;
  }
  if (pos < n) encode_piece(*this, s, pos, n, out);
}

Encoding Tokenizer::Impl::encode(std::string_view a, const std::string_view* b,
                                 const EncodeOptions& options) const {
  Encoding ea, eb;
  encode_sequence(a, ea);
  if (b != nullptr) encode_sequence(*b, eb);
  const size_t added_count = options.add_special_tokens ? post.added_tokens(b != nullptr) : 0;
  const size_t untruncated = ea.size() + (b != nullptr ? eb.size() : 0) + added_count;
  if (options.max_length) {
    TruncationParams params = truncation.value_or(TruncationParams{});
    params.max_length = *options.max_length;
    truncate(ea, b != nullptr ? &eb : nullptr, params, added_count);
  }
  Encoding out;
  post.process(ea, b != nullptr ? &eb : nullptr, options.add_special_tokens, out);
  out.untruncated_length = untruncated;
  return out;
}

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Tokenizer Tokenizer::from_model_dir(const std::filesystem::path& dir) {
  if (std::filesystem::exists(dir / "tokenizer.json")) return from_tokenizer_json(dir / "tokenizer.json");
  if (std::filesystem::exists(dir / "vocab.txt")) return from_vocab_dir(dir);
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

int32_t Tokenizer::pad_id() const { return impl_->pad_id; }
const std::string& Tokenizer::pad_token() const { return impl_->pad_token; }
size_t Tokenizer::vocab_size() const {
  // Like the reference's get_vocab_size(with_added_tokens=True): one past the largest id.
  size_t n = impl_->model->vocab().id_bound();
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
