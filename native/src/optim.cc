#include "optim.h"

#include <omp.h>

#include <algorithm>
#include <vector>

namespace genrep {

namespace {

// Below this many elements in all one thread is faster than waking the others.
constexpr int64_t kParallelMin = 1 << 15;

template <bool kNesterov>
void update(const SgdParam& q, int64_t begin, int64_t end, float lr, float momentum, float wd) {
  float* p = q.p;
  float* v = q.v;
  const float* g = q.g;
  if (q.decay) {
    for (int64_t i = begin; i < end; i++) {
      const float d = g[i] + p[i] * wd;
      const float vi = v[i] * momentum + d;
      v[i] = vi;
      p[i] = p[i] - (kNesterov ? d + vi * momentum : vi) * lr;
    }
  } else {
    for (int64_t i = begin; i < end; i++) {
      const float d = g[i];
      const float vi = v[i] * momentum + d;
      v[i] = vi;
      p[i] = p[i] - (kNesterov ? d + vi * momentum : vi) * lr;
    }
  }
}

}  // namespace

void sgdStep(const SgdParam* params, int64_t count, float lr, float momentum, float weightDecay,
             bool nesterov) {
  // starts[k]: index of parameter k's first element in the concatenation of all of them.
  std::vector<int64_t> starts(static_cast<size_t>(count) + 1, 0);
  for (int64_t k = 0; k < count; k++) starts[k + 1] = starts[k] + params[k].n;
  const int64_t total = starts[count];
#pragma omp parallel if (total >= kParallelMin)
  {
    const int64_t threads = omp_get_num_threads();
    const int64_t t = omp_get_thread_num();
    // Each thread's contiguous share of the concatenation, in multiples of 16 floats.
    const int64_t chunk = ((total + threads - 1) / threads + 15) / 16 * 16;
    const int64_t lo = std::min(total, t * chunk);
    const int64_t hi = std::min(total, lo + chunk);
    int64_t k = std::upper_bound(starts.begin(), starts.end(), lo) - starts.begin() - 1;
    for (int64_t at = lo; at < hi && k < count; k++) {
      const int64_t begin = at - starts[k];
      const int64_t end = std::min(hi, starts[k + 1]) - starts[k];
      if (nesterov) {
        update<true>(params[k], begin, end, lr, momentum, weightDecay);
      } else {
        update<false>(params[k], begin, end, lr, momentum, weightDecay);
      }
      at = starts[k] + end;
    }
  }
}

}  // namespace genrep
