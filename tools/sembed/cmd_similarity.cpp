// sembed similarity — placeholder until implemented.
#include "sembed/commands.hpp"

namespace sembed::cli {
void register_similarity(CLI::App& app) { (void)app; }
}  // namespace sembed::cli
