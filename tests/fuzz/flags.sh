# Sourced by run.sh and make-seeds.sh: the instrumentation `cargo fuzz
# build` (cargo-fuzz 0.12/0.13, no sanitizer) passes, by hand, so stable
# Rust builds the targets too. Every flag is a stable `-C` flag.
FUZZ_TRIPLE="$(rustc -vV | sed -n 's/^host: //p')"
export RUSTFLAGS="-Cpasses=sancov-module \
-Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
-Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares \
-Cllvm-args=-simplifycfg-branch-fold-threshold=0 \
-Cllvm-args=-sanitizer-coverage-stack-depth \
--cfg fuzzing -Clink-dead-code -Cdebug-assertions -Coverflow-checks \
${RUSTFLAGS:-}"
# `--target` keeps the flags off build scripts and proc macros, as cargo-fuzz does.
FUZZ_CARGO_ARGS=(--release --target "$FUZZ_TRIPLE" --target-dir target)
