#!/usr/bin/env bash
# Runs the whole lightproof test suite, installing what it needs first
# (Debian packages through apt-get, npm packages through npm ci). Idempotent.
#
#   tests/run-all.sh
#
# Stages: format check, Rust unit + integration tests (real binary), fuzzing
# (tests/fuzz/run.sh; LIGHTPROOF_FUZZ_SECONDS per target, default 60), a fresh
# wasm build compared byte for byte with the committed viewer.wasm, and the
# browser end-to-end tests in headless Chromium and Firefox ESR.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
sudo=""; [[ $(id -u) == 0 ]] || sudo="sudo"

say() { printf '\n== %s\n' "$*"; }

say "system packages"
# chromium: browser tests. rustc-web & co: the wasm32 toolchain (rustup cannot
# add targets on our machines). binaryen: wasm-opt. python3: the static server.
# cmake, nasm: the bundled libjpeg-turbo that the turbojpeg crate builds.
# imagemagick, liblcms2-utils: the independent references of the fidelity tests.
# libimage-exiftool-perl: exiftool, the independent reader of the strip tests.
# unzip: Info-ZIP, an independent reader of the viewer's ZIP archives.
# firefox-esr: the second browser of the delivery tests (driven by puppeteer-core).
# nginx: the hosting test runs docs/hosting/nginx.conf in a real nginx.
# g++: libfuzzer-sys builds libFuzzer for the fuzzing stage.
# python3-piexif: an independent EXIF writer for the orientation tests (fidelity.rs).
packages=(cmake nasm chromium firefox-esr rustc-web cargo-web rust-web-src lld-19 binaryen python3
          imagemagick liblcms2-utils libimage-exiftool-perl unzip nginx g++ python3-piexif)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
fi
command -v node >/dev/null || { DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q nodejs npm; }

say "formatting and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

say "supply chain: cargo deny (deny.toml)"
# Built once from crates.io into target/tools (inside the clone; about 4
# minutes of compiling the first time).
deny=$root/target/tools/bin/cargo-deny
[[ -x $deny ]] || cargo install cargo-deny --locked --version 0.20.2 --root "$root/target/tools"
"$deny" check bans licenses sources
# The RustSec advisory database is a git repository on github.com. When it is
# unreachable, the snapshot in ../shared/advisory-db/ (a git bundle) is cloned
# into target/advisory-dbs under the folder name cargo-deny gives the live
# database, and the check runs offline against it, saying how old it is.
advisory_db=$root/target/advisory-dbs/advisory-db-3157b0e258782691
deny_advisories=("$deny" check advisories)
if timeout 20 git ls-remote https://github.com/RustSec/advisory-db HEAD >/dev/null 2>&1; then
    echo "advisories: the live RustSec database"
else
    bundle=$root/../shared/advisory-db/rustsec-advisory-db.bundle
    [[ -f $bundle ]] || { echo "ADVISORIES NOT CHECKED: github.com is unreachable and $bundle is missing" >&2; exit 1; }
    if [[ ! -d $advisory_db/.git ]] || [[ $(git -C "$advisory_db" rev-parse HEAD) != $(git bundle list-heads "$bundle" | awk 'NR==1{print $1}') ]]; then
        rm -rf "$advisory_db"
        git -c init.defaultBranch=main clone -q "$bundle" "$advisory_db"
    fi
    echo "ADVISORIES CHECKED AGAINST A SNAPSHOT, NOT THE LIVE DATABASE: $(git -C "$advisory_db" log -1 --format='%cs: %s')"
    deny_advisories=("$deny" --offline check advisories)
fi
"${deny_advisories[@]}"
# Positive control: the same check must fail on a crate with a known advisory.
control_log=$root/target/advisory-control.log
# Its one crate must be in cargo's local registry: an offline check cannot download it.
cargo fetch --locked --manifest-path tests/advisory-control/Cargo.toml
if (cd tests/advisory-control && "${deny_advisories[@]}") >"$control_log" 2>&1; then
    echo "the advisory check passed tests/advisory-control (smallvec 1.6.0): the database is not being read" >&2
    exit 1
fi
grep -q RUSTSEC-2021-0003 "$control_log" || { cat "$control_log" >&2; echo "the advisory control failed for another reason" >&2; exit 1; }
echo "positive control: the check reports RUSTSEC-2021-0003 on smallvec 1.6.0"

say "benchmark corpus for the fidelity tests"
# Built once into target/ (about 3 minutes) from Debian's wallpaper packages.
corpus=$root/target/corpus
if [[ -f $corpus/SHA256SUMS ]]; then
    echo "reusing $corpus"
elif [[ -f $root/../shared/bench/make-corpus.sh ]]; then
    bash "$root/../shared/bench/make-corpus.sh" "$corpus"
else
    echo "warning: ../shared/bench/make-corpus.sh not found: corpus checks will be skipped" >&2
fi
[[ -f $corpus/SHA256SUMS ]] && export LIGHTPROOF_CORPUS=$corpus

say "Rust tests"
cargo test --workspace --locked

say "fuzzing every parser of host and client bytes (${LIGHTPROOF_FUZZ_SECONDS:-60} s per target)"
tests/fuzz/run.sh "${LIGHTPROOF_FUZZ_SECONDS:-60}"

say "committed viewer.wasm matches a fresh build"
fresh=$root/target/wasm/viewer-check.wasm
wasm-viewer/build.sh "$fresh"
if ! cmp -s "$fresh" themes/default/static/viewer.wasm; then
    echo "themes/default/static/viewer.wasm is stale: run wasm-viewer/build.sh and commit the result" >&2
    exit 1
fi
echo "viewer.wasm is up to date ($(stat -c %s "$fresh") bytes)"

say "browser tests (headless Chromium and Firefox ESR)"
cargo build --release --locked
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
LIGHTPROOF_BIN=$root/target/release/lightproof LIGHTPROOF_SAMPLE=$root/sample-shoot \
    node --test --test-reporter=spec tests/browser/
