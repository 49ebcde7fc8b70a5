#!/bin/sh
# Runs each libFuzzer harness in turn (one at a time) for the given number of seconds,
# starting from the seed corpus in tests/fuzz/corpus/<name>/ (copied: the committed seeds
# are not touched), and prints one summary line per fuzzer: executions, seconds, coverage
# (libFuzzer's edge count, of the instrumented project code only), crashes.
#
# Usage: tests/fuzz/run-fuzzers.sh SECONDS [BUILD_DIR [FUZZER...]]
#   BUILD_DIR  a build configured with
#              CC=clang meson setup BUILD_DIR -Dfuzzing=true -Db_sanitize=address,undefined \
#                -Db_lundef=false
#              (default: $TESSERA_FUZZ_BUILD, else /tmp/bfuzz)
#   FUZZER     png tiff jpeg npy cfl model checkpoint hdf5 (default: all)
# Results (logs, grown corpora, crash inputs) go to $TESSERA_FUZZ_OUT (default: a new
# folder under /tmp, printed at the end). Exit status 1 if any fuzzer found a crash.
set -u
secs=${1:?usage: $0 SECONDS [BUILD_DIR [FUZZER...]]}
build=${2:-${TESSERA_FUZZ_BUILD:-/tmp/bfuzz}}
[ $# -ge 2 ] && shift 2 || shift $#
names=${*:-png tiff jpeg npy cfl model checkpoint hdf5}
here=$(cd "$(dirname "$0")" && pwd)
out=${TESSERA_FUZZ_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/tessera-fuzz-run.XXXXXX")}
mkdir -p "$out"

ninja -C "$build" $(for n in $names; do printf 'tests/fuzz/fuzz-%s ' "$n"; done) >/dev/null || exit 1

# Leaks and undefined behaviour are crashes too.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
OPENBLAS_NUM_THREADS=1
export ASAN_OPTIONS UBSAN_OPTIONS OPENBLAS_NUM_THREADS

status=0
printf '%-12s %12s %8s %6s %8s  %s\n' fuzzer executions seconds cov crashes log
for n in $names; do
  corpus=$out/corpus-$n
  mkdir -p "$corpus" "$out/crashes-$n"
  cp "$here/corpus/$n"/* "$corpus"/ 2>/dev/null
  log=$out/fuzz-$n.log
  start=$(date +%s)
  "$build/tests/fuzz/fuzz-$n" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$out/crashes-$n/" "$corpus" >"$log" 2>&1
  rc=$?
  end=$(date +%s)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  cov=$(sed -n 's/.*DONE *cov: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
  crashes=$(ls "$out/crashes-$n" | wc -l)
  [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ] && crashes="rc=$rc"
  [ "$rc" -ne 0 ] && status=1
  printf '%-12s %12s %8s %6s %8s  %s\n' "fuzz-$n" "${execs:-?}" "$((end - start))" "${cov:-?}" \
    "$crashes" "$log"
done
echo "# results in $out"
exit $status
