// sembed serve — placeholder until implemented.
#include "sembed/commands.hpp"

namespace sembed::cli {
void register_serve(CLI::App& app) { (void)app; }
}  // namespace sembed::cli
