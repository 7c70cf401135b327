#include "engine.h"

#include <cstdlib>
#include <memory>

extern "C" int omp_get_max_threads(void);
extern "C" void omp_set_num_threads(int);

namespace genrep {

dnnl::engine& cpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& threadStream() {
  thread_local dnnl::stream stream(cpuEngine());
  return stream;
}

namespace {

struct Buffer {
  void* data = nullptr;
  std::size_t bytes = 0;
  ~Buffer() { std::free(data); }
};

thread_local Buffer buffers[kScratchSlots];

}  // namespace

void* scratch(int slot, std::size_t bytes) {
  Buffer& b = buffers[slot];
  if (bytes == 0) bytes = 64;
  if (b.bytes < bytes) {
    std::free(b.data);
    b.data = nullptr;
    b.bytes = 0;
    std::size_t rounded = (bytes + 4095) / 4096 * 4096;
    void* p = std::aligned_alloc(64, rounded);
    if (p == nullptr) throw std::bad_alloc();
    b.data = p;
    b.bytes = rounded;
  }
  return b.data;
}

void releaseScratch() {
  for (Buffer& b : buffers) {
    std::free(b.data);
    b.data = nullptr;
    b.bytes = 0;
  }
}

std::string describeLibrary() {
  const dnnl_version_t* v = dnnl_version();
  std::string isa;
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::avx512_core_amx: isa = "avx512_core_amx"; break;
    case dnnl::cpu_isa::avx512_core_bf16: isa = "avx512_core_bf16"; break;
    case dnnl::cpu_isa::avx512_core_vnni: isa = "avx512_core_vnni"; break;
    case dnnl::cpu_isa::avx512_core: isa = "avx512_core"; break;
    case dnnl::cpu_isa::avx2_vnni: isa = "avx2_vnni"; break;
    case dnnl::cpu_isa::avx2: isa = "avx2"; break;
    case dnnl::cpu_isa::avx: isa = "avx"; break;
    case dnnl::cpu_isa::sse41: isa = "sse41"; break;
    default: isa = "other"; break;
  }
  return "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
         std::to_string(v->patch) + " (" + isa + ")";
}

int maxThreads() { return omp_get_max_threads(); }

void setMaxThreads(int threads) { omp_set_num_threads(threads); }

}  // namespace genrep
