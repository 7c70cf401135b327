// N-API entry points. Every function is synchronous and works in place on one
// ArrayBuffer (the wasm backend's heap): inputs and the output are byte offsets into it.
// All arguments are checked here; a bad call throws a JS Error instead of crashing.
#include <node_api.h>

#include <cmath>
#include <cstdint>
#include <exception>
#include <algorithm>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "augment.h"
#include "contrastive.h"
#include "conv.h"
#include "copies.h"
#include "engine.h"
#include "matmul.h"
#include "optim.h"
#include "peak.h"
#include "pointwise.h"
#include "pool.h"
#include "precision.h"
#include "probeAddon.h"

namespace {

using genrep::ConvKind;
using genrep::ConvParams;
using genrep::MatMulParams;

/** Thrown by the argument helpers; turned into a JS Error at the boundary. */
struct ArgError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

constexpr size_t kMaxArgs = 20;

struct Args {
  napi_env env;
  size_t argc = kMaxArgs;
  napi_value argv[kMaxArgs];
};

Args getArgs(napi_env env, napi_callback_info info, size_t expected) {
  Args a;
  a.env = env;
  if (napi_get_cb_info(env, info, &a.argc, a.argv, nullptr, nullptr) != napi_ok) {
    throw ArgError("could not read arguments");
  }
  // napi reports the call's count even where it is more than argv holds.
  if (a.argc > kMaxArgs) throw ArgError("at most " + std::to_string(kMaxArgs) + " arguments");
  if (a.argc < expected) {
    throw ArgError("expected " + std::to_string(expected) + " arguments, got " +
                   std::to_string(a.argc));
  }
  return a;
}

int64_t getInt(const Args& a, size_t i, const char* what) {
  double v = 0;
  if (napi_get_value_double(a.env, a.argv[i], &v) != napi_ok) {
    throw ArgError(std::string(what) + " must be a number");
  }
  if (!(v >= -9.0e15 && v <= 9.0e15) || v != static_cast<double>(static_cast<int64_t>(v))) {
    throw ArgError(std::string(what) + " must be an integer");
  }
  return static_cast<int64_t>(v);
}

double getDouble(const Args& a, size_t i, const char* what) {
  double v = 0;
  if (napi_get_value_double(a.env, a.argv[i], &v) != napi_ok || !std::isfinite(v)) {
    throw ArgError(std::string(what) + " must be a finite number");
  }
  return v;
}

/** Base pointer and length of an ArrayBuffer argument. */
struct Heap {
  uint8_t* data;
  size_t bytes;
};

Heap getHeap(const Args& a, size_t i) {
  bool isBuffer = false;
  napi_is_arraybuffer(a.env, a.argv[i], &isBuffer);
  if (!isBuffer) throw ArgError("memory must be an ArrayBuffer");
  void* data = nullptr;
  size_t bytes = 0;
  if (napi_get_arraybuffer_info(a.env, a.argv[i], &data, &bytes) != napi_ok) {
    throw ArgError("could not read the ArrayBuffer");
  }
  if (data == nullptr && bytes > 0) throw ArgError("ArrayBuffer is detached");
  return {static_cast<uint8_t*>(data), bytes};
}

/**
 * The product of `sizes` as an element count. Checked for int64 overflow before anything uses
 * it: a wrapped product could be small and pass the bounds check of tensorAt.
 */
int64_t elementCount(std::initializer_list<int64_t> sizes, const char* what) {
  int64_t count = 1;
  for (const int64_t s : sizes) {
    if (s < 0) throw ArgError(std::string(what) + ": negative size");
    if (__builtin_mul_overflow(count, s, &count)) {
      throw ArgError(std::string(what) + ": element count overflows 64 bits");
    }
  }
  return count;
}

/** A float32 tensor of `elements` values at byte `offset` in the heap, bounds-checked. */
float* tensorAt(const Heap& heap, int64_t offset, int64_t elements, const char* what) {
  if (offset < 0 || offset % 4 != 0) {
    throw ArgError(std::string(what) + ": offset must be a non-negative multiple of 4");
  }
  if (elements < 1) throw ArgError(std::string(what) + ": empty tensor");
  // offset + 4 * elements must not wrap around before it is compared with the heap's size.
  if (static_cast<uint64_t>(elements) > (UINT64_MAX - static_cast<uint64_t>(offset)) / 4u) {
    throw ArgError(std::string(what) + ": tensor of " + std::to_string(elements) +
                   " floats overflows the address range");
  }
  const uint64_t end = static_cast<uint64_t>(offset) + static_cast<uint64_t>(elements) * 4u;
  if (end > heap.bytes) {
    throw ArgError(std::string(what) + ": tensor of " + std::to_string(elements) +
                   " floats at offset " + std::to_string(offset) + " runs past the memory (" +
                   std::to_string(heap.bytes) + " bytes)");
  }
  return reinterpret_cast<float*>(heap.data + offset);
}

/** tensorAt, or nullptr where the offset is -1 (an optional tensor left out). */
float* optionalTensorAt(const Heap& heap, int64_t offset, int64_t elements, const char* what) {
  return offset == -1 ? nullptr : tensorAt(heap, offset, elements, what);
}

/** The int32 values of an Int32Array argument of exactly `count` elements. */
const int32_t* getInts(const Args& a, size_t i, size_t count, const char* what) {
  bool isTyped = false;
  napi_is_typedarray(a.env, a.argv[i], &isTyped);
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (!isTyped || napi_get_typedarray_info(a.env, a.argv[i], &type, &length, &data, nullptr,
                                           nullptr) != napi_ok ||
      type != napi_int32_array) {
    throw ArgError(std::string(what) + " must be an Int32Array");
  }
  if (length != count) {
    throw ArgError(std::string(what) + " must have " + std::to_string(count) + " values");
  }
  return static_cast<const int32_t*>(data);
}

/** A typed array argument: its element type, length and data. */
struct Typed {
  napi_typedarray_type type;
  size_t length;
  void* data;
};

Typed getTyped(const Args& a, size_t i, const char* what) {
  bool isTyped = false;
  napi_is_typedarray(a.env, a.argv[i], &isTyped);
  Typed t{};
  if (!isTyped || napi_get_typedarray_info(a.env, a.argv[i], &t.type, &t.length, &t.data, nullptr,
                                           nullptr) != napi_ok) {
    throw ArgError(std::string(what) + " must be a typed array");
  }
  if (t.data == nullptr && t.length > 0) throw ArgError(std::string(what) + ": buffer is detached");
  return t;
}

ConvParams convParams(const int32_t* v) {
  ConvParams p{v[0],  v[1],  v[2],  v[3],  v[4],  v[5],  v[6],  v[7], v[8],
               v[9],  v[10], v[11], v[12], v[13], v[14], v[15], v[16]};
  const std::string problem = p.validate();
  if (!problem.empty()) throw ArgError(problem);
  return p;
}

ConvKind convKind(int64_t k) {
  if (k < 0 || k > 2) throw ArgError("conv2d: kind must be 0, 1 or 2");
  return static_cast<ConvKind>(k);
}

napi_value undefinedValue(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

napi_value stringValue(napi_env env, const std::string& s) {
  napi_value v;
  napi_create_string_utf8(env, s.c_str(), s.size(), &v);
  return v;
}

/** Runs body, converting any C++ exception into a pending JS Error. */
template <typename F>
napi_value guarded(napi_env env, const char* name, F body) {
  try {
    return body();
  } catch (const ArgError& e) {
    napi_throw_error(env, "ERR_GENREP_NATIVE_ARG", (std::string(name) + ": " + e.what()).c_str());
  } catch (const dnnl::error& e) {
    napi_throw_error(env, "ERR_GENREP_NATIVE_DNNL",
                     (std::string(name) + ": oneDNN error: " + e.what()).c_str());
  } catch (const std::bad_alloc&) {
    napi_throw_error(env, "ERR_GENREP_NATIVE_OOM", (std::string(name) + ": out of memory").c_str());
  } catch (const std::exception& e) {
    napi_throw_error(env, "ERR_GENREP_NATIVE", (std::string(name) + ": " + e.what()).c_str());
  }
  return nullptr;
}

// conv2d(kind, memory, aOffset, bOffset, outOffset, params: Int32Array(17)[, aKey, bKey])
// aKey / bKey > 0 keep the input's reordered copy under that tensor key (copies.h).
napi_value Conv2d(napi_env env, napi_callback_info info) {
  return guarded(env, "conv2d", [&] {
    Args a = getArgs(env, info, 6);
    const ConvKind kind = convKind(getInt(a, 0, "kind"));
    const Heap heap = getHeap(a, 1);
    const ConvParams p = convParams(getInts(a, 5, 17, "params"));
    int64_t aCount = 0, bCount = 0, outCount = 0;
    const int64_t input = elementCount({p.n, p.h, p.w, p.ci}, "input");
    const int64_t output = elementCount({p.n, p.oh, p.ow, p.co}, "output");
    const int64_t filter = elementCount({p.kh, p.kw, p.ci, p.co}, "filter");
    switch (kind) {
      case ConvKind::kForward:
        aCount = input, bCount = filter, outCount = output;
        break;
      case ConvKind::kBackwardData:
        aCount = output, bCount = filter, outCount = input;
        break;
      case ConvKind::kBackwardWeights:
        aCount = input, bCount = output, outCount = filter;
        break;
    }
    const float* aPtr = tensorAt(heap, getInt(a, 2, "aOffset"), aCount, "a");
    const float* bPtr = tensorAt(heap, getInt(a, 3, "bOffset"), bCount, "b");
    float* outPtr = tensorAt(heap, getInt(a, 4, "outOffset"), outCount, "out");
    const int64_t aKey = a.argc > 6 ? getInt(a, 6, "aKey") : 0;
    const int64_t bKey = a.argc > 7 ? getInt(a, 7, "bKey") : 0;
    if (aKey < 0 || bKey < 0) throw ArgError("tensor keys must not be negative");
    genrep::runConv(kind, p, aPtr, bPtr, outPtr, aKey, bKey);
    return undefinedValue(env);
  });
}

// matmul(memory, aOffset, bOffset, outOffset, params: Int32Array(7))
// params: [batchA, batchB, M, K, N, transposeA, transposeB]
napi_value MatMul(napi_env env, napi_callback_info info) {
  return guarded(env, "matmul", [&] {
    Args a = getArgs(env, info, 5);
    const Heap heap = getHeap(a, 0);
    const int32_t* v = getInts(a, 4, 7, "params");
    const MatMulParams p{v[0], v[1], v[2], v[3], v[4], v[5] != 0, v[6] != 0};
    const std::string problem = p.validate();
    if (!problem.empty()) throw ArgError(problem);
    const float* aPtr = tensorAt(heap, getInt(a, 1, "aOffset"), elementCount({p.batchA, p.m, p.k}, "a"), "a");
    const float* bPtr = tensorAt(heap, getInt(a, 2, "bOffset"), elementCount({p.batchB, p.k, p.n}, "b"), "b");
    float* outPtr =
        tensorAt(heap, getInt(a, 3, "outOffset"), elementCount({p.batch(), p.m, p.n}, "out"), "out");
    genrep::runMatMul(p, aPtr, bPtr, outPtr);
    return undefinedValue(env);
  });
}

/** A positive element count (at most 2^40, far beyond any heap). */
int64_t getCount(const Args& a, size_t i, const char* what) {
  const int64_t v = getInt(a, i, what);
  if (v < 1 || v > (int64_t{1} << 40)) throw ArgError(std::string(what) + " must be positive");
  return v;
}

// binary(op, memory, aOffset, bOffset, outOffset, n, period, inner, suffix = 1):
// out[i] = a[i] op b[((i / (inner * suffix)) % period) * suffix + i % suffix]
napi_value Binary(napi_env env, napi_callback_info info) {
  return guarded(env, "binary", [&] {
    Args a = getArgs(env, info, 8);
    const int64_t suffix = a.argc > 8 ? getCount(a, 8, "suffix") : 1;
    const int64_t op = getInt(a, 0, "op");
    if (op < 0 || op > 2) throw ArgError("op must be 0 (add), 1 (sub) or 2 (mul)");
    const Heap heap = getHeap(a, 1);
    const int64_t n = getCount(a, 5, "n");
    const int64_t period = getCount(a, 6, "period");
    const int64_t inner = getCount(a, 7, "inner");
    if (n % period != 0 || (n / period) % inner != 0 || (n / period / inner) % suffix != 0) {
      throw ArgError("n must be a multiple of period * inner * suffix");
    }
    const float* x = tensorAt(heap, getInt(a, 2, "aOffset"), n, "a");
    const float* y = tensorAt(heap, getInt(a, 3, "bOffset"), elementCount({period, suffix}, "b"), "b");
    float* out = tensorAt(heap, getInt(a, 4, "outOffset"), n, "out");
    genrep::binary(static_cast<genrep::BinaryOp>(op), x, y, out, n, period, inner, suffix);
    return undefinedValue(env);
  });
}

// unary(op, memory, xOffset, outOffset, n, alpha): 0 relu, 1 step (x > 0 ? 1 : alpha), 2 exp, 3 tanh
napi_value Unary(napi_env env, napi_callback_info info) {
  return guarded(env, "unary", [&] {
    Args a = getArgs(env, info, 6);
    const int64_t op = getInt(a, 0, "op");
    if (op < 0 || op > 3) throw ArgError("op must be 0 (relu), 1 (step), 2 (exp) or 3 (tanh)");
    const Heap heap = getHeap(a, 1);
    const int64_t n = getCount(a, 4, "n");
    const float* x = tensorAt(heap, getInt(a, 2, "xOffset"), n, "x");
    float* out = tensorAt(heap, getInt(a, 3, "outOffset"), n, "out");
    genrep::unary(static_cast<genrep::UnaryOp>(op), x, out, n,
                  static_cast<float>(getDouble(a, 5, "alpha")));
    return undefinedValue(env);
  });
}

// batchNormForward(memory, x, gamma, beta, y, mean, variance, rows, channels, epsilon
//                  [, runningMeanIn, runningVarIn, runningMeanOut, runningVarOut, momentum
//                   [, residual]])
// With the five running arguments it also writes the running statistics' update; with the
// residual too, the ResNet tail y = relu(bn(x) + residual) (residual -1: y = relu(bn(x))).
napi_value BatchNormForward(napi_env env, napi_callback_info info) {
  return guarded(env, "batchNormForward", [&] {
    Args a = getArgs(env, info, 10);
    const Heap heap = getHeap(a, 0);
    const int64_t rows = getCount(a, 7, "rows");
    const int64_t c = getCount(a, 8, "channels");
    const double epsilon = getDouble(a, 9, "epsilon");
    if (epsilon < 0) throw ArgError("epsilon must not be negative");
    if (a.argc != 10 && a.argc != 15 && a.argc != 16) throw ArgError("expected 10, 15 or 16 arguments");
    const int64_t count = elementCount({rows, c}, "x");
    float* mean = tensorAt(heap, getInt(a, 5, "mean"), c, "mean");
    float* variance = tensorAt(heap, getInt(a, 6, "variance"), c, "variance");
    const float* meanIn = nullptr;
    const float* varIn = nullptr;
    float* meanOut = nullptr;
    float* varOut = nullptr;
    double momentum = 0;
    if (a.argc >= 15) {
      meanIn = tensorAt(heap, getInt(a, 10, "runningMeanIn"), c, "runningMeanIn");
      varIn = tensorAt(heap, getInt(a, 11, "runningVarIn"), c, "runningVarIn");
      meanOut = tensorAt(heap, getInt(a, 12, "runningMeanOut"), c, "runningMeanOut");
      varOut = tensorAt(heap, getInt(a, 13, "runningVarOut"), c, "runningVarOut");
      momentum = getDouble(a, 14, "momentum");
      if (momentum < 0 || momentum > 1) throw ArgError("momentum must be in [0, 1]");
    }
    const bool relu = a.argc == 16;
    const float* residual = relu ? optionalTensorAt(heap, getInt(a, 15, "residual"), count, "residual") : nullptr;
    genrep::batchNormForward(
        tensorAt(heap, getInt(a, 1, "x"), count, "x"), tensorAt(heap, getInt(a, 2, "gamma"), c, "gamma"),
        tensorAt(heap, getInt(a, 3, "beta"), c, "beta"), residual, relu,
        tensorAt(heap, getInt(a, 4, "y"), count, "y"), mean, variance, rows, c,
        static_cast<float>(epsilon));
    if (meanOut != nullptr) {
      genrep::batchNormRunningUpdate(mean, variance, meanIn, varIn, meanOut, varOut, rows, c, momentum);
    }
    return undefinedValue(env);
  });
}

// batchNormBackward(memory, dy, x, mean, variance, gamma, dx, dgamma, dbeta, rows, channels, epsilon)
napi_value BatchNormBackward(napi_env env, napi_callback_info info) {
  return guarded(env, "batchNormBackward", [&] {
    Args a = getArgs(env, info, 12);
    const Heap heap = getHeap(a, 0);
    const int64_t rows = getCount(a, 9, "rows");
    const int64_t c = getCount(a, 10, "channels");
    const double epsilon = getDouble(a, 11, "epsilon");
    if (epsilon < 0) throw ArgError("epsilon must not be negative");
    const int64_t count = elementCount({rows, c}, "x");
    genrep::batchNormBackward(
        tensorAt(heap, getInt(a, 1, "dy"), count, "dy"), tensorAt(heap, getInt(a, 2, "x"), count, "x"),
        tensorAt(heap, getInt(a, 3, "mean"), c, "mean"),
        tensorAt(heap, getInt(a, 4, "variance"), c, "variance"),
        tensorAt(heap, getInt(a, 5, "gamma"), c, "gamma"), tensorAt(heap, getInt(a, 6, "dx"), count, "dx"),
        tensorAt(heap, getInt(a, 7, "dgamma"), c, "dgamma"), tensorAt(heap, getInt(a, 8, "dbeta"), c, "dbeta"),
        rows, c, static_cast<float>(epsilon));
    return undefinedValue(env);
  });
}

// softmaxCrossEntropy(memory, logits, y, loss, residual, rows, classes, scale)
napi_value SoftmaxCrossEntropy(napi_env env, napi_callback_info info) {
  return guarded(env, "softmaxCrossEntropy", [&] {
    Args a = getArgs(env, info, 8);
    const Heap heap = getHeap(a, 0);
    const int64_t rows = getCount(a, 5, "rows");
    const int64_t k = getCount(a, 6, "classes");
    const double scale = getDouble(a, 7, "scale");
    const int64_t count = elementCount({rows, k}, "logits");
    genrep::softmaxCrossEntropy(tensorAt(heap, getInt(a, 1, "logits"), count, "logits"),
                                tensorAt(heap, getInt(a, 2, "y"), count, "y"),
                                tensorAt(heap, getInt(a, 3, "loss"), rows, "loss"),
                                tensorAt(heap, getInt(a, 4, "residual"), count, "residual"), rows, k,
                                static_cast<float>(scale));
    return undefinedValue(env);
  });
}

// reluGrad(memory, dy, x, out, n): out = dy * step(x), n floats each
napi_value ReluGrad(napi_env env, napi_callback_info info) {
  return guarded(env, "reluGrad", [&] {
    Args a = getArgs(env, info, 5);
    const Heap heap = getHeap(a, 0);
    const int64_t n = getCount(a, 4, "n");
    genrep::reluGrad(tensorAt(heap, getInt(a, 1, "dy"), n, "dy"), tensorAt(heap, getInt(a, 2, "x"), n, "x"),
                     tensorAt(heap, getInt(a, 3, "out"), n, "out"), n);
    return undefinedValue(env);
  });
}

// multiPositiveLoss(memory, sims, groups, loss, grad, m, temperature): sims [m, m] float32,
// groups [m] int32, loss [1], grad [m, m]
napi_value MultiPositiveLoss(napi_env env, napi_callback_info info) {
  return guarded(env, "multiPositiveLoss", [&] {
    Args a = getArgs(env, info, 7);
    const Heap heap = getHeap(a, 0);
    const int64_t m = getCount(a, 5, "m");
    const double temperature = getDouble(a, 6, "temperature");
    if (!(temperature > 0)) throw ArgError("temperature must be positive");
    const int64_t count = elementCount({m, m}, "sims");
    // int32 and float32 have the same size and alignment: the bounds check of tensorAt holds.
    const auto* groups = reinterpret_cast<const int32_t*>(tensorAt(heap, getInt(a, 2, "groups"), m, "groups"));
    genrep::multiPositiveLoss(tensorAt(heap, getInt(a, 1, "sims"), count, "sims"), groups,
                              tensorAt(heap, getInt(a, 3, "loss"), 1, "loss"),
                              tensorAt(heap, getInt(a, 4, "grad"), count, "grad"), m,
                              static_cast<float>(temperature));
    return undefinedValue(env);
  });
}

// meanPool(memory, x, out, n, area, channels): x [n, area, channels] -> out [n, channels]
napi_value MeanPool(napi_env env, napi_callback_info info) {
  return guarded(env, "meanPool", [&] {
    Args a = getArgs(env, info, 6);
    const Heap heap = getHeap(a, 0);
    const int64_t n = getCount(a, 3, "n");
    const int64_t area = getCount(a, 4, "area");
    const int64_t c = getCount(a, 5, "channels");
    genrep::meanPool(tensorAt(heap, getInt(a, 1, "x"), elementCount({n, area, c}, "x"), "x"),
                     tensorAt(heap, getInt(a, 2, "out"), elementCount({n, c}, "out"), "out"), n, area, c);
    return undefinedValue(env);
  });
}

// meanPoolGrad(memory, dy, dx, n, area, channels): dy [n, channels] -> dx [n, area, channels]
napi_value MeanPoolGrad(napi_env env, napi_callback_info info) {
  return guarded(env, "meanPoolGrad", [&] {
    Args a = getArgs(env, info, 6);
    const Heap heap = getHeap(a, 0);
    const int64_t n = getCount(a, 3, "n");
    const int64_t area = getCount(a, 4, "area");
    const int64_t c = getCount(a, 5, "channels");
    genrep::meanPoolGrad(tensorAt(heap, getInt(a, 1, "dy"), elementCount({n, c}, "dy"), "dy"),
                         tensorAt(heap, getInt(a, 2, "dx"), elementCount({n, area, c}, "dx"), "dx"), n, area,
                         c);
    return undefinedValue(env);
  });
}

// sgdStep(memory, table: Float64Array [count * 5], lr, momentum, weightDecay, nesterov):
// per parameter [pOffset, gOffset, vOffset, n, decay (0/1)]; p and v updated in place
napi_value SgdStep(napi_env env, napi_callback_info info) {
  return guarded(env, "sgdStep", [&] {
    Args a = getArgs(env, info, 6);
    const Heap heap = getHeap(a, 0);
    const Typed table = getTyped(a, 1, "table");
    if (table.type != napi_float64_array || table.length % 5 != 0) {
      throw ArgError("table must be a Float64Array of 5 values per parameter");
    }
    const double lr = getDouble(a, 2, "lr");
    const double momentum = getDouble(a, 3, "momentum");
    const double weightDecay = getDouble(a, 4, "weightDecay");
    bool nesterov = false;
    if (napi_get_value_bool(env, a.argv[5], &nesterov) != napi_ok) {
      throw ArgError("nesterov must be a boolean");
    }
    const double* t = static_cast<const double*>(table.data);
    const size_t count = table.length / 5;
    std::vector<genrep::SgdParam> params(count);
    // Byte ranges written (every p and v): no two may overlap, or the result would depend
    // on the threads' order.
    std::vector<std::pair<uint64_t, uint64_t>> written;
    written.reserve(2 * count);
    for (size_t k = 0; k < count; k++) {
      const double* row = t + 5 * k;
      for (int j = 0; j < 5; j++) {
        if (!(row[j] >= 0 && row[j] <= 9.0e15) || row[j] != static_cast<double>(static_cast<int64_t>(row[j]))) {
          throw ArgError("table row " + std::to_string(k) + ": values must be non-negative integers");
        }
      }
      const int64_t n = static_cast<int64_t>(row[3]);
      if (row[4] > 1) throw ArgError("table row " + std::to_string(k) + ": decay must be 0 or 1");
      const std::string what = "parameter " + std::to_string(k);
      float* p = tensorAt(heap, static_cast<int64_t>(row[0]), n, (what + " p").c_str());
      const float* g = tensorAt(heap, static_cast<int64_t>(row[1]), n, (what + " g").c_str());
      float* v = tensorAt(heap, static_cast<int64_t>(row[2]), n, (what + " v").c_str());
      params[k] = {p, g, v, n, row[4] == 1};
      written.emplace_back(static_cast<uint64_t>(row[0]), static_cast<uint64_t>(row[0]) + 4u * n);
      written.emplace_back(static_cast<uint64_t>(row[2]), static_cast<uint64_t>(row[2]) + 4u * n);
    }
    std::sort(written.begin(), written.end());
    for (size_t i = 1; i < written.size(); i++) {
      if (written[i].first < written[i - 1].second) {
        throw ArgError("parameters and momentum buffers must not overlap");
      }
    }
    genrep::sgdStep(params.data(), static_cast<int64_t>(count), static_cast<float>(lr),
                    static_cast<float>(momentum), static_cast<float>(weightDecay), nesterov);
    return undefinedValue(env);
  });
}

// measurePeak(seconds) -> { gflops, threads, isa }: fp32 FMA chains on every core
napi_value MeasurePeak(napi_env env, napi_callback_info info) {
  return guarded(env, "measurePeak", [&] {
    Args a = getArgs(env, info, 1);
    const double seconds = getDouble(a, 0, "seconds");
    if (seconds < 0 || seconds > 60) throw ArgError("seconds must be between 0 and 60");
    const genrep::PeakResult r = genrep::measurePeak(seconds);
    napi_value obj, gflops, threads;
    napi_create_object(env, &obj);
    napi_create_double(env, r.gflops, &gflops);
    napi_create_int32(env, r.threads, &threads);
    napi_set_named_property(env, obj, "gflops", gflops);
    napi_set_named_property(env, obj, "threads", threads);
    napi_set_named_property(env, obj, "isa", stringValue(env, r.isa));
    return obj;
  });
}

// describeConv(kind, params) -> oneDNN implementation name
napi_value DescribeConv(napi_env env, napi_callback_info info) {
  return guarded(env, "describeConv", [&] {
    Args a = getArgs(env, info, 2);
    const ConvKind kind = convKind(getInt(a, 0, "kind"));
    const ConvParams p = convParams(getInts(a, 1, 17, "params"));
    return stringValue(env, genrep::describeConv(kind, p));
  });
}

// setConvLayout(0 = nhwc, 1 = blocked)
napi_value SetConvLayout(napi_env env, napi_callback_info info) {
  return guarded(env, "setConvLayout", [&] {
    Args a = getArgs(env, info, 1);
    const int64_t layout = getInt(a, 0, "layout");
    if (layout != 0 && layout != 1) throw ArgError("layout must be 0 (nhwc) or 1 (blocked)");
    genrep::setConvLayout(static_cast<genrep::ConvLayout>(layout));
    return undefinedValue(env);
  });
}

// setConvAlgorithm(0 = auto: Winograd where faster, 1 = direct only), for this thread's later plans
napi_value SetConvAlgorithm(napi_env env, napi_callback_info info) {
  return guarded(env, "setConvAlgorithm", [&] {
    Args a = getArgs(env, info, 1);
    const int64_t algorithm = getInt(a, 0, "algorithm");
    if (algorithm != 0 && algorithm != 1) throw ArgError("algorithm must be 0 (auto) or 1 (direct)");
    genrep::setConvAlgorithm(static_cast<genrep::ConvAlgorithm>(algorithm));
    return undefinedValue(env);
  });
}

// setPrecision(p): 0 = fp32, 1 = bf16 inputs to convolutions and matrix products (throws
// where the CPU has no bf16); bf16Supported() -> boolean
napi_value SetPrecision(napi_env env, napi_callback_info info) {
  return guarded(env, "setPrecision", [&] {
    Args a = getArgs(env, info, 1);
    const int64_t p = getInt(a, 0, "precision");
    if (p != 0 && p != 1) throw ArgError("precision must be 0 (fp32) or 1 (bf16)");
    genrep::setPrecision(static_cast<genrep::Precision>(p));
    return undefinedValue(env);
  });
}

napi_value Bf16Supported(napi_env env, napi_callback_info) {
  return guarded(env, "bf16Supported", [&] {
    napi_value result;
    napi_get_boolean(env, genrep::bf16Supported(), &result);
    return result;
  });
}

// setThreads(n): threads oneDNN uses for calls from this JS thread (1..1024)
napi_value SetThreads(napi_env env, napi_callback_info info) {
  return guarded(env, "setThreads", [&] {
    Args a = getArgs(env, info, 1);
    const int64_t threads = getInt(a, 0, "threads");
    if (threads < 1 || threads > 1024) throw ArgError("threads must be between 1 and 1024");
    genrep::setMaxThreads(static_cast<int>(threads));
    return undefinedValue(env);
  });
}

// dropCopies(keys: number[]) or dropCopies() for all: forgets kept input copies (copies.h).
napi_value DropCopies(napi_env env, napi_callback_info info) {
  return guarded(env, "dropCopies", [&] {
    Args a = getArgs(env, info, 0);
    if (a.argc == 0) {
      genrep::clearCopies(false);
      return undefinedValue(env);
    }
    bool isArray = false;
    napi_is_array(env, a.argv[0], &isArray);
    if (!isArray) throw ArgError("keys must be an array of numbers");
    uint32_t n = 0;
    napi_get_array_length(env, a.argv[0], &n);
    std::vector<int64_t> keys(n);
    Args one = a;
    for (uint32_t i = 0; i < n; i++) {
      napi_get_element(env, a.argv[0], i, &one.argv[0]);
      keys[i] = getInt(one, 0, "key");
    }
    genrep::dropCopies(keys.data(), keys.size());
    return undefinedValue(env);
  });
}

// copyStats() -> { entries, bytes, pooledBytes, hits, misses }
napi_value CopyStats(napi_env env, napi_callback_info) {
  return guarded(env, "copyStats", [&] {
    const genrep::CopyStats st = genrep::copyStats();
    napi_value obj;
    napi_create_object(env, &obj);
    const std::pair<const char*, double> fields[] = {
        {"entries", static_cast<double>(st.entries)},
        {"bytes", static_cast<double>(st.bytes)},
        {"pooledBytes", static_cast<double>(st.pooledBytes)},
        {"hits", static_cast<double>(st.hits)},
        {"misses", static_cast<double>(st.misses)}};
    for (const auto& [name, value] : fields) {
      napi_value v;
      napi_create_double(env, value, &v);
      napi_set_named_property(env, obj, name, v);
    }
    return obj;
  });
}

// clearCache(): drops cached primitives and scratch buffers of this thread
napi_value ClearCache(napi_env env, napi_callback_info) {
  return guarded(env, "clearCache", [&] {
    genrep::clearCopies(true);
    genrep::clearConvCache();
    genrep::clearMatMulCache();
    genrep::releaseScratch();
    return undefinedValue(env);
  });
}

// pixelViews(images: Uint8Array | Float32Array [n, h, w, c], n, h, w, c,
//            params: Float64Array [n, 10], out: Float32Array [n, size, size, c], size)
napi_value PixelViews(napi_env env, napi_callback_info info) {
  return guarded(env, "pixelViews", [&] {
    Args a = getArgs(env, info, 8);
    const int64_t n = getCount(a, 1, "n");
    const int64_t h = getCount(a, 2, "h");
    const int64_t w = getCount(a, 3, "w");
    const int64_t c = getCount(a, 4, "c");
    const int64_t size = getCount(a, 7, "size");
    const Typed images = getTyped(a, 0, "images");
    if (images.type != napi_uint8_array && images.type != napi_float32_array) {
      throw ArgError("images must be a Uint8Array or a Float32Array");
    }
    if (images.length != static_cast<size_t>(elementCount({n, h, w, c}, "images"))) {
      throw ArgError("images must have n * h * w * c values");
    }
    const Typed params = getTyped(a, 5, "params");
    if (params.type != napi_float64_array ||
        params.length != static_cast<size_t>(elementCount({n, genrep::kViewParams}, "params"))) {
      throw ArgError("params must be a Float64Array of n * " + std::to_string(genrep::kViewParams) +
                     " values");
    }
    const Typed out = getTyped(a, 6, "out");
    if (out.type != napi_float32_array ||
        out.length != static_cast<size_t>(elementCount({n, size, size, c}, "out"))) {
      throw ArgError("out must be a Float32Array of n * size * size * c values");
    }
    const double* p = static_cast<const double*>(params.data);
    for (int64_t i = 0; i < n; i++) {
      const double* q = p + i * genrep::kViewParams;
      for (int j = 0; j < genrep::kViewParams; j++) {
        if (!std::isfinite(q[j])) throw ArgError("params must be finite");
      }
      if (q[2] < 1 || q[3] < 1 || q[0] < 0 || q[1] < 0 || q[0] + q[2] > h || q[1] + q[3] > w) {
        throw ArgError("crop box of view " + std::to_string(i) + " lies outside the image");
      }
    }
    const bool isU8 = images.type == napi_uint8_array;
    genrep::renderViews(isU8 ? static_cast<const uint8_t*>(images.data) : nullptr,
                        isU8 ? nullptr : static_cast<const float*>(images.data), n, h, w, c, p,
                        static_cast<float*>(out.data), size);
    return undefinedValue(env);
  });
}

// info() -> { library, threads, convLayout }
napi_value Info(napi_env env, napi_callback_info) {
  return guarded(env, "info", [&] {
    napi_value obj, threads, layout;
    napi_create_object(env, &obj);
    napi_set_named_property(env, obj, "library", stringValue(env, genrep::describeLibrary()));
    napi_create_int32(env, genrep::maxThreads(), &threads);
    napi_set_named_property(env, obj, "threads", threads);
    napi_create_int32(env, static_cast<int32_t>(genrep::convLayout()), &layout);
    napi_set_named_property(env, obj, "convLayout", layout);
    return obj;
  });
}

void exportFunction(napi_env env, napi_value exports, const char* name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, nullptr, &fn);
  napi_set_named_property(env, exports, name, fn);
}

}  // namespace

NAPI_MODULE_INIT() {
  exportFunction(env, exports, "conv2d", Conv2d);
  exportFunction(env, exports, "matmul", MatMul);
  exportFunction(env, exports, "binary", Binary);
  exportFunction(env, exports, "unary", Unary);
  exportFunction(env, exports, "batchNormForward", BatchNormForward);
  exportFunction(env, exports, "batchNormBackward", BatchNormBackward);
  exportFunction(env, exports, "sgdStep", SgdStep);
  exportFunction(env, exports, "softmaxCrossEntropy", SoftmaxCrossEntropy);
  exportFunction(env, exports, "reluGrad", ReluGrad);
  exportFunction(env, exports, "multiPositiveLoss", MultiPositiveLoss);
  exportFunction(env, exports, "meanPool", MeanPool);
  exportFunction(env, exports, "meanPoolGrad", MeanPoolGrad);
  exportFunction(env, exports, "softmaxRegression", genrep::softmaxRegressionBinding);
  exportFunction(env, exports, "measurePeak", MeasurePeak);
  exportFunction(env, exports, "pixelViews", PixelViews);
  exportFunction(env, exports, "describeConv", DescribeConv);
  exportFunction(env, exports, "setConvLayout", SetConvLayout);
  exportFunction(env, exports, "setConvAlgorithm", SetConvAlgorithm);
  exportFunction(env, exports, "setThreads", SetThreads);
  exportFunction(env, exports, "setPrecision", SetPrecision);
  exportFunction(env, exports, "bf16Supported", Bf16Supported);
  exportFunction(env, exports, "clearCache", ClearCache);
  exportFunction(env, exports, "dropCopies", DropCopies);
  exportFunction(env, exports, "copyStats", CopyStats);
  exportFunction(env, exports, "info", Info);
  return exports;
}
