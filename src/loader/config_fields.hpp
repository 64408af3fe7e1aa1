// Checked reads of config.json fields shared by the model-family readers (families/*.cpp): a
// bounded integer, a LayerNorm epsilon, the architecture name, the MLP activation. Every error
// names the file, the field and the value.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "loader/encoder_config.hpp"

namespace sembed::loader {

// obj[key] as an int in [lo, hi]; fallback when absent or null.
int config_int(const nlohmann::json& obj, std::string_view key, const std::filesystem::path& file,
               int fallback, int64_t lo, int64_t hi);

// obj[key] as a small positive float (a LayerNorm epsilon); fallback when absent.
float config_eps(const nlohmann::json& obj, std::string_view key, const std::filesystem::path& file,
                 float fallback);

// architectures[0], which must start with one of the family's class prefixes (e.g. "Roberta",
// "XLMRoberta"); `fallback` when absent.
std::string config_architecture(const nlohmann::json& obj, const std::filesystem::path& file,
                                const std::vector<std::string>& class_prefixes,
                                const std::string& family, const std::string& fallback);

// hidden_act / activation: "gelu" (exact erf) or "relu"; anything else is refused by name.
Activation config_activation(const nlohmann::json& obj, std::string_view key,
                             const std::filesystem::path& file, std::string& name_out);

// The activation of a gated MLP (GeGLU / SwiGLU): "gelu" (exact erf) or "silu" ("swish");
// fallback when absent.
Activation config_gate_activation(const nlohmann::json& obj, std::string_view key,
                                  const std::filesystem::path& file, const std::string& fallback,
                                  std::string& name_out);

// The RoPE base of a transformers rope_parameters object ({"rope_type": "default", "rope_theta":
// x}); `where` names it in errors; fallback when null or without rope_theta. Any other rope_type
// and any scaling field are refused by name: they would change every position's angle.
double config_rope_theta(const nlohmann::json& params, std::string_view where,
                         const std::filesystem::path& file, double fallback);

// Checks the dimensions every family shares (positive, heads dividing hidden).
void check_encoder_dims(const EncoderConfig& c, const std::filesystem::path& file);

}  // namespace sembed::loader
