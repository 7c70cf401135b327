// softmaxRegression(x, rows, cols, labels, classes, weights, gradient): argument checks and
// the call into probe.cc. Every bad call throws a JS Error (code ERR_GENREP_NATIVE_ARG).
#include "probeAddon.h"

#include <cstdint>
#include <stdexcept>
#include <string>

#include "probe.h"

namespace genrep {

namespace {

struct ProbeArgError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/** A positive integer argument, at most 2^40. */
int64_t countArg(napi_env env, napi_value v, const char* what) {
  double d = 0;
  if (napi_get_value_double(env, v, &d) != napi_ok) {
    throw ProbeArgError(std::string(what) + " must be a number");
  }
  if (!(d >= 1 && d <= static_cast<double>(int64_t{1} << 40)) ||
      d != static_cast<double>(static_cast<int64_t>(d))) {
    throw ProbeArgError(std::string(what) + " must be a positive integer");
  }
  return static_cast<int64_t>(d);
}

struct View {
  void* data;
  size_t length;  // elements
  size_t elementBytes;
};

/** A typed array argument of `type` and exactly `length` elements. */
View typedArg(napi_env env, napi_value v, napi_typedarray_type type, uint64_t length,
              const char* what, const char* typeName) {
  bool isTyped = false;
  napi_is_typedarray(env, v, &isTyped);
  napi_typedarray_type actual;
  size_t n = 0;
  void* data = nullptr;
  if (!isTyped || napi_get_typedarray_info(env, v, &actual, &n, &data, nullptr, nullptr) != napi_ok ||
      actual != type) {
    throw ProbeArgError(std::string(what) + " must be a " + typeName);
  }
  if (n != length) {
    throw ProbeArgError(std::string(what) + " must have " + std::to_string(length) + " values, got " +
                        std::to_string(n));
  }
  if (data == nullptr) throw ProbeArgError(std::string(what) + ": buffer is detached");
  const size_t bytes = type == napi_float64_array ? 8 : 4;
  return {data, n, bytes};
}

bool overlaps(const View& a, const View& b) {
  const auto a0 = reinterpret_cast<uintptr_t>(a.data);
  const auto b0 = reinterpret_cast<uintptr_t>(b.data);
  return a0 < b0 + b.length * b.elementBytes && b0 < a0 + a.length * a.elementBytes;
}

uint64_t product(int64_t a, int64_t b, const char* what) {
  int64_t out = 0;
  if (__builtin_mul_overflow(a, b, &out)) {
    throw ProbeArgError(std::string(what) + ": element count overflows 64 bits");
  }
  return static_cast<uint64_t>(out);
}

}  // namespace

napi_value softmaxRegressionBinding(napi_env env, napi_callback_info info) {
  try {
    size_t argc = 7;
    napi_value argv[7];
    if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 7) {
      throw ProbeArgError("expected 7 arguments (x, rows, cols, labels, classes, weights, gradient)");
    }
    const int64_t rows = countArg(env, argv[1], "rows");
    const int64_t cols = countArg(env, argv[2], "cols");
    const int64_t classes = countArg(env, argv[4], "classes");
    if (classes > (1 << 20)) throw ProbeArgError("classes must be at most 2^20");
    const View x = typedArg(env, argv[0], napi_float32_array, product(rows, cols, "x"), "x", "Float32Array");
    const View labels = typedArg(env, argv[3], napi_int32_array, static_cast<uint64_t>(rows), "labels",
                                 "Int32Array");
    const uint64_t wCount = product(cols, classes, "weights");
    const View weights = typedArg(env, argv[5], napi_float64_array, wCount, "weights", "Float64Array");
    const View gradient = typedArg(env, argv[6], napi_float64_array, wCount, "gradient", "Float64Array");
    if (overlaps(gradient, x) || overlaps(gradient, weights) || overlaps(gradient, labels)) {
      throw ProbeArgError("gradient must not share memory with x, labels or weights");
    }
    const auto* y = static_cast<const int32_t*>(labels.data);
    for (int64_t i = 0; i < rows; i++) {
      if (y[i] < 0 || y[i] >= classes) {
        throw ProbeArgError("label " + std::to_string(y[i]) + " of row " + std::to_string(i) +
                            " is outside 0.." + std::to_string(classes - 1));
      }
    }
    const double loss =
        softmaxRegressionSums(static_cast<const float*>(x.data), rows, cols, y, classes,
                              static_cast<const double*>(weights.data), static_cast<double*>(gradient.data));
    napi_value result;
    napi_create_double(env, loss, &result);
    return result;
  } catch (const ProbeArgError& e) {
    napi_throw_error(env, "ERR_GENREP_NATIVE_ARG", (std::string("softmaxRegression: ") + e.what()).c_str());
  } catch (const std::bad_alloc&) {
    napi_throw_error(env, "ERR_GENREP_NATIVE_OOM", "softmaxRegression: out of memory");
  } catch (const std::exception& e) {
    napi_throw_error(env, "ERR_GENREP_NATIVE", (std::string("softmaxRegression: ") + e.what()).c_str());
  }
  return nullptr;
}

}  // namespace genrep
