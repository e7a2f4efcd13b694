// vectorgrad CUDA kernels, loaded from Java through FFM (dev.vectorgrad.nativ.cuda.CudaKernelsLib).
// Plain C entry points on device pointers; every launch goes to the default stream and returns at once
// (the Java side synchronizes explicitly). Built by CMake when nvcc is present (-DVG_CUDA=ON): sm_90 SASS
// plus compute_90 PTX. Returns the cudaError_t of the launch.
#include <cuda_runtime.h>
#include <math.h>
#include <stdint.h>

namespace {

enum Unary { NEG, ABS, EXP, LOG, SQRT, SQUARE, RECIPROCAL, RELU, SIGMOID, TANH, GELU };
enum Binary { ADD, SUB, MUL, DIV, POW, MAX, MIN };

template <class T> __device__ T unary_op(int op, T x) {
    switch (op) {
        case NEG: return -x;
        case ABS: return fabs(x);
        case EXP: return exp(x);
        case LOG: return log(x);
        case SQRT: return sqrt(x);
        case SQUARE: return x * x;
        case RECIPROCAL: return T(1) / x;
        case RELU: return (x > 0 || x != x) ? x : T(0);
        case SIGMOID: { if (x >= 0) return T(1) / (T(1) + exp(-x)); T e = exp(x); return e / (T(1) + e); }
        case TANH: return tanh(x);
        case GELU: return T(0.5) * x * (T(1) + tanh(T(0.7978845608028654) * (x + T(0.044715) * x * x * x)));
        default: return x;
    }
}

template <class T> __device__ T binary_op(int op, T a, T b) {
    switch (op) {
        case ADD: return a + b;
        case SUB: return a - b;
        case MUL: return a * b;
        case DIV: return a / b;
        case POW: return T(pow(double(a), double(b)));
        case MAX: return (a != a || b != b) ? (a != a ? a : b) : (a > b ? a : b);
        case MIN: return (a != a || b != b) ? (a != a ? a : b) : (a < b ? a : b);
        default: return a;
    }
}

template <class T> __global__ void unary_kernel(int op, const T* x, T* out, int64_t n) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) out[i] = unary_op(op, x[i]);
}

template <class T> __global__ void binary_kernel(int op, const T* a, const T* b, T* out, int64_t n) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) out[i] = binary_op(op, a[i], b[i]);
}

// One block per row of [rows, n]; block-wide max and sum in double through shared memory.
template <class T> __global__ void softmax_kernel(int log, const T* x, T* out, int64_t n) {
    extern __shared__ double red[];
    const T* xr = x + blockIdx.x * n;
    T* orow = out + blockIdx.x * n;
    double mx = -INFINITY;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) mx = fmax(mx, double(xr[j]));
    red[threadIdx.x] = mx;
    __syncthreads();
    for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) red[threadIdx.x] = fmax(red[threadIdx.x], red[threadIdx.x + s]);
        __syncthreads();
    }
    mx = red[0];
    __syncthreads();
    double sum = 0;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) sum += exp(double(xr[j]) - mx);
    red[threadIdx.x] = sum;
    __syncthreads();
    for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) red[threadIdx.x] += red[threadIdx.x + s];
        __syncthreads();
    }
    sum = red[0];
    const double lse = mx + ::log(sum);
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) {
        orow[j] = log ? T(double(xr[j]) - lse) : T(exp(double(xr[j]) - mx) / sum);
    }
}

int blocks(int64_t n) {
    int64_t b = (n + 255) / 256;
    return int(b < 65535 ? (b < 1 ? 1 : b) : 65535);
}

}  // namespace

extern "C" {

int vg_cuda_unary(int dt, int op, const void* x, void* out, int64_t n) {
    if (dt == 0) unary_kernel<float><<<blocks(n), 256>>>(op, (const float*)x, (float*)out, n);
    else unary_kernel<double><<<blocks(n), 256>>>(op, (const double*)x, (double*)out, n);
    return int(cudaGetLastError());
}

int vg_cuda_binary(int dt, int op, const void* a, const void* b, void* out, int64_t n) {
    if (dt == 0) binary_kernel<float><<<blocks(n), 256>>>(op, (const float*)a, (const float*)b, (float*)out, n);
    else binary_kernel<double><<<blocks(n), 256>>>(op, (const double*)a, (const double*)b, (double*)out, n);
    return int(cudaGetLastError());
}

int vg_cuda_softmax(int dt, int log, const void* x, void* out, int64_t rows, int64_t n) {
    if (rows == 0) return 0;
    if (dt == 0) softmax_kernel<float><<<unsigned(rows), 256, 256 * sizeof(double)>>>(log, (const float*)x, (float*)out, n);
    else softmax_kernel<double><<<unsigned(rows), 256, 256 * sizeof(double)>>>(log, (const double*)x, (double*)out, n);
    return int(cudaGetLastError());
}

}  // extern "C"
