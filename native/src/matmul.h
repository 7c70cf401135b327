// Batched matrix product with oneDNN on tfjs's row-major layout:
// out[b] = op(A[b]) x op(B[b]), op = optional transpose, batch of 1 broadcasts.
#pragma once

#include <cstdint>
#include <string>

namespace genrep {

struct MatMulParams {
  int64_t batchA, batchB;  // each equals the other or 1 (broadcast)
  int64_t m, k, n;         // out [max(batchA, batchB), M, N]
  bool transposeA;         // A stored [batchA, K, M] instead of [batchA, M, K]
  bool transposeB;         // B stored [batchB, N, K] instead of [batchB, K, N]

  int64_t batch() const { return batchA > batchB ? batchA : batchB; }
  /** Empty when consistent, else what is wrong. */
  std::string validate() const;
};

/** Runs one batched matrix product. Throws on error. */
void runMatMul(const MatMulParams& p, const float* a, const float* b, float* out);

/** Drops every cached matmul primitive of this thread. */
void clearMatMulCache();

}  // namespace genrep
