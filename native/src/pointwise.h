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
 * ReLU's gradient in one pass: out = dy * step(x), step(x) = x > 0 ? 1 : (NaN stays NaN) 0,
 * a float multiply as tfjs's mul(dy, step(x)) does (so -0, NaN and infinities come out the
 * same bits), without the mask tensor.
 */
void reluGrad(const float* dy, const float* x, float* out, int64_t n);

/**
 * Training-mode batch norm of x [rows, channels]: per-channel batch mean and biased variance,
 * y = (x - mean) / sqrt(var + epsilon) * gamma + beta. Statistics accumulate in double.
 * With relu, y = relu(y + residual) for a residual [rows, channels], y = relu(y) for nullptr:
 * a ResNet block's tail, the bits of tf.relu(tf.add(bn, residual)). Without relu the residual
 * is ignored (genrep has no residual add without its ReLU).
 */
void batchNormForward(const float* x, const float* gamma, const float* beta,
                      const float* residual, bool relu, float* y, float* mean, float* variance,
                      int64_t rows, int64_t channels, float epsilon);

/**
 * The running statistics' momentum update (PyTorch's convention, which genrep's BatchNorm
 * keeps): with m = momentum and the unbiased batch variance,
 *   meanOut = meanIn * (1 - m) + mean * m
 *   varOut = varIn * (1 - m) + variance * (m * rows / (rows - 1))
 * where 1 - m and m * rows / (rows - 1) are computed in double and rounded to float once,
 * then float arithmetic: the tfjs ops' bits (src/engine/nn/batchNorm.ts).
 */
void batchNormRunningUpdate(const float* mean, const float* variance, const float* meanIn,
                            const float* varIn, float* meanOut, float* varOut, int64_t rows,
                            int64_t channels, double momentum);

/**
 * Gradient of batchNormForward (without residual and ReLU; the fused forward's gradient is
 * reluGrad on its output, then this) given dy: dbeta = sum(dy), dgamma = sum(dy * xhat),
 * dx = gamma * rstd * (dy - dbeta / rows - xhat * dgamma / rows), xhat = (x - mean) * rstd.
 */
void batchNormBackward(const float* dy, const float* x, const float* mean, const float* variance,
                       const float* gamma, float* dx, float* dgamma, float* dbeta, int64_t rows,
                       int64_t channels, float epsilon);

/**
 * Softmax cross-entropy of logits [rows, classes] against label probabilities y (one-hot
 * rows), per row, with the gradient's residual: shifted = logits - max(row),
 *   loss[r] = log(sum exp(shifted)) - sum(shifted * y),  residual = (softmax - y) * scale
 * (scale 1 / rows makes the residual the gradient of the mean loss wrt the logits). One pass
 * per row; rows split over the threads.
 */
void softmaxCrossEntropy(const float* logits, const float* y, float* loss, float* residual,
                         int64_t rows, int64_t classes, float scale);

}  // namespace genrep
