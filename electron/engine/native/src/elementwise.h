// Memory-bound kernels (elementwise, reductions, concat/slice, transpose, batch norm, space-to-batch,
// the Adam update) over contiguous float32 buffers, split across the OpenMP threads. The JS side only
// routes the shapes they cover here.
#pragma once
#include <napi.h>

namespace apprentice {
void register_elementwise(Napi::Env env, Napi::Object exports);
}
