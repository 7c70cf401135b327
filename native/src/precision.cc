#include "precision.h"

#include <atomic>
#include <stdexcept>

namespace genrep {

namespace {
std::atomic<int> gPrecision{static_cast<int>(Precision::kF32)};
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
  gPrecision.store(static_cast<int>(p));
}

Precision precision() { return static_cast<Precision>(gPrecision.load()); }

}  // namespace genrep
