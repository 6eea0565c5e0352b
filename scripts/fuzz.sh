#!/usr/bin/env bash
# Fuzz one loader for a while: scripts/fuzz.sh TARGET SECONDS
#   TARGET: model_file | plugin_config | scene_config | task_spec | dataset (tests/fuzz/)
# Builds the libFuzzer targets with clang, AddressSanitizer and UndefinedBehaviorSanitizer in
# build-fuzz/ (once; incremental after), then runs TARGET for SECONDS on a working corpus
# seeded from tests/fuzz/corpus/TARGET. Exits non-zero when the fuzzer found a crash, a hang
# (10 s per input) or a leak, and says where the input that did it was written.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
targets="model_file plugin_config scene_config task_spec dataset"
target="${1:-}"
seconds="${2:-}"
if [[ -z "$target" || -z "$seconds" || ! " $targets " =~ " $target " || ! "$seconds" =~ ^[0-9]+$ ]]; then
  echo "usage: scripts/fuzz.sh TARGET SECONDS   (TARGET: ${targets// / | })" >&2
  exit 2
fi
"$root/scripts/setup.sh" >/dev/null
if ! command -v clang++ >/dev/null; then
  echo "[fuzz] installing clang (Debian)" >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get install -y -qq clang >/dev/null
fi
build="$root/build-fuzz"
if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMJHYBRID_FUZZ=ON \
    -DMJHYBRID_TORCH=OFF -DMJHYBRID_TESTS=OFF -DMJHYBRID_BENCHMARKS=OFF -DMJHYBRID_VIEWER=OFF \
    -DMJHYBRID_SIMD=OFF -DPython3_EXECUTABLE="$root/.venv/bin/python" >/dev/null
fi
cmake --build "$build" -j "$(nproc)" --target "fuzz_$target" > "$build/build.log" 2>&1 || { tail -20 "$build/build.log" >&2; exit 1; }
corpus="$build/corpus/$target"
artifacts="$build/artifacts/$target/"
mkdir -p "$corpus" "$artifacts"
cp -n "tests/fuzz/corpus/$target/"* "$corpus/" 2>/dev/null || true
echo "[fuzz] $target for $seconds s; working corpus $corpus" >&2
# libhdf5 asks malloc for whatever size a corrupt file claims and handles a refusal as an
# error; let the allocator refuse sizes over the run's memory limit (as glibc would refuse what
# the machine cannot give) instead of stopping the run: libFuzzer's malloc limit would end it,
# and in the dataset reader's child process (scene/child_process.h) write an "oom" input for
# what is the child's own contained failure
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:allocator_may_return_null=1:max_allocation_size_mb=2000"
export LSAN_OPTIONS="suppressions=$root/tests/fuzz/lsan.supp"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
status=0
"$build/bin/fuzz_$target" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$artifacts" -print_final_stats=1 2> "$build/$target.log" || status=$?
grep -E "^stat::|^Done|^#[0-9]+ +DONE" "$build/$target.log" >&2 || true
if [ "$status" -ne 0 ]; then
  echo "[fuzz] $target failed (exit $status); inputs in $artifacts, log in $build/$target.log" >&2
  exit 1
fi
echo "[fuzz] $target: no crash, hang or leak in $seconds s" >&2
