// TEI's cross-encoder routes, served by the reranker (`sembed serve --reranker DIR`):
//   POST /rerank  {query, texts, truncate, truncation_direction="Right", raw_scores=false,
//                  return_text=false} -> [{index, score, text?}] best first (ties: lower index
//                  first). score: the model's activation (Sigmoid for one label) unless
//                  raw_scores, as CrossEncoder.rank; models with one label only.
//   POST /predict {inputs: text | [text, text_pair] | [text | [text, text_pair], ...], truncate,
//                  truncation_direction, raw_scores=false}
//                 -> [{score, label}] per input, best first ([[...]] for a batch). score: the
//                  model's activation, then for several labels a softmax over them, as
//                  CrossEncoder.predict(apply_softmax=True); raw_scores: the logits.
// As in TEI, a two-string array is one pair, and an array of anything else is a batch.
// Pairs are tokenized together and cut longest_first when truncate; a pair over the limit
// otherwise is a 422 naming it. Without a reranker both answer TEI's 424 (error_type "Backend")
// after validating the request. The pairs run on the reranker's own batcher (server.cpp).
#include <algorithm>

#include "server/json_output.hpp"
#include "server/tei_request.hpp"

namespace sembed::server {
namespace {

// One input of a request: a text, or a pair when `second` is set.
struct Sequence {
  std::string first;
  std::optional<std::string> second;
  std::string name;  // "texts[3]", "inputs[0]"
};

const json& required_string(const Fields& f, const char* name) {
  const json& v = f.required(name);
  if (!v.is_string()) {
    throw ApiError(kTeiTypeStatus,
                   std::string("`") + name + "` must be a string, got " + type_name(v), name);
  }
  return v;
}

bool is_pair(const json& v) { return v.is_array() && v.size() == 2 && v[0].is_string() && v[1].is_string(); }

Sequence predict_sequence(const json& v, const std::string& name) {
  if (v.is_string()) return {v.get<std::string>(), std::nullopt, name};
  if (is_pair(v)) return {v[0].get<std::string>(), v[1].get<std::string>(), name};
  throw ApiError(kTeiTypeStatus,
                 "`" + name + "` must be a text or a [text, text_pair] array, got " + type_name(v),
                 name);
}

// Pairs hold the query once per text: bound what a request may expand to, so a long query
// times many texts cannot cost unbounded tokenizer time.
void check_expansion(const std::vector<Sequence>& seqs, size_t max_body_bytes) {
  size_t bytes = 0;
  for (const auto& s : seqs) bytes += s.first.size() + (s.second ? s.second->size() : 0);
  const size_t limit = 8 * max_body_bytes;
  if (bytes > limit) {
    throw ApiError(413, "the request's pairs hold " + std::to_string(bytes) +
                            " bytes of text, more than this server's maximum of " +
                            std::to_string(limit) + " (8 x --max-body-bytes)");
  }
}

// Tokenizes every sequence, runs them on the reranker's batcher, applies the activation:
// [seqs.size(), num_labels].
Matrix score(RouteContext& ctx, const std::vector<Sequence>& seqs, bool truncate, bool raw,
             bool softmax) {
  const CrossEncoder& ce = *ctx.reranker;
  std::vector<std::vector<int32_t>> ids;
  // The batcher carries one count per sequence: here, how many leading tokens have type id 0
  // (a pair's type ids are 0...0 1...1, so the count restores them).
  std::vector<size_t> first_segment;
  size_t tokens = 0;
  for (const auto& s : seqs) {
    TokenizedText t;
    try {
      t = s.second ? ce.tokenize(s.first, *s.second, std::nullopt, truncate)
                   : ce.tokenize(s.first, std::nullopt, truncate);
    } catch (const Error& e) {
      throw ApiError(kTeiTypeStatus, "`" + s.name + "`: " + e.what(), s.name);
    }
    const auto one = std::find(t.type_ids.begin(), t.type_ids.end(), 1);
    first_segment.push_back(static_cast<size_t>(one - t.type_ids.begin()));
    tokens += t.ids.size();
    ids.push_back(std::move(t.ids));
  }
  Matrix logits = ctx.rerank_batcher->submit(std::move(ids), std::move(first_segment)).get();
  ctx.metrics.observe_inputs(seqs.size(), tokens);
  PredictOptions options;
  options.apply_activation = !raw;
  options.apply_softmax = softmax;
  ce.apply_activation(logits, options);
  return logits;
}

void require_reranker(const RouteContext& ctx, const char* what) {
  if (!ctx.reranker) {
    throw ApiError(424, std::string(what) + ": " + ctx.model_id +
                            " is an embedding model; start the server with --reranker DIR (a "
                            "cross-encoder) to serve /rerank and /predict");
  }
}

void read_common(const RouteContext& ctx, const Fields& f, bool& truncate, bool& raw) {
  truncate = f.boolean("truncate").value_or(ctx.options.auto_truncate);
  raw = f.boolean("raw_scores").value_or(false);
  if (parse_direction_left(f)) {
    throw ApiError(kTeiTypeStatus,
                   "`truncation_direction` \"Left\" is not supported for pairs (they are cut "
                   "longest_first); use \"Right\"",
                   "truncation_direction");
  }
}

void handle_rerank(RouteContext& ctx, const HttpRequest& req, HttpResponse& res) {
  const json body = parse_body(req.body);
  const Fields f(body, kTeiTypeStatus);
  const std::string query = required_string(f, "query").get<std::string>();
  const json& texts = f.required("texts");
  check_count(texts, "texts", 0, ctx.service.max_client_batch_size());
  const std::vector<std::string> parsed = parse_texts(texts, "texts", kTeiTypeStatus);
  if (parsed.empty()) throw ApiError(400, "`texts` cannot be empty", "texts");
  const bool return_text = f.boolean("return_text").value_or(false);
  bool truncate = false, raw = false;
  read_common(ctx, f, truncate, raw);
  require_reranker(ctx, "model is not a re-ranker model");
  if (ctx.reranker->num_labels() != 1) {
    throw ApiError(424, "model is not a re-ranker model: the cross-encoder has " +
                            std::to_string(ctx.reranker->num_labels()) +
                            " labels (use /predict)");
  }
  std::vector<Sequence> seqs;
  for (size_t i = 0; i < parsed.size(); ++i)
    seqs.push_back({query, parsed[i], "texts[" + std::to_string(i) + "]"});
  check_expansion(seqs, ctx.options.max_body_bytes);
  const Matrix scores = score(ctx, seqs, truncate, raw, false);
  std::vector<size_t> order(parsed.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return scores.data[a] > scores.data[b]; });
  std::string out = "[";
  for (size_t r = 0; r < order.size(); ++r) {
    const size_t i = order[r];
    out += r ? ",{\"index\":" : "{\"index\":";
    out += std::to_string(i);
    out += ",\"score\":";
    append_float(out, scores.data[i]);
    if (return_text) {
      out += ",\"text\":";
      append_json_string(out, parsed[i]);
    }
    out += '}';
  }
  out += ']';
  set_json(res, std::move(out));
}

void handle_predict(RouteContext& ctx, const HttpRequest& req, HttpResponse& res) {
  const json body = parse_body(req.body);
  const Fields f(body, kTeiTypeStatus);
  const json& inputs = f.required("inputs");
  if (!inputs.is_string() && !inputs.is_array()) {
    throw ApiError(kTeiTypeStatus,
                   "`inputs` must be a string, a [text, text_pair] array or an array of them, "
                   "got " +
                       type_name(inputs),
                   "inputs");
  }
  if (inputs.is_array() && inputs.empty())
    throw ApiError(400, "`inputs` cannot be empty", "inputs");
  const bool batch = inputs.is_array() && !is_pair(inputs);
  if (batch) check_count(inputs, "inputs", 0, ctx.service.max_client_batch_size());
  std::vector<Sequence> seqs;
  if (batch) {
    for (size_t i = 0; i < inputs.size(); ++i)
      seqs.push_back(predict_sequence(inputs[i], "inputs[" + std::to_string(i) + "]"));
  } else {
    seqs.push_back(predict_sequence(inputs, "inputs"));
  }
  bool truncate = false, raw = false;
  read_common(ctx, f, truncate, raw);
  require_reranker(ctx, "Model is not a classifier model");
  check_expansion(seqs, ctx.options.max_body_bytes);
  const Matrix scores = score(ctx, seqs, truncate, raw, /*softmax=*/!raw);
  const auto& labels = ctx.reranker->info().labels;
  std::string out = batch ? "[" : "";
  for (size_t i = 0; i < scores.rows; ++i) {
    std::vector<size_t> order(scores.cols);
    for (size_t j = 0; j < order.size(); ++j) order[j] = j;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return scores.at(i, a) > scores.at(i, b); });
    if (i) out += ',';
    out += '[';
    for (size_t k = 0; k < order.size(); ++k) {
      out += k ? ",{\"score\":" : "{\"score\":";
      append_float(out, scores.at(i, order[k]));
      out += ",\"label\":";
      append_json_string(out, labels[order[k]]);
      out += '}';
    }
    out += ']';
  }
  if (batch) out += ']';
  set_json(res, std::move(out));
}

}  // namespace

void register_tei_rerank_routes(Router& router) {
  RouteContext& ctx = router.context();
  router.post("/rerank", Dialect::Tei,
              [&ctx](const HttpRequest& req, HttpResponse& res) { handle_rerank(ctx, req, res); });
  router.post("/predict", Dialect::Tei,
              [&ctx](const HttpRequest& req, HttpResponse& res) { handle_predict(ctx, req, res); });
}

}  // namespace sembed::server
