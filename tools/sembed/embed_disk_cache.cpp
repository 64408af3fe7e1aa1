// See embed_disk_cache.hpp. File layout (little-endian, as the machine writes it):
//   "SEMBEDC1" | u64 description length | description | u64 dim
//   then records: u32 n_ids | u32 prompt_tokens | i32 ids[n_ids] | f32 row[dim]
#include "sembed/embed_disk_cache.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sembed/error.hpp>

namespace sembed::cli {

namespace fs = std::filesystem;

namespace {

constexpr char kMagic[8] = {'S', 'E', 'M', 'B', 'E', 'D', 'C', '1'};

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

template <typename T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

std::string header(const std::string& description, size_t dim) {
  std::string h(kMagic, sizeof kMagic);
  put<uint64_t>(h, description.size());
  h += description;
  put<uint64_t>(h, dim);
  return h;
}

}  // namespace

std::string describe_for_cache(const fs::path& model_dir, const std::string& options, size_t dim) {
  std::error_code ec;
  std::string d = "model " + fs::absolute(model_dir, ec).lexically_normal().string() + "\n";
  // The files whose change would change the rows, in a fixed order: configs, tokenizer and
  // weights of the directory and of its module folders (Pooling, Dense).
  std::vector<fs::path> files;
  auto scan = [&](const fs::path& dir) {
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      const std::string ext = e.path().extension().string();
      if (e.is_regular_file(ec) &&
          (ext == ".json" || ext == ".safetensors" || ext == ".bin" || ext == ".txt" || ext == ".model"))
        files.push_back(e.path());
    }
  };
  scan(model_dir);
  for (const auto& e : fs::directory_iterator(model_dir, ec))
    if (e.is_directory(ec)) scan(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    const auto size = fs::file_size(f, ec);
    const auto mtime = fs::last_write_time(f, ec).time_since_epoch().count();
    d += "file " + fs::relative(f, model_dir, ec).string() + " " + std::to_string(size) + " " +
         std::to_string(mtime) + "\n";
  }
  return d + "options " + options + "\ndim " + std::to_string(dim) + "\n";
}

std::string DiskEmbeddingCache::key(const std::vector<int32_t>& ids, size_t prompt_tokens) {
  std::string k;
  put<uint32_t>(k, static_cast<uint32_t>(prompt_tokens));
  k.append(reinterpret_cast<const char*>(ids.data()), ids.size() * sizeof(int32_t));
  return k;
}

DiskEmbeddingCache::DiskEmbeddingCache(const fs::path& dir, const std::string& description,
                                       size_t dim)
    : dim_(dim) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!fs::is_directory(dir, ec))
    throw Error("--cache " + dir.string() + ": cannot create the directory");
  char name[32];
  std::snprintf(name, sizeof name, "%016llx.sembed-cache",
                static_cast<unsigned long long>(fnv1a(description)));
  file_ = dir / name;
  const std::string head = header(description, dim);
  if (!fs::exists(file_, ec)) {
    pending_ = head;
    return;
  }
  std::ifstream in(file_, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) throw Error(file_.string() + ": cannot read the cache file");
  if (data.compare(0, head.size(), head) != 0)
    throw Error(file_.string() + ": not a cache file for this model and these options (the "
                "header differs; remove the file to rebuild it)");
  size_t at = head.size();
  while (at + 8 <= data.size()) {
    uint32_t n = 0, prompt = 0;
    std::memcpy(&n, data.data() + at, 4);
    std::memcpy(&prompt, data.data() + at + 4, 4);
    const size_t record = 8 + static_cast<size_t>(n) * 4 + dim_ * 4;
    if (n == 0 || at + record > data.size()) break;  // cut short: dropped
    std::vector<int32_t> ids(n);
    std::memcpy(ids.data(), data.data() + at + 8, n * 4ull);
    const size_t row = rows_data_.size();
    rows_data_.resize(row + dim_);
    std::memcpy(rows_data_.data() + row, data.data() + at + 8 + n * 4ull, dim_ * 4);
    index_[key(ids, prompt)] = rows_.size();
    rows_.push_back(row);
    at += record;
  }
  valid_bytes_ = at;
}

DiskEmbeddingCache::~DiskEmbeddingCache() = default;

bool DiskEmbeddingCache::lookup(const std::vector<int32_t>& ids, size_t prompt_tokens,
                                float* out) const {
  const auto it = index_.find(key(ids, prompt_tokens));
  if (it == index_.end()) return false;
  const float* row = rows_data_.data() + rows_[it->second];
  std::copy(row, row + dim_, out);
  return true;
}

void DiskEmbeddingCache::add(const std::vector<int32_t>& ids, size_t prompt_tokens,
                             const float* row) {
  std::string k = key(ids, prompt_tokens);
  if (index_.count(k)) return;
  put<uint32_t>(pending_, static_cast<uint32_t>(ids.size()));
  put<uint32_t>(pending_, static_cast<uint32_t>(prompt_tokens));
  pending_.append(reinterpret_cast<const char*>(ids.data()), ids.size() * sizeof(int32_t));
  pending_.append(reinterpret_cast<const char*>(row), dim_ * sizeof(float));
  const size_t offset = rows_data_.size();
  rows_data_.insert(rows_data_.end(), row, row + dim_);
  index_.emplace(std::move(k), rows_.size());
  rows_.push_back(offset);
}

void DiskEmbeddingCache::commit() {
  if (pending_.empty()) return;
  std::error_code ec;
  const bool exists = fs::exists(file_, ec);
  // Drop a record an interrupted run left cut short, then append.
  if (exists && fs::file_size(file_, ec) != valid_bytes_) fs::resize_file(file_, valid_bytes_, ec);
  std::FILE* f = std::fopen(file_.c_str(), exists ? "ab" : "wb");
  if (!f) throw Error("cannot write " + file_.string() + ": " + std::strerror(errno));
  const bool ok = std::fwrite(pending_.data(), 1, pending_.size(), f) == pending_.size();
  const bool closed = std::fclose(f) == 0;
  if (!ok || !closed) throw Error("cannot write " + file_.string() + ": " + std::strerror(errno));
  valid_bytes_ += pending_.size();
  pending_.clear();
}

}  // namespace sembed::cli
