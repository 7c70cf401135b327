// Optimizer updates over all of a model's parameters in one call.
#pragma once

#include <cstdint>

namespace genrep {

/** One parameter of an SGD step: p, its gradient g and momentum buffer v, n floats each. */
struct SgdParam {
  float* p;
  const float* g;
  float* v;
  int64_t n;
  /** Whether weight decay applies to this parameter. */
  bool decay;
};

/**
 * PyTorch's SGD, in place, for every parameter, all threads splitting the concatenated
 * elements evenly (parameters of a few floats cost no thread start of their own):
 *   d = decay ? g + p * weightDecay : g;  v = v * momentum + d;
 *   p = p - (nesterov ? d + v * momentum : v) * lr
 * in float, one rounding per operation (the tfjs ops' arithmetic, bit for bit, with
 * -ffp-contract=off). g may alias neither p nor v of another parameter.
 */
void sgdStep(const SgdParam* params, int64_t count, float lr, float momentum, float weightDecay,
             bool nesterov);

}  // namespace genrep
