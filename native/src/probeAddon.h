// N-API binding of the linear probe's kernel (probe.h), registered by addon.cc.
#pragma once

#include <node_api.h>

namespace genrep {

/**
 * softmaxRegression(x: Float32Array [rows * cols], rows, cols, labels: Int32Array [rows],
 * classes, weights: Float64Array [cols * classes], gradient: Float64Array [cols * classes])
 * -> the loss sum; writes gradient (see softmaxRegressionSums). Throws a JS Error on a bad call.
 */
napi_value softmaxRegressionBinding(napi_env env, napi_callback_info info);

}  // namespace genrep
