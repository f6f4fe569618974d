#include "pool.h"

#include <cmath>
#include <limits>
#include <vector>

namespace apprentice {

namespace {
// Channels are processed in blocks so that one task owns its output cells (no races in the gradient)
// while the inner loop stays contiguous in NHWC.
constexpr int64_t kBlock = 64;

template <typename Visit>
void for_each_window(const PoolGeom& g, Visit visit) {
  const int64_t blocks = (g.c + kBlock - 1) / kBlock;
  const int64_t tasks = g.n * g.oh * blocks;
#pragma omp parallel for schedule(static)
  for (int64_t t = 0; t < tasks; ++t) {
    const int64_t cb = t % blocks, r = t / blocks, oy = r % g.oh, b = r / g.oh;
    const int64_t c0 = cb * kBlock, c1 = c0 + kBlock < g.c ? c0 + kBlock : g.c;
    for (int64_t ox = 0; ox < g.ow; ++ox) visit(b, oy, ox, c0, c1);
  }
}
}  // namespace

void max_pool(const PoolGeom& g, const float* x, float* y) {
  for_each_window(g, [&](int64_t b, int64_t oy, int64_t ox, int64_t c0, int64_t c1) {
    float best[kBlock];
    for (int64_t c = c0; c < c1; ++c) best[c - c0] = -std::numeric_limits<float>::infinity();
    for (int64_t ky = 0; ky < g.kh; ++ky) {
      const int64_t iy = oy * g.sh - g.pt + ky * g.dh;
      if (iy < 0 || iy >= g.h) continue;
      for (int64_t kx = 0; kx < g.kw; ++kx) {
        const int64_t ix = ox * g.sw - g.pl + kx * g.dw;
        if (ix < 0 || ix >= g.w) continue;
        const float* p = x + ((b * g.h + iy) * g.w + ix) * g.c;
        for (int64_t c = c0; c < c1; ++c)
          if (p[c] > best[c - c0]) best[c - c0] = p[c];
      }
    }
    float* q = y + ((b * g.oh + oy) * g.ow + ox) * g.c;
    for (int64_t c = c0; c < c1; ++c) q[c] = best[c - c0];
  });
}

void max_pool_grad(const PoolGeom& g, const float* x, const float* dy, float* dx) {
  // Windows of one output row may overlap the next row's (stride < kernel): serialize rows per block.
  const int64_t blocks = (g.c + kBlock - 1) / kBlock;
  const int64_t tasks = g.n * blocks;
#pragma omp parallel for schedule(static)
  for (int64_t t = 0; t < tasks; ++t) {
    const int64_t cb = t % blocks, b = t / blocks;
    const int64_t c0 = cb * kBlock, c1 = c0 + kBlock < g.c ? c0 + kBlock : g.c;
    float best[kBlock];
    int64_t where[kBlock];
    for (int64_t oy = 0; oy < g.oh; ++oy)
      for (int64_t ox = 0; ox < g.ow; ++ox) {
        for (int64_t c = c0; c < c1; ++c) {
          best[c - c0] = -std::numeric_limits<float>::infinity();
          where[c - c0] = -1;
        }
        for (int64_t ky = 0; ky < g.kh; ++ky) {
          const int64_t iy = oy * g.sh - g.pt + ky * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          for (int64_t kx = 0; kx < g.kw; ++kx) {
            const int64_t ix = ox * g.sw - g.pl + kx * g.dw;
            if (ix < 0 || ix >= g.w) continue;
            const int64_t off = ((b * g.h + iy) * g.w + ix) * g.c;
            for (int64_t c = c0; c < c1; ++c)
              if (x[off + c] > best[c - c0]) {  // strict: the first maximum wins, NaN never does
                best[c - c0] = x[off + c];
                where[c - c0] = off + c;
              }
          }
        }
        const float* d = dy + ((b * g.oh + oy) * g.ow + ox) * g.c;
        for (int64_t c = c0; c < c1; ++c)
          if (where[c - c0] >= 0) dx[where[c - c0]] += d[c];
      }
  }
}

}  // namespace apprentice
