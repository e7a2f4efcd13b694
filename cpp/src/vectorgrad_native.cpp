// vectorgrad C++ kernels behind JNI.
//
// Every entry point takes raw addresses (jlong) of off-heap MemorySegments that the Java side
// (dev.vectorgrad.nativ.jni.JniKernels) has already checked: alive, right dtype, contiguous (or, for GEMM,
// unit stride in one dimension), right shapes. Nothing here validates or throws; nothing is copied or pinned.
//
// ISA dispatch: the hot functions are compiled several times with GCC function multiversioning
// (target_clones) and the loader picks the best clone for the running CPU through an ifunc resolver, so one
// library runs on any x86-64 and uses AVX2/FMA (x86-64-v3) or AVX-512 (x86-64-v4) where present.
//
// Numerics follow dev.vectorgrad.kernels.ScalarKernels (the specification): reductions, losses and optimizer
// updates accumulate in double; elementwise ops and GEMM compute in the tensor's dtype.

#include <jni.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(VG_NO_CLONES)
#define VG_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define VG_CLONES
#endif
#define VG_INLINE inline __attribute__((always_inline))

namespace {

// ------------------------------------------------------------------ elementwise

enum Unary { NEG, ABS, EXP, LOG, SQRT, SQUARE, RECIPROCAL, RELU, SIGMOID, TANH, GELU };
enum Binary { ADD, SUB, MUL, DIV, POW, MAX, MIN };
enum Reduce { R_SUM, R_MEAN, R_MAX, R_MIN, R_ARGMAX, R_VARIANCE };

// Java's Math.max / Math.min: NaN propagates, +0 > -0.
template <class T> VG_INLINE T jmax(T a, T b) {
    if (a != a) return a;
    if (b != b) return b;
    if (a > b) return a;
    if (b > a) return b;
    return std::signbit(a) ? b : a;
}
template <class T> VG_INLINE T jmin(T a, T b) {
    if (a != a) return a;
    if (b != b) return b;
    if (a < b) return a;
    if (b < a) return b;
    return std::signbit(a) ? a : b;
}

template <class T> VG_INLINE T sigmoid(T x) {
    if (x >= 0) return T(1) / (T(1) + std::exp(-x));
    T e = std::exp(x);
    return e / (T(1) + e);
}

template <class T> VG_INLINE void unary_impl(int op, const T* x, T* o, int64_t n) {
    switch (op) {
        case NEG: for (int64_t i = 0; i < n; i++) o[i] = -x[i]; break;
        case ABS: for (int64_t i = 0; i < n; i++) o[i] = std::fabs(x[i]); break;
        case EXP: for (int64_t i = 0; i < n; i++) o[i] = std::exp(x[i]); break;
        case LOG: for (int64_t i = 0; i < n; i++) o[i] = std::log(x[i]); break;
        case SQRT: for (int64_t i = 0; i < n; i++) o[i] = std::sqrt(x[i]); break;
        case SQUARE: for (int64_t i = 0; i < n; i++) o[i] = x[i] * x[i]; break;
        case RECIPROCAL: for (int64_t i = 0; i < n; i++) o[i] = T(1) / x[i]; break;
        case RELU: for (int64_t i = 0; i < n; i++) { T v = x[i]; o[i] = (v > 0 || v != v) ? v : T(0); } break;
        case SIGMOID: for (int64_t i = 0; i < n; i++) o[i] = sigmoid(x[i]); break;
        case TANH: for (int64_t i = 0; i < n; i++) o[i] = std::tanh(x[i]); break;
        case GELU: {
            // 0.5 x (1 + tanh(u)) == x * sigmoid(2u): the sigmoid form has no cancellation for x << 0, where
            // 1 + tanh(u) loses most digits in float (found by the shared conformance table at x = -3.8).
            const T k2 = T(2 * 0.7978845608028654);  // 2 sqrt(2/pi)
            for (int64_t i = 0; i < n; i++) {
                T v = x[i];
                o[i] = v * sigmoid(k2 * (v + T(0.044715) * v * v * v));
            }
            break;
        }
        default: break;
    }
}

template <class T> VG_INLINE void binary_impl(int op, const T* a, const T* b, T* o, int64_t n) {
    switch (op) {
        case ADD: for (int64_t i = 0; i < n; i++) o[i] = a[i] + b[i]; break;
        case SUB: for (int64_t i = 0; i < n; i++) o[i] = a[i] - b[i]; break;
        case MUL: for (int64_t i = 0; i < n; i++) o[i] = a[i] * b[i]; break;
        case DIV: for (int64_t i = 0; i < n; i++) o[i] = a[i] / b[i]; break;
        // Math.pow in double, as the oracle does (pow in float is less accurate than its rounding).
        case POW: for (int64_t i = 0; i < n; i++) o[i] = T(std::pow(double(a[i]), double(b[i]))); break;
        case MAX: for (int64_t i = 0; i < n; i++) o[i] = jmax(a[i], b[i]); break;
        case MIN: for (int64_t i = 0; i < n; i++) o[i] = jmin(a[i], b[i]); break;
        default: break;
    }
}

template <class T> VG_INLINE void binary_scalar_impl(int op, const T* a, double sd, T* o, int64_t n) {
    const T s = T(sd);
    switch (op) {
        case ADD: for (int64_t i = 0; i < n; i++) o[i] = a[i] + s; break;
        case SUB: for (int64_t i = 0; i < n; i++) o[i] = a[i] - s; break;
        case MUL: for (int64_t i = 0; i < n; i++) o[i] = a[i] * s; break;
        case DIV: for (int64_t i = 0; i < n; i++) o[i] = a[i] / s; break;
        case POW: for (int64_t i = 0; i < n; i++) o[i] = T(std::pow(double(a[i]), sd)); break;
        case MAX: for (int64_t i = 0; i < n; i++) o[i] = jmax(a[i], s); break;
        case MIN: for (int64_t i = 0; i < n; i++) o[i] = jmin(a[i], s); break;
        default: break;
    }
}

VG_CLONES void unary_f32(int op, const float* x, float* o, int64_t n) { unary_impl<float>(op, x, o, n); }
VG_CLONES void unary_f64(int op, const double* x, double* o, int64_t n) { unary_impl<double>(op, x, o, n); }
VG_CLONES void binary_f32(int op, const float* a, const float* b, float* o, int64_t n) { binary_impl<float>(op, a, b, o, n); }
VG_CLONES void binary_f64(int op, const double* a, const double* b, double* o, int64_t n) { binary_impl<double>(op, a, b, o, n); }
VG_CLONES void binary_scalar_f32(int op, const float* a, double s, float* o, int64_t n) { binary_scalar_impl<float>(op, a, s, o, n); }
VG_CLONES void binary_scalar_f64(int op, const double* a, double s, double* o, int64_t n) { binary_scalar_impl<double>(op, a, s, o, n); }

// ------------------------------------------------------------------ compare, where, copy (dtype casts)

enum Compare { C_EQ, C_NE, C_LT, C_LE, C_GT, C_GE };

// out = a op b ? 1 : 0 in out's type; comparing in T is exact (float -> double keeps order and equality).
template <class T, class O> void compare_impl(int op, const T* a, const T* b, O* o, int64_t n) {
    switch (op) {
        case C_EQ: for (int64_t i = 0; i < n; i++) o[i] = O(a[i] == b[i]); break;
        case C_NE: for (int64_t i = 0; i < n; i++) o[i] = O(a[i] != b[i]); break;
        case C_LT: for (int64_t i = 0; i < n; i++) o[i] = O(a[i] < b[i]); break;
        case C_LE: for (int64_t i = 0; i < n; i++) o[i] = O(a[i] <= b[i]); break;
        case C_GT: for (int64_t i = 0; i < n; i++) o[i] = O(a[i] > b[i]); break;
        case C_GE: for (int64_t i = 0; i < n; i++) o[i] = O(a[i] >= b[i]); break;
        default: break;
    }
}

template <class T> void compare_to(int op, const T* a, const T* b, int outDt, void* o, int64_t n) {
    if (outDt == 0) compare_impl<T, float>(op, a, b, static_cast<float*>(o), n);
    else if (outDt == 1) compare_impl<T, double>(op, a, b, static_cast<double*>(o), n);
    else compare_impl<T, int32_t>(op, a, b, static_cast<int32_t*>(o), n);
}

// Java's (int) conversion of a double: NaN -> 0, saturating at the int range (a plain cast is undefined there).
VG_INLINE int32_t java_d2i(double v) {
    if (v != v) return 0;
    if (v >= 2147483647.0) return std::numeric_limits<int32_t>::max();
    if (v <= -2147483648.0) return std::numeric_limits<int32_t>::min();
    return int32_t(v);
}

template <class O> struct Conv {
    template <class I> static VG_INLINE O of(I v) { return O(v); }
};
template <> struct Conv<int32_t> {
    template <class I> static VG_INLINE int32_t of(I v) { return java_d2i(double(v)); }
};

template <class I, class O> void copy_cast(const I* s, O* d, int64_t n) {
    for (int64_t i = 0; i < n; i++) d[i] = Conv<O>::of(s[i]);
}

template <class I> void copy_from(const I* s, int dstDt, void* d, int64_t n) {
    if (dstDt == 0) copy_cast<I, float>(s, static_cast<float*>(d), n);
    else if (dstDt == 1) copy_cast<I, double>(s, static_cast<double*>(d), n);
    else copy_cast<I, int32_t>(s, static_cast<int32_t*>(d), n);
}

// ------------------------------------------------------------------ reductions (double accumulation)

template <class T> double reduce_line(int op, const T* x, int64_t stride, int64_t n) {
    switch (op) {
        case R_SUM:
        case R_MEAN: {
            double s = 0;
            if (stride == 1) {
                // Four independent chains: same values as the oracle up to reassociation, four times the ILP.
                double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                int64_t j = 0;
                for (; j + 4 <= n; j += 4) { s0 += x[j]; s1 += x[j + 1]; s2 += x[j + 2]; s3 += x[j + 3]; }
                for (; j < n; j++) s0 += x[j];
                s = (s0 + s1) + (s2 + s3);
            } else {
                for (int64_t j = 0; j < n; j++) s += x[j * stride];
            }
            return op == R_SUM ? s : s / double(n);
        }
        case R_MAX:
        case R_MIN: {
            double m = op == R_MAX ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
            for (int64_t j = 0; j < n; j++) {
                double v = x[j * stride];
                m = op == R_MAX ? jmax(m, v) : jmin(m, v);
            }
            return m;
        }
        case R_ARGMAX: {
            int64_t best = 0;
            double m = -std::numeric_limits<double>::infinity();
            for (int64_t j = 0; j < n; j++) {
                double v = x[j * stride];
                if (v != v) return double(j);
                if (v > m || j == 0) { m = v; best = j; }
            }
            return double(best);
        }
        case R_VARIANCE: {
            double s = 0;
            for (int64_t j = 0; j < n; j++) s += x[j * stride];
            double mean = s / double(n);
            double ss = 0;
            for (int64_t j = 0; j < n; j++) { double d = x[j * stride] - mean; ss += d * d; }
            return ss / double(n);
        }
        default: return std::numeric_limits<double>::quiet_NaN();
    }
}

// x seen as [outer, n, inner] (contiguous); out [outer, inner] of dtype outDt (0 F32, 1 F64, 2 I32).
template <class T> void reduce_axis(int op, const T* x, int64_t outer, int64_t n, int64_t inner, int outDt, void* out) {
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t i = 0; i < inner; i++) {
            double r = reduce_line<T>(op, x + o * n * inner + i, inner, n);
            int64_t e = o * inner + i;
            if (outDt == 0) static_cast<float*>(out)[e] = float(r);
            else if (outDt == 1) static_cast<double*>(out)[e] = r;
            else static_cast<int32_t*>(out)[e] = int32_t(r);
        }
    }
}

template <class T> void softmax_axis(bool log, const T* x, int64_t outer, int64_t n, int64_t inner, T* out) {
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t i = 0; i < inner; i++) {
            const T* xl = x + o * n * inner + i;
            T* ol = out + o * n * inner + i;
            double mx = -std::numeric_limits<double>::infinity();
            for (int64_t j = 0; j < n; j++) mx = jmax(mx, double(xl[j * inner]));
            double sum = 0;
            for (int64_t j = 0; j < n; j++) sum += std::exp(double(xl[j * inner]) - mx);
            if (log) {
                double lse = mx + std::log(sum);
                for (int64_t j = 0; j < n; j++) ol[j * inner] = T(double(xl[j * inner]) - lse);
            } else {
                for (int64_t j = 0; j < n; j++) ol[j * inner] = T(std::exp(double(xl[j * inner]) - mx) / sum);
            }
        }
    }
}

// ------------------------------------------------------------------ GEMM (BLIS-style packing, register tiles)

// C[m,n] = alpha * op(A)[m,k] @ op(B)[k,n] + beta * C, all row-major. A(i,p) = ta ? A[p*lda+i] : A[i*lda+p].
// Loop order after BLIS: jc (NC columns of B) -> pc (KC deep) -> pack B panel -> ic (MC rows) -> pack A ->
// micro-kernel MR x NR held in registers over the whole KC depth.
template <class T> struct Tile;
template <> struct Tile<float> { static constexpr int MR = 6, NR = 16, MC = 96, KC = 256, NC = 2048; };
template <> struct Tile<double> { static constexpr int MR = 6, NR = 8, MC = 96, KC = 256, NC = 1024; };

template <class T> std::vector<T>& scratch(int which) {
    thread_local std::vector<T> buf[3];
    return buf[which];
}

// 32-byte GCC vector types: one AVX register (two SSE registers in the default clone).
template <class T> struct Vec;
template <> struct Vec<float> { typedef float type __attribute__((vector_size(32))); };
template <> struct Vec<double> { typedef double type __attribute__((vector_size(32))); };

// MR x NR tile of C (NR = two vectors) accumulated in registers over the whole packed depth kb.
template <class T, int MR, int NR>
VG_INLINE void micro_kernel(int64_t kb, const T* __restrict ap, const T* __restrict bp, T* __restrict c, int64_t ldc,
                            int mr, int nr) {
    typedef typename Vec<T>::type V;
    constexpr int L = int(sizeof(V) / sizeof(T));
    static_assert(NR == 2 * L, "NR must be two vectors");
    V c0[MR], c1[MR];
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) { c0[r] = V{}; c1[r] = V{}; }
    for (int64_t p = 0; p < kb; p++) {
        V b0, b1;
        std::memcpy(&b0, bp + p * NR, sizeof(V));
        std::memcpy(&b1, bp + p * NR + L, sizeof(V));
        const T* a = ap + p * MR;
#pragma GCC unroll 16
        for (int r = 0; r < MR; r++) {
            const T av = a[r];
            c0[r] += av * b0;
            c1[r] += av * b1;
        }
    }
    if (mr == MR && nr == NR) {
#pragma GCC unroll 16
        for (int r = 0; r < MR; r++) {
            V x0, x1;
            std::memcpy(&x0, c + r * ldc, sizeof(V));
            std::memcpy(&x1, c + r * ldc + L, sizeof(V));
            x0 += c0[r];
            x1 += c1[r];
            std::memcpy(c + r * ldc, &x0, sizeof(V));
            std::memcpy(c + r * ldc + L, &x1, sizeof(V));
        }
    } else {
        T tmp[MR][NR];
#pragma GCC unroll 16
        for (int r = 0; r < MR; r++) {
            std::memcpy(&tmp[r][0], &c0[r], sizeof(V));
            std::memcpy(&tmp[r][L], &c1[r], sizeof(V));
        }
        for (int r = 0; r < mr; r++)
            for (int j = 0; j < nr; j++) c[r * ldc + j] += tmp[r][j];
    }
}

template <class T>
VG_INLINE void gemm_impl(int64_t m, int64_t n, int64_t k, T alpha, const T* A, int64_t lda, bool ta, const T* B,
                         int64_t ldb, bool tb, T beta, T* C, int64_t ldc) {
    constexpr int MR = Tile<T>::MR, NR = Tile<T>::NR, MC = Tile<T>::MC, KC = Tile<T>::KC, NC = Tile<T>::NC;
    for (int64_t i = 0; i < m; i++) {
        T* c = C + i * ldc;
        if (beta == T(0)) {
            for (int64_t j = 0; j < n; j++) c[j] = T(0);  // beta == 0: C is not read (NaN ignored)
        } else if (beta != T(1)) {
            for (int64_t j = 0; j < n; j++) c[j] *= beta;
        }
    }
    if (m == 0 || n == 0 || k == 0) return;
    std::vector<T>& abuf = scratch<T>(0);
    std::vector<T>& bbuf = scratch<T>(1);
    abuf.resize(size_t(MC + MR) * KC);
    bbuf.resize(size_t(NC + NR) * KC);
    T* ap = abuf.data();
    T* bp = bbuf.data();
    for (int64_t jc = 0; jc < n; jc += NC) {
        const int64_t nb = std::min<int64_t>(NC, n - jc);
        for (int64_t pc = 0; pc < k; pc += KC) {
            const int64_t kb = std::min<int64_t>(KC, k - pc);
            // Pack B[pc:pc+kb, jc:jc+nb] into panels of NR columns: bp[panel][p][NR], zero-padded.
            for (int64_t j0 = 0; j0 < nb; j0 += NR) {
                T* dst = bp + (j0 / NR) * kb * NR;
                const int nr = int(std::min<int64_t>(NR, nb - j0));
                for (int64_t p = 0; p < kb; p++) {
                    for (int j = 0; j < nr; j++) {
                        const int64_t row = pc + p, col = jc + j0 + j;
                        dst[p * NR + j] = tb ? B[col * ldb + row] : B[row * ldb + col];
                    }
                    for (int j = nr; j < NR; j++) dst[p * NR + j] = T(0);
                }
            }
            for (int64_t ic = 0; ic < m; ic += MC) {
                const int64_t mb = std::min<int64_t>(MC, m - ic);
                // Pack alpha * A[ic:ic+mb, pc:pc+kb] into panels of MR rows: ap[panel][p][MR], zero-padded.
                for (int64_t i0 = 0; i0 < mb; i0 += MR) {
                    T* dst = ap + (i0 / MR) * kb * MR;
                    const int mr = int(std::min<int64_t>(MR, mb - i0));
                    for (int64_t p = 0; p < kb; p++) {
                        for (int r = 0; r < mr; r++) {
                            const int64_t row = ic + i0 + r, col = pc + p;
                            dst[p * MR + r] = alpha * (ta ? A[col * lda + row] : A[row * lda + col]);
                        }
                        for (int r = mr; r < MR; r++) dst[p * MR + r] = T(0);
                    }
                }
                for (int64_t j0 = 0; j0 < nb; j0 += NR) {
                    const int nr = int(std::min<int64_t>(NR, nb - j0));
                    for (int64_t i0 = 0; i0 < mb; i0 += MR) {
                        const int mr = int(std::min<int64_t>(MR, mb - i0));
                        micro_kernel<T, MR, NR>(kb, ap + (i0 / MR) * kb * MR, bp + (j0 / NR) * kb * NR,
                                                C + (ic + i0) * ldc + jc + j0, ldc, mr, nr);
                    }
                }
            }
        }
    }
}

VG_CLONES void gemm_f32(int64_t m, int64_t n, int64_t k, float alpha, const float* A, int64_t lda, bool ta,
                        const float* B, int64_t ldb, bool tb, float beta, float* C, int64_t ldc) {
    gemm_impl<float>(m, n, k, alpha, A, lda, ta, B, ldb, tb, beta, C, ldc);
}
VG_CLONES void gemm_f64(int64_t m, int64_t n, int64_t k, double alpha, const double* A, int64_t lda, bool ta,
                        const double* B, int64_t ldb, bool tb, double beta, double* C, int64_t ldc) {
    gemm_impl<double>(m, n, k, alpha, A, lda, ta, B, ldb, tb, beta, C, ldc);
}

template <class T> void gemm(int64_t m, int64_t n, int64_t k, T alpha, const T* A, int64_t lda, bool ta, const T* B,
                             int64_t ldb, bool tb, T beta, T* C, int64_t ldc);
template <> void gemm<float>(int64_t m, int64_t n, int64_t k, float alpha, const float* A, int64_t lda, bool ta,
                             const float* B, int64_t ldb, bool tb, float beta, float* C, int64_t ldc) {
    gemm_f32(m, n, k, alpha, A, lda, ta, B, ldb, tb, beta, C, ldc);
}
template <> void gemm<double>(int64_t m, int64_t n, int64_t k, double alpha, const double* A, int64_t lda, bool ta,
                              const double* B, int64_t ldb, bool tb, double beta, double* C, int64_t ldc) {
    gemm_f64(m, n, k, alpha, A, lda, ta, B, ldb, tb, beta, C, ldc);
}

// ------------------------------------------------------------------ conv2d through im2col + GEMM

struct ConvGeom {
    int64_t N, C, H, W, K, KH, KW, OH, OW, sh, sw, ph, pw, dh, dw;
};

// col[(c*KH + i)*KW + j][oh*OW + ow] = x[c, ih, iw] (0 outside).
template <class T> void im2col(const ConvGeom& g, const T* x, T* col) {
    const int64_t L = g.OH * g.OW;
    for (int64_t c = 0; c < g.C; c++)
        for (int64_t i = 0; i < g.KH; i++)
            for (int64_t j = 0; j < g.KW; j++) {
                T* row = col + ((c * g.KH + i) * g.KW + j) * L;
                const T* xc = x + c * g.H * g.W;
                for (int64_t oh = 0; oh < g.OH; oh++) {
                    const int64_t ih = oh * g.sh - g.ph + i * g.dh;
                    T* r = row + oh * g.OW;
                    if (ih < 0 || ih >= g.H) {
                        for (int64_t ow = 0; ow < g.OW; ow++) r[ow] = T(0);
                        continue;
                    }
                    const T* xr = xc + ih * g.W;
                    for (int64_t ow = 0; ow < g.OW; ow++) {
                        const int64_t iw = ow * g.sw - g.pw + j * g.dw;
                        r[ow] = (iw >= 0 && iw < g.W) ? xr[iw] : T(0);
                    }
                }
            }
}

// x[c, ih, iw] += col[...] (the adjoint of im2col); x must be zeroed by the caller.
template <class T> void col2im(const ConvGeom& g, const T* col, T* x) {
    const int64_t L = g.OH * g.OW;
    for (int64_t c = 0; c < g.C; c++)
        for (int64_t i = 0; i < g.KH; i++)
            for (int64_t j = 0; j < g.KW; j++) {
                const T* row = col + ((c * g.KH + i) * g.KW + j) * L;
                T* xc = x + c * g.H * g.W;
                for (int64_t oh = 0; oh < g.OH; oh++) {
                    const int64_t ih = oh * g.sh - g.ph + i * g.dh;
                    if (ih < 0 || ih >= g.H) continue;
                    const T* r = row + oh * g.OW;
                    T* xr = xc + ih * g.W;
                    for (int64_t ow = 0; ow < g.OW; ow++) {
                        const int64_t iw = ow * g.sw - g.pw + j * g.dw;
                        if (iw >= 0 && iw < g.W) xr[iw] += r[ow];
                    }
                }
            }
}

template <class T> void conv2d_fwd(const ConvGeom& g, const T* x, const T* w, const T* bias, T* out) {
    const int64_t CKK = g.C * g.KH * g.KW, L = g.OH * g.OW;
    std::vector<T>& col = scratch<T>(2);
    col.resize(size_t(CKK * L));
    for (int64_t n = 0; n < g.N; n++) {
        im2col<T>(g, x + n * g.C * g.H * g.W, col.data());
        T* o = out + n * g.K * L;
        gemm<T>(g.K, L, CKK, T(1), w, CKK, false, col.data(), L, false, T(0), o, L);
        if (bias) {
            for (int64_t k = 0; k < g.K; k++) {
                const T b = bias[k];
                for (int64_t l = 0; l < L; l++) o[k * L + l] += b;
            }
        }
    }
}

template <class T> void conv2d_bwd_data(const ConvGeom& g, const T* gradOut, const T* w, T* gradIn) {
    const int64_t CKK = g.C * g.KH * g.KW, L = g.OH * g.OW;
    std::vector<T>& col = scratch<T>(2);
    col.resize(size_t(CKK * L));
    std::memset(gradIn, 0, sizeof(T) * size_t(g.N * g.C * g.H * g.W));
    for (int64_t n = 0; n < g.N; n++) {
        // col [CKK, L] = W^T [CKK, K] @ gradOut[n] [K, L]
        gemm<T>(CKK, L, g.K, T(1), w, CKK, true, gradOut + n * g.K * L, L, false, T(0), col.data(), L);
        col2im<T>(g, col.data(), gradIn + n * g.C * g.H * g.W);
    }
}

template <class T> void conv2d_bwd_weight(const ConvGeom& g, const T* x, const T* gradOut, T* gradW, T* gradBias) {
    const int64_t CKK = g.C * g.KH * g.KW, L = g.OH * g.OW;
    std::vector<T>& col = scratch<T>(2);
    col.resize(size_t(CKK * L));
    if (g.N == 0) std::memset(gradW, 0, sizeof(T) * size_t(g.K * CKK));
    for (int64_t n = 0; n < g.N; n++) {
        im2col<T>(g, x + n * g.C * g.H * g.W, col.data());
        // gradW [K, CKK] (+)= gradOut[n] [K, L] @ col^T [L, CKK]
        gemm<T>(g.K, CKK, L, T(1), gradOut + n * g.K * L, L, false, col.data(), L, true, n == 0 ? T(0) : T(1), gradW, CKK);
    }
    if (gradBias) {
        for (int64_t k = 0; k < g.K; k++) {
            double s = 0;
            for (int64_t n = 0; n < g.N; n++) {
                const T* go = gradOut + (n * g.K + k) * L;
                for (int64_t l = 0; l < L; l++) s += go[l];
            }
            gradBias[k] = T(s);
        }
    }
}

// ------------------------------------------------------------------ pooling

struct PoolGeom {
    int64_t N, C, H, W, OH, OW, kh, kw, sh, sw, ph, pw;
};

template <class T> void max_pool(const PoolGeom& g, const T* x, T* out, int32_t* argmax) {
    for (int64_t nc = 0; nc < g.N * g.C; nc++) {
        const T* xp = x + nc * g.H * g.W;
        for (int64_t oh = 0; oh < g.OH; oh++)
            for (int64_t ow = 0; ow < g.OW; ow++) {
                T m = -std::numeric_limits<T>::infinity();
                int64_t at = -1;
                for (int64_t i = 0; i < g.kh; i++) {
                    const int64_t ih = oh * g.sh - g.ph + i;
                    if (ih < 0 || ih >= g.H) continue;
                    for (int64_t j = 0; j < g.kw; j++) {
                        const int64_t iw = ow * g.sw - g.pw + j;
                        if (iw < 0 || iw >= g.W) continue;
                        const T v = xp[ih * g.W + iw];
                        if (at < 0 || v > m || (v != v && m == m)) { m = v; at = ih * g.W + iw; }
                    }
                }
                const int64_t e = (nc * g.OH + oh) * g.OW + ow;
                out[e] = m;
                if (argmax) argmax[e] = int32_t(at);
            }
    }
}

template <class T> void max_pool_bwd(const PoolGeom& g, const T* gradOut, const int32_t* argmax, T* gradIn) {
    std::memset(gradIn, 0, sizeof(T) * size_t(g.N * g.C * g.H * g.W));
    for (int64_t nc = 0; nc < g.N * g.C; nc++) {
        T* gi = gradIn + nc * g.H * g.W;
        const int64_t base = nc * g.OH * g.OW;
        for (int64_t l = 0; l < g.OH * g.OW; l++) {
            const int32_t at = argmax[base + l];
            if (at >= 0 && at < g.H * g.W) gi[at] += gradOut[base + l];
        }
    }
}

VG_INLINE int64_t pool_count(const PoolGeom& g, int64_t oh, int64_t ow) {
    const int64_t h0 = std::max<int64_t>(oh * g.sh - g.ph, 0), h1 = std::min<int64_t>(oh * g.sh - g.ph + g.kh, g.H);
    const int64_t w0 = std::max<int64_t>(ow * g.sw - g.pw, 0), w1 = std::min<int64_t>(ow * g.sw - g.pw + g.kw, g.W);
    return std::max<int64_t>(h1 - h0, 0) * std::max<int64_t>(w1 - w0, 0);
}

template <class T> void avg_pool(const PoolGeom& g, const T* x, T* out) {
    for (int64_t nc = 0; nc < g.N * g.C; nc++) {
        const T* xp = x + nc * g.H * g.W;
        for (int64_t oh = 0; oh < g.OH; oh++)
            for (int64_t ow = 0; ow < g.OW; ow++) {
                double s = 0;
                for (int64_t i = 0; i < g.kh; i++) {
                    const int64_t ih = oh * g.sh - g.ph + i;
                    if (ih < 0 || ih >= g.H) continue;
                    for (int64_t j = 0; j < g.kw; j++) {
                        const int64_t iw = ow * g.sw - g.pw + j;
                        if (iw < 0 || iw >= g.W) continue;
                        s += xp[ih * g.W + iw];
                    }
                }
                out[(nc * g.OH + oh) * g.OW + ow] = T(s / double(pool_count(g, oh, ow)));
            }
    }
}

template <class T> void avg_pool_bwd(const PoolGeom& g, const T* gradOut, T* gradIn) {
    std::memset(gradIn, 0, sizeof(T) * size_t(g.N * g.C * g.H * g.W));
    for (int64_t nc = 0; nc < g.N * g.C; nc++) {
        T* gi = gradIn + nc * g.H * g.W;
        for (int64_t oh = 0; oh < g.OH; oh++)
            for (int64_t ow = 0; ow < g.OW; ow++) {
                const T gv = T(double(gradOut[(nc * g.OH + oh) * g.OW + ow]) / double(pool_count(g, oh, ow)));
                for (int64_t i = 0; i < g.kh; i++) {
                    const int64_t ih = oh * g.sh - g.ph + i;
                    if (ih < 0 || ih >= g.H) continue;
                    for (int64_t j = 0; j < g.kw; j++) {
                        const int64_t iw = ow * g.sw - g.pw + j;
                        if (iw < 0 || iw >= g.W) continue;
                        gi[ih * g.W + iw] += gv;
                    }
                }
            }
    }
}

// ------------------------------------------------------------------ losses (double accumulation)

template <class T> double row_lse(const T* row, int64_t C) {
    double mx = -std::numeric_limits<double>::infinity();
    for (int64_t c = 0; c < C; c++) mx = jmax(mx, double(row[c]));
    double sum = 0;
    for (int64_t c = 0; c < C; c++) sum += std::exp(double(row[c]) - mx);
    return mx + std::log(sum);
}

template <class T> double sce(const T* logits, const int32_t* labels, int64_t N, int64_t C, double scale, T* grad) {
    double total = 0;
    for (int64_t i = 0; i < N; i++) {
        const T* row = logits + i * C;
        const double lse = row_lse(row, C);
        const int32_t y = labels[i];
        total += lse - double(row[y]);
        if (grad) {
            for (int64_t c = 0; c < C; c++) {
                const double p = std::exp(double(row[c]) - lse);
                grad[i * C + c] = T((p - (c == y ? 1.0 : 0.0)) * scale);
            }
        }
    }
    return total * scale;
}

template <class T> double sce_probs(const T* logits, const T* targets, int64_t N, int64_t C, double scale, T* grad) {
    double total = 0;
    for (int64_t i = 0; i < N; i++) {
        const T* row = logits + i * C;
        const T* t = targets + i * C;
        const double lse = row_lse(row, C);
        double tsum = 0;
        for (int64_t c = 0; c < C; c++) {
            tsum += t[c];
            if (t[c] != 0) total += double(t[c]) * (lse - double(row[c]));
        }
        if (grad) {
            for (int64_t c = 0; c < C; c++) grad[i * C + c] = T((std::exp(double(row[c]) - lse) * tsum - double(t[c])) * scale);
        }
    }
    return total * scale;
}

template <class T> double bce(const T* logits, const T* targets, int64_t n, double scale, T* grad) {
    double total = 0;
    for (int64_t i = 0; i < n; i++) {
        const double x = logits[i], t = targets[i];
        total += std::max(x, 0.0) - x * t + std::log1p(std::exp(-std::fabs(x)));
        if (grad) grad[i] = T((sigmoid(x) - t) * scale);
    }
    return total * scale;
}

template <class T> double mse(const T* pred, const T* target, int64_t n, double scale, T* grad) {
    double total = 0;
    for (int64_t i = 0; i < n; i++) {
        const double d = double(pred[i]) - double(target[i]);
        total += d * d;
        if (grad) grad[i] = T(2 * d * scale);
    }
    return total * scale;
}

// ------------------------------------------------------------------ optimizer updates (PyTorch semantics)

template <class T> VG_INLINE void sgd_impl(T* p, const T* g, T* buf, int64_t n, double lr, double mom, double damp, bool nesterov, double wd) {
    for (int64_t i = 0; i < n; i++) {
        const double pv = p[i];
        double d = double(g[i]) + wd * pv;
        if (mom != 0) {
            const double b = mom * double(buf[i]) + (1 - damp) * d;
            buf[i] = T(b);
            d = nesterov ? d + mom * b : b;
        }
        p[i] = T(pv - lr * d);
    }
}

template <class T> VG_INLINE void adam_impl(T* p, const T* g, T* m, T* v, int64_t n, double lr, double b1, double b2, double eps,
                                  double wd, bool decoupled, double bc1, double bc2) {
    for (int64_t i = 0; i < n; i++) {
        double pv = p[i], gv = g[i];
        if (decoupled) pv -= lr * wd * pv;
        else gv += wd * pv;
        const double mv = b1 * double(m[i]) + (1 - b1) * gv;
        const double vv = b2 * double(v[i]) + (1 - b2) * gv * gv;
        m[i] = T(mv);
        v[i] = T(vv);
        const double denom = std::sqrt(vv / bc2) + eps;
        p[i] = T(pv - lr * (mv / bc1) / denom);
    }
}

template <class T> VG_INLINE void rmsprop_impl(T* p, const T* g, T* sq, T* buf, int64_t n, double lr, double alpha, double eps,
                                     double mom, double wd) {
    for (int64_t i = 0; i < n; i++) {
        const double pv = p[i];
        const double gv = double(g[i]) + wd * pv;
        const double sv = alpha * double(sq[i]) + (1 - alpha) * gv * gv;
        sq[i] = T(sv);
        const double avg = std::sqrt(sv) + eps;
        if (mom != 0) {
            const double b = mom * double(buf[i]) + gv / avg;
            buf[i] = T(b);
            p[i] = T(pv - lr * b);
        } else {
            p[i] = T(pv - lr * gv / avg);
        }
    }
}

template <class T> VG_INLINE void adadelta_impl(T* p, const T* g, T* sq, T* acc, int64_t n, double lr, double rho, double eps, double wd) {
    for (int64_t i = 0; i < n; i++) {
        const double pv = p[i];
        const double gv = double(g[i]) + wd * pv;
        const double sv = rho * double(sq[i]) + (1 - rho) * gv * gv;
        sq[i] = T(sv);
        const double delta = std::sqrt(double(acc[i]) + eps) / std::sqrt(sv + eps) * gv;
        acc[i] = T(rho * double(acc[i]) + (1 - rho) * delta * delta);
        p[i] = T(pv - lr * delta);
    }
}

// ------------------------------------------------------------------ fused bias + activation (double per element)

enum Act { A_IDENTITY, A_RELU, A_SIGMOID, A_TANH };

VG_INLINE double activate(int act, double v) {
    switch (act) {
        case A_RELU: return (v > 0 || v != v) ? v : 0.0;
        case A_SIGMOID: return sigmoid(v);
        case A_TANH: return std::tanh(v);
        default: return v;
    }
}

// x, out seen as [outer, C, inner]; bias [C] or null.
template <class T> void bias_activation(const T* x, const T* bias, int64_t outer, int64_t C, int64_t inner, int act, T* out) {
    for (int64_t o = 0; o < outer; o++)
        for (int64_t c = 0; c < C; c++) {
            const double b = bias ? double(bias[c]) : 0.0;
            const T* xr = x + (o * C + c) * inner;
            T* orow = out + (o * C + c) * inner;
            for (int64_t i = 0; i < inner; i++) orow[i] = T(activate(act, double(xr[i]) + b));
        }
}

template <class T> void activation_backward(int act, const T* y, const T* gradOut, T* gradIn, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        const double yv = y[i];
        double d;
        switch (act) {
            case A_RELU: d = yv > 0 ? 1.0 : 0.0; break;
            case A_SIGMOID: d = yv * (1 - yv); break;
            case A_TANH: d = 1 - yv * yv; break;
            default: d = 1.0; break;
        }
        gradIn[i] = T(double(gradOut[i]) * d);
    }
}

template <class T> T* P(jlong a) { return reinterpret_cast<T*>(static_cast<intptr_t>(a)); }

ConvGeom conv_geom(JNIEnv* env, jintArray geom) {
    jint v[15];
    env->GetIntArrayRegion(geom, 0, 15, v);
    return ConvGeom{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14]};
}

PoolGeom pool_geom(JNIEnv* env, jintArray geom) {
    jint v[12];
    env->GetIntArrayRegion(geom, 0, 12, v);
    return PoolGeom{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11]};
}

}  // namespace

// ------------------------------------------------------------------ JNI entry points (dt: 0 = F32, 1 = F64)

#define VG_JNI(ret, name) extern "C" JNIEXPORT ret JNICALL Java_dev_vectorgrad_nativ_jni_NativeLib_##name

VG_JNI(jstring, info)(JNIEnv* env, jclass) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    const char* isa = __builtin_cpu_supports("avx512f") ? "avx512" : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? "avx2+fma" : "sse2";
#else
    const char* isa = "generic";
#endif
    return env->NewStringUTF(isa);
}

VG_JNI(void, unary)(JNIEnv*, jclass, jint dt, jint op, jlong x, jlong out, jlong n) {
    if (dt == 0) unary_f32(op, P<float>(x), P<float>(out), n);
    else unary_f64(op, P<double>(x), P<double>(out), n);
}

VG_JNI(void, binary)(JNIEnv*, jclass, jint dt, jint op, jlong a, jlong b, jlong out, jlong n) {
    if (dt == 0) binary_f32(op, P<float>(a), P<float>(b), P<float>(out), n);
    else binary_f64(op, P<double>(a), P<double>(b), P<double>(out), n);
}

VG_JNI(void, binaryScalar)(JNIEnv*, jclass, jint dt, jint op, jlong a, jdouble s, jlong out, jlong n) {
    if (dt == 0) binary_scalar_f32(op, P<float>(a), s, P<float>(out), n);
    else binary_scalar_f64(op, P<double>(a), s, P<double>(out), n);
}

VG_JNI(void, fill)(JNIEnv*, jclass, jint dt, jlong out, jlong n, jdouble v) {
    if (dt == 0) std::fill_n(P<float>(out), n, float(v));
    else std::fill_n(P<double>(out), n, v);
}

VG_JNI(jdouble, reduceAll)(JNIEnv*, jclass, jint dt, jint op, jlong x, jlong n) {
    return dt == 0 ? reduce_line<float>(op, P<float>(x), 1, n) : reduce_line<double>(op, P<double>(x), 1, n);
}

VG_JNI(void, reduce)(JNIEnv*, jclass, jint dt, jint op, jlong x, jlong outer, jlong n, jlong inner, jint outDt, jlong out) {
    if (dt == 0) reduce_axis<float>(op, P<float>(x), outer, n, inner, outDt, P<void>(out));
    else reduce_axis<double>(op, P<double>(x), outer, n, inner, outDt, P<void>(out));
}

VG_JNI(void, softmax)(JNIEnv*, jclass, jint dt, jboolean log, jlong x, jlong outer, jlong n, jlong inner, jlong out) {
    if (dt == 0) softmax_axis<float>(log, P<float>(x), outer, n, inner, P<float>(out));
    else softmax_axis<double>(log, P<double>(x), outer, n, inner, P<double>(out));
}

VG_JNI(void, gemm)(JNIEnv*, jclass, jint dt, jlong m, jlong n, jlong k, jdouble alpha, jlong a, jlong lda, jboolean ta,
                   jlong b, jlong ldb, jboolean tb, jdouble beta, jlong c, jlong ldc) {
    if (dt == 0) gemm_f32(m, n, k, float(alpha), P<float>(a), lda, ta, P<float>(b), ldb, tb, float(beta), P<float>(c), ldc);
    else gemm_f64(m, n, k, alpha, P<double>(a), lda, ta, P<double>(b), ldb, tb, beta, P<double>(c), ldc);
}

VG_JNI(void, conv2d)(JNIEnv* env, jclass, jint dt, jintArray geom, jlong x, jlong w, jlong bias, jlong out) {
    const ConvGeom g = conv_geom(env, geom);
    if (dt == 0) conv2d_fwd<float>(g, P<float>(x), P<float>(w), P<float>(bias), P<float>(out));
    else conv2d_fwd<double>(g, P<double>(x), P<double>(w), P<double>(bias), P<double>(out));
}

VG_JNI(void, conv2dBackwardData)(JNIEnv* env, jclass, jint dt, jintArray geom, jlong gradOut, jlong w, jlong gradIn) {
    const ConvGeom g = conv_geom(env, geom);
    if (dt == 0) conv2d_bwd_data<float>(g, P<float>(gradOut), P<float>(w), P<float>(gradIn));
    else conv2d_bwd_data<double>(g, P<double>(gradOut), P<double>(w), P<double>(gradIn));
}

VG_JNI(void, conv2dBackwardWeight)(JNIEnv* env, jclass, jint dt, jintArray geom, jlong x, jlong gradOut, jlong gradW, jlong gradBias) {
    const ConvGeom g = conv_geom(env, geom);
    if (dt == 0) conv2d_bwd_weight<float>(g, P<float>(x), P<float>(gradOut), P<float>(gradW), P<float>(gradBias));
    else conv2d_bwd_weight<double>(g, P<double>(x), P<double>(gradOut), P<double>(gradW), P<double>(gradBias));
}

VG_JNI(void, maxPool2d)(JNIEnv* env, jclass, jint dt, jintArray geom, jlong x, jlong out, jlong argmax) {
    const PoolGeom g = pool_geom(env, geom);
    if (dt == 0) max_pool<float>(g, P<float>(x), P<float>(out), P<int32_t>(argmax));
    else max_pool<double>(g, P<double>(x), P<double>(out), P<int32_t>(argmax));
}

VG_JNI(void, maxPool2dBackward)(JNIEnv* env, jclass, jint dt, jintArray geom, jlong gradOut, jlong argmax, jlong gradIn) {
    const PoolGeom g = pool_geom(env, geom);
    if (dt == 0) max_pool_bwd<float>(g, P<float>(gradOut), P<int32_t>(argmax), P<float>(gradIn));
    else max_pool_bwd<double>(g, P<double>(gradOut), P<int32_t>(argmax), P<double>(gradIn));
}

VG_JNI(void, avgPool2d)(JNIEnv* env, jclass, jint dt, jintArray geom, jlong x, jlong out) {
    const PoolGeom g = pool_geom(env, geom);
    if (dt == 0) avg_pool<float>(g, P<float>(x), P<float>(out));
    else avg_pool<double>(g, P<double>(x), P<double>(out));
}

VG_JNI(void, avgPool2dBackward)(JNIEnv* env, jclass, jint dt, jintArray geom, jlong gradOut, jlong gradIn) {
    const PoolGeom g = pool_geom(env, geom);
    if (dt == 0) avg_pool_bwd<float>(g, P<float>(gradOut), P<float>(gradIn));
    else avg_pool_bwd<double>(g, P<double>(gradOut), P<double>(gradIn));
}

VG_JNI(jdouble, softmaxCrossEntropy)(JNIEnv*, jclass, jint dt, jlong logits, jlong labels, jlong N, jlong C, jdouble scale, jlong grad) {
    return dt == 0 ? sce<float>(P<float>(logits), P<int32_t>(labels), N, C, scale, P<float>(grad))
                   : sce<double>(P<double>(logits), P<int32_t>(labels), N, C, scale, P<double>(grad));
}

VG_JNI(jdouble, softmaxCrossEntropyProbs)(JNIEnv*, jclass, jint dt, jlong logits, jlong targets, jlong N, jlong C, jdouble scale, jlong grad) {
    return dt == 0 ? sce_probs<float>(P<float>(logits), P<float>(targets), N, C, scale, P<float>(grad))
                   : sce_probs<double>(P<double>(logits), P<double>(targets), N, C, scale, P<double>(grad));
}

VG_JNI(jdouble, bceWithLogits)(JNIEnv*, jclass, jint dt, jlong logits, jlong targets, jlong n, jdouble scale, jlong grad) {
    return dt == 0 ? bce<float>(P<float>(logits), P<float>(targets), n, scale, P<float>(grad))
                   : bce<double>(P<double>(logits), P<double>(targets), n, scale, P<double>(grad));
}

VG_JNI(jdouble, mse)(JNIEnv*, jclass, jint dt, jlong pred, jlong target, jlong n, jdouble scale, jlong grad) {
    return dt == 0 ? mse<float>(P<float>(pred), P<float>(target), n, scale, P<float>(grad))
                   : mse<double>(P<double>(pred), P<double>(target), n, scale, P<double>(grad));
}

VG_JNI(void, sgdUpdate)(JNIEnv*, jclass, jint dt, jlong p, jlong g, jlong buf, jlong n, jdouble lr, jdouble mom, jdouble damp,
                        jboolean nesterov, jdouble wd) {
    if (dt == 0) sgd_impl<float>(P<float>(p), P<float>(g), P<float>(buf), n, lr, mom, damp, nesterov, wd);
    else sgd_impl<double>(P<double>(p), P<double>(g), P<double>(buf), n, lr, mom, damp, nesterov, wd);
}

VG_JNI(void, adamUpdate)(JNIEnv*, jclass, jint dt, jlong p, jlong g, jlong m, jlong v, jlong n, jdouble lr, jdouble b1, jdouble b2,
                         jdouble eps, jdouble wd, jboolean decoupled, jdouble bc1, jdouble bc2) {
    if (dt == 0) adam_impl<float>(P<float>(p), P<float>(g), P<float>(m), P<float>(v), n, lr, b1, b2, eps, wd, decoupled, bc1, bc2);
    else adam_impl<double>(P<double>(p), P<double>(g), P<double>(m), P<double>(v), n, lr, b1, b2, eps, wd, decoupled, bc1, bc2);
}

VG_JNI(void, rmsPropUpdate)(JNIEnv*, jclass, jint dt, jlong p, jlong g, jlong sq, jlong buf, jlong n, jdouble lr, jdouble alpha,
                            jdouble eps, jdouble mom, jdouble wd) {
    if (dt == 0) rmsprop_impl<float>(P<float>(p), P<float>(g), P<float>(sq), P<float>(buf), n, lr, alpha, eps, mom, wd);
    else rmsprop_impl<double>(P<double>(p), P<double>(g), P<double>(sq), P<double>(buf), n, lr, alpha, eps, mom, wd);
}

VG_JNI(void, adadeltaUpdate)(JNIEnv*, jclass, jint dt, jlong p, jlong g, jlong sq, jlong acc, jlong n, jdouble lr, jdouble rho,
                             jdouble eps, jdouble wd) {
    if (dt == 0) adadelta_impl<float>(P<float>(p), P<float>(g), P<float>(sq), P<float>(acc), n, lr, rho, eps, wd);
    else adadelta_impl<double>(P<double>(p), P<double>(g), P<double>(sq), P<double>(acc), n, lr, rho, eps, wd);
}

VG_JNI(void, biasActivation)(JNIEnv*, jclass, jint dt, jlong x, jlong bias, jlong outer, jlong C, jlong inner, jint act, jlong out) {
    if (dt == 0) bias_activation<float>(P<float>(x), P<float>(bias), outer, C, inner, act, P<float>(out));
    else bias_activation<double>(P<double>(x), P<double>(bias), outer, C, inner, act, P<double>(out));
}

VG_JNI(void, activationBackward)(JNIEnv*, jclass, jint dt, jint act, jlong y, jlong gradOut, jlong gradIn, jlong n) {
    if (dt == 0) activation_backward<float>(act, P<float>(y), P<float>(gradOut), P<float>(gradIn), n);
    else activation_backward<double>(act, P<double>(y), P<double>(gradOut), P<double>(gradIn), n);
}

// dt of a, b (0 F32, 1 F64); outDt 0 F32, 1 F64, 2 I32.
VG_JNI(void, compare)(JNIEnv*, jclass, jint dt, jint op, jlong a, jlong b, jint outDt, jlong out, jlong n) {
    if (dt == 0) compare_to<float>(op, P<float>(a), P<float>(b), outDt, P<void>(out), n);
    else compare_to<double>(op, P<double>(a), P<double>(b), outDt, P<void>(out), n);
}

VG_JNI(void, where)(JNIEnv*, jclass, jint dt, jlong cond, jlong a, jlong b, jlong out, jlong n) {
    if (dt == 0) {
        const float *c = P<float>(cond), *x = P<float>(a), *y = P<float>(b);
        float* o = P<float>(out);
        for (int64_t i = 0; i < n; i++) o[i] = c[i] != 0 ? x[i] : y[i];
    } else {
        const double *c = P<double>(cond), *x = P<double>(a), *y = P<double>(b);
        double* o = P<double>(out);
        for (int64_t i = 0; i < n; i++) o[i] = c[i] != 0 ? x[i] : y[i];
    }
}

// srcDt, dstDt: 0 F32, 1 F64, 2 I32. Same dtype is a memmove (src == dst is allowed).
VG_JNI(void, copy)(JNIEnv*, jclass, jint srcDt, jlong src, jint dstDt, jlong dst, jlong n) {
    if (srcDt == dstDt) {
        if (src != dst) std::memmove(P<void>(dst), P<void>(src), size_t(n) * (srcDt == 1 ? 8 : 4));
        return;
    }
    if (srcDt == 0) copy_from<float>(P<float>(src), dstDt, P<void>(dst), n);
    else if (srcDt == 1) copy_from<double>(P<double>(src), dstDt, P<void>(dst), n);
    else copy_from<int32_t>(P<int32_t>(src), dstDt, P<void>(dst), n);
}
