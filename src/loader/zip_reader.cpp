// Zip parsing: end-of-central-directory (and its zip64 form), central directory records, local
// headers. All arithmetic is done in uint64 on values already checked to lie inside the buffer.
#include "loader/zip_reader.hpp"

#include <algorithm>
#include <array>
#include <sembed/error.hpp>
#include <set>

namespace sembed::loader {

namespace {

constexpr uint32_t kLocalSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kEocdSig = 0x06054b50;
constexpr uint32_t kZip64EocdSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr size_t kEocdSize = 22;
constexpr size_t kMaxEntries = 1u << 20;  // a state_dict has one storage per tensor

// Bounds-checked little-endian reads from the whole buffer.
class Bytes {
 public:
  Bytes(const uint8_t* d, size_t n, const std::string& label) : d_(d), n_(n), label_(label) {}
  bool has(uint64_t off, uint64_t len) const { return off <= n_ && len <= n_ - off; }
  void need(uint64_t off, uint64_t len, const char* what) const {
    if (!has(off, len))
      throw Error(label_ + ": broken zip archive: " + what + " at offset " + std::to_string(off) +
                  " runs past the end of the file");
  }
  uint16_t u16(uint64_t off) const { return static_cast<uint16_t>(d_[off] | (d_[off + 1] << 8)); }
  uint32_t u32(uint64_t off) const {
    return static_cast<uint32_t>(d_[off]) | (static_cast<uint32_t>(d_[off + 1]) << 8) |
           (static_cast<uint32_t>(d_[off + 2]) << 16) | (static_cast<uint32_t>(d_[off + 3]) << 24);
  }
  uint64_t u64(uint64_t off) const {
    return u32(off) | (static_cast<uint64_t>(u32(off + 4)) << 32);
  }
  const uint8_t* at(uint64_t off) const { return d_ + off; }
  size_t size() const { return n_; }

 private:
  const uint8_t* d_;
  size_t n_;
  const std::string& label_;
};

}  // namespace

ZipReader::ZipReader(const uint8_t* data, size_t size, std::string label)
    : label_(std::move(label)) {
  const Bytes b(data, size, label_);
  auto fail = [&](const std::string& what) -> void {
    throw Error(label_ + ": broken zip archive: " + what);
  };
  if (size < kEocdSize) fail("file too short to hold an end-of-central-directory record");

  // The end record is the last 22 bytes plus a comment of up to 64 KiB: search backwards.
  uint64_t eocd = UINT64_MAX;
  const uint64_t lowest = size > kEocdSize + 0xffff ? size - kEocdSize - 0xffff : 0;
  for (uint64_t off = size - kEocdSize + 1; off-- > lowest;) {
    if (b.u32(off) == kEocdSig && off + kEocdSize + b.u16(off + 20) == size) {
      eocd = off;
      break;
    }
  }
  if (eocd == UINT64_MAX) fail("no end-of-central-directory record");
  if (b.u16(eocd + 4) != 0 || b.u16(eocd + 6) != 0) fail("multi-disk archives are not supported");
  uint64_t count = b.u16(eocd + 10);
  uint64_t cd_size = b.u32(eocd + 12);
  uint64_t cd_offset = b.u32(eocd + 16);
  if (count == 0xffff || cd_size == 0xffffffffu || cd_offset == 0xffffffffu) {
    // zip64: a locator sits just before the end record and points at the zip64 end record.
    if (eocd < 20 || b.u32(eocd - 20) != kZip64LocatorSig) fail("zip64 locator missing");
    const uint64_t z64 = b.u64(eocd - 20 + 8);
    b.need(z64, 56, "zip64 end record");
    if (b.u32(z64) != kZip64EocdSig) fail("bad zip64 end record signature");
    count = b.u64(z64 + 32);
    cd_size = b.u64(z64 + 40);
    cd_offset = b.u64(z64 + 48);
  }
  if (count > kMaxEntries) fail(std::to_string(count) + " entries is more than supported");
  b.need(cd_offset, cd_size, "central directory");

  std::set<std::string> names;
  uint64_t p = cd_offset;
  const uint64_t cd_end = cd_offset + cd_size;
  entries_.reserve(static_cast<size_t>(count));
  for (uint64_t i = 0; i < count; ++i) {
    if (p + 46 > cd_end) fail("central directory is shorter than its entry count");
    if (b.u32(p) != kCentralSig) fail("bad central directory record signature");
    const uint16_t flags = b.u16(p + 8);
    const uint16_t method = b.u16(p + 10);
    const uint32_t crc = b.u32(p + 16);
    uint64_t csize = b.u32(p + 20);
    uint64_t usize = b.u32(p + 24);
    const uint16_t name_len = b.u16(p + 28);
    const uint16_t extra_len = b.u16(p + 30);
    const uint16_t comment_len = b.u16(p + 32);
    uint64_t local = b.u32(p + 42);
    const uint64_t rec_len = 46ull + name_len + extra_len + comment_len;
    if (p + rec_len > cd_end) fail("central directory record runs past the directory");
    ZipEntry e;
    e.name.assign(reinterpret_cast<const char*>(b.at(p + 46)), name_len);
    // zip64 extra field: the 64-bit values, present only for fields saturated at 0xffffffff.
    for (uint64_t x = p + 46 + name_len, xend = x + extra_len; x + 4 <= xend;) {
      const uint16_t id = b.u16(x), len = b.u16(x + 2);
      if (x + 4 + len > xend) fail("extra field of '" + e.name + "' runs past its record");
      if (id == 0x0001) {
        uint64_t q = x + 4;
        const uint64_t qend = q + len;
        for (uint64_t* v : {&usize, &csize, &local}) {
          if (*v != 0xffffffffu) continue;
          if (q + 8 > qend) fail("zip64 extra field of '" + e.name + "' is too short");
          *v = b.u64(q);
          q += 8;
        }
      }
      x += 4ull + len;
    }
    p += rec_len;

    if (flags & 0x1) fail("entry '" + e.name + "' is encrypted");
    if (method != 0)
      fail("entry '" + e.name + "' is compressed (method " + std::to_string(method) +
           "); only stored entries are supported, as torch.save writes them");
    if (csize != usize) fail("stored entry '" + e.name + "' has different sizes");
    if (!names.insert(e.name).second) fail("entry '" + e.name + "' appears twice");

    b.need(local, 30, "local header");
    if (b.u32(local) != kLocalSig) fail("bad local header signature for '" + e.name + "'");
    const uint64_t lname = b.u16(local + 26), lextra = b.u16(local + 28);
    const uint64_t data_off = local + 30 + lname + lextra;
    b.need(local + 30, lname + lextra, "local header name");
    if (lname != name_len ||
        !std::equal(b.at(local + 30), b.at(local + 30) + lname, e.name.begin()))
      fail("local header name differs from the central directory for '" + e.name + "'");
    b.need(data_off, csize, ("data of '" + e.name + "'").c_str());
    e.data = b.at(data_off);
    e.size = static_cast<size_t>(csize);
    e.crc32 = crc;
    entries_.push_back(std::move(e));
  }
}

const ZipEntry* ZipReader::find(std::string_view name) const {
  for (const auto& e : entries_)
    if (e.name == name) return &e;
  return nullptr;
}

namespace {
// Slicing-by-4 tables for the reflected polynomial 0xEDB88320.
struct Crc32Tables {
  std::array<std::array<uint32_t, 256>, 4> t{};
  Crc32Tables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i)
      for (int s = 1; s < 4; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
  }
};
}  // namespace

uint32_t crc32(const uint8_t* data, size_t size) {
  static const Crc32Tables tables;
  const auto& t = tables.t;
  uint32_t c = 0xffffffffu;
  size_t i = 0;
  for (; i + 4 <= size; i += 4) {
    c ^= static_cast<uint32_t>(data[i]) | (static_cast<uint32_t>(data[i + 1]) << 8) |
         (static_cast<uint32_t>(data[i + 2]) << 16) | (static_cast<uint32_t>(data[i + 3]) << 24);
    c = t[3][c & 0xff] ^ t[2][(c >> 8) & 0xff] ^ t[1][(c >> 16) & 0xff] ^ t[0][c >> 24];
  }
  for (; i < size; ++i) c = t[0][(c ^ data[i]) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

void ZipReader::verify(const ZipEntry& entry) const {
  if (crc32(entry.data, entry.size) != entry.crc32)
    throw Error(label_ + ": zip entry '" + entry.name + "' is corrupt (CRC-32 mismatch)");
}

}  // namespace sembed::loader
