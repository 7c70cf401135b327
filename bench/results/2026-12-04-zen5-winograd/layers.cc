// One ResNet layer's three convolution passes (3x3, stride 1, C -> C channels, batch 512) in
// oneDNN alone: direct on NHWC (what genrep planned before), Winograd on oneDNN's blocked layout
// (with the time of one activation-sized NHWC -> blocked reorder), and bf16 direct on NHWC
// (bf16 inputs, fp32 outputs, with the time of one fp32 -> bf16 conversion). Best of 5 runs.
//   g++ -O2 -std=c++17 layers.cc -ldnnl -o layers && OMP_NUM_THREADS=2 ./layers
#include <dnnl.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;
static engine eng(engine::kind::cpu, 0);
static stream s(eng);
double timeit(std::function<void()> f) {
  double best = 1e9;
  for (int i = 0; i < 6; i++) {
    auto t0 = std::chrono::steady_clock::now();
    f(); s.wait();
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (i > 0 && ms < best) best = ms;
  }
  return best;
}
double reorderMs(const memory::desc& a, const memory::desc& b) {
  if (a == b) return 0;
  memory ma(a, eng), mb(b, eng);
  reorder r(ma, mb);
  return timeit([&] { r.execute(s, ma, mb); });
}
void layer(int N, int H, int C, algorithm alg, tag t) {
  memory::dims src{N, C, H, H}, wei{C, C, 3, 3}, dst{N, C, H, H}, st{1, 1}, pad{1, 1};
  memory::desc smd(src, dt::f32, t), dmd(dst, dt::f32, t), wmd(wei, dt::f32, tag::any);
  memory::desc usr(src, dt::f32, tag::nhwc);
  auto fd = convolution_forward::desc(prop_kind::forward_training, alg, smd, wmd, dmd, st, pad, pad);
  auto fpd = convolution_forward::primitive_desc(fd, eng);
  auto bdd = convolution_backward_data::desc(alg, smd, wmd, dmd, st, pad, pad);
  auto bdpd = convolution_backward_data::primitive_desc(bdd, eng, fpd);
  auto bwd = convolution_backward_weights::desc(alg, smd, wmd, dmd, st, pad, pad);
  auto bwpd = convolution_backward_weights::primitive_desc(bwd, eng, fpd);
  memory sm(fpd.src_desc(), eng), dm(fpd.dst_desc(), eng), wm(fpd.weights_desc(), eng);
  convolution_forward f(fpd);
  double tf = timeit([&] { f.execute(s, {{DNNL_ARG_SRC, sm}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, dm}}); });
  memory dsm(bdpd.diff_src_desc(), eng), ddm(bdpd.diff_dst_desc(), eng), wm2(bdpd.weights_desc(), eng);
  convolution_backward_data bd(bdpd);
  double tbd = timeit([&] { bd.execute(s, {{DNNL_ARG_DIFF_SRC, dsm}, {DNNL_ARG_WEIGHTS, wm2}, {DNNL_ARG_DIFF_DST, ddm}}); });
  memory sm3(bwpd.src_desc(), eng), ddm3(bwpd.diff_dst_desc(), eng), dwm(bwpd.diff_weights_desc(), eng);
  convolution_backward_weights bw(bwpd);
  double tbw = timeit([&] { bw.execute(s, {{DNNL_ARG_SRC, sm3}, {DNNL_ARG_DIFF_DST, ddm3}, {DNNL_ARG_DIFF_WEIGHTS, dwm}}); });
  double r = reorderMs(usr, fpd.src_desc());  // one activation-sized reorder
  printf("H%-2d C%-3d %-9s fwd %6.2f (%s) bwdd %6.2f (%s) bwdw %6.2f (%s) | one reorder %.2f\n", H, C,
         alg == algorithm::convolution_winograd ? "winograd" : "direct", tf, fpd.impl_info_str(), tbd,
         bdpd.impl_info_str(), tbw, bwpd.impl_info_str(), r);
}
void layerBf16(int N, int H, int C) {
  memory::dims src{N, C, H, H}, wei{C, C, 3, 3}, dst{N, C, H, H}, st{1, 1}, pad{1, 1};
  memory::desc smd(src, dt::bf16, tag::nhwc), dmdIn(dst, dt::bf16, tag::nhwc), dmd(dst, dt::f32, tag::nhwc), wmd(wei, dt::bf16, tag::any);
  memory::desc smdOut(src, dt::f32, tag::nhwc), wmdOut(wei, dt::f32, tag::any);
  auto fd = convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, smd, wmd, dmd, st, pad, pad);
  auto fpd = convolution_forward::primitive_desc(fd, eng);
  auto bdd = convolution_backward_data::desc(algorithm::convolution_direct, smdOut, wmd, dmdIn, st, pad, pad);
  auto bdpd = convolution_backward_data::primitive_desc(bdd, eng, fpd);
  auto bwd = convolution_backward_weights::desc(algorithm::convolution_direct, smd, wmdOut, dmdIn, st, pad, pad);
  auto bwpd = convolution_backward_weights::primitive_desc(bwd, eng, fpd);
  memory sm(fpd.src_desc(), eng), dm(fpd.dst_desc(), eng), wm(fpd.weights_desc(), eng);
  convolution_forward f(fpd);
  double tf = timeit([&] { f.execute(s, {{DNNL_ARG_SRC, sm}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, dm}}); });
  memory dsm(bdpd.diff_src_desc(), eng), ddm(bdpd.diff_dst_desc(), eng), wm2(bdpd.weights_desc(), eng);
  convolution_backward_data bd(bdpd);
  double tbd = timeit([&] { bd.execute(s, {{DNNL_ARG_DIFF_SRC, dsm}, {DNNL_ARG_WEIGHTS, wm2}, {DNNL_ARG_DIFF_DST, ddm}}); });
  memory sm3(bwpd.src_desc(), eng), ddm3(bwpd.diff_dst_desc(), eng), dwm(bwpd.diff_weights_desc(), eng);
  convolution_backward_weights bw(bwpd);
  double tbw = timeit([&] { bw.execute(s, {{DNNL_ARG_SRC, sm3}, {DNNL_ARG_DIFF_DST, ddm3}, {DNNL_ARG_DIFF_WEIGHTS, dwm}}); });
  memory f32m(memory::desc(src, dt::f32, tag::nhwc), eng), b16m(smd, eng);
  reorder r(f32m, b16m);
  double tr = timeit([&] { r.execute(s, f32m, b16m); });
  printf("H%-2d C%-3d bf16 direct fwd %6.2f (%s) bwdd %6.2f (%s) bwdw %6.2f (%s) | one bf16 conversion %.2f\n", H, C, tf, fpd.impl_info_str(), tbd, bdpd.impl_info_str(), tbw, bwpd.impl_info_str(), tr);
}
int main() {
  int cfg[4][2] = {{32, 32}, {16, 64}, {8, 128}, {4, 256}};
  for (auto& c : cfg) {
    layer(512, c[0], c[1], algorithm::convolution_direct, tag::nhwc);
    try { layer(512, c[0], c[1], algorithm::convolution_winograd, tag::any); } catch (dnnl::error& e) { printf("wino: %s\n", e.what()); }
    layerBf16(512, c[0], c[1]);
  }
}
