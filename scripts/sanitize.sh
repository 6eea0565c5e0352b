#!/usr/bin/env bash
# The C++ tests under AddressSanitizer and UndefinedBehaviorSanitizer:
#   scripts/sanitize.sh [ctest args]      e.g. scripts/sanitize.sh -L core
# Builds everything with -fsanitize=address,undefined in build-sanitize/ (its own folder, so
# the normal build is untouched; incremental after the first time) and runs the CTest suites
# that are C++ executables: core, plugin, scene, torch, pipeline (unit tests), rl, viewer (the
# simulation side), fuzz (replays). Left out, and why:
#   python, pipeline_cli   Python processes that load libmjhybrid.so through MuJoCo's bindings;
#                          an instrumented library needs the ASan runtime preloaded into the
#                          interpreter, which then reports CPython's own allocations
#   viewer.*Window*        the viewer binary under Xvfb: Mesa's software OpenGL is not
#                          instrumented and reports its own leaks
# Any report fails the test that raised it (halt_on_error).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/scripts/setup.sh" >/dev/null
build="$root/build-sanitize"
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMJHYBRID_BENCHMARKS=OFF \
    -DPython3_EXECUTABLE="$root/.venv/bin/python" \
    -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
    -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
fi
cmake --build "$build" -j "$(nproc)" > "$build/build.log" 2>&1 || { tail -30 "$build/build.log" >&2; exit 1; }
# LibTorch and libhdf5 keep allocations for the life of the process (their own caches);
# leaks are reported for what our code allocates (tests/fuzz/lsan.supp has the libhdf5 entry)
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:detect_odr_violation=0"
export LSAN_OPTIONS="suppressions=$root/tests/sanitize.supp"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" -E "^(python_|pipeline_cli)|Window" "$@"
