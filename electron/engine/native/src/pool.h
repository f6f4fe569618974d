// Max pooling on NHWC, with the exact tie and padding rules of tfjs' cpu kernels (first maximum wins,
// padded cells never win), so gradients land on the same cells as the stock kernels'.
#pragma once
#include <cstdint>

namespace apprentice {

struct PoolGeom {
  int64_t n, h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl;
};

void max_pool(const PoolGeom& g, const float* x, float* y);
// dx += scatter of dy onto the argmax cells of x (dx must be zeroed by the caller).
void max_pool_grad(const PoolGeom& g, const float* x, const float* dy, float* dx);

}  // namespace apprentice
