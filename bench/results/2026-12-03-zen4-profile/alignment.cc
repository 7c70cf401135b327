// Probe: one fp32 NHWC 3x3 convolution ([512,32,32,32], 32 -> 32 channels) forward, backward-data and
// backward-weights, with its buffers at 0, 8, 16 and 32 bytes past a 64-byte boundary (tfjs wasm tensors
// are 8-byte aligned). Build and run: g++ -O2 -o alignment alignment.cc -ldnnl && OMP_WAIT_POLICY=PASSIVE ./alignment
#include <dnnl.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>
#include <algorithm>
using namespace dnnl; using tag = memory::format_tag; using dt = memory::data_type;
int main(int argc, char** argv) {
  int N=512,C=32,H=32,W=32,K=3; int reps=8;
  engine eng(engine::kind::cpu,0); stream s(eng);
  memory::dims sd={N,C,H,W}, wd={C,C,K,K}, dd={N,C,H,W}, st={1,1}, pd={1,1}, dil={0,0};
  memory::desc src(sd,dt::f32,tag::nhwc), wei(wd,dt::f32,tag::hwio), dst(dd,dt::f32,tag::nhwc);
  auto fwd = convolution_forward::primitive_desc(convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, src, memory::desc(wd,dt::f32,tag::any), dst, st, dil, pd, pd), eng);
  auto bwdd = convolution_backward_data::primitive_desc(convolution_backward_data::desc(algorithm::convolution_direct, src, memory::desc(wd,dt::f32,tag::any), dst, st, dil, pd, pd), eng, fwd);
  auto bwdw = convolution_backward_weights::primitive_desc(convolution_backward_weights::desc(algorithm::convolution_direct, src, memory::desc(wd,dt::f32,tag::any), dst, st, dil, pd, pd), eng, fwd);
  printf("impl fwd %s bwdd %s bwdw %s\n", fwd.impl_info_str(), bwdd.impl_info_str(), bwdw.impl_info_str());
  size_t n = (size_t)N*C*H*W;
  char* raw1=(char*)aligned_alloc(4096, n*4+4096); char* raw2=(char*)aligned_alloc(4096, n*4+4096);
  for(size_t i=0;i<n+1024;i++){((float*)raw1)[i]=(i%97)*0.01f; ((float*)raw2)[i]=(i%89)*0.01f;}
  memory w(fwd.weights_desc(), eng); memory dw(bwdw.diff_weights_desc(), eng);
  std::fill((float*)w.get_data_handle(), (float*)w.get_data_handle()+C*C*K*K, 0.01f);
  for (int off : {0, 8, 16, 32, 0, 8}) {
    memory a(src, eng, raw1+off), b(dst, eng, raw2+off);
    auto conv=convolution_forward(fwd); auto cd=convolution_backward_data(bwdd); auto cw=convolution_backward_weights(bwdw);
    double t[3]={1e9,1e9,1e9}; double med[3][32];
    for(int r=0;r<reps;r++){
      auto t0=std::chrono::steady_clock::now(); conv.execute(s,{{DNNL_ARG_SRC,a},{DNNL_ARG_WEIGHTS,w},{DNNL_ARG_DST,b}}); s.wait();
      auto t1=std::chrono::steady_clock::now(); cd.execute(s,{{DNNL_ARG_DIFF_DST,b},{DNNL_ARG_WEIGHTS,w},{DNNL_ARG_DIFF_SRC,a}}); s.wait();
      auto t2=std::chrono::steady_clock::now(); cw.execute(s,{{DNNL_ARG_SRC,a},{DNNL_ARG_DIFF_DST,b},{DNNL_ARG_DIFF_WEIGHTS,dw}}); s.wait();
      auto t3=std::chrono::steady_clock::now();
      med[0][r]=std::chrono::duration<double,std::milli>(t1-t0).count(); med[1][r]=std::chrono::duration<double,std::milli>(t2-t1).count(); med[2][r]=std::chrono::duration<double,std::milli>(t3-t2).count();
    }
    for(int k=0;k<3;k++){ std::sort(med[k],med[k]+reps); }
    printf("offset %2d B: fwd %.1f bwd-data %.1f bwd-w %.1f ms (medians of %d)\n", off, med[0][reps/2], med[1][reps/2], med[2][reps/2], reps);
  }
}
