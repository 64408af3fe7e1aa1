// Top-k semantic search, as sentence-transformers' util.semantic_search: score every corpus row
// against each query, keep the k best, best first. Ties are broken by the lower corpus id so the
// output is deterministic (torch.topk leaves tie order unspecified).
// The corpus is scored in chunks so memory stays bounded for large corpora.
#include <sembed/sembed.hpp>

#include <algorithm>

namespace sembed {
namespace {
constexpr size_t kCorpusChunk = 4096;

bool better(const SearchHit& x, const SearchHit& y) {
  return x.score != y.score ? x.score > y.score : x.corpus_id < y.corpus_id;
}
}  // namespace

std::vector<std::vector<SearchHit>> semantic_search(const Matrix& queries, const Matrix& corpus,
                                                    size_t top_k, SimilarityMetric metric) {
  std::vector<std::vector<SearchHit>> results(queries.rows);
  const size_t k = std::min(top_k, corpus.rows);
  if (k == 0) return results;
  for (size_t start = 0; start < corpus.rows; start += kCorpusChunk) {
    const size_t n = std::min(kCorpusChunk, corpus.rows - start);
    Matrix chunk(n, corpus.cols);
    std::copy(corpus.row(start), corpus.row(start) + n * corpus.cols, chunk.data.begin());
    const Matrix scores = similarity(queries, chunk, metric);
    for (size_t q = 0; q < queries.rows; ++q) {
      auto& hits = results[q];
      for (size_t i = 0; i < n; ++i) hits.push_back({start + i, scores.at(q, i)});
      // Keep only the best k so far.
      if (hits.size() > k) {
        std::partial_sort(hits.begin(), hits.begin() + k, hits.end(), better);
        hits.resize(k);
      }
    }
  }
  for (auto& hits : results) std::sort(hits.begin(), hits.end(), better);
  return results;
}

}  // namespace sembed
