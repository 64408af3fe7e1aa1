// A minimal, defensive reader of zip archives held in memory, for torch.save files. Only what
// torch writes is supported: stored (uncompressed) entries, zip64 sizes and offsets. Compressed
// or encrypted entries, multi-disk archives and inconsistent headers are refused with a
// sembed::Error. Every offset and length is checked against the buffer; an entry's bytes are a
// view into it. CRC-32 is checked on demand (verify()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sembed::loader {

struct ZipEntry {
  std::string name;
  const uint8_t* data = nullptr;  // the stored bytes
  size_t size = 0;
  uint32_t crc32 = 0;
};

class ZipReader {
 public:
  // Reads the central directory and every local header. label names the file in errors.
  ZipReader(const uint8_t* data, size_t size, std::string label);

  const std::vector<ZipEntry>& entries() const { return entries_; }
  const ZipEntry* find(std::string_view name) const;  // nullptr when absent
  // Throws sembed::Error when the entry's bytes do not match its CRC-32.
  void verify(const ZipEntry& entry) const;

 private:
  std::string label_;
  std::vector<ZipEntry> entries_;
};

uint32_t crc32(const uint8_t* data, size_t size);

}  // namespace sembed::loader
