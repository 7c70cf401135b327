#include "matmul.h"

#include <memory>
#include <sstream>
#include <unordered_map>

#include "engine.h"
#include "precision.h"

namespace genrep {

using dnnl::memory;

namespace {

struct MatMulPlan {
  dnnl::matmul prim;
  memory::desc aMd, bMd, outMd, scratchpadMd;
  // Mixed precision: the bf16 descriptors the primitive reads and the reorders into them.
  bool bf16 = false;
  memory::desc aLowMd, bLowMd;
  dnnl::reorder aToLow, bToLow;
};

/** Descriptor of a row-major [batch, rows, cols] matrix, read transposed when asked. */
memory::desc matrixDesc(int64_t batch, int64_t rows, int64_t cols, bool stored_transposed,
                        memory::data_type dt = memory::data_type::f32) {
  // Logical dims are [batch, rows, cols]; storage is [batch, cols, rows] when transposed.
  const memory::dims d = {batch, rows, cols};
  const memory::dims s = stored_transposed ? memory::dims{rows * cols, 1, rows}
                                           : memory::dims{rows * cols, cols, 1};
  return memory::desc(d, dt, s);
}

std::unique_ptr<MatMulPlan> makePlan(const MatMulParams& p) {
  auto plan = std::make_unique<MatMulPlan>();
  plan->aMd = matrixDesc(p.batchA, p.m, p.k, p.transposeA);
  plan->bMd = matrixDesc(p.batchB, p.k, p.n, p.transposeB);
  plan->outMd = matrixDesc(p.batch(), p.m, p.n, false);
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  plan->bf16 = precision() == Precision::kBf16;
  if (plan->bf16) {
    auto& eng = cpuEngine();
    plan->aLowMd = matrixDesc(p.batchA, p.m, p.k, p.transposeA, memory::data_type::bf16);
    plan->bLowMd = matrixDesc(p.batchB, p.k, p.n, p.transposeB, memory::data_type::bf16);
    plan->aToLow = dnnl::reorder(dnnl::reorder::primitive_desc(eng, plan->aMd, eng, plan->aLowMd));
    plan->bToLow = dnnl::reorder(dnnl::reorder::primitive_desc(eng, plan->bMd, eng, plan->bLowMd));
  }
  dnnl::matmul::desc d(plan->bf16 ? plan->aLowMd : plan->aMd, plan->bf16 ? plan->bLowMd : plan->bMd,
                       plan->outMd);
  dnnl::matmul::primitive_desc pd(d, attr, cpuEngine());
  plan->prim = dnnl::matmul(pd);
  plan->scratchpadMd = pd.scratchpad_desc();
  return plan;
}

/** Cached primitives of this thread, by shape. */
constexpr std::size_t kMaxPlans = 512;
thread_local std::unordered_map<std::string, std::unique_ptr<MatMulPlan>> plans;

}  // namespace

std::string MatMulParams::validate() const {
  for (int64_t v : {batchA, batchB, m, k, n}) {
    if (v < 1) return "matmul sizes must be positive";
  }
  if (batchA != batchB && batchA != 1 && batchB != 1) {
    return "matmul batch sizes must be equal or 1";
  }
  return "";
}

void runMatMul(const MatMulParams& p, const float* a, const float* b, float* out) {
  std::ostringstream k;
  k << p.batchA << ',' << p.batchB << ',' << p.m << ',' << p.k << ',' << p.n << ','
    << p.transposeA << p.transposeB << ':' << static_cast<int>(precision());
  const std::string key = k.str();
  auto it = plans.find(key);
  if (it == plans.end()) {
    auto plan = makePlan(p);
    if (plans.size() >= kMaxPlans) plans.clear();  // bound memory when shapes keep changing
    it = plans.emplace(key, std::move(plan)).first;
  }
  const MatMulPlan& plan = *it->second;
  auto& eng = cpuEngine();
  dnnl::stream& s = threadStream();
  memory aMem(plan.aMd, eng, const_cast<float*>(a));
  memory bMem(plan.bMd, eng, const_cast<float*>(b));
  if (plan.bf16) {  // bf16 copies of both inputs in scratch slots 0 and 1
    memory aLow(plan.aLowMd, eng, scratch(0, plan.aLowMd.get_size()));
    memory bLow(plan.bLowMd, eng, scratch(1, plan.bLowMd.get_size()));
    plan.aToLow.execute(s, aMem, aLow);
    plan.bToLow.execute(s, bMem, bLow);
    aMem = aLow;
    bMem = bLow;
  }
  memory outMem(plan.outMd, eng, out);
  memory scratchpad(plan.scratchpadMd, eng, scratch(3, plan.scratchpadMd.get_size()));
  plan.prim.execute(s, {{DNNL_ARG_SRC, aMem},
                        {DNNL_ARG_WEIGHTS, bMem},
                        {DNNL_ARG_DST, outMem},
                        {DNNL_ARG_SCRATCHPAD, scratchpad}});
  s.wait();
}

void clearMatMulCache() { plans.clear(); }

}  // namespace genrep
