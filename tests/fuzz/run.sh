#!/usr/bin/env bash
# Builds every fuzz target with stable Rust and the instrumentation cargo-fuzz
# uses (flags.sh), then runs each for SECONDS (default 60), two at a time,
# on a scratch copy of the committed corpus, so a run never grows it.
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...]
#   tests/fuzz/run.sh --build-only
#
# Prints each target's executions; exits non-zero if any target crashed,
# timed out, ran out of memory or made an oversized allocation, naming the
# input that did it. Reproduce one with `target/<triple>/release/<target>
# <input>`, or `cargo fuzz run --fuzz-dir tests/fuzz <target> <input>`.
set -euo pipefail
cd "$(dirname "$0")"
build_only=0
if [ "${1:-}" = --build-only ]; then build_only=1; shift; fi
seconds="${1:-60}"
shift || true

# target:max_len. Lengths cover the largest seed of each target (a blob of
# two chunks and one byte, a whole viewer session) with room to grow.
all_targets=(
  header:4096 slots:512 manifest:16384 sealed_manifest:16384 blob:40960
  unpad:4096 viewer:32768 offline_part:4096 selection:4096 zip_site:16384 exif:4096
)
selected=("$@")

source ./flags.sh
echo "fuzz: building the targets (stable cargo, libFuzzer instrumentation)"
cargo build "${FUZZ_CARGO_ARGS[@]}" --bins --locked
if [ "$build_only" -eq 1 ]; then exit 0; fi
bin_dir="target/$FUZZ_TRIPLE/release"

run_target() { # name max_len
  local name="$1" max_len="$2"
  local corpus="target/corpus/$name" artifacts="target/artifacts/$name/"
  local log="target/logs/$name.log"
  rm -rf "$corpus" "$artifacts"
  mkdir -p "$corpus" "$artifacts" target/logs
  cp corpus/"$name"/* "$corpus"/ 2>/dev/null || true
  local status=0
  "$bin_dir/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 \
    -max_len="$max_len" -print_final_stats=1 -artifact_prefix="$artifacts" \
    "$corpus" >"$log" 2>&1 || status=$?
  local execs corpus_files
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  corpus_files="$(find "$corpus" -type f | wc -l)"
  if [ "$status" -eq 0 ]; then
    printf 'fuzz: %-16s ok: %s executions in %s s, corpus %s inputs\n' \
      "$name" "${execs:-?}" "$seconds" "$corpus_files"
  else
    local input
    input="$(sed -n 's/.*Test unit written to //p' "$log" | tail -n 1)"
    printf 'fuzz: %-16s FAILED (exit %s) after %s executions; input: %s; log: %s\n' \
      "$name" "$status" "${execs:-?}" "${input:-none written}" "$PWD/$log"
    grep -m 5 -E "panicked|==unbounded allocation==|ERROR: libFuzzer|out-of-memory|timeout" "$log" || true
    return 1
  fi
}

failed=0
running=0
for entry in "${all_targets[@]}"; do
  name="${entry%%:*}"
  if [ "${#selected[@]}" -gt 0 ] && [[ ! " ${selected[*]} " =~ " $name " ]]; then
    continue
  fi
  run_target "$name" "${entry##*:}" &
  running=$((running + 1))
  if [ "$running" -ge 2 ]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
done
while [ "$running" -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done
if [ "$failed" -ne 0 ]; then
  echo "fuzz: FAILED (see the inputs above; keep each as corpus/<target>/regression-<name> once fixed)"
  exit 1
fi
echo "fuzz: every target ran ${seconds} s without a crash, timeout or oversized allocation"
