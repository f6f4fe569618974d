// N-API entry points. Every function is synchronous (tfjs kernels are) and works on the tfjs-owned
// Float32Arrays in place; geometry travels as one small Int32Array to keep the call cheap.
#include <napi.h>
#include <omp.h>

#include "conv.h"
#include "elementwise.h"
#include "pool.h"

namespace {

using namespace apprentice;

float* f32(const Napi::Value& v, const char* what) {
  if (v.IsNull() || v.IsUndefined()) return nullptr;
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(v.Env(), std::string(what) + " must be a Float32Array");
  return v.As<Napi::Float32Array>().Data();
}

size_t len(const Napi::Value& v) { return v.As<Napi::Float32Array>().ElementLength(); }

std::vector<int64_t> ints(const Napi::Value& v, size_t n) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
      v.As<Napi::Int32Array>().ElementLength() != n)
    throw Napi::TypeError::New(v.Env(), "geometry must be an Int32Array of " + std::to_string(n));
  auto a = v.As<Napi::Int32Array>();
  return std::vector<int64_t>(a.Data(), a.Data() + n);
}

ConvGeom conv_geom(const Napi::Value& v) {
  auto a = ints(v, 15);
  return ConvGeom{a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14]};
}

void check(const Napi::Env& env, size_t have, int64_t want, const char* what) {
  if (static_cast<int64_t>(have) < want)
    throw Napi::RangeError::New(env, std::string(what) + " is smaller than its shape says");
}

// conv2d(x, w, bias|null, y, geom, relu)
Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  auto g = conv_geom(info[4]);
  check(info.Env(), len(info[0]), g.n * g.h * g.w * g.c, "x");
  check(info.Env(), len(info[1]), g.kh * g.kw * g.c * g.o, "filter");
  check(info.Env(), len(info[3]), g.n * g.oh * g.ow * g.o, "y");
  float* bias = f32(info[2], "bias");
  if (bias) check(info.Env(), len(info[2]), g.o, "bias");
  conv_forward(g, f32(info[0], "x"), f32(info[1], "filter"), bias, info[5].ToBoolean(), f32(info[3], "y"));
  return info.Env().Undefined();
}

// conv2dBackpropInput(dy, w, dx, geom)
Napi::Value Conv2dBackpropInput(const Napi::CallbackInfo& info) {
  auto g = conv_geom(info[3]);
  check(info.Env(), len(info[0]), g.n * g.oh * g.ow * g.o, "dy");
  check(info.Env(), len(info[1]), g.kh * g.kw * g.c * g.o, "filter");
  check(info.Env(), len(info[2]), g.n * g.h * g.w * g.c, "dx");
  conv_backward_data(g, f32(info[0], "dy"), f32(info[1], "filter"), f32(info[2], "dx"));
  return info.Env().Undefined();
}

// conv2dBackpropFilter(x, dy, dw, geom)
Napi::Value Conv2dBackpropFilter(const Napi::CallbackInfo& info) {
  auto g = conv_geom(info[3]);
  check(info.Env(), len(info[0]), g.n * g.h * g.w * g.c, "x");
  check(info.Env(), len(info[1]), g.n * g.oh * g.ow * g.o, "dy");
  check(info.Env(), len(info[2]), g.kh * g.kw * g.c * g.o, "dw");
  conv_backward_weights(g, f32(info[0], "x"), f32(info[1], "dy"), f32(info[2], "dw"));
  return info.Env().Undefined();
}

PoolGeom pool_geom(const Napi::Value& v) {
  auto a = ints(v, 14);
  return PoolGeom{a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13]};
}

// maxPool(x, y, geom)
Napi::Value MaxPool(const Napi::CallbackInfo& info) {
  auto g = pool_geom(info[2]);
  check(info.Env(), len(info[0]), g.n * g.h * g.w * g.c, "x");
  check(info.Env(), len(info[1]), g.n * g.oh * g.ow * g.c, "y");
  max_pool(g, f32(info[0], "x"), f32(info[1], "y"));
  return info.Env().Undefined();
}

// maxPoolGrad(x, dy, dx, geom); dx must be zeroed
Napi::Value MaxPoolGrad(const Napi::CallbackInfo& info) {
  auto g = pool_geom(info[3]);
  check(info.Env(), len(info[0]), g.n * g.h * g.w * g.c, "x");
  check(info.Env(), len(info[1]), g.n * g.oh * g.ow * g.c, "dy");
  check(info.Env(), len(info[2]), g.n * g.h * g.w * g.c, "dx");
  max_pool_grad(g, f32(info[0], "x"), f32(info[1], "dy"), f32(info[2], "dx"));
  return info.Env().Undefined();
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  int n = info[0].As<Napi::Number>().Int32Value();
  if (n > 0) omp_set_num_threads(n);
  return Napi::Number::New(info.Env(), omp_get_max_threads());
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  auto o = Napi::Object::New(info.Env());
  o.Set("library", conv_library());
  o.Set("threads", omp_get_max_threads());
  o.Set("abi", "napi-8");
  return o;
}

Napi::Value ClearCache(const Napi::CallbackInfo& info) {
  conv_clear_cache();
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("conv2d", Napi::Function::New(env, Conv2d));
  exports.Set("conv2dBackpropInput", Napi::Function::New(env, Conv2dBackpropInput));
  exports.Set("conv2dBackpropFilter", Napi::Function::New(env, Conv2dBackpropFilter));
  exports.Set("maxPool", Napi::Function::New(env, MaxPool));
  exports.Set("maxPoolGrad", Napi::Function::New(env, MaxPoolGrad));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("clearCache", Napi::Function::New(env, ClearCache));
  register_elementwise(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(apprentice_kernels, Init)
