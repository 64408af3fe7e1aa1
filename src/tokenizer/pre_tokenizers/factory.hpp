// Builds a pre-tokenizer from its tokenizer.json block, dispatching on "type" (table in
// factory.cpp). Unknown types: sembed::Error naming the file, the field path and the type, and
// listing the supported types.
#pragma once

#include <memory>

#include "tokenizer/pre_tokenizers/pre_tokenizer.hpp"
#include "tokenizer/stage_json.hpp"

namespace sembed::tokenizer {

std::unique_ptr<PreTokenizer> build_pre_tokenizer(const json& block, const StageContext& ctx);

}  // namespace sembed::tokenizer
