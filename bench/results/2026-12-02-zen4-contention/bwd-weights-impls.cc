// Times every oneDNN implementation of one convolution's backward-weights pass, in bf16
// (bf16 source and output gradient, fp32 weight gradient: what `--precision bf16` runs) and
// in fp32, at the protocol's batch (512 images = 256 pairs), NHWC as genrep runs it.
// A diagnostic for docs/performance.md ("bf16 under contention"); build and run with run.sh.
//
//   ./bwd-weights-impls <f32|bf16> <ic> <oc> <ih> <stride> <pad top/left> <pad bottom/right> [reps]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <dnnl.hpp>

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

int main(int argc, char** argv) {
  if (argc < 8) {
    std::fprintf(stderr, "usage: %s <f32|bf16> <ic> <oc> <ih> <stride> <pad0> <pad1> [reps]\n", argv[0]);
    return 2;
  }
  const dt in = argv[1][0] == 'f' ? dt::f32 : dt::bf16;
  const int mb = 512, ic = std::atoi(argv[2]), oc = std::atoi(argv[3]), ih = std::atoi(argv[4]);
  const int sd = std::atoi(argv[5]), p0 = std::atoi(argv[6]), p1 = std::atoi(argv[7]);
  const int reps = argc > 8 ? std::atoi(argv[8]) : 10;
  const int oh = (ih + p0 + p1 - 3) / sd + 1;
  engine eng(engine::kind::cpu, 0);
  stream s(eng);
  const memory::dims src{mb, ic, ih, ih}, wei{oc, ic, 3, 3}, dst{mb, oc, oh, oh};
  const memory::dims st{sd, sd}, dil{0, 0}, pl{p0, p0}, pr{p1, p1};
  const memory::desc srcMd(src, in, tag::nhwc), dstMd(dst, in, tag::nhwc);
  const memory::desc weiIn(wei, in, tag::any), weiOut(wei, dt::f32, tag::any);
  const memory::desc fwdDst(dst, dt::f32, tag::nhwc);
  // The op descriptors stay alive beside their primitive descriptors: next_impl() reads them.
  const convolution_forward::desc fwdDesc(prop_kind::forward_training,
                                          algorithm::convolution_direct, srcMd, weiIn, fwdDst,
                                          st, dil, pl, pr);
  const convolution_forward::primitive_desc fwd(fwdDesc, eng);
  const convolution_backward_weights::desc bwdDesc(algorithm::convolution_direct, srcMd, weiOut,
                                                   dstMd, st, dil, pl, pr);
  convolution_backward_weights::primitive_desc pd(bwdDesc, eng, fwd);
  do {
    const std::string impl = pd.impl_info_str();
    if (impl.rfind("ref", 0) == 0) continue;  // the reference loop: seconds per call
    memory sm(pd.src_desc(), eng), dm(pd.diff_dst_desc(), eng), wm(pd.diff_weights_desc(), eng);
    std::fill_n(static_cast<char*>(sm.get_data_handle()), pd.src_desc().get_size(), 0);
    std::fill_n(static_cast<char*>(dm.get_data_handle()), pd.diff_dst_desc().get_size(), 0);
    convolution_backward_weights prim(pd);
    auto run = [&] {
      prim.execute(s, {{DNNL_ARG_SRC, sm}, {DNNL_ARG_DIFF_DST, dm}, {DNNL_ARG_DIFF_WEIGHTS, wm}});
      s.wait();
    };
    run();
    std::vector<double> ms;
    for (int i = 0; i < reps; i++) {
      const auto t = std::chrono::steady_clock::now();
      run();
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count());
    }
    std::sort(ms.begin(), ms.end());
    std::printf("%s ic%d oc%d ih%d s%d pad %d/%d  %-28s min %8.2f  median %8.2f  max %8.2f ms\n",
                argv[1], ic, oc, ih, sd, p0, p1, impl.c_str(), ms.front(), ms[ms.size() / 2],
                ms.back());
  } while (pd.next_impl());
  return 0;
}
