// The machine's fp32 peak, measured: independent fused multiply-add chains on every core.
#pragma once

namespace genrep {

struct PeakResult {
  double gflops;   // all threads together
  int threads;
  const char* isa;  // "avx512f", "avx2" or "scalar"
};

/**
 * Runs FMA chains on all OpenMP threads for about `seconds`; returns the sum over threads of
 * each thread's best rate.
 */
PeakResult measurePeak(double seconds);

}  // namespace genrep
