// sembed: sentence embeddings and semantic similarity. Dispatches to the subcommands.
#include <cstdio>
#include <exception>

#include "sembed/commands.hpp"
#include <sembed/error.hpp>

int main(int argc, char** argv) {
  CLI::App app{
      "sembed: sentence embeddings and semantic similarity, matching sentence-transformers.\n"
      "Models: a sentence-transformers model directory (--model DIR, or $SEMBED_MODEL, or the\n"
      "default all-MiniLM-L6-v2 fetched by scripts/fetch_default_model.sh)."};
  app.require_subcommand(1);
  sembed::cli::register_tokenize(app);
  sembed::cli::register_info(app);
  sembed::cli::register_embed(app);
  sembed::cli::register_similarity(app);
  sembed::cli::register_search(app);
  sembed::cli::register_rerank(app);
  sembed::cli::register_predict(app);
  sembed::cli::register_serve(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const sembed::Error& e) {
    std::fprintf(stderr, "sembed: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sembed: internal error: %s\n", e.what());
    return 2;
  }
  return 0;
}
