// TEI's POST /tokenize, on texts of any length (within the body limit):
//   {inputs, add_special_tokens=true, truncate=false, truncation_direction="Right", prompt_name?}
//     -> [[{id, text, special, start, stop}]] (start/stop are byte offsets into the input, as TEI
//     reports them; `truncate`/`truncation_direction` are sembed's: cut to max_seq_length). As
//     TEI, the prompt (prompt_name's, else the default one) is tokenized with the input, as
//     /embed sees it: offsets then count from the prompt's start. Or
//   llama.cpp's {content, add_special=false, with_pieces=false} -> {tokens}: the text alone.
#include <algorithm>

#include "server/json_output.hpp"
#include "server/tei_request.hpp"

namespace sembed::server {
namespace {

// Byte offset of each code point boundary of valid UTF-8 text: result[k] = byte where code point
// k starts; result[count] = text.size().
std::vector<size_t> code_point_bytes(const std::string& text) {
  std::vector<size_t> starts;
  starts.reserve(text.size() + 1);
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  starts.push_back(text.size());
  return starts;
}

// BERT's post-processor adds exactly [CLS] first and [SEP] last, both with empty offsets.
bool is_special(const TokenizedText& t, size_t i) {
  return (i == 0 || i + 1 == t.ids.size()) && t.offsets[i].first == t.offsets[i].second;
}

}  // namespace

TokenizedText tokenize_or_throw(const RouteContext& ctx, const std::string& text,
                                const std::string& name) {
  try {
    TokenizedText t = ctx.backend.tokenize_unbounded(text);
    if (t.offsets.size() != t.ids.size()) t.offsets.resize(t.ids.size(), {0, 0});
    if (t.tokens.size() != t.ids.size()) t.tokens.resize(t.ids.size());
    return t;
  } catch (const Error& e) {
    throw ApiError(422, "`" + name + "` cannot be tokenized: " + e.what(), name);
  }
}

namespace {

// Cuts a tokenization to max_len tokens as Hugging Face truncation does: the special tokens at
// either end stay, the content keeps its start (Right) or its end (Left).
void truncate_tokens(TokenizedText& t, size_t max_len, bool keep_end) {
  if (max_len == 0 || t.ids.size() <= max_len) return;
  const size_t n = t.ids.size();
  const size_t head = n > 0 && is_special(t, 0) ? 1 : 0;
  const size_t tail = n > 1 && is_special(t, n - 1) ? 1 : 0;
  const size_t keep = max_len > head + tail ? max_len - head - tail : 0;
  std::vector<size_t> index;
  for (size_t i = 0; i < head; ++i) index.push_back(i);
  const size_t content = n - head - tail;
  const size_t first = keep_end ? head + content - std::min(keep, content) : head;
  for (size_t i = first; i < first + std::min(keep, content); ++i) index.push_back(i);
  if (tail) index.push_back(n - 1);
  if (index.size() > max_len) index.resize(max_len);
  TokenizedText out;
  for (size_t i : index) {
    out.ids.push_back(t.ids[i]);
    out.tokens.push_back(t.tokens[i]);
    out.offsets.push_back(t.offsets[i]);
  }
  t = std::move(out);
}

// sembed's extension to TEI's /tokenize: `truncate` (default false: the whole text, however
// long) cuts to max_seq_length tokens, from the side `truncation_direction` says.
void apply_requested_truncation(const RouteContext& ctx, const Fields& f, TokenizedText& t) {
  if (!f.boolean("truncate").value_or(false)) return;
  truncate_tokens(t, ctx.backend.info().max_seq_length, parse_direction_left(f));
}

void handle_tokenize_llama(RouteContext& ctx, const Fields& f, HttpResponse& res) {
  const json& content = f.required("content");
  if (!content.is_string()) {
    throw ApiError(kTeiTypeStatus, "`content` must be a string, got " + type_name(content),
                   "content");
  }
  const bool add_special = f.boolean("add_special").value_or(false);
  const bool with_pieces = f.boolean("with_pieces").value_or(false);
  TokenizedText t = tokenize_or_throw(ctx, content.get<std::string>(), "content");
  apply_requested_truncation(ctx, f, t);
  json tokens = json::array();
  for (size_t i = 0; i < t.ids.size(); ++i) {
    if (!add_special && is_special(t, i)) continue;
    if (with_pieces)
      tokens.push_back({{"id", t.ids[i]}, {"piece", t.tokens[i]}});
    else
      tokens.push_back(t.ids[i]);
  }
  set_json(res, json{{"tokens", tokens}}.dump(-1, ' ', false, json::error_handler_t::replace));
}

void handle_tokenize(RouteContext& ctx, const HttpRequest& req, HttpResponse& res) {
  const json body = parse_body(req.body);
  const Fields f(body, kTeiTypeStatus);
  if (!f.has("inputs") && f.has("content")) return handle_tokenize_llama(ctx, f, res);
  const std::string prompt = tei_prompt(ctx, f);
  const json& inputs = f.required("inputs");
  check_count(inputs, "inputs", 0, ctx.service.max_client_batch_size());
  std::vector<std::string> texts = parse_texts(inputs, "inputs", kTeiTypeStatus);
  if (!prompt.empty()) {
    for (std::string& text : texts) text.insert(0, prompt);
  }
  const bool add_special = f.boolean("add_special_tokens").value_or(true);

  // Written directly rather than through a JSON DOM: a long text has hundreds of thousands of
  // tokens, and a DOM node per field would cost ~50 MB per request.
  std::string out = "[";
  for (size_t k = 0; k < texts.size(); ++k) {
    const std::string name = texts.size() == 1 ? "inputs" : "inputs[" + std::to_string(k) + "]";
    TokenizedText t = tokenize_or_throw(ctx, texts[k], name);
    apply_requested_truncation(ctx, f, t);
    const std::vector<size_t> bytes = code_point_bytes(texts[k]);
    if (k) out += ',';
    out += '[';
    bool first = true;
    for (size_t i = 0; i < t.ids.size(); ++i) {
      const bool special = is_special(t, i);
      if (special && !add_special) continue;
      if (!first) out += ',';
      first = false;
      // Keys in the order nlohmann::json sorts them, as earlier versions answered.
      out += "{\"id\":";
      out += std::to_string(t.ids[i]);
      out += special ? ",\"special\":true" : ",\"special\":false";
      if (special) {
        out += ",\"start\":null,\"stop\":null,\"text\":";
        append_json_string(out, t.tokens[i]);
      } else {
        const size_t cp_start = std::min(t.offsets[i].first, bytes.size() - 1);
        const size_t cp_stop = std::min(t.offsets[i].second, bytes.size() - 1);
        const size_t start = bytes[cp_start], stop = std::max(bytes[cp_stop], start);
        out += ",\"start\":" + std::to_string(start) + ",\"stop\":" + std::to_string(stop) +
               ",\"text\":";
        append_json_string(out, texts[k].substr(start, stop - start));
      }
      out += '}';
    }
    out += ']';
  }
  out += ']';
  set_json(res, std::move(out));
}

}  // namespace

void register_tei_tokenize_routes(Router& router) {
  RouteContext& ctx = router.context();
  router.post("/tokenize", Dialect::Tei, [&ctx](const HttpRequest& req, HttpResponse& res) {
    handle_tokenize(ctx, req, res);
  });
}

}  // namespace sembed::server
