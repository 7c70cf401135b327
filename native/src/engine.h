// Shared oneDNN state: the CPU engine, a per-thread stream, and per-thread scratch
// buffers that the primitives' reordered (blocked) tensors and scratchpads live in.
#pragma once

#include <cstddef>
#include <string>

#include <dnnl.hpp>

namespace genrep {

/** The process-wide oneDNN CPU engine (thread-safe, created on first use). */
dnnl::engine& cpuEngine();

/** This thread's in-order stream on cpuEngine(). */
dnnl::stream& threadStream();

/**
 * Scratch slot `slot` (0..kScratchSlots-1) of this thread, at least `bytes` long and
 * 64-byte aligned. Grows on demand, never shrinks; the pointer stays valid until the
 * next call for the same slot on the same thread.
 */
constexpr int kScratchSlots = 4;
void* scratch(int slot, std::size_t bytes);

/** Frees this thread's scratch buffers (they are re-made on demand). */
void releaseScratch();

/** "oneDNN x.y.z (isa)" for diagnostics. */
std::string describeLibrary();

/** Threads oneDNN parallelises over on the calling thread (OpenMP's max threads). */
int maxThreads();

/** Sets the threads oneDNN uses for calls from the calling thread (omp_set_num_threads). */
void setMaxThreads(int threads);

}  // namespace genrep
