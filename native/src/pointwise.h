// Memory-bound kernels that tfjs's wasm backend runs on one thread: elementwise arithmetic
// with the broadcasts a conv net uses, ReLU and its mask, and training-mode batch norm over
// NHWC activations. OpenMP over all cores; every output is a fresh buffer (no aliasing).
#pragma once

#include <cstdint>

namespace genrep {

enum class BinaryOp : int { kAdd = 0, kSub = 1, kMul = 2 };

/**
 * out[i] = a[i] op b[((i / (inner * suffix)) % period) * suffix + i % suffix], i < n: b is
 * broadcast against a's shape [lead.., P.., M.., S..] as [1.., P.., 1.., S..], with
 * period = |P|, inner = |M|, suffix = |S|. Equal shapes: period n; a per-channel [C] of NHWC:
 * period C; one value per row of [N, C]: period N, inner C; a per-image, per-channel
 * [N, 1, 1, C]: period N, inner H * W, suffix C; a scalar: everything 1.
 */
void binary(BinaryOp op, const float* a, const float* b, float* out, int64_t n, int64_t period,
            int64_t inner, int64_t suffix);

enum class UnaryOp : int {
  /** max(x, 0); NaN stays NaN. */
  kRelu = 0,
  /** x > 0 ? 1 : alpha; NaN stays NaN (tfjs's Step). */
  kStep = 1,
  /** e^x (libm's expf, correctly handling overflow, -inf and NaN). */
  kExp = 2,
  /** tanh(x) (libm's tanhf; generators' output layer). */
  kTanh = 3,
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
