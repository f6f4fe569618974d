// oneDNN convolutions. Primitives are built once per shape and cached: building one costs far more
// than running it on the small tensors of a training step.
#include <cstdlib>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <unordered_map>

#include "oneapi/dnnl/dnnl.hpp"
#include "conv.h"

namespace apprentice {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

dnnl::engine& eng() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}
dnnl::stream& strm() {
  static dnnl::stream s(eng());
  return s;
}

// tfjs derives the output size and the top/left padding; the bottom/right padding follows from them.
// It can be negative (e.g. 'valid' with stride 2 over an even size: the last row is never read). oneDNN
// wants it >= 0, so such inputs are described as a cropped view with the full tensor's strides.
struct Plan {
  memory::dims src, wei, dst, strides, dil, padl, padr;
  memory::dims src_strides;
};

Plan plan(const ConvGeom& g) {
  Plan p;
  int64_t pb = (g.oh - 1) * g.sh + (g.kh - 1) * g.dh + 1 - g.h - g.pt;
  int64_t pr = (g.ow - 1) * g.sw + (g.kw - 1) * g.dw + 1 - g.w - g.pl;
  int64_t h = pb < 0 ? g.h + pb : g.h, w = pr < 0 ? g.w + pr : g.w;
  p.src = {g.n, g.c, h, w};
  p.src_strides = {g.h * g.w * g.c, 1, g.w * g.c, g.c};
  p.wei = {g.o, g.c, g.kh, g.kw};
  p.dst = {g.n, g.o, g.oh, g.ow};
  p.strides = {g.sh, g.sw};
  p.dil = {g.dh - 1, g.dw - 1};
  p.padl = {g.pt, g.pl};
  p.padr = {pb < 0 ? 0 : pb, pr < 0 ? 0 : pr};
  return p;
}

std::string key(char op, const ConvGeom& g, int extra) {
  char buf[256];
  snprintf(buf, sizeof buf, "%c%d/%lld,%lld,%lld,%lld/%lld,%lld,%lld/%lld,%lld/%lld,%lld,%lld,%lld/%lld,%lld", op,
           extra, (long long)g.n, (long long)g.h, (long long)g.w, (long long)g.c, (long long)g.kh, (long long)g.kw,
           (long long)g.o, (long long)g.oh, (long long)g.ow, (long long)g.sh, (long long)g.sw, (long long)g.dh,
           (long long)g.dw, (long long)g.pt, (long long)g.pl);
  return buf;
}

memory::desc src_md(const Plan& p) { return memory::desc(p.src, dt::f32, p.src_strides); }
memory::desc user_w_md(const Plan& p) { return memory::desc(p.wei, dt::f32, tag::hwio); }
memory::desc any_md(const memory::dims& d) { return memory::desc(d, dt::f32, tag::any); }
memory::desc nhwc_md(const memory::dims& d) { return memory::desc(d, dt::f32, tag::nhwc); }

// One grow-only scratchpad shared by all primitives (they run one at a time): oneDNN would otherwise
// malloc and free it on every call, and fresh pages for a multi-MB buffer cost more than small convs.
dnnl::primitive_attr user_scratchpad() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

memory scratchpad(const memory::desc& md) {
  static void* buf = nullptr;
  static size_t cap = 0;
  const size_t need = md.get_size();
  if (need > cap) {
    std::free(buf);
    cap = need + need / 4;
    buf = std::aligned_alloc(64, (cap + 63) / 64 * 64);
    if (!buf) throw std::bad_alloc();
  }
  return memory(md, eng(), buf);
}

dnnl::convolution_forward::primitive_desc fwd_pd(const Plan& p, bool bias, bool relu) {
  auto sd = src_md(p);
  auto dd = nhwc_md(p.dst);
  auto d = bias ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training,
                                                  dnnl::algorithm::convolution_direct, sd, any_md(p.wei),
                                                  memory::desc({p.dst[1]}, dt::f32, tag::a), dd, p.strides, p.dil,
                                                  p.padl, p.padr)
                : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training,
                                                  dnnl::algorithm::convolution_direct, sd, any_md(p.wei), dd,
                                                  p.strides, p.dil, p.padl, p.padr);
  dnnl::primitive_attr attr = user_scratchpad();
  if (relu) {
    dnnl::post_ops ops;
    ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
    attr.set_post_ops(ops);
  }
  return dnnl::convolution_forward::primitive_desc(d, attr, eng());
}

// One cached primitive plus the reorder that brings the filter into (or out of) the layout it wants.
struct Entry {
  dnnl::primitive prim;
  memory::desc scratch_md;
  memory::desc wei_md;  // layout chosen by the primitive
  bool reorder = false;
  dnnl::reorder wei_reorder;
  memory wei_buf;
};

std::unordered_map<std::string, std::unique_ptr<Entry>>& cache() {
  static std::unordered_map<std::string, std::unique_ptr<Entry>> c;
  return c;
}

Entry* remember(const std::string& k, std::unique_ptr<Entry> e) {
  auto& c = cache();
  if (c.size() > 512) c.clear();  // shapes of one model are few; a runaway of new shapes must not leak
  Entry* raw = e.get();
  c[k] = std::move(e);
  return raw;
}

void finish_entry(Entry& e, const Plan& p, bool to_user) {
  auto user = user_w_md(p);
  if (e.wei_md != user) {
    e.reorder = true;
    e.wei_buf = memory(e.wei_md, eng());
    e.wei_reorder = to_user ? dnnl::reorder(e.wei_buf, memory(user, eng(), nullptr))
                            : dnnl::reorder(memory(user, eng(), nullptr), e.wei_buf);
  }
}

// The primitive cache and the scratchpad are shared by every JS thread that loads the addon (the
// main process and its training/inference workers): one convolution at a time.
std::mutex& lock() {
  static std::mutex m;
  return m;
}

}  // namespace

void conv_forward(const ConvGeom& g, const float* x, const float* w, const float* bias, bool relu, float* y) {
  std::lock_guard<std::mutex> guard(lock());
  Plan p = plan(g);
  std::string k = key('f', g, (bias ? 1 : 0) | (relu ? 2 : 0));
  auto it = cache().find(k);
  Entry* e;
  if (it == cache().end()) {
    auto pd = fwd_pd(p, bias != nullptr, relu);
    auto ne = std::make_unique<Entry>();
    ne->prim = dnnl::convolution_forward(pd);
    ne->scratch_md = pd.scratchpad_desc();
    ne->wei_md = pd.weights_desc();
    finish_entry(*ne, p, false);
    e = remember(k, std::move(ne));
  } else {
    e = it->second.get();
  }
  memory wu(user_w_md(p), eng(), const_cast<float*>(w));
  memory wm = wu;
  if (e->reorder) {
    e->wei_reorder.execute(strm(), {{DNNL_ARG_FROM, wu}, {DNNL_ARG_TO, e->wei_buf}});
    wm = e->wei_buf;
  }
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, memory(src_md(p), eng(), const_cast<float*>(x))},
                                       {DNNL_ARG_WEIGHTS, wm},
                                       {DNNL_ARG_DST, memory(nhwc_md(p.dst), eng(), y)}};
  args[DNNL_ARG_SCRATCHPAD] = scratchpad(e->scratch_md);
  if (bias) args[DNNL_ARG_BIAS] = memory(memory::desc({g.o}, dt::f32, tag::a), eng(), const_cast<float*>(bias));
  e->prim.execute(strm(), args);
  strm().wait();
}

void conv_backward_data(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  std::lock_guard<std::mutex> guard(lock());
  Plan p = plan(g);
  std::string k = key('d', g, 0);
  auto it = cache().find(k);
  Entry* e;
  if (it == cache().end()) {
    auto hint = fwd_pd(p, false, false);
    dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, src_md(p), any_md(p.wei),
                                            nhwc_md(p.dst), p.strides, p.dil, p.padl, p.padr);
    dnnl::convolution_backward_data::primitive_desc pd(d, user_scratchpad(), eng(), hint);
    auto ne = std::make_unique<Entry>();
    ne->prim = dnnl::convolution_backward_data(pd);
    ne->scratch_md = pd.scratchpad_desc();
    ne->wei_md = pd.weights_desc();
    finish_entry(*ne, p, false);
    e = remember(k, std::move(ne));
  } else {
    e = it->second.get();
  }
  memory wu(user_w_md(p), eng(), const_cast<float*>(w));
  memory wm = wu;
  if (e->reorder) {
    e->wei_reorder.execute(strm(), {{DNNL_ARG_FROM, wu}, {DNNL_ARG_TO, e->wei_buf}});
    wm = e->wei_buf;
  }
  e->prim.execute(strm(), {{DNNL_ARG_DIFF_DST, memory(nhwc_md(p.dst), eng(), const_cast<float*>(dy))},
                           {DNNL_ARG_WEIGHTS, wm},
                           {DNNL_ARG_DIFF_SRC, memory(src_md(p), eng(), dx)},
                           {DNNL_ARG_SCRATCHPAD, scratchpad(e->scratch_md)}});
  strm().wait();
}

void conv_backward_weights(const ConvGeom& g, const float* x, const float* dy, float* dw) {
  std::lock_guard<std::mutex> guard(lock());
  Plan p = plan(g);
  std::string k = key('w', g, 0);
  auto it = cache().find(k);
  Entry* e;
  if (it == cache().end()) {
    auto hint = fwd_pd(p, false, false);
    dnnl::convolution_backward_weights::desc d(dnnl::algorithm::convolution_direct, src_md(p), any_md(p.wei),
                                               nhwc_md(p.dst), p.strides, p.dil, p.padl, p.padr);
    dnnl::convolution_backward_weights::primitive_desc pd(d, user_scratchpad(), eng(), hint);
    auto ne = std::make_unique<Entry>();
    ne->prim = dnnl::convolution_backward_weights(pd);
    ne->scratch_md = pd.scratchpad_desc();
    ne->wei_md = pd.diff_weights_desc();
    finish_entry(*ne, p, true);
    e = remember(k, std::move(ne));
  } else {
    e = it->second.get();
  }
  memory wu(user_w_md(p), eng(), dw);
  memory wm = e->reorder ? e->wei_buf : wu;
  e->prim.execute(strm(), {{DNNL_ARG_SRC, memory(src_md(p), eng(), const_cast<float*>(x))},
                           {DNNL_ARG_DIFF_DST, memory(nhwc_md(p.dst), eng(), const_cast<float*>(dy))},
                           {DNNL_ARG_DIFF_WEIGHTS, wm},
                           {DNNL_ARG_SCRATCHPAD, scratchpad(e->scratch_md)}});
  if (e->reorder) e->wei_reorder.execute(strm(), {{DNNL_ARG_FROM, e->wei_buf}, {DNNL_ARG_TO, wu}});
  strm().wait();
}

const char* conv_library() {
  static std::string s = [] {
    auto v = dnnl::version();
    return "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
  }();
  return s.c_str();
}

void conv_clear_cache() {
  std::lock_guard<std::mutex> guard(lock());
  cache().clear();
}

}  // namespace apprentice
