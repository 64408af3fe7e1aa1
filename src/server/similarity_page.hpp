// The similarity page (src/server/similarity_page.html): served by `sembed serve` at GET / for
// browsers, and written with its scores by `sembed similarity --matrix --html FILE`.
#pragma once

#include <sembed/sembed.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace sembed::server {

// The page as served: it asks the server for the scores (POST /similarity_matrix).
std::string_view similarity_page_template();

// The page with the scores in it (no server needed): `scores` is [n, n] for `sentences`.
std::string similarity_page_with_scores(const std::vector<std::string>& sentences,
                                        const Matrix& scores, const std::string& metric,
                                        const std::string& model);

}  // namespace sembed::server
