// The multi-positive contrastive loss (SimCLR's NT-Xent, SupCon's L_out, StableRep's
// multi-positive loss; src/learners/objectives/multiPositive.ts) with its gradient, in one
// pass per row: no [M, M] intermediate of tfjs ops, no generic logsumexp gradient.
#pragma once

#include <cstdint>

namespace genrep {

/**
 * sims [m, m] (cosine similarities), groups [m] (equal ids: positives of one another) ->
 * loss[0] = sum_i w_i (log sum_{j != i} exp(l_ij - top_i) - sum_j p_ij (l_ij - top_i)),
 * grad [m, m] = w_i (q_ij - p_ij) / temperature (d loss / d sims), where
 *   l_ij = sims_ij / temperature (float division: the bits of the tfjs ops' logits),
 *   top_i = max_{j != i} l_ij, q_ij = softmax over j != i (q_ii = 0),
 *   |P(i)| = #{j != i : g_j = g_i}, p_ij = 1[g_j = g_i, j != i] / |P(i)| (float),
 *   w_i = 1 / (rows with |P(i)| > 0) (float) where |P(i)| > 0, else 0 (and row i of grad 0).
 * Sums in double; rows split over the threads, the per-row losses summed in row order, so the
 * result does not depend on the thread count. The self-similarity never enters (the tfjs
 * version masks it with a logit of -1e9, whose exp is 0).
 */
void multiPositiveLoss(const float* sims, const int32_t* groups, float* loss, float* grad,
                       int64_t m, float temperature);

}  // namespace genrep
