// The similarity page and the route it asks (sembed's own, not TEI's or OpenAI's):
//   GET /   a browser (Accept: text/html) gets the similarity page (similarity_page.html); any
//           other client gets TEI's health answer {"status":"ok"}. No API key needed.
//   POST /similarity_matrix {sentences, corpus?, metric="cosine", truncate=true, prompt_name?}
//           -> {"metric", "scores": [[float]]}: [len(sentences), len(corpus or sentences)], the
//           sentences' embeddings (as sentence-transformers' encode gives them) compared with
//           sembed::similarity, as `sembed similarity --matrix` does.
#include "server/json_output.hpp"
#include "server/similarity_page.hpp"
#include "server/tei_request.hpp"

namespace sembed::server {
namespace {

bool wants_html(const HttpRequest& req) {
  return req.header("Accept").find("text/html") != std::string::npos;
}

void handle_similarity_matrix(RouteContext& ctx, const HttpRequest& req, HttpResponse& res) {
  const json body = parse_body(req.body);
  const Fields f(body, kTeiTypeStatus);
  const json& sentences = f.required("sentences");
  const json* corpus = body.contains("corpus") && !body["corpus"].is_null() ? &body["corpus"] : nullptr;
  const size_t max = ctx.service.max_client_batch_size();
  check_count(sentences, "sentences", corpus && corpus->is_array() ? corpus->size() : 0, max);
  std::vector<std::string> a = parse_texts(sentences, "sentences", kTeiTypeStatus);
  std::vector<std::string> b;
  if (corpus) b = parse_texts(*corpus, "corpus", kTeiTypeStatus);
  if (a.empty()) throw ApiError(400, "`sentences` cannot be empty", "sentences");
  if (corpus && b.empty()) throw ApiError(400, "`corpus` cannot be empty", "corpus");
  const std::string metric_name = f.string("metric").value_or("cosine");
  SimilarityMetric metric;
  try {
    metric = parse_similarity_metric(metric_name);
  } catch (const Error& e) {
    throw ApiError(kTeiTypeStatus, std::string("`metric`: ") + e.what(), "metric");
  }

  EmbedRequest er = tei_request(ctx, f);
  er.truncate = f.boolean("truncate").value_or(true);  // as `sembed similarity`
  er.field = "sentences";
  // The embeddings as encode() gives them: unit length when the model ends with Normalize.
  er.normalize = ctx.backend.info().normalize;
  for (size_t i = 0; i < a.size(); ++i) {
    er.inputs.push_back(Input{false, std::move(a[i]), {}});
    er.input_names.push_back("sentences[" + std::to_string(i) + "]");
  }
  for (size_t i = 0; i < b.size(); ++i) {
    er.inputs.push_back(Input{false, std::move(b[i]), {}});
    er.input_names.push_back("corpus[" + std::to_string(i) + "]");
  }
  const Matrix all = ctx.service.embed(er).vectors;
  const size_t n = a.size();
  Matrix left(n, all.cols);
  std::copy(all.row(0), all.row(0) + n * all.cols, left.data.begin());
  Matrix right = left;
  if (corpus) {
    right = Matrix(all.rows - n, all.cols);
    std::copy(all.row(n), all.row(0) + all.data.size(), right.data.begin());
  }
  const Matrix scores = similarity(left, right, metric);
  std::string out = "{\"metric\":";
  append_json_string(out, metric_name);
  out += ",\"scores\":[";
  for (size_t i = 0; i < scores.rows; ++i) {
    if (i) out += ',';
    append_float_array(out, scores.row(i), scores.cols);
  }
  out += "]}";
  set_json(res, std::move(out));
}

}  // namespace

void register_page_routes(Router& router) {
  RouteContext& ctx = router.context();
  router.get(
      "/", Dialect::Tei,
      [](const HttpRequest& req, HttpResponse& res) {
        if (!wants_html(req)) return set_json(res, "{\"status\":\"ok\"}");
        res.status = 200;
        res.body = std::string(similarity_page_template());
        res.content_type = "text/html; charset=utf-8";
      },
      /*needs_auth=*/false);
  router.post("/similarity_matrix", Dialect::Tei,
              [&ctx](const HttpRequest& req, HttpResponse& res) {
                handle_similarity_matrix(ctx, req, res);
              });
}

}  // namespace sembed::server
