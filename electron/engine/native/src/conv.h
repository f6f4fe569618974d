// Convolution kernels on NHWC activations and HWIO filters (the tfjs layouts), no copies of the
// activations: oneDNN reads and writes the tfjs buffers in place; only the small filters are reordered.
#pragma once
#include <cstdint>

namespace apprentice {

struct ConvGeom {
  int64_t n, h, w, c;     // input (or gradient of input) NHWC
  int64_t kh, kw, o;      // filter HWIO is [kh, kw, c, o]
  int64_t oh, ow;         // output spatial size
  int64_t sh, sw, dh, dw; // strides and dilations (1 = none)
  int64_t pt, pl;         // top/left padding; bottom/right are derived from the output size
};

// y = act(conv(x, w) + bias); bias may be null; relu selects the fused activation.
void conv_forward(const ConvGeom& g, const float* x, const float* w, const float* bias, bool relu, float* y);
// dx = gradient of conv w.r.t. its input (also the transposed convolution).
void conv_backward_data(const ConvGeom& g, const float* dy, const float* w, float* dx);
// dw = gradient of conv w.r.t. its filter.
void conv_backward_weights(const ConvGeom& g, const float* x, const float* dy, float* dw);

const char* conv_library();
void conv_clear_cache();

}  // namespace apprentice
