// Memory-bound kernels that tfjs's wasm backend runs on one thread: elementwise arithmetic
// with the broadcasts a conv net uses, ReLU and its mask, and training-mode batch norm over
// NHWC activations. OpenMP over all cores; every output is a fresh buffer (no aliasing).
#pragma once

#include <cstdint>

namespace genrep {

enum class BinaryOp : int { kAdd = 0, kSub = 1, kMul = 2 };

/**
 * out[i] = a[i] op b[(i / inner) % period], i < n: b is a block of a's trailing dimensions
 * broadcast over the others. inner 1 and period n: equal shapes; inner 1, period C: a
 * per-channel vector of NHWC; inner C, period N: one value per row of [N, C]; period 1: a
 * scalar. n must be a multiple of inner * period.
 */
void binary(BinaryOp op, const float* a, const float* b, float* out, int64_t n, int64_t period,
            int64_t inner);

enum class UnaryOp : int {
  /** max(x, 0); NaN stays NaN. */
  kRelu = 0,
  /** x > 0 ? 1 : alpha; NaN stays NaN (tfjs's Step). */
  kStep = 1,
  /** e^x (libm's expf, correctly handling overflow, -inf and NaN). */
  kExp = 2,
};

void unary(UnaryOp op, const float* x, float* out, int64_t n, float alpha);

/**
 * Training-mode batch norm of x [rows, channels]: per-channel batch mean and biased variance,
 * y = (x - mean) / sqrt(var + epsilon) * gamma + beta. Statistics accumulate in double.
 */
void batchNormForward(const float* x, const float* gamma, const float* beta, float* y,
                      float* mean, float* variance, int64_t rows, int64_t channels,
                      float epsilon);

/**
 * Gradient of batchNormForward given dy: dbeta = sum(dy), dgamma = sum(dy * xhat),
 * dx = gamma * rstd * (dy - dbeta / rows - xhat * dgamma / rows), xhat = (x - mean) * rstd.
 */
void batchNormBackward(const float* dy, const float* x, const float* mean, const float* variance,
                       const float* gamma, float* dx, float* dgamma, float* dbeta, int64_t rows,
                       int64_t channels, float epsilon);

}  // namespace genrep
