"""What a PyTorch benchmark process runs with: the BLAS library and its core name, OpenMP
settings, ATen's CPU capability and the ISA oneDNN dispatches to. Shared by torch_bench.py,
torch_engine.py and torch_generate.py, so every PyTorch side of the benchmarks records the
same facts. Nothing here changes the environment; the bench sets it for the child process.
"""

import ctypes
import os
import re
import resource
import statistics
import sys
import tempfile
import time

import torch

# Environment variables that change how PyTorch, OpenMP, OpenBLAS and oneDNN run.
ENV_KEYS = (
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "OPENBLAS_NUM_THREADS",
    "OPENBLAS_VERBOSE",
    "GOTO_NUM_THREADS",
    "OMP_NUM_THREADS",
    "OMP_WAIT_POLICY",
    "OMP_PROC_BIND",
    "OMP_PLACES",
    "GOMP_SPINCOUNT",
    "KMP_BLOCKTIME",
    "MKL_NUM_THREADS",
    "ONEDNN_MAX_CPU_ISA",
    "DNNL_MAX_CPU_ISA",
    "ATEN_CPU_CAPABILITY",
)


def recorded_env():
    return {k: os.environ[k] for k in ENV_KEYS if k in os.environ}


def mapped_libraries(predicate):
    """Real paths of the shared libraries mapped into this process whose path matches."""
    libs = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            parts = line.split()
            if len(parts) >= 6 and parts[-1].startswith("/") and predicate(parts[-1].lower()):
                libs.add(os.path.realpath(parts[-1]))
    return sorted(libs)


def blas_libraries():
    """Shared libraries with 'blas' in their name mapped into this process."""
    return mapped_libraries(lambda p: "blas" in os.path.basename(p))


def openblas_info():
    """OpenBLAS as it runs in this process: core name (the kernels it picked), threads,
    parallel mode, build config; None when no mapped library exports openblas_get_corename."""
    for path in mapped_libraries(lambda p: "blas" in p):
        try:
            lib = ctypes.CDLL(path)
            get_corename = lib.openblas_get_corename
        except (OSError, AttributeError):
            continue
        get_corename.restype = ctypes.c_char_p
        lib.openblas_get_config.restype = ctypes.c_char_p
        parallel = {0: "sequential", 1: "pthreads", 2: "openmp"}.get(lib.openblas_get_parallel(), "unknown")
        return {
            "library": path,
            "corename": get_corename().decode(),
            "config": lib.openblas_get_config().decode().strip(),
            "threads": int(lib.openblas_get_num_threads()),
            "parallel": parallel,
        }
    return None


def cpu_capability():
    """ATen's vectorised-kernel capability (DEFAULT, AVX2, AVX512)."""
    getter = getattr(getattr(torch.backends, "cpu", None), "get_cpu_capability", None)
    if getter is not None:
        return getter()
    if hasattr(torch._C, "_get_cpu_capability"):
        return torch._C._get_cpu_capability()
    m = re.search(r"CPU capability usage:\s*(\S+)", torch.__config__.show())
    return m.group(1) if m else "unknown"


def onednn_probe():
    """The ISA oneDNN reports and the implementation it picks for a small convolution, read
    from its verbose output (printed on stdout by the C library, so captured at the fd)."""
    if not torch.backends.mkldnn.is_available():
        return {"available": False}
    sys.stdout.flush()
    saved = os.dup(1)
    with tempfile.TemporaryFile(mode="w+b") as capture:
        os.dup2(capture.fileno(), 1)
        try:
            with torch.backends.mkldnn.verbose(torch.backends.mkldnn.VERBOSE_ON):
                x = torch.rand(16, 8, 16, 16)
                w = torch.rand(8, 8, 3, 3)
                torch.nn.functional.conv2d(x, w, padding=1)
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
        capture.seek(0)
        text = capture.read().decode(errors="replace")
    isa = re.search(r"info,cpu,isa:([^\n]*)", text)
    conv = re.search(r"exec,cpu,convolution,([^,]*),", text)
    version = re.search(r"info,oneDNN v([0-9.]+)", text)
    return {
        "available": True,
        "version": version.group(1) if version else None,
        "isa": isa.group(1).strip() if isa else None,
        "convImplementation": conv.group(1) if conv else None,
    }


def environment(layout=None):
    """Everything the bench records about this PyTorch process (call after the work, so the
    BLAS library is loaded and the thread pools exist)."""
    blas = blas_libraries()
    parallel = torch.__config__.parallel_info()
    omp = re.search(r"OpenMP (\d+)", parallel)
    return {
        "torchVersion": torch.__version__,
        "python": sys.version.split()[0],
        "threads": torch.get_num_threads(),
        "interopThreads": torch.get_num_interop_threads(),
        "cpuCount": os.cpu_count(),
        "cpuCapability": cpu_capability(),
        "openmp": omp.group(1) if omp else None,
        "blasLibraries": blas,
        "openblas": openblas_info(),
        "onednn": onednn_probe(),
        "layout": layout,
        "env": recorded_env(),
    }


def rss_kb():
    """Resident memory of this process now, in kilobytes."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024


def max_rss_kb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def time_steps(step, warmup, min_steps, min_seconds, max_steps):
    """Warm-up steps, then timed steps until both min_steps and min_seconds are reached.
    Memory: resident after setup (when this is called), the peak (ru_maxrss) at the end, and
    the resident after the warm-up and at the end (growth over the timed steps)."""
    rss_setup = rss_kb()
    for _ in range(warmup):
        step()
    rss_warm = rss_kb()
    times = []
    start = time.perf_counter()
    while len(times) < max_steps and (len(times) < min_steps or time.perf_counter() - start < min_seconds):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    return {
        "steps": len(times),
        "medianS": statistics.median(times),
        "timesS": times,
        "memory": {
            "rssAfterSetupKB": rss_setup,
            "rssAfterWarmupKB": rss_warm,
            "rssEndKB": rss_kb(),
            "maxRssKB": max_rss_kb(),
        },
    }


def to_layout(layout, *items):
    """Moves modules and 4-d tensors to the memory format of `layout` (nchw | channels_last)."""
    if layout not in ("nchw", "channels_last"):
        raise ValueError(f"layout must be nchw or channels_last, got {layout!r}")
    fmt = torch.channels_last if layout == "channels_last" else torch.contiguous_format
    out = []
    for item in items:
        if isinstance(item, torch.nn.Module):
            out.append(item.to(memory_format=fmt))
        elif isinstance(item, torch.Tensor) and item.dim() == 4:
            out.append(item.contiguous(memory_format=fmt))
        else:
            out.append(item)
    return out[0] if len(out) == 1 else out


def param_count(*modules):
    return sum(p.numel() for m in modules for p in m.parameters())
