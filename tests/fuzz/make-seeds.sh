#!/usr/bin/env bash
# Rebuilds the committed seed corpus (corpus/<target>/seed-*) from real
# sealed objects (src/seeds.rs), with the same build as run.sh so nothing
# is compiled twice. Deterministic: unchanged code gives unchanged files.
set -euo pipefail
cd "$(dirname "$0")"
source ./flags.sh
cargo test "${FUZZ_CARGO_ARGS[@]}" --lib -- --ignored --exact seeds::tests::write_seed_corpus
