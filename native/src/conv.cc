#include "conv.h"

#include <atomic>
#include <memory>
#include <sstream>
#include <unordered_map>
#include <vector>

#include "copies.h"
#include "engine.h"
#include "precision.h"

namespace genrep {

using dnnl::memory;
using tag = dnnl::memory::format_tag;

namespace {

// NHWC measured faster than blocked formats plus reorders for every training shape tried,
// on AVX2 (2-5x) and AVX-512 (1.1-1.9x): see bench/native-kernels.ts.
std::atomic<int> gLayout{static_cast<int>(ConvLayout::kNhwc)};
thread_local ConvAlgorithm tAlgorithm = ConvAlgorithm::kAuto;

/** One tensor argument of a primitive: the user's plain layout and the primitive's. */
struct PlanArg {
  int dnnlArg = 0;
  memory::desc userMd;
  memory::desc primMd;
  bool reordered = false;
  dnnl::reorder reorder;  // user -> prim for inputs, prim -> user for the output
  int slot = 0;           // scratch slot holding the reordered copy
};

/** A ready-to-run convolution: primitive, its three tensor arguments, scratchpad. */
struct ConvPlan {
  dnnl::primitive prim;
  PlanArg a, b, out;
  memory::desc scratchpadMd;
  std::string impl;
};

memory::dims dims(std::initializer_list<int64_t> v) { return memory::dims(v); }

/**
 * Whether a backward-weights convolution runs in fp32 under bf16 mixed precision: strided
 * filters larger than 1x1. oneDNN 2.6's jit_bf16 kernel for these splits the batch over
 * threads and waits for both at a spinning barrier; with the cores shared by another process
 * it measured 50-150 times its quiet time (docs/performance.md, "bf16 under contention"),
 * while the fp32 kernel slows about twofold, as sharing two cores should. On one thread the
 * bf16 kernel was slower than the fp32 one on two (Zen 5: 67 against 50 ms a step for the
 * three layers, before the two bf16 reorders it also needs). Fixed by shape, not by load, so
 * that results never depend on the machine's load.
 */
bool fp32BackwardWeights(const ConvParams& p) {
  return precision() == Precision::kBf16 && (p.strideH > 1 || p.strideW > 1) &&
         (p.kh > 1 || p.kw > 1);
}

/**
 * Whether a convolution runs oneDNN's fp32 Winograd F(4x4, 3x3) (jit_wino_4x3) instead of the
 * direct algorithm: 3x3, stride 1, no dilation, pads of at most 1, channels in multiples of 16,
 * and outputs of at most 16x16 per image (4x4 under bf16). Winograd works in a blocked
 * layout, so each call reorders its activations from and to NHWC. On the Zen 5 dev machine
 * (2 threads, batch 512; bench/results/2026-12-04-zen5-winograd/layers.txt) the three passes
 * with six activation reorders took 90 against 102 ms direct at 16x16x64, 56 against 83 at
 * 8x8x128 and 31 against 71 at 4x4x256, while at 32x32x32 the reorders cost more than it saves
 * (132 against 94 ms); against bf16's direct passes (oneDNN's Winograd is fp32 only) it wins at
 * 4x4x256 only (31 against 43 ms), so under bf16 those
 * layers run fp32 Winograd. Its rounding differs from the direct sum's by a few fp32 ulps.
 */
bool convWinograd(const ConvParams& p) {
  const int64_t maxPixels = precision() == Precision::kBf16 ? 4 * 4 : 16 * 16;
  return tAlgorithm == ConvAlgorithm::kAuto && p.kh == 3 && p.kw == 3 && p.strideH == 1 &&
         p.strideW == 1 && p.dilationH == 1 && p.dilationW == 1 && p.padTop <= 1 &&
         p.padLeft <= 1 && p.padBottom <= 1 && p.padRight <= 1 && p.ci % 16 == 0 &&
         p.co % 16 == 0 && p.oh * p.ow <= maxPixels;
}

PlanArg makeArg(int dnnlArg, const memory::desc& userMd, const memory::desc& primMd,
                bool isOutput, int slot) {
  PlanArg arg;
  arg.dnnlArg = dnnlArg;
  arg.userMd = userMd;
  arg.primMd = primMd;
  arg.slot = slot;
  arg.reordered = userMd != primMd;
  if (arg.reordered) {
    auto& eng = cpuEngine();
    arg.reorder = isOutput ? dnnl::reorder(dnnl::reorder::primitive_desc(eng, primMd, eng, userMd))
                           : dnnl::reorder(dnnl::reorder::primitive_desc(eng, userMd, eng, primMd));
  }
  return arg;
}

std::unique_ptr<ConvPlan> makePlan(ConvKind kind, const ConvParams& p, ConvLayout layout,
                                   dnnl::algorithm algo) {
  auto& eng = cpuEngine();
  const auto dt = memory::data_type::f32;
  const memory::dims srcDims = dims({p.n, p.ci, p.h, p.w});
  const memory::dims weiDims = dims({p.co, p.ci, p.kh, p.kw});
  const memory::dims dstDims = dims({p.n, p.co, p.oh, p.ow});
  const memory::dims strides = dims({p.strideH, p.strideW});
  const memory::dims dilates = dims({p.dilationH - 1, p.dilationW - 1});
  const memory::dims padL = dims({p.padTop, p.padLeft});
  const memory::dims padR = dims({p.padBottom, p.padRight});

  const memory::desc userSrc(srcDims, dt, tag::nhwc);
  const memory::desc userWei(weiDims, dt, tag::hwio);
  const memory::desc userDst(dstDims, dt, tag::nhwc);
  const bool winograd = algo == dnnl::algorithm::convolution_winograd;
  const tag actTag = layout == ConvLayout::kNhwc && !winograd ? tag::nhwc : tag::any;
  const memory::desc anySrc(srcDims, dt, actTag);
  const memory::desc anyWei(weiDims, dt, tag::any);
  const memory::desc anyDst(dstDims, dt, actTag);
  // Mixed precision (precision.h): the primitive reads bf16 copies of its two inputs (made
  // by makeArg's reorders) and writes float32. `in*` are the input descriptors, `out*` the
  // output ones; under fp32 they are the same. The fp32 backward-weights exception plans
  // exactly as fp32 does (its forward hint included), as does Winograd (fp32 only).
  const bool fp32Weights = kind == ConvKind::kBackwardWeights && fp32BackwardWeights(p);
  const auto it = fp32Weights || winograd ? dt : inputType();
  const memory::desc inSrc(srcDims, it, actTag);
  const memory::desc inWei(weiDims, it, tag::any);
  const memory::desc inDst(dstDims, it, actTag);

  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);

  dnnl::convolution_forward::desc fwdDesc(dnnl::prop_kind::forward_training, algo, inSrc,
                                          inWei, anyDst, strides, dilates, padL, padR);
  dnnl::convolution_forward::primitive_desc fwdPd(fwdDesc, attr, eng);

  auto plan = std::make_unique<ConvPlan>();
  switch (kind) {
    case ConvKind::kForward: {
      plan->prim = dnnl::convolution_forward(fwdPd);
      plan->a = makeArg(DNNL_ARG_SRC, userSrc, fwdPd.src_desc(), false, 0);
      plan->b = makeArg(DNNL_ARG_WEIGHTS, userWei, fwdPd.weights_desc(), false, 1);
      plan->out = makeArg(DNNL_ARG_DST, userDst, fwdPd.dst_desc(), true, 2);
      plan->scratchpadMd = fwdPd.scratchpad_desc();
      plan->impl = fwdPd.impl_info_str();
      break;
    }
    case ConvKind::kBackwardData: {
      dnnl::convolution_backward_data::desc d(algo, anySrc, inWei, inDst, strides, dilates,
                                              padL, padR);
      dnnl::convolution_backward_data::primitive_desc pd(d, attr, eng, fwdPd);
      plan->prim = dnnl::convolution_backward_data(pd);
      plan->a = makeArg(DNNL_ARG_DIFF_DST, userDst, pd.diff_dst_desc(), false, 0);
      plan->b = makeArg(DNNL_ARG_WEIGHTS, userWei, pd.weights_desc(), false, 1);
      plan->out = makeArg(DNNL_ARG_DIFF_SRC, userSrc, pd.diff_src_desc(), true, 2);
      plan->scratchpadMd = pd.scratchpad_desc();
      plan->impl = pd.impl_info_str();
      break;
    }
    case ConvKind::kBackwardWeights: {
      dnnl::convolution_backward_weights::desc d(algo, inSrc, anyWei, inDst, strides,
                                                 dilates, padL, padR);
      dnnl::convolution_backward_weights::primitive_desc pd(d, attr, eng, fwdPd);
      plan->prim = dnnl::convolution_backward_weights(pd);
      plan->a = makeArg(DNNL_ARG_SRC, userSrc, pd.src_desc(), false, 0);
      plan->b = makeArg(DNNL_ARG_DIFF_DST, userDst, pd.diff_dst_desc(), false, 1);
      plan->out = makeArg(DNNL_ARG_DIFF_WEIGHTS, userWei, pd.diff_weights_desc(), true, 2);
      plan->scratchpadMd = pd.scratchpad_desc();
      plan->impl = pd.impl_info_str();
      if (fp32Weights) plan->impl += " (fp32)";
      break;
    }
  }
  return plan;
}

/** The plan for a convolution: Winograd where convWinograd() picks it and oneDNN has it, else direct. */
std::unique_ptr<ConvPlan> makePlan(ConvKind kind, const ConvParams& p, ConvLayout layout) {
  if (convWinograd(p)) {
    try {
      return makePlan(kind, p, layout, dnnl::algorithm::convolution_winograd);
    } catch (const dnnl::error&) {
      // this CPU's oneDNN has no Winograd kernel for the shape (it needs AVX-512): direct
    }
  }
  return makePlan(kind, p, layout, dnnl::algorithm::convolution_direct);
}

std::string planKey(ConvKind kind, const ConvParams& p, ConvLayout layout) {
  std::ostringstream k;
  k << static_cast<int>(kind) << ':' << static_cast<int>(layout) << ':'
    << static_cast<int>(precision()) << ':' << static_cast<int>(tAlgorithm);
  for (int64_t v : {p.n, p.h, p.w, p.ci, p.oh, p.ow, p.co, p.kh, p.kw, p.strideH, p.strideW,
                    p.padTop, p.padLeft, p.padBottom, p.padRight, p.dilationH, p.dilationW}) {
    k << ',' << v;
  }
  return k.str();
}

/** Cached plans of this thread, by shape; training repeats a handful of shapes. */
constexpr std::size_t kMaxPlans = 512;
thread_local std::unordered_map<std::string, std::unique_ptr<ConvPlan>> plans;

const ConvPlan& planFor(ConvKind kind, const ConvParams& p) {
  const ConvLayout layout = convLayout();
  const std::string key = planKey(kind, p, layout);
  auto it = plans.find(key);
  if (it != plans.end()) return *it->second;
  auto plan = makePlan(kind, p, layout);
  if (plans.size() >= kMaxPlans) plans.clear();  // bound memory when shapes keep changing
  return *plans.emplace(key, std::move(plan)).first->second;
}

/**
 * The memory the primitive reads or writes for `arg`; reorders an input into it, into the
 * copy kept for tensor `key` (copies.h) where key > 0, else into scratch.
 */
memory bindArg(const PlanArg& arg, void* userPtr, bool isOutput, int64_t key, dnnl::stream& s) {
  auto& eng = cpuEngine();
  memory user(arg.userMd, eng, userPtr);
  if (!arg.reordered) return user;
  if (!isOutput && key > 0) return keptCopy(key, arg.primMd, user, arg.reorder, s);
  memory prim(arg.primMd, eng, scratch(arg.slot, arg.primMd.get_size()));
  if (!isOutput) arg.reorder.execute(s, user, prim);
  return prim;
}

}  // namespace

std::string ConvParams::validate() const {
  for (int64_t v : {n, h, w, ci, oh, ow, co, kh, kw, strideH, strideW, dilationH, dilationW}) {
    if (v < 1) return "sizes, strides and dilations must be positive";
  }
  for (int64_t v : {padTop, padLeft, padBottom, padRight}) {
    if (v < 0) return "pads must not be negative";
  }
  const int64_t khEff = (kh - 1) * dilationH + 1;
  const int64_t kwEff = (kw - 1) * dilationW + 1;
  const int64_t spanH = h + padTop + padBottom - khEff;
  const int64_t spanW = w + padLeft + padRight - kwEff;
  if (spanH < 0 || spanW < 0) return "filter larger than padded input";
  if (spanH / strideH + 1 != oh || spanW / strideW + 1 != ow) {
    std::ostringstream m;
    m << "output " << oh << "x" << ow << " does not match input " << h << "x" << w
      << ", filter, strides and pads (expected " << spanH / strideH + 1 << "x"
      << spanW / strideW + 1 << ")";
    return m.str();
  }
  return "";
}

void setConvLayout(ConvLayout layout) { gLayout.store(static_cast<int>(layout)); }

ConvLayout convLayout() { return static_cast<ConvLayout>(gLayout.load()); }

void setConvAlgorithm(ConvAlgorithm algorithm) { tAlgorithm = algorithm; }

ConvAlgorithm convAlgorithm() { return tAlgorithm; }

void runConv(ConvKind kind, const ConvParams& p, const float* a, const float* b, float* out,
             int64_t aKey, int64_t bKey) {
  const ConvPlan& plan = planFor(kind, p);
  dnnl::stream& s = threadStream();
  memory aMem = bindArg(plan.a, const_cast<float*>(a), false, aKey, s);
  memory bMem = bindArg(plan.b, const_cast<float*>(b), false, bKey, s);
  memory outMem = bindArg(plan.out, out, true, 0, s);
  memory scratchpad(plan.scratchpadMd, cpuEngine(), scratch(3, plan.scratchpadMd.get_size()));
  plan.prim.execute(s, {{plan.a.dnnlArg, aMem},
                        {plan.b.dnnlArg, bMem},
                        {plan.out.dnnlArg, outMem},
                        {DNNL_ARG_SCRATCHPAD, scratchpad}});
  if (plan.out.reordered) {
    memory user(plan.out.userMd, cpuEngine(), out);
    plan.out.reorder.execute(s, outMem, user);
  }
  s.wait();
}

std::string describeConv(ConvKind kind, const ConvParams& p) { return planFor(kind, p).impl; }

void clearConvCache() { plans.clear(); }

}  // namespace genrep
