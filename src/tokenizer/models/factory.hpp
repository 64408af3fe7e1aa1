// Builds a model from its tokenizer.json block, dispatching on "type" (table in factory.cpp).
// Unknown types: sembed::Error naming the file, the field path and the type, and listing the
// supported types.
#pragma once

#include <memory>

#include "tokenizer/models/model.hpp"
#include "tokenizer/stage_json.hpp"

namespace sembed::tokenizer {

std::unique_ptr<Model> build_model(const json& block, const StageContext& ctx);

}  // namespace sembed::tokenizer
