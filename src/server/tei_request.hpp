// The request fields every TEI route shares (defined in routes_tei.cpp): `truncate`,
// `truncation_direction`, `prompt_name`, the client batch size, and TEI's status for a mistyped
// field (422).
#pragma once

#include "server/router.hpp"

namespace sembed::server {

constexpr int kTeiTypeStatus = 422;

// `truncation_direction`: "Right" (default) or "Left", any case.
bool parse_direction_left(const Fields& f);
// `prompt_name`: the prompt it names among the model's (422 listing them when unknown), else the
// default prompt (EmbeddingService::prompt).
std::string tei_prompt(const RouteContext& ctx, const Fields& f);
// 413 when an array of inputs (not one array of token ids) holds more than max - extra items.
void check_count(const json& value, const std::string& field, size_t extra, size_t max);
// truncate / truncation_direction / prompt_name from `f`, TEI's statuses.
EmbedRequest tei_request(const RouteContext& ctx, const Fields& f);
// Tokenizes for /tokenize (the text as given: callers prepend any prompt); ApiError 422 naming
// `name` when the text cannot be tokenized.
TokenizedText tokenize_or_throw(const RouteContext& ctx, const std::string& text,
                                const std::string& name);

void register_tei_tokenize_routes(Router& router);
void register_tei_extra_routes(Router& router);
void register_tei_rerank_routes(Router& router);

}  // namespace sembed::server
