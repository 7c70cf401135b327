#include "pointwise.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace genrep {

namespace {

// Below this many elements one thread is faster than waking the others.
constexpr int64_t kParallelMin = 1 << 15;

template <typename F>
void binaryLoop(const float* a, const float* b, float* out, int64_t n, int64_t period,
                int64_t inner, int64_t suffix, F f) {
  if (suffix > 1) {
    // Runs of `suffix` values combined with one block of b (e.g. the C values of an image).
    const int64_t runs = n / suffix;
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
    for (int64_t r = 0; r < runs; r++) {
      const float* br = b + ((r / inner) % period) * suffix;
      const float* ar = a + r * suffix;
      float* o = out + r * suffix;
      for (int64_t c = 0; c < suffix; c++) o[c] = f(ar[c], br[c]);
    }
  } else if (inner == 1 && period == n) {
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
    for (int64_t i = 0; i < n; i++) out[i] = f(a[i], b[i]);
  } else if (period == 1) {
    const float s = b[0];
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
    for (int64_t i = 0; i < n; i++) out[i] = f(a[i], s);
  } else if (inner == 1) {
    // Rows of `period` values, each combined with the same b: the inner loop vectorises.
    const int64_t rows = n / period;
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
    for (int64_t r = 0; r < rows; r++) {
      const float* ar = a + r * period;
      float* o = out + r * period;
      for (int64_t c = 0; c < period; c++) o[c] = f(ar[c], b[c]);
    }
  } else {
    // Runs of `inner` values that share one b value.
    const int64_t runs = n / inner;
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
    for (int64_t r = 0; r < runs; r++) {
      const float s = b[r % period];
      const float* ar = a + r * inner;
      float* o = out + r * inner;
      for (int64_t c = 0; c < inner; c++) o[c] = f(ar[c], s);
    }
  }
}

/**
 * Per-thread partial sums over row blocks of an [rows, channels] array, added into `total`
 * in double. `accumulate(r, acc)` adds row r's contribution into the float row `acc`; float
 * accumulators are flushed to double every kFlushRows rows to bound rounding.
 */
constexpr int64_t kFlushRows = 256;

template <typename F>
void columnSums(int64_t rows, int64_t channels, int64_t width, std::vector<double>& total,
                F accumulate) {
  total.assign(static_cast<size_t>(channels * width), 0.0);
#pragma omp parallel if (rows * channels >= kParallelMin)
  {
    std::vector<float> acc(static_cast<size_t>(channels * width), 0.0f);
    std::vector<double> mine(static_cast<size_t>(channels * width), 0.0);
    const int64_t blocks = (rows + kFlushRows - 1) / kFlushRows;
#pragma omp for schedule(static)
    for (int64_t blk = 0; blk < blocks; blk++) {
      const int64_t end = std::min(rows, (blk + 1) * kFlushRows);
      for (int64_t r = blk * kFlushRows; r < end; r++) accumulate(r, acc.data());
      for (size_t j = 0; j < acc.size(); j++) {
        mine[j] += acc[j];
        acc[j] = 0.0f;
      }
    }
#pragma omp critical
    for (size_t j = 0; j < mine.size(); j++) total[j] += mine[j];
  }
}

/** ReLU as tf.relu computes it: NaN stays NaN (NaN < 0 is false), -0 stays -0. */
inline float reluOf(float v) { return v < 0.0f ? 0.0f : v; }

/** y = relu?(x * a + b + residual?) row by row, per-channel a and b: the forward's second pass. */
template <bool kResidual, bool kRelu>
void normalise(const float* x, const float* a, const float* b, const float* residual, float* y,
               int64_t rows, int64_t c) {
#pragma omp parallel for schedule(static) if (rows * c >= kParallelMin)
  for (int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * c;
    const float* rr = kResidual ? residual + r * c : nullptr;
    float* yr = y + r * c;
    for (int64_t j = 0; j < c; j++) {
      float v = xr[j] * a[j] + b[j];
      if (kResidual) v = v + rr[j];
      if (kRelu) v = reluOf(v);
      yr[j] = v;
    }
  }
}

}  // namespace

void binary(BinaryOp op, const float* a, const float* b, float* out, int64_t n, int64_t period,
            int64_t inner, int64_t suffix) {
  switch (op) {
    case BinaryOp::kAdd:
      binaryLoop(a, b, out, n, period, inner, suffix, [](float x, float y) { return x + y; });
      break;
    case BinaryOp::kSub:
      binaryLoop(a, b, out, n, period, inner, suffix, [](float x, float y) { return x - y; });
      break;
    case BinaryOp::kMul:
      binaryLoop(a, b, out, n, period, inner, suffix, [](float x, float y) { return x * y; });
      break;
  }
}

void unary(UnaryOp op, const float* x, float* out, int64_t n, float alpha) {
  if (op == UnaryOp::kRelu) {
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
    for (int64_t i = 0; i < n; i++) out[i] = reluOf(x[i]);
  } else if (op == UnaryOp::kStep) {
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
    for (int64_t i = 0; i < n; i++) {
      // Two selects, no branch, so the loop vectorises (a branch on the sign mispredicts).
      const float v = x[i];
      const float m = v > 0.0f ? 1.0f : alpha;
      out[i] = v != v ? v : m;  // NaN stays NaN
    }
  } else if (op == UnaryOp::kTanh) {
#pragma omp parallel for schedule(static) if (n >= kParallelMin / 8)
    for (int64_t i = 0; i < n; i++) out[i] = std::tanh(x[i]);
  } else {
    // expf costs ~20 cycles: worth both cores from far fewer elements than a copy.
#pragma omp parallel for schedule(static) if (n >= kParallelMin / 8)
    for (int64_t i = 0; i < n; i++) out[i] = std::exp(x[i]);
  }
}

void batchNormForward(const float* x, const float* gamma, const float* beta,
                      const float* residual, bool relu, float* y, float* mean, float* variance,
                      int64_t rows, int64_t channels, float epsilon) {
  const int64_t c = channels;
  // Sums of (x - shift) and its square around the first row: with the shift near the mean
  // the one-pass variance does not lose precision to cancellation.
  std::vector<double> sums;
  columnSums(rows, c, 2, sums, [&](int64_t r, float* acc) {
    const float* xr = x + r * c;
    float* s1 = acc;
    float* s2 = acc + c;
    for (int64_t j = 0; j < c; j++) {
      const float d = xr[j] - x[j];
      s1[j] += d;
      s2[j] += d * d;
    }
  });
  std::vector<float> scale(static_cast<size_t>(c)), shift(static_cast<size_t>(c));
  for (int64_t j = 0; j < c; j++) {
    const double m1 = sums[j] / rows;
    const double var = std::max(0.0, sums[c + j] / rows - m1 * m1);
    const double mu = m1 + x[j];
    const double rstd = 1.0 / std::sqrt(var + epsilon);
    mean[j] = static_cast<float>(mu);
    variance[j] = static_cast<float>(var);
    scale[j] = static_cast<float>(gamma[j] * rstd);
    shift[j] = static_cast<float>(beta[j] - mu * gamma[j] * rstd);
  }
  const float* a = scale.data();
  const float* b = shift.data();
  if (!relu) normalise<false, false>(x, a, b, nullptr, y, rows, c);
  else if (residual != nullptr) normalise<true, true>(x, a, b, residual, y, rows, c);
  else normalise<false, true>(x, a, b, nullptr, y, rows, c);
}

void batchNormRunningUpdate(const float* mean, const float* variance, const float* meanIn,
                            const float* varIn, float* meanOut, float* varOut, int64_t rows,
                            int64_t channels, double momentum) {
  const double unbiased = rows > 1 ? static_cast<double>(rows) / static_cast<double>(rows - 1) : 1.0;
  const float keep = static_cast<float>(1.0 - momentum);
  const float m = static_cast<float>(momentum);
  const float mv = static_cast<float>(momentum * unbiased);
  for (int64_t j = 0; j < channels; j++) {
    meanOut[j] = meanIn[j] * keep + mean[j] * m;
    varOut[j] = varIn[j] * keep + variance[j] * mv;
  }
}

void batchNormBackward(const float* dy, const float* x, const float* mean, const float* variance,
                       const float* gamma, float* dx, float* dgamma, float* dbeta, int64_t rows,
                       int64_t channels, float epsilon) {
  const int64_t c = channels;
  std::vector<double> sums;  // [sum(dy), sum(dy * (x - mean))]
  columnSums(rows, c, 2, sums, [&](int64_t r, float* acc) {
    const float* dyr = dy + r * c;
    const float* xr = x + r * c;
    float* s1 = acc;
    float* s2 = acc + c;
    for (int64_t j = 0; j < c; j++) {
      s1[j] += dyr[j];
      s2[j] += dyr[j] * (xr[j] - mean[j]);
    }
  });
  // dx = dy * k2 + x * k1 + k0 with per-channel constants (one fused pass).
  std::vector<float> k2(static_cast<size_t>(c)), k1(static_cast<size_t>(c)),
      k0(static_cast<size_t>(c));
  for (int64_t j = 0; j < c; j++) {
    const double rstd = 1.0 / std::sqrt(static_cast<double>(variance[j]) + epsilon);
    const double db = sums[j];
    const double dg = sums[c + j] * rstd;
    dbeta[j] = static_cast<float>(db);
    dgamma[j] = static_cast<float>(dg);
    const double a = gamma[j] * rstd;
    const double kx = -a * rstd * dg / rows;  // coefficient of (x - mean)
    k2[j] = static_cast<float>(a);
    k1[j] = static_cast<float>(kx);
    k0[j] = static_cast<float>(-a * db / rows - kx * mean[j]);
  }
  const float* p2 = k2.data();
  const float* p1 = k1.data();
  const float* p0 = k0.data();
#pragma omp parallel for schedule(static) if (rows * c >= kParallelMin)
  for (int64_t r = 0; r < rows; r++) {
    const float* dyr = dy + r * c;
    const float* xr = x + r * c;
    float* o = dx + r * c;
    for (int64_t j = 0; j < c; j++) o[j] = dyr[j] * p2[j] + xr[j] * p1[j] + p0[j];
  }
}

void reluGrad(const float* dy, const float* x, float* out, int64_t n) {
  // dy * step(x) with step's NaN rule, as two selects and a product: no branch, so the loop
  // vectorises. The branchy form (v > 0 ? 1 : isnan(v) ? v : 0) did not, and mispredicted on
  // the sign of every activation: 6-7x slower than the forward ReLU on the same tensor.
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; i++) {
    const float v = x[i];
    float m = v > 0.0f ? 1.0f : 0.0f;
    m = v != v ? v : m;  // NaN: dy * NaN
    out[i] = dy[i] * m;
  }
}

void softmaxCrossEntropy(const float* logits, const float* y, float* loss, float* residual,
                         int64_t rows, int64_t classes, float scale) {
  const int64_t k = classes;
  // expf dominates (~20 cycles an element): both threads from fewer elements than a copy.
#pragma omp parallel for schedule(static) if (rows * k >= kParallelMin / 8)
  for (int64_t r = 0; r < rows; r++) {
    const float* lr = logits + r * k;
    const float* yr = y + r * k;
    float* out = residual + r * k;
    float top = lr[0];
    for (int64_t j = 1; j < k; j++) top = std::max(top, lr[j]);
    double sum = 0;
    double dot = 0;
    for (int64_t j = 0; j < k; j++) {
      const float shifted = lr[j] - top;
      const float e = std::exp(shifted);
      out[j] = e;
      sum += e;
      dot += static_cast<double>(shifted) * yr[j];
    }
    loss[r] = static_cast<float>(std::log(sum) - dot);
    const float inv = static_cast<float>(1.0 / sum);
    for (int64_t j = 0; j < k; j++) out[j] = (out[j] * inv - yr[j]) * scale;
  }
}

}  // namespace genrep

