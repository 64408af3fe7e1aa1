// Hugging Face text-embeddings-inference (TEI) embedding routes (/tokenize, /embed_all, /decode,
// /rerank, /predict are in routes_tei_tokenize.cpp, routes_tei_extra.cpp and
// routes_tei_rerank.cpp):
//   POST /embed, POST / and POST /invocations (TEI's default route for an embedding model)
//                     {inputs, normalize=true, truncate=false (--auto-truncate: true),
//                      truncation_direction="Right", prompt_name?,
//                      dimensions?} -> [[float]]
//   POST /similarity  {inputs: {source_sentence, sentences}, parameters: {truncate,
//                      truncation_direction, prompt_name}} -> [cosine score per sentence]
//                     (the parameters are also read at the top level, as sembed did before)
// prompt_name picks one of the model's prompts (config_sentence_transformers.json), prepended to
// every text; without it the default prompt applies (the server's --default-prompt(-name), else
// the model's default_prompt_name, as sentence-transformers). Every embedding route also takes
// sembed's long_text ("truncate" | "chunk") and chunk_overlap (docs/long-text.md).
// Errors use TEI's shape {"error", "error_type"}: 400 malformed/empty, 422 missing or mistyped
// fields and inputs too long with truncate=false (as TEI), 413 too many inputs, 429 queue full.

#include <algorithm>

#include "server/json_output.hpp"
#include "server/router.hpp"
#include "server/tei_request.hpp"

namespace sembed::server {

bool parse_direction_left(const Fields& f) {
  const auto dir = f.string("truncation_direction");
  if (!dir) return false;
  std::string d = *dir;
  std::transform(d.begin(), d.end(), d.begin(), [](unsigned char c) { return std::tolower(c); });
  if (d == "right") return false;
  if (d == "left") return true;
  throw ApiError(kTeiTypeStatus,
                 "`truncation_direction` must be \"Right\" or \"Left\", got \"" + *dir + "\"",
                 "truncation_direction");
}

std::string tei_prompt(const RouteContext& ctx, const Fields& f) {
  return ctx.service.prompt(f.string("prompt_name"), kTeiTypeStatus);
}

void check_count(const json& value, const std::string& field, size_t extra, size_t max) {
  // An array of numbers is one input of token ids, not many inputs.
  if (value.is_array() && !(value.size() > 0 && value[0].is_number()) &&
      value.size() + extra > max) {
    throw ApiError(413,
                   "`" + field + "` has " + std::to_string(value.size()) +
                       " items, more than this server's maximum of " + std::to_string(max - extra) +
                       " per request",
                   field);
  }
}

EmbedRequest tei_request(const RouteContext& ctx, const Fields& f) {
  EmbedRequest er;
  er.field = "inputs";
  er.type_status = kTeiTypeStatus;
  er.too_long_status = kTeiTypeStatus;  // TEI: "Input validation error", 422
  er.truncate = f.boolean("truncate").value_or(ctx.options.auto_truncate);
  er.truncate_left = parse_direction_left(f);
  er.prompt = tei_prompt(ctx, f);
  read_long_text_fields(f, er);
  return er;
}

namespace {

// TEI's /similarity (and the Hugging Face inference API that huggingface_hub's InferenceClient
// speaks) put the options in a `parameters` object; TEI's /embed takes them at the top level.
// Both are read everywhere: a top-level field wins, null values are absent.
json with_parameters(const json& body) {
  const auto it = body.find("parameters");
  if (it == body.end() || it->is_null()) return body;
  if (!it->is_object()) {
    throw ApiError(kTeiTypeStatus,
                   "`parameters` must be an object {truncate, truncation_direction, "
                   "prompt_name, ...}, got " +
                       type_name(*it),
                   "parameters");
  }
  json merged = body;
  merged.erase("parameters");
  for (const auto& [key, value] : it->items()) {
    if (!value.is_null() && !merged.contains(key)) merged[key] = value;
  }
  return merged;
}

void handle_embed(RouteContext& ctx, const json& raw, HttpResponse& res) {
  const json body = with_parameters(raw);
  const Fields f(body, kTeiTypeStatus);
  EmbedRequest er = tei_request(ctx, f);
  const json& inputs = f.required("inputs");
  check_count(inputs, "inputs", 0, ctx.service.max_client_batch_size());
  er.inputs = parse_inputs(inputs, "inputs", kTeiTypeStatus);
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

void handle_similarity(RouteContext& ctx, const json& raw, HttpResponse& res) {
  const json body = with_parameters(raw);
  const Fields f(body, kTeiTypeStatus);
  EmbedRequest er = tei_request(ctx, f);
  const json& inputs = f.required("inputs");
  if (!inputs.is_object()) {
    throw ApiError(
        kTeiTypeStatus,
        "`inputs` must be an object {source_sentence, sentences}, got " + type_name(inputs),
        "inputs");
  }
  const Fields in(inputs, kTeiTypeStatus);
  const json& source = in.required("source_sentence");
  if (!source.is_string()) {
    throw ApiError(kTeiTypeStatus,
                   "`inputs.source_sentence` must be a string, got " + type_name(source),
                   "inputs.source_sentence");
  }
  const json& sentences = in.required("sentences");
  check_count(sentences, "inputs.sentences", 1, ctx.service.max_client_batch_size());
  std::vector<std::string> texts = parse_texts(sentences, "inputs.sentences", kTeiTypeStatus);

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

}  // namespace

void register_tei_routes(Router& router) {
  RouteContext& ctx = router.context();
  // TEI serves /embed at POST / and /invocations (SageMaker) too for an embedding model; that is
  // where huggingface_hub's InferenceClient(base_url=...).feature_extraction posts.
  router.post("/embed", Dialect::Tei, [&ctx](const HttpRequest& req, HttpResponse& res) {
    handle_embed(ctx, parse_body(req.body), res);
  });
  // POST / answers both embedding and sentence-similarity requests, told apart by the shape of
  // `inputs` (TEI picks one with its TASK variable): huggingface_hub's InferenceClient posts
  // both feature_extraction and sentence_similarity there.
  for (const char* path : {"/", "/invocations"}) {
    router.post(path, Dialect::Tei, [&ctx](const HttpRequest& req, HttpResponse& res) {
      const json body = parse_body(req.body);
      const auto it = body.find("inputs");
      if (it != body.end() && it->is_object()) return handle_similarity(ctx, body, res);
      handle_embed(ctx, body, res);
    });
  }
  router.post("/similarity", Dialect::Tei, [&ctx](const HttpRequest& req, HttpResponse& res) {
    handle_similarity(ctx, parse_body(req.body), res);
  });
  register_tei_tokenize_routes(router);
  register_tei_extra_routes(router);
}

}  // namespace sembed::server
