// Low-precision copies of convolution inputs kept for their second reader (bf16 training).
// Under bf16 each convolution reads bf16 copies of its inputs; in a training step the same
// activation x is read by the forward and the backward-weights pass, and the same gradient dy
// by the backward-data and backward-weights passes. Keyed by a tensor key that the JS side
// gives each tensor (tfjs data is never written in place, so a key names fixed contents); the
// JS side drops a key when its tensor is disposed and clears all keys whenever a kernel writes
// in place (the optimizer step). Per thread, like the convolution plans.
#pragma once

#include <cstddef>
#include <cstdint>

#include <dnnl.hpp>

namespace genrep {

/**
 * The primitive-format copy of `user` for tensor `key`: made by `toPrim` (a reorder from
 * userMd to primMd) on first use, reused while the key lives and the descriptors match.
 */
dnnl::memory keptCopy(int64_t key, const dnnl::memory::desc& primMd, dnnl::memory& user,
                      const dnnl::reorder& toPrim, dnnl::stream& s);

/** Drops the copies of these keys (their buffers go back to the pool). */
void dropCopies(const int64_t* keys, std::size_t count);

/** Drops every copy; `release` also frees the pooled buffers. */
void clearCopies(bool release);

struct CopyStats {
  std::size_t entries = 0;
  std::size_t bytes = 0;        // held by live copies
  std::size_t pooledBytes = 0;  // kept for reuse
  uint64_t hits = 0, misses = 0;
};

CopyStats copyStats();

}  // namespace genrep
