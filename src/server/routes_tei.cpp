// Hugging Face text-embeddings-inference (TEI) routes:
//   POST /embed       {inputs, normalize=true, truncate=false (--auto-truncate: true),
//                      truncation_direction="Right",
//                      dimensions?} -> [[float]]
//   POST /similarity  {inputs: {source_sentence, sentences}, truncate, truncation_direction}
//                      -> [cosine score per sentence]
//   POST /tokenize    {inputs, add_special_tokens=true} -> [[{id, text, special, start, stop}]]
//                     (start/stop are byte offsets into the input, as TEI reports them), or
//                     llama.cpp's {content, add_special=false, with_pieces=false} -> {tokens}.
// Errors use TEI's shape {"error", "error_type"}: 400 malformed/empty, 422 missing or mistyped
// fields, 413 too many inputs or an input too long with truncate=false, 429 queue full.
#include <httplib.h>

#include <algorithm>

#include "server/json_output.hpp"
#include "server/router.hpp"

namespace sembed::server {
namespace {

constexpr int kTypeStatus = 422;

bool parse_direction_left(const Fields& f) {
  const auto dir = f.string("truncation_direction");
  if (!dir) return false;
  std::string d = *dir;
  std::transform(d.begin(), d.end(), d.begin(), [](unsigned char c) { return std::tolower(c); });
  if (d == "right") return false;
  if (d == "left") return true;
  throw ApiError(kTypeStatus,
                 "`truncation_direction` must be \"Right\" or \"Left\", got \"" + *dir + "\"",
                 "truncation_direction");
}

void reject_prompt_name(const Fields& f) {
  if (f.string("prompt_name")) {
    throw ApiError(kTypeStatus, "`prompt_name` is not supported: sembed models define no prompts",
                   "prompt_name");
  }
}

void check_count(const json& value, const std::string& field, size_t extra, size_t max) {
  // An array of numbers is one input of token ids, not many inputs.
  if (value.is_array() && !(value.size() > 0 && value[0].is_number()) &&
      value.size() + extra > max) {
    throw ApiError(413,
                   "`" + field + "` has " + std::to_string(value.size()) +
                       " items, more than this server's maximum of " +
                       std::to_string(max - extra) + " per request",
                   field);
  }
}

EmbedRequest tei_request(const RouteContext& ctx, const Fields& f) {
  EmbedRequest er;
  er.field = "inputs";
  er.type_status = kTypeStatus;
  er.too_long_status = 413;
  er.truncate = f.boolean("truncate").value_or(ctx.options.auto_truncate);
  er.truncate_left = parse_direction_left(f);
  reject_prompt_name(f);
  return er;
}

void handle_embed(RouteContext& ctx, const httplib::Request& req, httplib::Response& res) {
  const json body = parse_body(req.body);
  const Fields f(body, kTypeStatus);
  EmbedRequest er = tei_request(ctx, f);
  const json& inputs = f.required("inputs");
  check_count(inputs, "inputs", 0, ctx.service.max_client_batch_size());
  er.inputs = parse_inputs(inputs, "inputs", kTypeStatus);
  er.normalize = f.boolean("normalize").value_or(true);
  er.dimensions = f.integer("dimensions", 1, ctx.backend.info().dimension);

  const EmbedResult result = ctx.service.embed(er);
  const Matrix& m = result.vectors;
  std::string out;
  out.reserve(2 + m.rows * (m.cols * 12 + 4));
  out += '[';
  for (size_t i = 0; i < m.rows; ++i) {
    if (i) out += ',';
    append_float_array(out, m.row(i), m.cols);
  }
  out += ']';
  set_json(res, std::move(out));
}

void handle_similarity(RouteContext& ctx, const httplib::Request& req, httplib::Response& res) {
  const json body = parse_body(req.body);
  const Fields f(body, kTypeStatus);
  EmbedRequest er = tei_request(ctx, f);
  const json& inputs = f.required("inputs");
  if (!inputs.is_object()) {
    throw ApiError(kTypeStatus,
                   "`inputs` must be an object {source_sentence, sentences}, got " +
                       type_name(inputs),
                   "inputs");
  }
  const Fields in(inputs, kTypeStatus);
  const json& source = in.required("source_sentence");
  if (!source.is_string()) {
    throw ApiError(kTypeStatus,
                   "`inputs.source_sentence` must be a string, got " + type_name(source),
                   "inputs.source_sentence");
  }
  const json& sentences = in.required("sentences");
  check_count(sentences, "inputs.sentences", 1, ctx.service.max_client_batch_size());
  std::vector<std::string> texts = parse_texts(sentences, "inputs.sentences", kTypeStatus);

  er.field = "inputs.sentences";
  er.normalize = true;  // cosine similarity of unit vectors is their dot product
  er.inputs.push_back(Input{false, source.get<std::string>(), {}});
  er.input_names.push_back("inputs.source_sentence");
  for (size_t i = 0; i < texts.size(); ++i) {
    er.inputs.push_back(Input{false, std::move(texts[i]), {}});
    er.input_names.push_back("inputs.sentences[" + std::to_string(i) + "]");
  }
  const EmbedResult result = ctx.service.embed(er);

  const Matrix& m = result.vectors;
  std::string out = "[";
  for (size_t i = 1; i < m.rows; ++i) {
    double dot = 0;
    for (size_t c = 0; c < m.cols; ++c) dot += static_cast<double>(m.at(0, c)) * m.at(i, c);
    if (i > 1) out += ',';
    append_float(out, static_cast<float>(dot));
  }
  out += ']';
  set_json(res, std::move(out));
}

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

TokenizedText tokenize_or_throw(const RouteContext& ctx, const std::string& text,
                                const std::string& name) {
  try {
    TokenizedText t = ctx.backend.tokenize(text);
    if (t.offsets.size() != t.ids.size()) t.offsets.resize(t.ids.size(), {0, 0});
    if (t.tokens.size() != t.ids.size()) t.tokens.resize(t.ids.size());
    return t;
  } catch (const Error& e) {
    throw ApiError(422, "`" + name + "` cannot be tokenized: " + e.what(), name);
  }
}

void handle_tokenize_llama(RouteContext& ctx, const Fields& f, httplib::Response& res) {
  const json& content = f.required("content");
  if (!content.is_string()) {
    throw ApiError(kTypeStatus, "`content` must be a string, got " + type_name(content),
                   "content");
  }
  const bool add_special = f.boolean("add_special").value_or(false);
  const bool with_pieces = f.boolean("with_pieces").value_or(false);
  const TokenizedText t = tokenize_or_throw(ctx, content.get<std::string>(), "content");
  json tokens = json::array();
  for (size_t i = 0; i < t.ids.size(); ++i) {
    if (!add_special && is_special(t, i)) continue;
    if (with_pieces) tokens.push_back({{"id", t.ids[i]}, {"piece", t.tokens[i]}});
    else tokens.push_back(t.ids[i]);
  }
  set_json(res, json{{"tokens", tokens}}.dump(-1, ' ', false, json::error_handler_t::replace));
}

void handle_tokenize(RouteContext& ctx, const httplib::Request& req, httplib::Response& res) {
  const json body = parse_body(req.body);
  const Fields f(body, kTypeStatus);
  if (!f.has("inputs") && f.has("content")) return handle_tokenize_llama(ctx, f, res);
  reject_prompt_name(f);
  const json& inputs = f.required("inputs");
  check_count(inputs, "inputs", 0, ctx.service.max_client_batch_size());
  const std::vector<std::string> texts = parse_texts(inputs, "inputs", kTypeStatus);
  const bool add_special = f.boolean("add_special_tokens").value_or(true);

  json out = json::array();
  for (size_t k = 0; k < texts.size(); ++k) {
    const std::string name = texts.size() == 1 ? "inputs" : "inputs[" + std::to_string(k) + "]";
    const TokenizedText t = tokenize_or_throw(ctx, texts[k], name);
    const std::vector<size_t> bytes = code_point_bytes(texts[k]);
    json tokens = json::array();
    for (size_t i = 0; i < t.ids.size(); ++i) {
      const bool special = is_special(t, i);
      if (special && !add_special) continue;
      json tok = {{"id", t.ids[i]}, {"special", special}};
      if (special) {
        tok["text"] = t.tokens[i];
        tok["start"] = nullptr;
        tok["stop"] = nullptr;
      } else {
        const size_t cp_start = std::min(t.offsets[i].first, bytes.size() - 1);
        const size_t cp_stop = std::min(t.offsets[i].second, bytes.size() - 1);
        const size_t start = bytes[cp_start], stop = std::max(bytes[cp_stop], start);
        tok["text"] = texts[k].substr(start, stop - start);
        tok["start"] = start;
        tok["stop"] = stop;
      }
      tokens.push_back(std::move(tok));
    }
    out.push_back(std::move(tokens));
  }
  set_json(res, out.dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace

void register_tei_routes(Router& router) {
  RouteContext& ctx = router.context();
  router.post("/embed", Dialect::Tei, [&ctx](const httplib::Request& req, httplib::Response& res) {
    handle_embed(ctx, req, res);
  });
  router.post("/similarity", Dialect::Tei,
              [&ctx](const httplib::Request& req, httplib::Response& res) {
                handle_similarity(ctx, req, res);
              });
  router.post("/tokenize", Dialect::Tei,
              [&ctx](const httplib::Request& req, httplib::Response& res) {
                handle_tokenize(ctx, req, res);
              });
}

}  // namespace sembed::server
