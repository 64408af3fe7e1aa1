// See similarity_page.hpp.
#include "server/similarity_page.hpp"

#include <nlohmann/json.hpp>

#include "server/json_output.hpp"

namespace sembed::server {

std::string similarity_page_with_scores(const std::vector<std::string>& sentences,
                                        const Matrix& scores, const std::string& metric,
                                        const std::string& model) {
  // The scores as the shortest decimals that read back as the same float32, as every route
  // prints them.
  std::string rows = "[";
  for (size_t i = 0; i < scores.rows; ++i) {
    if (i) rows += ',';
    append_float_array(rows, scores.row(i), scores.cols);
  }
  rows += ']';
  nlohmann::json meta = {{"sentences", sentences}, {"metric", metric}, {"model", model}};
  std::string data = meta.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  data.insert(data.size() - 1, ",\"scores\":" + rows);
  // Inside <script>, "</" could close the element: JSON allows writing it "<\/".
  for (size_t at = 0; (at = data.find("</", at)) != std::string::npos; at += 3) data.insert(at + 1, "\\");
  std::string page(similarity_page_template());
  const std::string marker = "/*SEMBED_DATA*/null";
  const size_t at = page.find(marker);
  if (at != std::string::npos) page.replace(at, marker.size(), data);
  return page;
}

}  // namespace sembed::server
