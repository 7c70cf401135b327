// Global average pooling over NHWC activations (a ResNet's last layer) and its gradient,
// OpenMP over all cores; tfjs's wasm Mean transposes first and runs on one thread.
#pragma once

#include <cstdint>

namespace genrep {

/**
 * x [n, area, c] -> out [n, c] = (x[., 0, .] + x[., 1, .] + ... in float, in that order) / area:
 * the bits of tfjs's wasm Mean over axes [1, 2] (a float sum per output, then one division).
 */
void meanPool(const float* x, float* out, int64_t n, int64_t area, int64_t c);

/** dy [n, c] -> dx [n, area, c] = dy / area (the bits of tfjs's Mean gradient). */
void meanPoolGrad(const float* dy, float* dx, int64_t n, int64_t area, int64_t c);

}  // namespace genrep
