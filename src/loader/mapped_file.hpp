// A read-only memory map of a whole file. Weight files are mapped rather than read so that f32
// tensors can be used in place (zero copy) and pages are shared between processes.
// Does not interpret the bytes. Thread safety: immutable after open().
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>

namespace sembed::loader {

class MappedFile {
 public:
  // Throws sembed::Error naming the file when it cannot be opened or mapped.
  static std::shared_ptr<const MappedFile> open(const std::filesystem::path& file);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }  // nullptr for an empty file
  size_t size() const { return size_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  MappedFile() = default;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::filesystem::path path_;
};

}  // namespace sembed::loader
