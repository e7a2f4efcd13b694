#!/usr/bin/env bash
# Regenerates GemmF64.java from GemmF32.java (Float -> Double, ES 4 -> 8, float literals). Run after every
# change to GemmF32; do not edit GemmF64 by hand.
set -euo pipefail
D="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/src/main/java/dev/vectorgrad/kernels"
sed -e 's/j.alpha = (float) alpha;/j.alpha = alpha;/' -e 's/j.beta = (float) beta;/j.beta = beta;/' \
    -e 's/ES = 4; /ES = 8; /' -e 's/JAVA_FLOAT/JAVA_DOUBLE/' \
    -e 's/? 0f :/? 0.0 :/' -e 's/: 1f;/: 1.0;/' -e 's/= 0f;/= 0.0;/g' \
    -e 's/Float/Double/g; s/float/double/g; s/GemmF32/GemmF64/g' \
    -e 's/Double32 GEMM/Float64 GEMM/' \
    -e 's|GENERATED COUNTERPART: GemmF64 is made from this file by kernels-vector/gen-gemm-f64.sh (Double -> Double|GENERATED from GemmF32 by kernels-vector/gen-gemm-f64.sh (Float -> Double|' \
    -e 's|and a few literals); run it after every change here.|and a few literals): do not edit, change GemmF32 and rerun it.|' \
    "$D/GemmF32.java" > "$D/GemmF64.java"
