// Which library should carry the convolutions: im2col + OpenBLAS sgemm, or oneDNN's direct NHWC
// convolution? Times forward, backward-data and backward-weights for the 3x3 convolutions of the two
// benchmark U-Nets, both on 2 threads. Build and run: sh test/bench/native/conv-libraries.sh
#include <cblas.h>
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <vector>

#include "oneapi/dnnl/dnnl.hpp"

extern "C" void openblas_set_num_threads(int);

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

struct Shape { int n, h, c, o; };

template <typename F>
double ms(F f, int reps = 5) {
  f();
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    auto t = std::chrono::steady_clock::now();
    f();
    double d = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
    if (d < best) best = d;
  }
  return best;
}

// im2col of a 3x3 'same' window over NHWC: rows = pixels, cols = 9*c (matches HWIO filters).
void im2col(const Shape& s, const float* x, float* cols) {
  const int K = 9 * s.c;
#pragma omp parallel for
  for (long p = 0; p < (long)s.n * s.h * s.h; ++p) {
    const int b = p / (s.h * s.h), y = (p / s.h) % s.h, xx = p % s.h;
    for (int ky = 0; ky < 3; ++ky)
      for (int kx = 0; kx < 3; ++kx) {
        const int iy = y + ky - 1, ix = xx + kx - 1;
        float* dst = cols + p * K + (ky * 3 + kx) * s.c;
        if (iy < 0 || iy >= s.h || ix < 0 || ix >= s.h) {
          for (int c = 0; c < s.c; ++c) dst[c] = 0;
        } else {
          const float* src = x + (((long)b * s.h + iy) * s.h + ix) * s.c;
          for (int c = 0; c < s.c; ++c) dst[c] = src[c];
        }
      }
  }
}

void col2im(const Shape& s, const float* cols, float* dx) {
  const int K = 9 * s.c;
  std::fill(dx, dx + (long)s.n * s.h * s.h * s.c, 0.f);
  for (long p = 0; p < (long)s.n * s.h * s.h; ++p) {  // scatter-add: serial to stay race-free
    const int b = p / (s.h * s.h), y = (p / s.h) % s.h, xx = p % s.h;
    for (int ky = 0; ky < 3; ++ky)
      for (int kx = 0; kx < 3; ++kx) {
        const int iy = y + ky - 1, ix = xx + kx - 1;
        if (iy < 0 || iy >= s.h || ix < 0 || ix >= s.h) continue;
        const float* src = cols + p * K + (ky * 3 + kx) * s.c;
        float* d = dx + (((long)b * s.h + iy) * s.h + ix) * s.c;
        for (int c = 0; c < s.c; ++c) d[c] += src[c];
      }
  }
}

int main() {
  omp_set_num_threads(2);
  openblas_set_num_threads(2);
  engine eng(engine::kind::cpu, 0);
  stream st(eng);
  const Shape shapes[] = {{8, 128, 8, 8}, {8, 64, 16, 16}, {8, 128, 16, 8}, {4, 256, 32, 32}, {4, 128, 64, 64}, {4, 64, 128, 128}, {4, 32, 256, 256}, {4, 256, 64, 32}};
  std::printf("%-22s %10s %10s %10s | %10s %10s %10s  (ms, best of 5)\n", "shape n,hw,c->o", "blas fwd", "bwd_data", "bwd_wei", "dnnl fwd", "bwd_data", "bwd_wei");
  // oneDNN first for every shape, then OpenBLAS: OpenBLAS' worker threads keep spinning for a while
  // after each call and would steal the cores from whatever is measured next.
  const int count = sizeof shapes / sizeof shapes[0];
  double dres[16][3];
  for (int i = 0; i < count; ++i) {
    const Shape& s = shapes[i];
    const long P = (long)s.n * s.h * s.h;
    std::vector<float> x(P * s.c, 0.5f), y(P * s.o), dy(P * s.o, 0.1f), dx(P * s.c);

    memory::dims src{s.n, s.c, s.h, s.h}, wei{s.o, s.c, 3, 3}, dst{s.n, s.o, s.h, s.h}, str{1, 1}, dil{0, 0}, pad{1, 1};
    memory::desc smd(src, dt::f32, tag::nhwc), dmd(dst, dt::f32, tag::nhwc), wany(wei, dt::f32, tag::any);
    convolution_forward::primitive_desc fpd(convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, smd, wany, dmd, str, dil, pad, pad), eng);
    convolution_backward_data::primitive_desc dpd(convolution_backward_data::desc(algorithm::convolution_direct, smd, wany, dmd, str, dil, pad, pad), eng, fpd);
    convolution_backward_weights::primitive_desc wpd(convolution_backward_weights::desc(algorithm::convolution_direct, smd, wany, dmd, str, dil, pad, pad), eng, fpd);
    memory xm(smd, eng, x.data()), ym(dmd, eng, y.data()), dym(dmd, eng, dy.data()), dxm(smd, eng, dx.data());
    memory wf(fpd.weights_desc(), eng), wd(dpd.weights_desc(), eng), ww(wpd.diff_weights_desc(), eng);
    for (memory* m : {&wf, &wd}) {  // fresh memory holds garbage; denormals would slow oneDNN down
      float* p = static_cast<float*>(m->get_data_handle());
      std::fill(p, p + m->get_desc().get_size() / sizeof(float), 0.01f);
    }
    convolution_forward f(fpd);
    convolution_backward_data d(dpd);
    convolution_backward_weights bwp(wpd);
    double df = ms([&] { f.execute(st, {{DNNL_ARG_SRC, xm}, {DNNL_ARG_WEIGHTS, wf}, {DNNL_ARG_DST, ym}}); st.wait(); });
    double dd = ms([&] { d.execute(st, {{DNNL_ARG_DIFF_DST, dym}, {DNNL_ARG_WEIGHTS, wd}, {DNNL_ARG_DIFF_SRC, dxm}}); st.wait(); });
    double dwt = ms([&] { bwp.execute(st, {{DNNL_ARG_SRC, xm}, {DNNL_ARG_DIFF_DST, dym}, {DNNL_ARG_DIFF_WEIGHTS, ww}}); st.wait(); });
    dres[i][0] = df;
    dres[i][1] = dd;
    dres[i][2] = dwt;
  }
  double tb = 0, td = 0;
  for (int i = 0; i < count; ++i) {
    const Shape& s = shapes[i];
    const long P = (long)s.n * s.h * s.h, K = 9L * s.c;
    std::vector<float> x(P * s.c, 0.5f), w(K * s.o, 0.01f), y(P * s.o), dy(P * s.o, 0.1f), dx(P * s.c), dw(K * s.o), cols(P * K);
    double bf = ms([&] { im2col(s, x.data(), cols.data()); cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, P, s.o, K, 1, cols.data(), K, w.data(), s.o, 0, y.data(), s.o); });
    double bd = ms([&] { cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, P, K, s.o, 1, dy.data(), s.o, w.data(), s.o, 0, cols.data(), K); col2im(s, cols.data(), dx.data()); });
    double bw = ms([&] { im2col(s, x.data(), cols.data()); cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, s.o, P, 1, cols.data(), K, dy.data(), s.o, 0, dw.data(), s.o); });
    const double df = dres[i][0], dd = dres[i][1], dwt = dres[i][2];
    char name[64];
    std::snprintf(name, sizeof name, "%d,%d,%d->%d", s.n, s.h, s.c, s.o);
    std::printf("%-22s %10.2f %10.2f %10.2f | %10.2f %10.2f %10.2f\n", name, bf, bd, bw, df, dd, dwt);
    tb += bf + bd + bw;
    td += df + dd + dwt;
  }
  std::printf("total: OpenBLAS im2col %.1f ms, oneDNN direct %.1f ms (%.2fx)\n", tb, td, tb / td);
}
