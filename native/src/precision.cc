#include "precision.h"

#include <stdexcept>

namespace genrep {

namespace {
// Per thread: a worker thread (the batch feed's generator) keeps fp32 while the training
// thread runs its step in bf16. Every read is on the thread that calls the kernel.
thread_local Precision tPrecision = Precision::kF32;
}  // namespace

bool bf16Supported() {
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::avx512_core_bf16:
    case dnnl::cpu_isa::avx512_core_amx:
      return true;
    default:
      return false;
  }
}

void setPrecision(Precision p) {
  if (p == Precision::kBf16 && !bf16Supported()) {
    throw std::runtime_error("this CPU has no bf16 instructions for oneDNN (needs avx512_core_bf16)");
  }
  tPrecision = p;
}

Precision precision() { return tPrecision; }

}  // namespace genrep
