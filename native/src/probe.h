// The linear probe's softmax regression (src/evaluation/representation/softmaxRegression.ts):
// its value and gradient in one pass over the design matrix, on all cores.
#pragma once

#include <cstdint>

namespace genrep {

/**
 * Rows of X summed into one partial (float32 within it), the partials then added in chunk
 * order in float64. Fixed, so the result has the same bits whatever the number of threads.
 */
constexpr int64_t kProbeChunkRows = 1024;

/**
 * Sums of softmax regression over the rows of x [rows, cols] (row-major float32) with labels
 * [rows] in [0, classes) and weights W [cols, classes] (row-major float64, rounded to float32
 * as the tfjs path rounds them):
 *
 *   returns   sum_i loss_i,  loss_i = logsumexp_k (x_i W)_k - (x_i W)_{y_i}
 *   gradient  [cols, classes] = sum_i x_i^T (softmax(x_i W) - onehot(y_i))   (float64)
 *
 * One pass over x: each block of rows yields its logits, softmax, losses and residual, and
 * adds x_b^T r_b to its chunk's partial while the rows are still in cache.
 */
double softmaxRegressionSums(const float* x, int64_t rows, int64_t cols, const int32_t* labels,
                             int64_t classes, const double* weights, double* gradient);

}  // namespace genrep
