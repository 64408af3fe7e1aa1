// resolve_model_dir: which model directory sembed uses when the caller names none.
// Order: the explicit directory, $SEMBED_MODEL, then the default all-MiniLM-L6-v2 that
// scripts/fetch_default_model.sh puts in
// ${SEMBED_MODEL_HOME:-${XDG_CACHE_HOME:-~/.cache}/sembed/models}.
#include <cstdlib>
#include <sembed/error.hpp>
#include <sembed/sembed.hpp>

namespace sembed {

namespace fs = std::filesystem;

namespace {
std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}
}  // namespace

fs::path resolve_model_dir(const std::optional<fs::path>& explicit_dir) {
  if (explicit_dir && !explicit_dir->empty()) return *explicit_dir;
  std::error_code ec;
  if (const std::string m = env("SEMBED_MODEL"); !m.empty()) {
    if (!fs::is_directory(m, ec)) throw Error("SEMBED_MODEL=" + m + " is not a directory");
    return fs::path(m);
  }
  std::vector<fs::path> homes;
  if (const std::string h = env("SEMBED_MODEL_HOME"); !h.empty())
    homes.emplace_back(h);
  else if (const std::string x = env("XDG_CACHE_HOME"); !x.empty())
    homes.push_back(fs::path(x) / "sembed" / "models");
  else if (const std::string home = env("HOME"); !home.empty())
    homes.push_back(fs::path(home) / ".cache" / "sembed" / "models");
  std::string looked = "--model not given, $SEMBED_MODEL not set";
  for (const auto& h : homes) {
    const fs::path dir = h / "all-MiniLM-L6-v2";
    if (fs::exists(dir / "config.json", ec)) return dir;
    looked += ", " + dir.string() + " has no model";
  }
  throw Error("no model found (" + looked +
              "). Run scripts/fetch_default_model.sh, or pass --model DIR (see docs/models.md)");
}

}  // namespace sembed
