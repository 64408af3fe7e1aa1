// sembed tokenize — placeholder until implemented.
#include "sembed/commands.hpp"

namespace sembed::cli {
void register_tokenize(CLI::App& app) { (void)app; }
}  // namespace sembed::cli
