// Each sembed subcommand lives in its own cmd_<name>.cpp and registers itself on the app.
// A registration adds the subcommand, its options, and a callback that does the work and
// throws sembed::Error on failure (main() prints it and exits 1).
#pragma once

#include <CLI/CLI.hpp>

namespace sembed::cli {

void register_tokenize(CLI::App& app);
void register_info(CLI::App& app);
void register_embed(CLI::App& app);
void register_similarity(CLI::App& app);
void register_search(CLI::App& app);
void register_serve(CLI::App& app);
void register_rerank(CLI::App& app);
void register_predict(CLI::App& app);

}  // namespace sembed::cli
