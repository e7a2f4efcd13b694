#!/bin/sh
# Called by kernels-native/pom.xml (exec-maven-plugin): builds libvectorgrad_native.so with CMake and copies it
# into the classes folder under native/<platform>/ so that it is packaged into the jar.
# Never fails the Maven build: without cmake, a C++ compiler or jni.h it prints why and exits 0; the native
# backend then reports itself unavailable ("library not packaged") and its tests are skipped.
# usage: build.sh <repo root> <build dir> <classes dir> <java home> <version>
ROOT="$1"; BUILD="$2"; CLASSES="$3"; JHOME="$4"; VERSION="$5"
PLATFORM=linux-x86_64
skip() { echo "[vectorgrad-native] skipping the C++ build: $1"; exit 0; }
[ "${VG_SKIP_NATIVE:-}" = "1" ] && skip "VG_SKIP_NATIVE=1"
[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || skip "platform $(uname -s)-$(uname -m) is not linux-x86_64"
command -v cmake >/dev/null 2>&1 || skip "cmake not found on PATH"
command -v "${CXX:-c++}" >/dev/null 2>&1 || command -v g++ >/dev/null 2>&1 || skip "no C++ compiler (c++/g++) on PATH"
[ -f "$JHOME/include/jni.h" ] || skip "jni.h not found under $JHOME/include"
mkdir -p "$BUILD" || skip "cannot create $BUILD"
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DJNI_INCLUDE_DIR="$JHOME/include" ${VG_CMAKE_ARGS:-} >"$BUILD/configure.log" 2>&1 \
    || { cat "$BUILD/configure.log"; rm -f "$BUILD/CMakeCache.txt"; skip "cmake configure failed (log above)"; }
fi
cmake --build "$BUILD" -j 2 >"$BUILD/build.log" 2>&1 || { cat "$BUILD/build.log"; skip "C++ compile failed (log above)"; }
mkdir -p "$CLASSES/native/$PLATFORM"
cp "$BUILD/libvectorgrad_native.so" "$CLASSES/native/$PLATFORM/libvectorgrad_native.so.tmp" \
  && mv "$CLASSES/native/$PLATFORM/libvectorgrad_native.so.tmp" "$CLASSES/native/$PLATFORM/libvectorgrad_native.so"
if [ -f "$BUILD/libvectorgrad_cuda.so" ]; then
  cp "$BUILD/libvectorgrad_cuda.so" "$CLASSES/native/$PLATFORM/libvectorgrad_cuda.so"
fi
echo "$VERSION" > "$CLASSES/native/version.txt"
echo "[vectorgrad-native] built $CLASSES/native/$PLATFORM/libvectorgrad_native.so"
