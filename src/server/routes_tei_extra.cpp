// TEI routes beyond sentence embeddings:
//   POST /embed_all {inputs, truncate, truncation_direction="Right", prompt_name}
//                   -> [[[float]]]: each input's last_hidden_state, one vector per token
//                   (special tokens and the prompt's included), not pooled, not normalized — as
//                   TEI.
//   POST /decode    {ids: [int] | [[int]], skip_special_tokens=true} -> [text per sequence], as
//                   Hugging Face tokenizers' decode (Model::decode).
//   POST /rerank and POST /predict: routes_tei_rerank.cpp.
#include "server/json_output.hpp"
#include "server/tei_request.hpp"

namespace sembed::server {
namespace {

void handle_embed_all(RouteContext& ctx, const HttpRequest& req, HttpResponse& res) {
  const json body = parse_body(req.body);
  const Fields f(body, kTeiTypeStatus);
  EmbedRequest er = tei_request(ctx, f);
  if (er.truncate_left) {
    throw ApiError(kTeiTypeStatus,
                   "`truncation_direction` \"Left\" is not supported on /embed_all; use \"Right\"",
                   "truncation_direction");
  }
  if (er.long_text == LongText::Chunk) {
    throw ApiError(kTeiTypeStatus,
                   "`long_text` \"chunk\" pools windows into one vector per text; /embed_all "
                   "returns each token's vector, of the first max_seq_length tokens",
                   "long_text");
  }
  const json& inputs = f.required("inputs");
  check_count(inputs, "inputs", 0, ctx.service.max_client_batch_size());
  const std::vector<std::string> texts = parse_texts(inputs, "inputs", kTeiTypeStatus);
  if (texts.empty()) throw ApiError(400, "`inputs` cannot be empty", "inputs");
  // The same length checks as /embed (422 for an over-long input unless truncate); the engine
  // then truncates to max_seq_length from the right itself.
  size_t tokens = 0;
  const size_t prompt_len = ctx.service.prompt_length(er);
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string name = texts.size() == 1 ? "inputs" : "inputs[" + std::to_string(i) + "]";
    tokens += ctx.service.token_ids(texts[i], name, er, prompt_len).ids.size();
  }
  std::vector<Matrix> states;
  try {
    states = ctx.backend.embed_tokens(texts, er.prompt);
  } catch (const Error& e) {
    throw ApiError(424, std::string("token embeddings failed: ") + e.what());
  }
  ctx.metrics.observe_inputs(texts.size(), tokens);
  std::string out = "[";
  for (size_t i = 0; i < states.size(); ++i) {
    if (i) out += ',';
    out += '[';
    for (size_t r = 0; r < states[i].rows; ++r) {
      if (r) out += ',';
      append_float_array(out, states[i].row(r), states[i].cols);
    }
    out += ']';
  }
  out += ']';
  set_json(res, std::move(out));
}

void handle_decode(RouteContext& ctx, const HttpRequest& req, HttpResponse& res) {
  const json body = parse_body(req.body);
  const Fields f(body, kTeiTypeStatus);
  const json& ids = f.required("ids");
  const bool skip = f.boolean("skip_special_tokens").value_or(true);
  if (!ids.is_array()) {
    throw ApiError(kTeiTypeStatus,
                   "`ids` must be an array of token ids or an array of them, got " + type_name(ids),
                   "ids");
  }
  // One sequence ([int], possibly empty) or a batch ([[int]]), as TEI's InputIds.
  const bool batch = !ids.empty() && ids[0].is_array();
  if (batch) check_count(ids, "ids", 0, ctx.service.max_client_batch_size());
  const size_t vocab = ctx.backend.info().vocab_size;
  auto sequence = [&](const json& seq, const std::string& name) {
    if (!seq.is_array()) {
      throw ApiError(kTeiTypeStatus,
                     "`" + name + "` must be an array of token ids, got " + type_name(seq), name);
    }
    std::vector<int32_t> out;
    out.reserve(seq.size());
    for (size_t k = 0; k < seq.size(); ++k) {
      const json& v = seq[k];
      if (!v.is_number_integer() || v.get<int64_t>() < 0 ||
          (vocab > 0 && v.get<uint64_t>() >= vocab)) {
        throw ApiError(kTeiTypeStatus,
                       "`" + name + "[" + std::to_string(k) + "]` must be a token id in 0.." +
                           std::to_string(vocab > 0 ? vocab - 1 : 0),
                       name);
      }
      out.push_back(static_cast<int32_t>(v.get<int64_t>()));
    }
    return out;
  };
  std::vector<std::vector<int32_t>> seqs;
  if (batch) {
    for (size_t i = 0; i < ids.size(); ++i)
      seqs.push_back(sequence(ids[i], "ids[" + std::to_string(i) + "]"));
  } else {
    seqs.push_back(sequence(ids, "ids"));
  }
  std::string out = "[";
  for (size_t i = 0; i < seqs.size(); ++i) {
    std::string text;
    try {
      text = ctx.backend.decode(seqs[i], skip);
    } catch (const Error& e) {
      throw ApiError(kTeiTypeStatus, std::string("cannot decode: ") + e.what(),
                     batch ? "ids[" + std::to_string(i) + "]" : "ids");
    }
    if (i) out += ',';
    append_json_string(out, text);
  }
  out += ']';
  set_json(res, std::move(out));
}

}  // namespace

void register_tei_extra_routes(Router& router) {
  RouteContext& ctx = router.context();
  router.post("/embed_all", Dialect::Tei, [&ctx](const HttpRequest& req, HttpResponse& res) {
    handle_embed_all(ctx, req, res);
  });
  router.post("/decode", Dialect::Tei,
              [&ctx](const HttpRequest& req, HttpResponse& res) { handle_decode(ctx, req, res); });
  register_tei_rerank_routes(router);
}

}  // namespace sembed::server
