#include "peak.h"

#include <omp.h>

#include <chrono>

namespace genrep {

namespace {

// Twelve independent accumulators hide the FMA latency (4-5 cycles on two pipes). Each
// returns the FLOPs it did; the sum is returned too so the compiler cannot drop the work.
// always_inline: compiled inside each target-specific caller, with that caller's ISA.
template <typename V, int kLanes>
inline __attribute__((always_inline)) double chains(long iterations, float* sink) {
  V acc[12];
  const V a = V{} + 0.999999f;
  const V b = V{} + 1e-7f;
  for (int i = 0; i < 12; i++) acc[i] = V{} + static_cast<float>(i);
  for (long it = 0; it < iterations; it++) {
    for (int i = 0; i < 12; i++) acc[i] = acc[i] * a + b;  // contracted to one FMA
  }
  float s = 0;
  for (int i = 0; i < 12; i++) s += acc[i][0];
  *sink = s;
  return 2.0 * 12 * kLanes * static_cast<double>(iterations);
}

typedef float V16 __attribute__((vector_size(64)));
typedef float V8 __attribute__((vector_size(32)));

__attribute__((target("avx512f,fma"))) double chains512(long n, float* sink) {
  return chains<V16, 16>(n, sink);
}
__attribute__((target("avx2,fma"))) double chains256(long n, float* sink) {
  return chains<V8, 8>(n, sink);
}
double chainsScalar(long n, float* sink) {
  typedef float V1 __attribute__((vector_size(4)));
  return chains<V1, 1>(n, sink);
}

}  // namespace

PeakResult measurePeak(double seconds) {
  __builtin_cpu_init();
  const bool has512 = __builtin_cpu_supports("avx512f");
  const bool has256 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  auto run = [&](long n, float* sink) {
    return has512 ? chains512(n, sink) : has256 ? chains256(n, sink) : chainsScalar(n, sink);
  };
  using Clock = std::chrono::steady_clock;
  double best = 0;
  int threads = 1;
  float sink = 0;
  // Every thread times its own short rounds (~10 ms) and keeps its best: on a shared
  // machine some rounds run without being preempted, so the sum of the per-thread bests
  // approaches the hardware's rate even when the whole-machine rate does not.
#pragma omp parallel reduction(+ : best)
  {
    float local = 0;
    double mine = 0;
    const auto start = Clock::now();
    while (std::chrono::duration<double>(Clock::now() - start).count() < seconds) {
      const auto t0 = Clock::now();
      const double flops = run(1000000, &local);
      const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
      if (flops / dt > mine) mine = flops / dt;
    }
    best += mine;
#pragma omp atomic
    sink += local;
#pragma omp master
    threads = omp_get_num_threads();
  }
  volatile float keep = sink;
  (void)keep;
  return {best / 1e9, threads, has512 ? "avx512f" : has256 ? "avx2" : "scalar"};
}

}  // namespace genrep
