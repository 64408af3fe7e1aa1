// sembed info — placeholder until implemented.
#include "sembed/commands.hpp"

namespace sembed::cli {
void register_info(CLI::App& app) { (void)app; }
}  // namespace sembed::cli
