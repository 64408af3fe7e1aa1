// sembed embed — placeholder until implemented.
#include "sembed/commands.hpp"

namespace sembed::cli {
void register_embed(CLI::App& app) { (void)app; }
}  // namespace sembed::cli
