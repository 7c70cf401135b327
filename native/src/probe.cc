#include "probe.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

// Vector types wider than the baseline ISA are only used inside the target-specific chunk
// functions below (everything they call is always_inline); GCC's note about their ABI
// concerns passing them across functions, which never happens here.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace genrep {

namespace {

// Classes computed together: kRows x kClassBlock accumulators stay in registers. The
// classes are padded with zero weights to a multiple of it (K = 10: no padding).
constexpr int kClassBlock = 5;
// Columns of the transposed weights and of a partial are padded to a multiple of this.
constexpr int64_t kColumnAlign = 16;
// Most rows a tile holds (the AVX-512 path's).
constexpr int kMaxTileRows = 4;

struct Problem {
  const float* x;  // [rows, cols]
  int64_t rows;
  int64_t cols;
  const int32_t* labels;  // [rows]
  int64_t classes;
  int64_t paddedClasses;  // a multiple of kClassBlock
  int64_t stride;         // padded columns: a multiple of kColumnAlign
  const float* wt;        // W^T [paddedClasses, stride], zero beyond cols and classes
};

template <typename V>
inline __attribute__((always_inline)) V loadVec(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <typename V>
inline __attribute__((always_inline)) void storeVec(float* p, const V& v) {
  std::memcpy(p, &v, sizeof v);
}

/** Sum of the lanes by halving (a fixed order: the same bits every call). */
template <typename V, int kLanes>
inline __attribute__((always_inline)) float laneSum(const V& v) {
  float lanes[kLanes];
  std::memcpy(lanes, &v, sizeof v);
  for (int width = kLanes / 2; width >= 1; width /= 2) {
    for (int i = 0; i < width; i++) lanes[i] += lanes[i + width];
  }
  return lanes[0];
}

/**
 * kRows rows from r0: their logits, softmax and losses, and x_rows^T residual added to
 * g [paddedClasses, stride]. scratch holds kRows * paddedClasses floats. Returns the rows'
 * loss sum.
 */
template <typename V, int kLanes, int kRows>
inline __attribute__((always_inline)) double tile(const Problem& p, int64_t r0, float* g,
                                                  float* scratch) {
  const int64_t cols = p.cols;
  const int64_t cp = p.paddedClasses;
  const int64_t vecEnd = cols / kLanes * kLanes;
  const float* xr[kRows];
  for (int i = 0; i < kRows; i++) xr[i] = p.x + (r0 + i) * cols;
  float* logits = scratch;  // [kRows, cp], then the residual in place

  // logits = x_rows W  [kRows, cp]
  for (int64_t kb = 0; kb < cp; kb += kClassBlock) {
    V acc[kRows][kClassBlock];
    for (int i = 0; i < kRows; i++)
      for (int j = 0; j < kClassBlock; j++) acc[i][j] = V{};
    const float* w = p.wt + kb * p.stride;
    for (int64_t d = 0; d < vecEnd; d += kLanes) {
      V xv[kRows];
      for (int i = 0; i < kRows; i++) xv[i] = loadVec<V>(xr[i] + d);
      for (int j = 0; j < kClassBlock; j++) {
        const V wv = loadVec<V>(w + j * p.stride + d);
        for (int i = 0; i < kRows; i++) acc[i][j] += xv[i] * wv;
      }
    }
    for (int i = 0; i < kRows; i++) {
      for (int j = 0; j < kClassBlock; j++) {
        float s = laneSum<V, kLanes>(acc[i][j]);
        const float* wj = w + j * p.stride;
        for (int64_t d = vecEnd; d < cols; d++) s += xr[i][d] * wj[d];
        logits[i * cp + kb + j] = s;
      }
    }
  }

  // softmax, loss and residual softmax - onehot(y) per row (the padded classes get 0)
  double loss = 0;
  for (int i = 0; i < kRows; i++) {
    float* l = logits + i * cp;
    const int64_t y = p.labels[r0 + i];
    float top = l[0];
    for (int64_t k = 1; k < p.classes; k++) top = std::max(top, l[k]);
    double sum = 0;
    for (int64_t k = 0; k < p.classes; k++) {
      const float e = std::exp(l[k] - top);
      sum += e;
      if (k == y) loss -= static_cast<double>(l[k] - top);
      l[k] = e;
    }
    loss += std::log(sum);
    const float inv = static_cast<float>(1.0 / sum);
    for (int64_t k = 0; k < p.classes; k++) l[k] = l[k] * inv - (k == y ? 1.0f : 0.0f);
    for (int64_t k = p.classes; k < cp; k++) l[k] = 0;
  }

  // g += x_rows^T residual, class-major [cp, stride]
  const float* res = logits;
  for (int64_t kb = 0; kb < cp; kb += kClassBlock) {
    V rv[kRows][kClassBlock];
    for (int i = 0; i < kRows; i++)
      for (int j = 0; j < kClassBlock; j++) rv[i][j] = V{} + res[i * cp + kb + j];
    float* gb = g + kb * p.stride;
    for (int64_t d = 0; d < vecEnd; d += kLanes) {
      V xv[kRows];
      for (int i = 0; i < kRows; i++) xv[i] = loadVec<V>(xr[i] + d);
      // While these rows are in cache, ask for the next tile's (the forward pass streams them).
      if (kb == 0) {
        for (int i = 0; i < kRows; i++) __builtin_prefetch(xr[i] + kRows * cols + d);
      }
      for (int j = 0; j < kClassBlock; j++) {
        V a = loadVec<V>(gb + j * p.stride + d);
        for (int i = 0; i < kRows; i++) a += xv[i] * rv[i][j];
        storeVec<V>(gb + j * p.stride + d, a);
      }
    }
    for (int64_t d = vecEnd; d < cols; d++) {
      for (int j = 0; j < kClassBlock; j++) {
        float a = gb[j * p.stride + d];
        for (int i = 0; i < kRows; i++) a += xr[i][d] * res[i * cp + kb + j];
        gb[j * p.stride + d] = a;
      }
    }
  }
  return loss;
}

/** Rows [begin, end): g [paddedClasses, stride] set to their x^T residual; returns their loss sum. */
template <typename V, int kLanes, int kRows>
inline __attribute__((always_inline)) double chunk(const Problem& p, int64_t begin, int64_t end,
                                                   float* g, float* scratch) {
  std::fill(g, g + p.paddedClasses * p.stride, 0.0f);
  double loss = 0;
  int64_t r = begin;
  for (; r + kRows <= end; r += kRows) loss += tile<V, kLanes, kRows>(p, r, g, scratch);
  for (; r < end; r++) loss += tile<V, kLanes, 1>(p, r, g, scratch);
  return loss;
}

typedef float V16 __attribute__((vector_size(64)));
typedef float V8 __attribute__((vector_size(32)));
typedef float V4 __attribute__((vector_size(16)));

using ChunkFn = double (*)(const Problem&, int64_t, int64_t, float*, float*);

__attribute__((target("avx512f"))) double chunk512(const Problem& p, int64_t begin, int64_t end,
                                                   float* g, float* scratch) {
  return chunk<V16, 16, 4>(p, begin, end, g, scratch);
}
__attribute__((target("avx2"))) double chunk256(const Problem& p, int64_t begin, int64_t end,
                                                float* g, float* scratch) {
  return chunk<V8, 8, 2>(p, begin, end, g, scratch);
}
double chunk128(const Problem& p, int64_t begin, int64_t end, float* g, float* scratch) {
  return chunk<V4, 4, 2>(p, begin, end, g, scratch);
}

ChunkFn chooseChunk() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return chunk512;
  if (__builtin_cpu_supports("avx2")) return chunk256;
  return chunk128;
}

}  // namespace

double softmaxRegressionSums(const float* x, int64_t rows, int64_t cols, const int32_t* labels,
                             int64_t classes, const double* weights, double* gradient) {
  const int64_t cp = (classes + kClassBlock - 1) / kClassBlock * kClassBlock;
  const int64_t stride = (cols + kColumnAlign - 1) / kColumnAlign * kColumnAlign;
  const int64_t partialSize = cp * stride;
  // Scratch kept between calls (a fit calls this thousands of times with the same sizes).
  thread_local std::vector<float> wt;
  thread_local std::vector<float> partials;
  wt.assign(static_cast<size_t>(partialSize), 0.0f);
  for (int64_t d = 0; d < cols; d++) {
    for (int64_t k = 0; k < classes; k++) {
      wt[k * stride + d] = static_cast<float>(weights[d * classes + k]);
    }
  }
  const int64_t chunks = (rows + kProbeChunkRows - 1) / kProbeChunkRows;
  partials.resize(static_cast<size_t>(chunks * partialSize));
  std::vector<double> losses(static_cast<size_t>(chunks));
  const Problem p{x, rows, cols, labels, classes, cp, stride, wt.data()};
  static const ChunkFn fn = chooseChunk();
  float* parts = partials.data();
  double* chunkLoss = losses.data();

#pragma omp parallel if (chunks > 1)
  {
    std::vector<float> scratch(static_cast<size_t>(kMaxTileRows * cp));
    // Which thread runs a chunk does not matter: each chunk writes only its own partial.
#pragma omp for schedule(dynamic, 1)
    for (int64_t c = 0; c < chunks; c++) {
      const int64_t begin = c * kProbeChunkRows;
      const int64_t end = std::min(rows, begin + kProbeChunkRows);
      chunkLoss[c] = fn(p, begin, end, parts + c * partialSize, scratch.data());
    }
  }

  // gradient = the partials added in chunk order, in float64; threads split the columns.
  constexpr int64_t kColumnBlock = 256;
  const int64_t columnBlocks = (cols + kColumnBlock - 1) / kColumnBlock;
#pragma omp parallel for schedule(static) if (chunks * partialSize >= (1 << 18))
  for (int64_t b = 0; b < columnBlocks; b++) {
    const int64_t d0 = b * kColumnBlock;
    const int64_t d1 = std::min(cols, d0 + kColumnBlock);
    for (int64_t d = d0; d < d1; d++) {
      for (int64_t k = 0; k < classes; k++) gradient[d * classes + k] = 0;
    }
    for (int64_t c = 0; c < chunks; c++) {
      const float* part = parts + c * partialSize;
      for (int64_t k = 0; k < classes; k++) {
        const float* row = part + k * stride;
        for (int64_t d = d0; d < d1; d++) gradient[d * classes + k] += row[d];
      }
    }
  }
  double loss = 0;
  for (int64_t c = 0; c < chunks; c++) loss += chunkLoss[c];
  return loss;
}

}  // namespace genrep
