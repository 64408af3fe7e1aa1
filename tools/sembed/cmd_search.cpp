// sembed search — placeholder until implemented.
#include "sembed/commands.hpp"

namespace sembed::cli {
void register_search(CLI::App& app) { (void)app; }
}  // namespace sembed::cli
