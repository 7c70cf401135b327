// 2-D convolution (forward, backward-data, backward-weights) with oneDNN on tfjs layouts:
// activations NHWC, filters HWIO [KH, KW, CI, CO].
#pragma once

#include <cstdint>
#include <string>

namespace genrep {

enum class ConvKind : int {
  /** a = x [N,H,W,CI], b = filter [KH,KW,CI,CO], out = y [N,OH,OW,CO]. */
  kForward = 0,
  /** a = dy [N,OH,OW,CO], b = filter, out = dx [N,H,W,CI] (also transposed conv). */
  kBackwardData = 1,
  /** a = x, b = dy, out = dfilter [KH,KW,CI,CO]. */
  kBackwardWeights = 2,
};

/** Shapes and attributes of one convolution. Dilation 1 means none (tfjs convention). */
struct ConvParams {
  int64_t n, h, w, ci;      // input  [N, H, W, CI]
  int64_t oh, ow, co;       // output [N, OH, OW, CO]
  int64_t kh, kw;           // filter [KH, KW, CI, CO]
  int64_t strideH, strideW;
  int64_t padTop, padLeft, padBottom, padRight;
  int64_t dilationH, dilationW;

  int64_t inputElements() const { return n * h * w * ci; }
  int64_t outputElements() const { return n * oh * ow * co; }
  int64_t filterElements() const { return kh * kw * ci * co; }
  /** Empty when consistent, else what is wrong. */
  std::string validate() const;
};

/** How activations are laid out inside oneDNN. */
enum class ConvLayout : int {
  /** Activations stay NHWC (no reorders); filters reordered to the primitive's format. */
  kNhwc = 0,
  /** oneDNN picks blocked formats for everything; tensors are reordered in and out. */
  kBlocked = 1,
};

void setConvLayout(ConvLayout layout);
ConvLayout convLayout();

/** Which convolution algorithms a plan may use. */
enum class ConvAlgorithm : int {
  /** Winograd where it is measured faster (convWinograd in conv.cc), else direct. */
  kAuto = 0,
  /** Direct convolution only. */
  kDirect = 1,
};

/** Sets the algorithms of later plans made on this thread (default kAuto). */
void setConvAlgorithm(ConvAlgorithm algorithm);
ConvAlgorithm convAlgorithm();

/**
 * Runs one convolution; pointers are tfjs tensors in the layouts above. Throws on error.
 * aKey / bKey > 0: the input's reordered (e.g. bf16) copy is kept under that tensor key for a
 * later call that reads the same tensor (copies.h); 0: made in scratch and not kept.
 */
void runConv(ConvKind kind, const ConvParams& p, const float* a, const float* b, float* out,
             int64_t aKey = 0, int64_t bKey = 0);

/** The oneDNN implementation chosen for a convolution, e.g. "jit:avx2". */
std::string describeConv(ConvKind kind, const ConvParams& p);

/** Drops every cached convolution plan of this thread. */
void clearConvCache();

}  // namespace genrep
