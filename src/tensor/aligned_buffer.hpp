// AlignedBuffer: a growable float buffer aligned to 64 bytes (one AVX-512 vector / cache line),
// used as reusable scratch space by the ops and the encoder. It only grows: reserve() keeps the
// old allocation when it is large enough, so a buffer reused across calls stops allocating once
// it has seen the largest batch. Contents are not preserved when it grows.
// Thread safety: none; one owner at a time.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>

namespace sembed::tensor {

class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  ~AlignedBuffer() { std::free(data_); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  AlignedBuffer(AlignedBuffer&& o) noexcept : data_(o.data_), capacity_(o.capacity_) {
    o.data_ = nullptr;
    o.capacity_ = 0;
  }

  // Returns a pointer to at least n floats (n == 0 gives a valid non-null pointer).
  float* reserve(size_t n) {
    if (n > capacity_ || data_ == nullptr) {
      std::free(data_);
      size_t bytes = ((n * sizeof(float) + 63) / 64) * 64;
      if (bytes == 0) bytes = 64;
      data_ = static_cast<float*>(std::aligned_alloc(64, bytes));
      if (!data_) throw std::bad_alloc();
      capacity_ = bytes / sizeof(float);
    }
    return data_;
  }
  float* data() const { return data_; }
  size_t capacity() const { return capacity_; }

 private:
  float* data_ = nullptr;
  size_t capacity_ = 0;
};

}  // namespace sembed::tensor
