#include "augment.h"

#include <algorithm>
#include <cmath>

namespace genrep {

namespace {

double clamp01(double v) { return std::min(1.0, std::max(0.0, v)); }

/** resizeBilinear of simclrAugment.ts: half-pixel centres, clamped, optional mirror. */
template <typename T>
void resizeBilinear(const T* src, int64_t h, int64_t w, int64_t c, double toUnit, double top,
                    double left, double boxH, double boxW, bool flip, float* dst, int64_t size) {
  const double sy = boxH / static_cast<double>(size);
  const double sx = boxW / static_cast<double>(size);
  for (int64_t y = 0; y < size; y++) {
    double fy = top + (static_cast<double>(y) + 0.5) * sy - 0.5;
    fy = std::min(std::max(fy, 0.0), static_cast<double>(h - 1));
    const int64_t y0 = static_cast<int64_t>(std::floor(fy));
    const int64_t y1 = std::min(y0 + 1, h - 1);
    const double wy = fy - static_cast<double>(y0);
    for (int64_t x = 0; x < size; x++) {
      const int64_t xs = flip ? size - 1 - x : x;
      double fx = left + (static_cast<double>(xs) + 0.5) * sx - 0.5;
      fx = std::min(std::max(fx, 0.0), static_cast<double>(w - 1));
      const int64_t x0 = static_cast<int64_t>(std::floor(fx));
      const int64_t x1 = std::min(x0 + 1, w - 1);
      const double wx = fx - static_cast<double>(x0);
      float* at = dst + (y * size + x) * c;
      for (int64_t ch = 0; ch < c; ch++) {
        const double a = static_cast<double>(src[(y0 * w + x0) * c + ch]);
        const double b = static_cast<double>(src[(y0 * w + x1) * c + ch]);
        const double d = static_cast<double>(src[(y1 * w + x0) * c + ch]);
        const double e = static_cast<double>(src[(y1 * w + x1) * c + ch]);
        const double upper = a + (b - a) * wx;
        const double lower = d + (e - d) * wx;
        at[ch] = static_cast<float>((upper + (lower - upper) * wy) * toUnit);
      }
    }
  }
}

void scaleClamp(float* img, int64_t len, double factor) {
  for (int64_t i = 0; i < len; i++) img[i] = static_cast<float>(clamp01(img[i] * factor));
}

void adjustContrast(float* img, int64_t len, int64_t c, double factor) {
  double mean = 0;
  if (c == 3) {
    for (int64_t i = 0; i < len; i += 3) {
      mean += 0.299 * img[i] + 0.587 * img[i + 1] + 0.114 * img[i + 2];
    }
    mean /= static_cast<double>(len / 3);
  } else {
    for (int64_t i = 0; i < len; i++) mean += img[i];
    mean /= static_cast<double>(len);
  }
  for (int64_t i = 0; i < len; i++) img[i] = static_cast<float>(clamp01(mean + (img[i] - mean) * factor));
}

void toGray(float* img, int64_t len) {
  for (int64_t i = 0; i < len; i += 3) {
    const float g = static_cast<float>(0.299 * img[i] + 0.587 * img[i + 1] + 0.114 * img[i + 2]);
    img[i] = g;
    img[i + 1] = g;
    img[i + 2] = g;
  }
}

}  // namespace

void renderViews(const uint8_t* u8, const float* f32, int64_t n, int64_t h, int64_t w, int64_t c,
                 const double* params, float* out, int64_t size) {
  const int64_t inSize = h * w * c;
  const int64_t outSize = size * size * c;
#pragma omp parallel for schedule(static) if (n * outSize >= (1 << 15))
  for (int64_t i = 0; i < n; i++) {
    const double* p = params + i * kViewParams;
    float* dst = out + i * outSize;
    const bool flip = p[4] != 0;
    if (u8 != nullptr) {
      resizeBilinear(u8 + i * inSize, h, w, c, 1.0 / 255.0, p[0], p[1], p[2], p[3], flip, dst, size);
    } else {
      resizeBilinear(f32 + i * inSize, h, w, c, 1.0, p[0], p[1], p[2], p[3], flip, dst, size);
    }
    if (p[5] != 0) {
      if (p[8] != 0) {
        scaleClamp(dst, outSize, p[6]);
        adjustContrast(dst, outSize, c, p[7]);
      } else {
        adjustContrast(dst, outSize, c, p[7]);
        scaleClamp(dst, outSize, p[6]);
      }
    }
    if (p[9] != 0) toGray(dst, outSize);
  }
}

}  // namespace genrep
