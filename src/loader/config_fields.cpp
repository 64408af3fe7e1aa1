// See config_fields.hpp.
#include "loader/config_fields.hpp"

#include <sembed/error.hpp>

#include "loader/json_file.hpp"

namespace sembed::loader {

namespace fs = std::filesystem;

int config_int(const nlohmann::json& obj, std::string_view key, const fs::path& file, int fallback,
               int64_t lo, int64_t hi) {
  const auto v = json_int(obj, key, file);
  if (!v) return fallback;
  if (*v < lo || *v > hi)
    throw Error(file.string() + ": field '" + std::string(key) + "' = " + std::to_string(*v) +
                " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return static_cast<int>(*v);
}

float config_eps(const nlohmann::json& obj, std::string_view key, const fs::path& file,
                 float fallback) {
  const auto eps = json_number(obj, key, file);
  if (!eps) return fallback;
  if (!(*eps > 0 && *eps < 1))
    throw Error(file.string() + ": field '" + std::string(key) + "' = " + std::to_string(*eps) +
                " is not a small positive number");
  return static_cast<float>(*eps);
}

std::string config_architecture(const nlohmann::json& obj, const fs::path& file,
                                const std::vector<std::string>& class_prefixes,
                                const std::string& family, const std::string& fallback) {
  auto it = obj.find("architectures");
  if (it == obj.end() || it->is_null()) return fallback;
  if (!it->is_array() || (!it->empty() && !(*it)[0].is_string()))
    throw Error(file.string() + ": field 'architectures' should be a list of names");
  if (it->empty()) return fallback;
  const std::string arch = (*it)[0].get<std::string>();
  // Any head class (XForMaskedLM, ...) holds the base model; its head weights are ignored.
  for (const auto& p : class_prefixes)
    if (arch.rfind(p, 0) == 0) return arch;
  throw Error(file.string() + ": architecture '" + arch + "' is not a " + family +
              " model class (expected a name starting with " + class_prefixes.front() + ")");
}

Activation config_activation(const nlohmann::json& obj, std::string_view key, const fs::path& file,
                             std::string& name_out) {
  name_out = json_string(obj, key, file).value_or("gelu");
  if (name_out == "gelu") return Activation::Gelu;
  if (name_out == "relu") return Activation::Relu;
  throw Error(file.string() + ": field '" + std::string(key) + "' = \"" + name_out +
              "\" is not supported (supported: \"gelu\" (exact erf), \"relu\")");
}

Activation config_gate_activation(const nlohmann::json& obj, std::string_view key,
                                  const fs::path& file, const std::string& fallback,
                                  std::string& name_out) {
  name_out = json_string(obj, key, file).value_or(fallback);
  if (name_out == "gelu") return Activation::Gelu;
  if (name_out == "silu" || name_out == "swish") return Activation::Silu;
  throw Error(file.string() + ": field '" + std::string(key) + "' = \"" + name_out +
              "\" is not supported in a gated MLP (supported: \"gelu\" (exact erf), \"silu\")");
}

double config_rope_theta(const nlohmann::json& params, std::string_view where,
                         const fs::path& file, double fallback) {
  if (params.is_null()) return fallback;
  if (!params.is_object())
    throw Error(file.string() + ": field '" + std::string(where) + "' should be an object");
  const std::string type = json_string(params, "rope_type", file).value_or("default");
  if (type != "default")
    throw Error(file.string() + ": " + std::string(where) + ".rope_type '" + type +
                "' is not supported (only 'default' RoPE; scaled variants would be approximated)");
  for (const char* scaling : {"factor", "rope_scaling", "original_max_position_embeddings",
                              "partial_rotary_factor"})
    if (auto it = params.find(scaling); it != params.end() && !it->is_null())
      throw Error(file.string() + ": " + std::string(where) + "." + scaling +
                  " is not supported (only unscaled, full-head RoPE)");
  const auto theta = json_number(params, "rope_theta", file);
  if (!theta) return fallback;
  if (!(*theta >= 1 && *theta < 1e12))
    throw Error(file.string() + ": " + std::string(where) + ".rope_theta = " +
                std::to_string(*theta) + " is not a RoPE base");
  return *theta;
}

void check_encoder_dims(const EncoderConfig& c, const fs::path& file) {
  if (c.hidden_size % c.num_attention_heads != 0)
    throw Error(file.string() + ": hidden_size " + std::to_string(c.hidden_size) +
                " is not a multiple of num_attention_heads " +
                std::to_string(c.num_attention_heads));
  if (c.position_encoding == PositionEncoding::Rotary && (c.hidden_size / c.num_attention_heads) % 2)
    throw Error(file.string() + ": head size " + std::to_string(c.hidden_size / c.num_attention_heads) +
                " is odd; rotary positions rotate pairs of a head's dimensions");
  if (c.max_tokens() < 2)
    throw Error(file.string() + ": max_position_embeddings " +
                std::to_string(c.max_position_embeddings) + " leaves room for " +
                std::to_string(c.max_tokens()) + " tokens");
}

}  // namespace sembed::loader
