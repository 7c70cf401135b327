// Compute precision of the oneDNN convolutions and matrix products (mixed precision).
// fp32: everything in float. bf16: the inputs of each convolution / matrix product are
// reordered to bfloat16 inside the primitive's call (the user's tensors, the master weights
// included, stay float32) and the output is float32; batch norm and the pointwise kernels
// stay float32. Only on CPUs whose oneDNN ISA has bf16 instructions (avx512_core_bf16 up).
// The precision is the calling thread's own: every other thread keeps fp32 until it sets one.
#pragma once

#include <dnnl.hpp>

namespace genrep {

enum class Precision : int {
  kF32 = 0,
  kBf16 = 1,
};

/** Whether this CPU runs oneDNN's bf16 convolutions and matrix products natively. */
bool bf16Supported();

/** Sets the precision of later calls from this thread; kBf16 throws where unsupported. */
void setPrecision(Precision p);

Precision precision();

/** The data type of a primitive's inputs under the current precision. */
inline dnnl::memory::data_type inputType() {
  return precision() == Precision::kBf16 ? dnnl::memory::data_type::bf16
                                         : dnnl::memory::data_type::f32;
}

}  // namespace genrep
