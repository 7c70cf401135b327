// SimCLR pixel views (src/views/pixel/simclrAugment.ts) on host images, one image per
// OpenMP iteration: crop + bilinear resize + flip, brightness/contrast jitter in the drawn
// order, grayscale. The random draws are made in JavaScript (so the views do not depend on
// where they are rendered); this only renders them. Arithmetic is in double with the same
// operation order as the JavaScript reference, so both give the same float32 bits.
#pragma once

#include <cstdint>

namespace genrep {

/**
 * Values per image in `params`: top, left, height, width (the crop box, pixels), flip (0/1),
 * jitter (0/1), brightness factor, contrast factor, brightness first (0/1), gray (0/1).
 */
constexpr int kViewParams = 10;

/**
 * Renders n views [n, size, size, c] (float32 in [0, 1]) from images [n, h, w, c], given as
 * uint8 (scaled by 1/255) or float32 in [0, 1] (exactly one of u8 / f32 is non-null).
 */
void renderViews(const uint8_t* u8, const float* f32, int64_t n, int64_t h, int64_t w, int64_t c,
                 const double* params, float* out, int64_t size);

}  // namespace genrep
