// POSIX mmap of a whole file, read-only and private.
#include "loader/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sembed/error.hpp>

namespace sembed::loader {

std::shared_ptr<const MappedFile> MappedFile::open(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(file.string() + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    throw Error(file.string() + ": cannot stat: " + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(file.string() + ": not a regular file");
  }
  std::shared_ptr<MappedFile> mf(new MappedFile());
  mf->path_ = file;
  mf->size_ = static_cast<size_t>(st.st_size);
  if (mf->size_ > 0) {
    void* p = ::mmap(nullptr, mf->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      throw Error(file.string() + ": cannot map: " + std::strerror(err));
    }
    // Weights are read front to back during the first forward pass; ask for read-ahead without
    // blocking the load on it.
    ::madvise(p, mf->size_, MADV_WILLNEED);
    mf->data_ = static_cast<const uint8_t*>(p);
  }
  ::close(fd);  // the mapping keeps the file alive
  return mf;
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
}

}  // namespace sembed::loader
