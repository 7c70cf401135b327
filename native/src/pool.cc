#include "pool.h"

#include <vector>

namespace genrep {

namespace {
// Below this many elements one thread is faster than waking the others.
constexpr int64_t kParallelMin = 1 << 15;
}  // namespace

void meanPool(const float* x, float* out, int64_t n, int64_t area, int64_t c) {
  const float divisor = static_cast<float>(area);
#pragma omp parallel for schedule(static) if (n * area * c >= kParallelMin)
  for (int64_t i = 0; i < n; i++) {
    float* o = out + i * c;
    const float* xi = x + i * area * c;
    for (int64_t k = 0; k < c; k++) o[k] = 0.0f;
    // Per channel a sequential float sum over the positions (vectorised across channels).
    for (int64_t a = 0; a < area; a++) {
      const float* row = xi + a * c;
      for (int64_t k = 0; k < c; k++) o[k] += row[k];
    }
    for (int64_t k = 0; k < c; k++) o[k] /= divisor;
  }
}

void meanPoolGrad(const float* dy, float* dx, int64_t n, int64_t area, int64_t c) {
  const float divisor = static_cast<float>(area);
  const int64_t rows = n * area;
#pragma omp parallel for schedule(static) if (rows * c >= kParallelMin)
  for (int64_t r = 0; r < rows; r++) {
    const float* d = dy + (r / area) * c;
    float* o = dx + r * c;
    for (int64_t k = 0; k < c; k++) o[k] = d[k] / divisor;
  }
}

}  // namespace genrep
