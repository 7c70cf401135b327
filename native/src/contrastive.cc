#include "contrastive.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <vector>

namespace genrep {

void multiPositiveLoss(const float* sims, const int32_t* groups, float* loss, float* grad,
                       int64_t m, float temperature) {
  // |P(i)|: the other rows of row i's group.
  std::unordered_map<int32_t, int64_t> size;
  for (int64_t i = 0; i < m; i++) size[groups[i]]++;
  std::vector<int64_t> positives(m);
  int64_t rows = 0;
  for (int64_t i = 0; i < m; i++) {
    positives[i] = size[groups[i]] - 1;
    if (positives[i] > 0) rows++;
  }
  const float weight = 1.0f / static_cast<float>(std::max<int64_t>(rows, 1));
  std::vector<double> perRow(m, 0.0);
  // About m exp() per row: both threads from a few rows of a real batch.
#pragma omp parallel for schedule(static) if (m * m >= (1 << 12))
  for (int64_t i = 0; i < m; i++) {
    const float* s = sims + i * m;
    float* g = grad + i * m;
    if (positives[i] == 0) {
      std::fill(g, g + m, 0.0f);
      continue;
    }
    const int32_t group = groups[i];
    const float p = 1.0f / static_cast<float>(positives[i]);
    // Logits l_j = s_j / tau, kept in g until the softmax overwrites them.
    float top = -INFINITY;
    for (int64_t j = 0; j < m; j++) {
      g[j] = s[j] / temperature;
      if (j != i) top = std::max(top, g[j]);
    }
    double sum = 0;
    double dot = 0;
    for (int64_t j = 0; j < m; j++) {
      if (j == i) {
        g[j] = 0.0f;
        continue;
      }
      const float shifted = g[j] - top;
      if (groups[j] == group) dot += static_cast<double>(shifted) * p;
      const float e = std::exp(shifted);
      g[j] = e;
      sum += e;
    }
    perRow[i] = std::log(sum) - dot;
    const float inv = static_cast<float>(1.0 / sum);
    for (int64_t j = 0; j < m; j++) {
      const float target = (j != i && groups[j] == group) ? p : 0.0f;
      g[j] = (g[j] * inv - target) * weight / temperature;
    }
  }
  double total = 0;
  for (int64_t i = 0; i < m; i++) total += perRow[i];
  loss[0] = static_cast<float>(total * weight);
}

}  // namespace genrep
