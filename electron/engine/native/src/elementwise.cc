#include "elementwise.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace apprentice {
namespace {

// Below this many elements a parallel region costs more than it saves.
constexpr int64_t kParallelMin = 1 << 15;

float* f32(const Napi::Value& v) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(v.Env(), "expected a Float32Array");
  return v.As<Napi::Float32Array>().Data();
}
int64_t n_of(const Napi::Value& v) { return static_cast<int64_t>(v.As<Napi::Float32Array>().ElementLength()); }

enum BinOp { kAdd = 0, kSub, kMul, kDiv, kMax, kMin, kSquaredDiff };

template <BinOp op>
inline float apply(float a, float b) {
  if constexpr (op == kAdd) return a + b;
  if constexpr (op == kSub) return a - b;
  if constexpr (op == kMul) return a * b;
  if constexpr (op == kDiv) return a / b;
  // Math.max/min semantics, as tfjs' cpu kernels: NaN in, NaN out.
  if constexpr (op == kMax) return (std::isnan(a) || std::isnan(b)) ? NAN : (a > b ? a : b);
  if constexpr (op == kMin) return (std::isnan(a) || std::isnan(b)) ? NAN : (a < b ? a : b);
  if constexpr (op == kSquaredDiff) return (a - b) * (a - b);
  return 0.f;
}

// out[i] = a op b where the smaller operand (if any) either tiles the innermost axes (index i % m,
// repeat == 0) or is repeated `repeat` times per element (index i / repeat: a shape ending in 1s,
// e.g. an [N,H,W,1] gate over [N,H,W,C]).
template <BinOp op>
void binary(const float* a, int64_t na, const float* b, int64_t nb, float* out, int64_t n, int64_t repeat) {
  if (na == n && nb == n) {
#pragma omp parallel for if (n >= kParallelMin) schedule(static)
    for (int64_t i = 0; i < n; ++i) out[i] = apply<op>(a[i], b[i]);
  } else if (repeat > 0) {
    const int64_t outer = n / repeat;
    const bool small_b = na == n;
#pragma omp parallel for if (n >= kParallelMin) schedule(static)
    for (int64_t r = 0; r < outer; ++r) {
      const float s = small_b ? b[r] : a[r];
      const int64_t o = r * repeat;
      if (small_b)
        for (int64_t j = 0; j < repeat; ++j) out[o + j] = apply<op>(a[o + j], s);
      else
        for (int64_t j = 0; j < repeat; ++j) out[o + j] = apply<op>(s, b[o + j]);
    }
  } else if (na == n) {
    const int64_t rows = n / nb;
#pragma omp parallel for if (n >= kParallelMin) schedule(static)
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < nb; ++j) out[r * nb + j] = apply<op>(a[r * nb + j], b[j]);
  } else {
    const int64_t rows = n / na;
#pragma omp parallel for if (n >= kParallelMin) schedule(static)
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < na; ++j) out[r * na + j] = apply<op>(a[j], b[r * na + j]);
  }
}

// binary(op, a, b, out, repeat)
Napi::Value Binary(const Napi::CallbackInfo& info) {
  const int op = info[0].As<Napi::Number>().Int32Value();
  const float *a = f32(info[1]), *b = f32(info[2]);
  float* out = f32(info[3]);
  const int64_t na = n_of(info[1]), nb = n_of(info[2]), n = n_of(info[3]);
  const int64_t repeat = info.Length() > 4 ? info[4].As<Napi::Number>().Int64Value() : 0;
  const int64_t small = na == n ? nb : na;
  if (na == 0 || nb == 0 || n % na != 0 || n % nb != 0 || (na != n && nb != n) ||
      (repeat > 0 && small * repeat != n))
    throw Napi::RangeError::New(info.Env(), "binary: unsupported broadcast");
  switch (op) {
    case kAdd: binary<kAdd>(a, na, b, nb, out, n, repeat); break;
    case kSub: binary<kSub>(a, na, b, nb, out, n, repeat); break;
    case kMul: binary<kMul>(a, na, b, nb, out, n, repeat); break;
    case kDiv: binary<kDiv>(a, na, b, nb, out, n, repeat); break;
    case kMax: binary<kMax>(a, na, b, nb, out, n, repeat); break;
    case kMin: binary<kMin>(a, na, b, nb, out, n, repeat); break;
    case kSquaredDiff: binary<kSquaredDiff>(a, na, b, nb, out, n, repeat); break;
    default: throw Napi::RangeError::New(info.Env(), "binary: unknown op");
  }
  return info.Env().Undefined();
}

// transpose(x, out, shape: Int32Array, perm: Int32Array): out = x with its axes permuted, any rank.
Napi::Value Transpose(const Napi::CallbackInfo& info) {
  const float* x = f32(info[0]);
  float* out = f32(info[1]);
  auto sh = info[2].As<Napi::Int32Array>();
  auto pm = info[3].As<Napi::Int32Array>();
  const size_t r = sh.ElementLength();
  if (r == 0 || r > 8 || pm.ElementLength() != r) throw Napi::RangeError::New(info.Env(), "transpose: rank 1-8");
  int64_t in_stride[8], out_dim[8], src_stride[8], n = 1;
  for (size_t i = r; i-- > 0;) {
    in_stride[i] = n;
    n *= sh[i];
  }
  for (size_t i = 0; i < r; ++i) {
    if (pm[i] < 0 || static_cast<size_t>(pm[i]) >= r) throw Napi::RangeError::New(info.Env(), "transpose: bad perm");
    out_dim[i] = sh[pm[i]];
    src_stride[i] = in_stride[pm[i]];
  }
  if (n_of(info[0]) != n || n_of(info[1]) != n) throw Napi::RangeError::New(info.Env(), "transpose: size mismatch");
  const int64_t inner = out_dim[r - 1], inner_stride = src_stride[r - 1], rows = n / (inner ? inner : 1);
#pragma omp parallel for if (n >= kParallelMin) schedule(static)
  for (int64_t row = 0; row < rows; ++row) {
    int64_t rem = row, src = 0;  // decompose the output row into coordinates of the outer axes
    for (size_t i = r - 1; i-- > 0;) {
      src += (rem % out_dim[i]) * src_stride[i];
      rem /= out_dim[i];
    }
    float* o = out + row * inner;
    for (int64_t j = 0; j < inner; ++j) o[j] = x[src + j * inner_stride];
  }
  return info.Env().Undefined();
}

// batchNorm(x, mean, variance, offset|null, scale|null, out, epsilon): tfjs' FusedBatchNorm, each
// parameter indexed modulo its length, arithmetic in double like the stock kernel.
Napi::Value BatchNorm(const Napi::CallbackInfo& info) {
  const float *x = f32(info[0]), *m = f32(info[1]), *v = f32(info[2]);
  const bool has_off = !info[3].IsNull(), has_scale = !info[4].IsNull();
  const float* off = has_off ? f32(info[3]) : nullptr;
  const float* sc = has_scale ? f32(info[4]) : nullptr;
  float* out = f32(info[5]);
  const double eps = info[6].As<Napi::Number>().DoubleValue();
  const int64_t n = n_of(info[0]), nm = n_of(info[1]), nv = n_of(info[2]);
  const int64_t no = has_off ? n_of(info[3]) : 1, ns = has_scale ? n_of(info[4]) : 1;
  if (n_of(info[5]) != n || nm == 0 || nv == 0 || no == 0 || ns == 0)
    throw Napi::RangeError::New(info.Env(), "batchNorm: size mismatch");
  // Parameters of one length C (per channel) that divides n are the usual case: walk rows of C and
  // take each sqrt once per channel instead of once per element; same arithmetic, same order.
  const int64_t c = nm;
  if (nv == c && (no == c || no == 1) && (ns == c || ns == 1) && n % c == 0) {
    std::vector<double> root(c);
    for (int64_t j = 0; j < c; ++j) root[j] = std::sqrt(v[j] + eps);
#pragma omp parallel for if (n >= kParallelMin) schedule(static)
    for (int64_t r = 0; r < n / c; ++r)
      for (int64_t j = 0; j < c; ++j) {
        const double o = off ? off[no == 1 ? 0 : j] : 0.0, s = sc ? sc[ns == 1 ? 0 : j] : 1.0;
        out[r * c + j] = static_cast<float>(o + (static_cast<double>(x[r * c + j]) - m[j]) * s / root[j]);
      }
    return info.Env().Undefined();
  }
#pragma omp parallel for if (n >= kParallelMin) schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const double o = off ? off[i % no] : 0.0, s = sc ? sc[i % ns] : 1.0;
    out[i] = static_cast<float>(o + (static_cast<double>(x[i]) - m[i % nm]) * s / std::sqrt(v[i % nv] + eps));
  }
  return info.Env().Undefined();
}

enum UnOp { kRelu = 0, kStep, kNeg, kExp, kLog, kSqrt, kSquare, kAbs, kSigmoid, kLog1p, kRsqrt, kReciprocal };

// unary(op, x, out, alpha)
Napi::Value Unary(const Napi::CallbackInfo& info) {
  const int op = info[0].As<Napi::Number>().Int32Value();
  const float* x = f32(info[1]);
  float* out = f32(info[2]);
  const float alpha = info.Length() > 3 ? info[3].As<Napi::Number>().FloatValue() : 0.f;
  const int64_t n = n_of(info[1]);
  if (n_of(info[2]) != n) throw Napi::RangeError::New(info.Env(), "unary: size mismatch");
#define APPRENTICE_MAP(EXPR)                                         \
  _Pragma("omp parallel for if (n >= kParallelMin) schedule(static)") \
  for (int64_t i = 0; i < n; ++i) {                                  \
    const float v = x[i];                                            \
    out[i] = (EXPR);                                                 \
  }                                                                  \
  break;
  switch (op) {
    // The NaN rules copy tfjs' cpu kernels: relu and step keep NaN.
    case kRelu: APPRENTICE_MAP(std::isnan(v) ? v : (v < 0.f ? 0.f : v))
    case kStep: APPRENTICE_MAP(std::isnan(v) ? v : (v > 0.f ? 1.f : alpha))
    case kNeg: APPRENTICE_MAP(-v)
    case kExp: APPRENTICE_MAP(std::exp(v))
    case kLog: APPRENTICE_MAP(std::log(v))
    case kSqrt: APPRENTICE_MAP(std::sqrt(v))
    case kSquare: APPRENTICE_MAP(v * v)
    case kAbs: APPRENTICE_MAP(std::fabs(v))
    case kSigmoid: APPRENTICE_MAP(1.f / (1.f + std::exp(-v)))
    case kLog1p: APPRENTICE_MAP(std::log1p(v))
    case kRsqrt: APPRENTICE_MAP(1.f / std::sqrt(v))
    case kReciprocal: APPRENTICE_MAP(1.f / v)
    default: throw Napi::RangeError::New(info.Env(), "unary: unknown op");
  }
#undef APPRENTICE_MAP
  return info.Env().Undefined();
}

// reduce(x, out, rows, cols, inner, op): out[c] = sum_r x[r, c] (a reduction over all leading axes), or, with
// inner = true, out[r] = sum_c x[r, c]. Per-thread partial sums in double keep the order-independence
// error far below float rounding.
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  const float* x = f32(info[0]);
  float* out = f32(info[1]);
  const int64_t rows = info[2].As<Napi::Number>().Int64Value(), cols = info[3].As<Napi::Number>().Int64Value();
  const bool inner = info[4].ToBoolean();
  const int op = info[5].As<Napi::Number>().Int32Value();  // 0 sum, 1 max, 2 min, 3 mean
  if (rows * cols != n_of(info[0]) || n_of(info[1]) != (inner ? rows : cols))
    throw Napi::RangeError::New(info.Env(), "reduce: size mismatch");
  if (inner) {
#pragma omp parallel for if (rows * cols >= kParallelMin) schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
      const float* p = x + r * cols;
      if (op == 0 || op == 3) {
        double s = 0;
        for (int64_t c = 0; c < cols; ++c) s += p[c];
        out[r] = static_cast<float>(op == 3 ? s / cols : s);
      } else {
        float m = p[0];
        for (int64_t c = 1; c < cols; ++c) {
          const float v = p[c];
          if (op == 1 ? (v > m || std::isnan(v)) : (v < m || std::isnan(v))) m = v;
          if (std::isnan(m)) break;
        }
        out[r] = m;
      }
    }
    return info.Env().Undefined();
  }
  if (op != 0 && op != 3) throw Napi::RangeError::New(info.Env(), "reduce: outer max/min not supported");
  std::vector<double> total(cols, 0.0);
#pragma omp parallel if (rows * cols >= kParallelMin)
  {
    std::vector<double> part(cols, 0.0);
#pragma omp for schedule(static) nowait
    for (int64_t r = 0; r < rows; ++r) {
      const float* p = x + r * cols;
      for (int64_t c = 0; c < cols; ++c) part[c] += p[c];
    }
#pragma omp critical
    for (int64_t c = 0; c < cols; ++c) total[c] += part[c];
  }
  for (int64_t c = 0; c < cols; ++c) out[c] = static_cast<float>(op == 3 ? total[c] / rows : total[c]);
  return info.Env().Undefined();
}

// concatInner(parts[], widths[], out, rows): concatenation along the last axis of [rows, width_i] parts.
Napi::Value ConcatInner(const Napi::CallbackInfo& info) {
  auto parts = info[0].As<Napi::Array>();
  auto widths = info[1].As<Napi::Int32Array>();
  float* out = f32(info[2]);
  const int64_t rows = info[3].As<Napi::Number>().Int64Value();
  const uint32_t k = parts.Length();
  std::vector<const float*> src(k);
  std::vector<int64_t> w(k), off(k);
  int64_t total = 0;
  for (uint32_t i = 0; i < k; ++i) {
    src[i] = f32(parts.Get(i));
    w[i] = widths[i];
    off[i] = total;
    total += w[i];
    if (n_of(parts.Get(i)) != rows * w[i]) throw Napi::RangeError::New(info.Env(), "concat: size mismatch");
  }
  if (n_of(info[2]) != rows * total) throw Napi::RangeError::New(info.Env(), "concat: output size mismatch");
#pragma omp parallel for if (rows * total >= kParallelMin) schedule(static)
  for (int64_t r = 0; r < rows; ++r)
    for (uint32_t i = 0; i < k; ++i) std::memcpy(out + r * total + off[i], src[i] + r * w[i], sizeof(float) * w[i]);
  return info.Env().Undefined();
}

// sliceInner(x, out, rows, width, begin, size): out[r, :] = x[r, begin:begin+size]
Napi::Value SliceInner(const Napi::CallbackInfo& info) {
  const float* x = f32(info[0]);
  float* out = f32(info[1]);
  const int64_t rows = info[2].As<Napi::Number>().Int64Value(), width = info[3].As<Napi::Number>().Int64Value();
  const int64_t begin = info[4].As<Napi::Number>().Int64Value(), size = info[5].As<Napi::Number>().Int64Value();
  if (n_of(info[0]) != rows * width || n_of(info[1]) != rows * size || begin < 0 || begin + size > width)
    throw Napi::RangeError::New(info.Env(), "slice: size mismatch");
#pragma omp parallel for if (rows * size >= kParallelMin) schedule(static)
  for (int64_t r = 0; r < rows; ++r) std::memcpy(out + r * size, x + r * width + begin, sizeof(float) * size);
  return info.Env().Undefined();
}

// adam(value, m, v, grad, outValue, outM, outV, [lr, beta1, 1-beta1, beta2, 1-beta2, eps, 1-accBeta1,
// 1-accBeta2]): tfjs' AdamOptimizer update in one pass, with its operation order and float32 rounding at
// every step (no FMA contraction: the default x86-64 target has none), so results match it bit for bit.
Napi::Value Adam(const Napi::CallbackInfo& info) {
  const float *val = f32(info[0]), *m = f32(info[1]), *v = f32(info[2]), *g = f32(info[3]);
  float *oval = f32(info[4]), *om = f32(info[5]), *ov = f32(info[6]);
  const int64_t n = n_of(info[0]);
  for (int i = 1; i < 7; ++i)
    if (n_of(info[i]) != n) throw Napi::RangeError::New(info.Env(), "adam: size mismatch");
  auto c = info[7].As<Napi::Float64Array>();
  if (c.ElementLength() != 8) throw Napi::RangeError::New(info.Env(), "adam: 8 constants expected");
  const float lr = static_cast<float>(c[0]), b1 = static_cast<float>(c[1]), ob1 = static_cast<float>(c[2]);
  const float b2 = static_cast<float>(c[3]), ob2 = static_cast<float>(c[4]), eps = static_cast<float>(c[5]);
  const float c1 = static_cast<float>(c[6]), c2 = static_cast<float>(c[7]);
#pragma omp parallel for if (n >= kParallelMin) schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const float gi = g[i];
    const float mi = m[i] * b1 + gi * ob1;
    const float vi = v[i] * b2 + (gi * gi) * ob2;
    om[i] = mi;
    ov[i] = vi;
    oval[i] = (mi / c1) / (std::sqrt(vi / c2) + eps) * (-lr) + val[i];
  }
  return info.Env().Undefined();
}

// reluGrad(dy, y, out): dy * step(y), the gradient of a fused ReLU from its output, in one pass.
Napi::Value ReluGrad(const Napi::CallbackInfo& info) {
  const float *dy = f32(info[0]), *y = f32(info[1]);
  float* out = f32(info[2]);
  const int64_t n = n_of(info[2]);
  if (n_of(info[0]) != n || n_of(info[1]) != n) throw Napi::RangeError::New(info.Env(), "reluGrad: size mismatch");
#pragma omp parallel for if (n >= kParallelMin) schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const float s = std::isnan(y[i]) ? y[i] : (y[i] > 0.f ? 1.f : 0.f);  // tfjs Step keeps NaN
    out[i] = dy[i] * s;
  }
  return info.Env().Undefined();
}

// spaceToBatch(x, out, [B, H, W, C, bh, bw, padTop, padLeft, OH, OW]): TF's SpaceToBatchND for NHWC
// with two block dims: out[(i*bw + j)*B + b, y, x] = padded x[b, y*bh + i, x*bw + j] (0 in the padding).
Napi::Value SpaceToBatch(const Napi::CallbackInfo& info) {
  const float* x = f32(info[0]);
  float* out = f32(info[1]);
  auto g = info[2].As<Napi::Int32Array>();
  if (g.ElementLength() != 10) throw Napi::RangeError::New(info.Env(), "spaceToBatch: 10 geometry values");
  const int64_t B = g[0], H = g[1], W = g[2], C = g[3], bh = g[4], bw = g[5], pt = g[6], pl = g[7], OH = g[8], OW = g[9];
  if (n_of(info[0]) != B * H * W * C || n_of(info[1]) != bh * bw * B * OH * OW * C)
    throw Napi::RangeError::New(info.Env(), "spaceToBatch: size mismatch");
  const int64_t rows = bh * bw * B * OH;
#pragma omp parallel for if (rows * OW * C >= kParallelMin) schedule(static)
  for (int64_t row = 0; row < rows; ++row) {
    const int64_t y = row % OH, ob = row / OH, b = ob % B, ij = ob / B, i = ij / bw, j = ij % bw;
    const int64_t iy = y * bh + i - pt;
    float* o = out + row * OW * C;
    for (int64_t xx = 0; xx < OW; ++xx) {
      const int64_t ix = xx * bw + j - pl;
      if (iy < 0 || iy >= H || ix < 0 || ix >= W)
        std::memset(o + xx * C, 0, sizeof(float) * C);
      else
        std::memcpy(o + xx * C, x + ((b * H + iy) * W + ix) * C, sizeof(float) * C);
    }
  }
  return info.Env().Undefined();
}

// batchToSpace(x, out, [B, H, W, C, bh, bw, cropTop, cropLeft, OH, OW]): the inverse (x has bh*bw*B
// images of H x W; out is B x OH x OW after cropping).
Napi::Value BatchToSpace(const Napi::CallbackInfo& info) {
  const float* x = f32(info[0]);
  float* out = f32(info[1]);
  auto g = info[2].As<Napi::Int32Array>();
  if (g.ElementLength() != 10) throw Napi::RangeError::New(info.Env(), "batchToSpace: 10 geometry values");
  const int64_t B = g[0], H = g[1], W = g[2], C = g[3], bh = g[4], bw = g[5], ct = g[6], cl = g[7], OH = g[8], OW = g[9];
  if (n_of(info[0]) != bh * bw * B * H * W * C || n_of(info[1]) != B * OH * OW * C || (OH + ct) > H * bh ||
      (OW + cl) > W * bw)
    throw Napi::RangeError::New(info.Env(), "batchToSpace: size mismatch");
#pragma omp parallel for if (B * OH * OW * C >= kParallelMin) schedule(static)
  for (int64_t row = 0; row < B * OH; ++row) {
    const int64_t b = row / OH, Y = row % OH + ct, i = Y % bh, yy = Y / bh;
    float* o = out + row * OW * C;
    for (int64_t xx = 0; xx < OW; ++xx) {
      const int64_t X = xx + cl, j = X % bw, sx = X / bw;
      std::memcpy(o + xx * C, x + ((((i * bw + j) * B + b) * H + yy) * W + sx) * C, sizeof(float) * C);
    }
  }
  return info.Env().Undefined();
}

}  // namespace

void register_elementwise(Napi::Env env, Napi::Object exports) {
  exports.Set("binary", Napi::Function::New(env, Binary));
  exports.Set("unary", Napi::Function::New(env, Unary));
  exports.Set("transpose", Napi::Function::New(env, Transpose));
  exports.Set("batchNorm", Napi::Function::New(env, BatchNorm));
  exports.Set("spaceToBatch", Napi::Function::New(env, SpaceToBatch));
  exports.Set("batchToSpace", Napi::Function::New(env, BatchToSpace));
  exports.Set("reduce", Napi::Function::New(env, Reduce));
  exports.Set("concatInner", Napi::Function::New(env, ConcatInner));
  exports.Set("sliceInner", Napi::Function::New(env, SliceInner));
  exports.Set("adam", Napi::Function::New(env, Adam));
  exports.Set("reluGrad", Napi::Function::New(env, ReluGrad));
}

}  // namespace apprentice
