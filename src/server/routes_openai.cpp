// OpenAI-compatible embeddings: POST /v1/embeddings (and /embeddings, as llama.cpp's server also
// answers there). Request: input (string | [string] | [int] | [[int]]), model, encoding_format
// ("float" | "base64"), dimensions, user (ignored); sembed extensions: truncate (default true, as
// sentence-transformers truncates to max_seq_length), normalize (default: the model's) and
// prompt_name (one of the model's prompts, prepended to text inputs; default: the default prompt,
// as on the TEI routes; token-id inputs never get one — OpenAI SDKs send it with extra_body),
// long_text ("truncate" | "chunk": embed an over-long text whole, docs/long-text.md) and
// chunk_overlap (tokens, default 32).
// Response: {"object":"list","data":[{"object":"embedding","index":i,"embedding":...}],
//            "model":...,"usage":{"prompt_tokens":n,"total_tokens":n}}.

#include "server/json_output.hpp"
#include "server/router.hpp"

namespace sembed::server {
namespace {

void handle_embeddings(RouteContext& ctx, const HttpRequest& req, HttpResponse& res) {
  const json body = parse_body(req.body);
  const Fields f(body, 400);

  EmbedRequest er;
  er.field = "input";
  er.type_status = 400;
  er.too_long_status = 413;
  const json& input = f.required("input");
  // An array of numbers is one input of token ids, not many inputs.
  if (input.is_array() && !(input.size() > 0 && input[0].is_number()) &&
      input.size() > ctx.service.max_client_batch_size()) {
    throw ApiError(413,
                   "`input` has " + std::to_string(input.size()) +
                       " items, more than this server's maximum of " +
                       std::to_string(ctx.service.max_client_batch_size()) + " per request",
                   "input");
  }
  er.inputs = parse_inputs(input, "input", 400);
  if (!ctx.options.openai_token_ids) {
    for (const Input& in : er.inputs) {
      if (!in.is_ids) continue;
      // OpenAI clients tokenize with tiktoken (cl100k_base) before sending: read as this
      // model's vocabulary those ids are unrelated tokens, and the vector would be silently
      // wrong. Only an operator who knows the ids are this model's may allow them.
      throw ApiError(400,
                     "`input` holds token ids, which this server does not accept by default: "
                     "OpenAI clients send tiktoken ids, not this model's. Send text instead — "
                     "with langchain-openai, OpenAIEmbeddings(..., check_embedding_ctx_length="
                     "False) — or start the server with `--openai-token-ids model` if the ids "
                     "come from this model's own tokenizer (see /tokenize).",
                     "input");
    }
  }
  const std::string model = f.string("model").value_or(ctx.model_id);
  const std::string format = f.string("encoding_format").value_or("float");
  if (format != "float" && format != "base64") {
    throw ApiError(400, "`encoding_format` must be \"float\" or \"base64\", got \"" + format + "\"",
                   "encoding_format");
  }
  er.dimensions = f.integer("dimensions", 1, ctx.backend.info().dimension);
  er.truncate = f.boolean("truncate").value_or(true);
  read_long_text_fields(f, er);
  // OpenAI's `dimensions` shortens a unit vector and renormalizes it, whatever the model does.
  er.normalize =
      f.boolean("normalize").value_or(ctx.backend.info().normalize) || er.dimensions.has_value();
  f.string("user");  // accepted, unused; must still be a string when present
  er.prompt = ctx.service.prompt(f.string("prompt_name"), 400);

  const EmbedResult result = ctx.service.embed(er);

  const Matrix& m = result.vectors;
  std::string out;
  out.reserve(64 + m.rows * (format == "base64" ? m.cols * 4 * 4 / 3 + 64 : m.cols * 12 + 64));
  out += "{\"object\":\"list\",\"data\":[";
  for (size_t i = 0; i < m.rows; ++i) {
    if (i) out += ',';
    out += "{\"object\":\"embedding\",\"index\":";
    out += std::to_string(i);
    out += ",\"embedding\":";
    if (format == "base64")
      append_base64_floats(out, m.row(i), m.cols);
    else
      append_float_array(out, m.row(i), m.cols);
    out += '}';
  }
  out += "],\"model\":";
  append_json_string(out, model);
  out += ",\"usage\":{\"prompt_tokens\":";
  out += std::to_string(result.tokens);
  out += ",\"total_tokens\":";
  out += std::to_string(result.tokens);
  out += "}}";
  set_json(res, std::move(out));
}

}  // namespace

void register_openai_routes(Router& router) {
  RouteContext& ctx = router.context();
  auto handler = [&ctx](const HttpRequest& req, HttpResponse& res) {
    handle_embeddings(ctx, req, res);
  };
  router.post("/v1/embeddings", Dialect::OpenAI, handler);
  router.post("/embeddings", Dialect::OpenAI, handler);
}

}  // namespace sembed::server
