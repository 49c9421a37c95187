#!/usr/bin/env bash
# Runs the lightproof test suite, or some of its stages, installing what it
# needs first (Debian packages through apt-get, npm packages through npm ci).
# Idempotent. `tests/run-all.sh --help` lists the stages and flags.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
sudo=""; [[ $(id -u) == 0 ]] || sudo="sudo"

STAGES=(lint rust wasm supply-chain browser fuzz)

usage() {
    cat <<'EOF'
Usage: tests/run-all.sh [--no-install] [STAGE...]

Runs the named stages in the order below (all of them by default), after
installing the Debian packages they need. Each stage prints its wall time,
and a table of every stage's time ends the run. Every stage is CPU work
and the machine has few cores, so the builds that later stages need run in
the background while the Rust tests compile, and the browser tests run
beside the Rust tests; a stage's time is then what was left of it.

Stages:
  lint          cargo fmt --check; clippy on every target (-D warnings): in the
                rust stage's test build when that stage runs (one compile for
                both), else cargo clippy
  rust          Rust unit and integration tests (the real binary), with the
                part of the benchmark corpus that the fidelity tests read
                (made once into target/test-corpus, while the tests compile)
                and the publish tests' S3 servers (moto from PyPI into
                target/tools/moto, s3s-fs from crates.io into target/tools,
                once each)
  wasm          a fresh build of the viewer compared byte for byte with the
                committed themes/default/static/viewer.wasm (built in the
                background while the rust stage compiles, when it runs)
  supply-chain  cargo deny: bans, licences, sources and RustSec advisories,
                with a positive control (cargo-deny is built once into
                target/tools/cargo-deny, in the background from the start)
  browser       end-to-end tests in headless Chromium, Firefox ESR and WebKit
                (WebKitGTK's MiniBrowser under Xvfb), on the test build's
                binary (target/debug/lightproof), three files at a time,
                longest first, with their temporary files in /dev/shm when
                it has 4 GiB free; they start beside the Rust tests once the
                test build is done (their output is shown in this stage);
                their npm packages install (npm ci, skipped when
                node_modules is from this package-lock.json) in the
                background from the start
  fuzz          every fuzz target (tests/fuzz/run.sh), LIGHTPROOF_FUZZ_SECONDS
                per target, two at a time, after the browser tests (a
                target's budget is wall time: it gets both cores to itself)

Flags:
  --no-install  skip the package step (apt-get); npm ci still runs
  -h, --help    print this help

Environment:
  LIGHTPROOF_FUZZ_SECONDS  seconds per fuzz target: 1 when unset (a local
                           run: every seed input, then a little more); CI's
                           entry point .ci/run sets 60
EOF
}

say() { printf '\n== %s\n' "$*"; }

# ---------------------------------------------------------------- packages
install_packages() {
    # chromium: browser tests. rustc-web & co: the wasm32 toolchain (rustup cannot
    # add targets on our machines). binaryen: wasm-opt. python3: the static server.
    # cmake, nasm: the bundled libjpeg-turbo that the turbojpeg crate builds.
    # imagemagick, liblcms2-utils: the independent references of the fidelity tests.
    # libimage-exiftool-perl: exiftool, the independent reader of the strip tests.
    # unzip: Info-ZIP, an independent reader of the viewer's ZIP archives.
    # firefox-esr: the second browser of the delivery tests (driven by puppeteer-core).
    # webkit2gtk-driver, xvfb: WebKit, the third (WebKitWebDriver drives MiniBrowser on an Xvfb display).
    # nginx: the hosting test runs docs/hosting/nginx.conf in a real nginx.
    # g++: libfuzzer-sys builds libFuzzer for the fuzzing stage.
    # python3-piexif: an independent EXIF writer for the orientation tests (fidelity.rs).
    # python3-venv: the virtual environment moto's S3 server is installed into (publish tests).
    local packages=(cmake nasm chromium firefox-esr webkit2gtk-driver xvfb rustc-web cargo-web rust-web-src lld-19
                    binaryen python3 imagemagick liblcms2-utils libimage-exiftool-perl unzip nginx g++ python3-piexif
                    python3-venv)
    local missing=() package
    for package in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    if ((${#missing[@]})); then
        $sudo apt-get update -q
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
    fi
    command -v node >/dev/null || { DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q nodejs npm; }
}

# ---------------------------------------------------------------- stages
stage_lint() {
    cargo fmt --all -- --check
    clippy_control
    if wanted rust; then
        echo "clippy: runs in the rust stage, on the test build's compile of the workspace (-D warnings)"
    else
        cargo clippy --workspace --all-targets --locked -- -D warnings
    fi
}

# Clippy in the test build. `cargo clippy` is `cargo check` with the
# workspace's crates compiled by clippy-driver (RUSTC_WORKSPACE_WRAPPER) and
# its arguments in CLIPPY_ARGS. The same two variables on `cargo test` lint
# every target it builds (libraries, binaries, their unit tests,
# integration tests) while compiling them, so the dependencies are built
# once, not checked once more for clippy alone. Every `cargo test` here
# sets them: cargo keys the workspace's artefacts to the wrapper, and a
# run without it would compile the workspace again.
clippy_driver=$(rustc --print sysroot)/bin/clippy-driver
cargo_test() { # ARGS...: cargo test on the workspace, linted
    RUSTC_WORKSPACE_WRAPPER=$clippy_driver CLIPPY_ARGS=-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__ \
        cargo test --workspace --locked "$@"
}

# Positive control: the same driver and arguments must refuse a lint
# (clippy::len_zero), or the lints above are not being run.
clippy_control() {
    local dir=$root/target/clippy-control
    mkdir -p "$dir"
    printf 'fn main() {\n    let v = vec![1];\n    println!("{}", v.len() == 0);\n}\n' >"$dir/main.rs"
    if CLIPPY_ARGS=-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__ "$clippy_driver" "$(rustup which rustc 2>/dev/null || command -v rustc)" \
        --edition 2021 --crate-name control --emit=metadata --out-dir "$dir" "$dir/main.rs" >"$dir/log" 2>&1; then
        echo "clippy-driver passed code with a clippy::len_zero warning: clippy is not being run" >&2
        exit 1
    fi
    grep -q "clippy::len_zero" "$dir/log" || { cat "$dir/log" >&2; echo "the clippy control failed for another reason" >&2; exit 1; }
    echo "positive control: clippy-driver refuses clippy::len_zero"
}

# A tool from crates.io, CRATE at VERSION (with cargo install's ARGS),
# built once into ROOT/bin/CRATE inside the clone. Without the crate's own
# LTO and codegen-unit settings, and unoptimised: they cost minutes of
# compiling for a tool the suite runs for seconds (cargo-deny, side by
# side: 45 s to build at opt-level 0 and 68 s at 1; its four checks here
# 2.8 s unoptimised and 1.3 s at 1). At a lower priority, beside the test
# build, and with a cargo home of its own (HOME, in the clone): with the
# shared one s3s-fs waited for the test build's lock on the package cache
# and built only after it (12m26s for the rust stage).
install_tool() { # ROOT HOME CRATE VERSION [ARGS...]
    local install_root=$1 home=$2 crate=$3 version=$4; shift 4
    [[ -x $install_root/bin/$crate ]] && return 0
    CARGO_HOME=$home CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_OPT_LEVEL=0 \
        nice -n 10 cargo install "$crate" --locked --version "$version" "$@" --root "$install_root"
}

# cargo-deny, built in the background from the start of the run (about a
# minute of CPU that otherwise ran alone before the test build), with an
# install root of its own, so that it and s3s-fs never wait on each other.
deny=$root/target/tools/cargo-deny/bin/cargo-deny
deny_job=""
deny_log=$root/target/cargo-deny-install.log
install_cargo_deny() {
    install_tool "$root/target/tools/cargo-deny" "$root/target/tools/cargo-home-deny" cargo-deny 0.20.2
}

stage_supply_chain() {
    [[ -n $deny_job ]] || start_job deny_job "$deny_log" install_cargo_deny
    finish_job "$deny_job" "$deny_log" "cargo-deny's build (cargo install)"
    "$deny" check bans licenses sources
    # The RustSec advisory database is a git repository on github.com. When it is
    # unreachable, the snapshot in ../shared/advisory-db/ (a git bundle) is cloned
    # into target/advisory-dbs under the folder name cargo-deny gives the live
    # database, and the check runs offline against it, saying how old it is.
    local advisory_db=$root/target/advisory-dbs/advisory-db-3157b0e258782691
    local deny_advisories=("$deny" check advisories)
    if timeout 20 git ls-remote https://github.com/RustSec/advisory-db HEAD >/dev/null 2>&1; then
        echo "advisories: the live RustSec database"
    else
        local bundle=$root/../shared/advisory-db/rustsec-advisory-db.bundle
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
    local control_log=$root/target/advisory-control.log
    # Its one crate must be in cargo's local registry: an offline check cannot download it.
    cargo fetch --locked --manifest-path tests/advisory-control/Cargo.toml
    if (cd tests/advisory-control && "${deny_advisories[@]}") >"$control_log" 2>&1; then
        echo "the advisory check passed tests/advisory-control (smallvec 1.6.0): the database is not being read" >&2
        exit 1
    fi
    grep -q RUSTSEC-2021-0003 "$control_log" || { cat "$control_log" >&2; echo "the advisory control failed for another reason" >&2; exit 1; }
    echo "positive control: the check reports RUSTSEC-2021-0003 on smallvec 1.6.0"
}

# The part of the benchmark corpus that the fidelity tests read (mixed/ and
# camera24's DSC04705, DSC04709 and DSC04718), made once into
# target/test-corpus from Debian's wallpaper packages by
# ../shared/bench/make-corpus.sh (outside the project, and read-only here;
# bench/ makes the whole corpus into target/corpus).
#
# The script makes the 24-megapixel camera files numbered `seq 1 $CAM_N`,
# several CPU-seconds of ImageMagick each, and each from its number alone
# (its own source, crop, noise seed and metadata). The tests read numbers
# 5, 9 and 18 (the first with Orientation 6, 8 and 3). So the script is
# handed a `seq` (an exported function, which the bash running it takes in)
# that answers `seq 1 $CAM_N` with those three numbers: it makes the same
# three files, byte for byte, and not the fifteen others before 18 (about
# 100 CPU-seconds of a cold run). Any other use of seq is the real one.
corpus=$root/target/test-corpus
corpus_camera_numbers="5 9 18"
corpus_camera_last=18
corpus_seq() {
    if [[ $# == 2 && $1 == 1 && $2 == "$CAM_N" ]]; then
        printf '%s\n' $LIGHTPROOF_CORPUS_CAMERA_NUMBERS
    else
        command seq "$@"
    fi
}
make_corpus() {
    local script=$root/../shared/bench/make-corpus.sh log=$root/target/test-corpus-make.log
    if [[ -f $corpus/SHA256SUMS ]]; then
        echo "benchmark corpus: reusing $corpus"
    elif [[ -f $script ]]; then
        local status=0
        (
            seq() { corpus_seq "$@"; }
            export -f seq corpus_seq
            CAM_N=$corpus_camera_last LIGHTPROOF_CORPUS_CAMERA_NUMBERS=$corpus_camera_numbers bash "$script" "$corpus"
        ) 2>&1 | tee "$log" || status=${PIPESTATUS[0]}
        # With fewer than 48 camera files the script's last check says that
        # camera24 does not hold 48, and it exits 1. Any other complaint fails.
        if ((status)) && ! { ((status == 1)) && grep -q "camera24 does not hold 48 files" "$log" &&
                             ! grep -E "error:|bad size" "$log"; }; then
            rm -f "$corpus/SHA256SUMS"
            echo "make-corpus.sh failed (exit $status): see $log" >&2
            return 1
        fi
        local number name
        for number in $corpus_camera_numbers; do
            name=$(printf 'DSC%05d.JPG' $((4700 + number)))
            [[ -f $corpus/camera24/$name ]] || { rm -f "$corpus/SHA256SUMS"; echo "make-corpus.sh made no camera24/$name: see $log" >&2; return 1; }
        done
        echo "benchmark corpus: made into $corpus (camera files $corpus_camera_numbers)"
    else
        echo "warning: $script not found: corpus checks will be skipped"
    fi
}

stage_rust() {
    # The corpus is made while the tests compile, and so are the fuzz
    # targets and the viewer when their stages are to run: all are CPU
    # work, but a build leaves a core idle at times (build scripts,
    # single-crate stretches, links). The fuzz and viewer builds run at a
    # lower priority, so they take what the test build leaves and do not
    # slow the tests down.
    local corpus_job moto_job s3s_job
    start_job corpus_job "$root/target/corpus.log" make_corpus
    start_job moto_job "$root/target/moto-install.log" install_moto
    start_job s3s_job "$root/target/s3s-install.log" install_s3s_fs
    if wanted fuzz; then start_job fuzz_build_job "$fuzz_build_log" nice -n 10 tests/fuzz/run.sh --build-only; fi
    if wanted wasm; then start_job wasm_job "$wasm_log" nice -n 10 wasm-viewer/build.sh "$wasm_fresh"; fi
    cargo_test --no-run
    finish_job "$corpus_job" "$root/target/corpus.log" "the benchmark corpus (make-corpus.sh)"
    finish_job "$moto_job" "$root/target/moto-install.log" "moto's S3 server (pip install)"
    finish_job "$s3s_job" "$root/target/s3s-install.log" "the s3s-fs S3 server (cargo install)"
    if [[ -f $corpus/SHA256SUMS ]]; then export LIGHTPROOF_CORPUS=$corpus; fi
    if wanted browser; then start_browser_tests; fi
    cargo_test
}

# moto's standalone S3 server, for the publish tests (tests/cli/publish.rs
# runs target/tools/moto/bin/moto_server): from PyPI into a virtual
# environment inside the clone, once, at a pinned version.
install_moto() {
    local venv=$root/target/tools/moto
    [[ -x $venv/bin/moto_server ]] && return 0
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'moto[server]==5.2.6'
}

# s3s-fs, the second S3 server of the publish tests (it checks SigV4
# signatures; a test server for a few hundred requests): into
# target/tools/bin, once. 0.14.1 is the last release that builds with Rust
# 1.95.
install_s3s_fs() {
    install_tool "$root/target/tools" "$root/target/tools/cargo-home" s3s-fs 0.14.1 --features binary
}

fuzz_build_job=""
fuzz_build_log=$root/target/fuzz-build.log
stage_fuzz() {
    local seconds=${LIGHTPROOF_FUZZ_SECONDS:-1}
    if [[ -n $fuzz_build_job ]]; then finish_job "$fuzz_build_job" "$fuzz_build_log" "the fuzz targets' build"; fi
    echo "fuzzing every parser of host and client bytes ($seconds s per target)"
    tests/fuzz/run.sh "$seconds"
}

# The viewer's fresh build starts with the test build, in the background at
# a low priority (as the fuzz targets' build does): a wasm build is mostly
# one crate at a time (the standard library, then the viewer as one codegen
# unit), so on its own it leaves a core idle; beside the test build it
# takes what that build leaves. (Started with the run, it held cargo's
# package cache while cargo-deny's build waited: supply-chain 68-70 s
# against 56 s.)
wasm_job=""
wasm_log=$root/target/wasm-build.log
wasm_fresh=$root/target/wasm/viewer-check.wasm
stage_wasm() {
    [[ -n $wasm_job ]] || start_job wasm_job "$wasm_log" wasm-viewer/build.sh "$wasm_fresh"
    finish_job "$wasm_job" "$wasm_log" "the viewer's build (wasm-viewer/build.sh)"
    if ! cmp -s "$wasm_fresh" themes/default/static/viewer.wasm; then
        echo "themes/default/static/viewer.wasm is stale: run wasm-viewer/build.sh and commit the result" >&2
        exit 1
    fi
    echo "viewer.wasm is up to date ($(stat -c %s "$wasm_fresh") bytes)"
}

# npm ci waits on the network: started before the first stage (when the
# browser stage is to run) so that it overlaps the compiling.
npm_job=""
npm_log=$root/target/npm-ci.log
# Skipped when node_modules was installed by npm ci from this very
# package-lock.json with this node (a stamp written after it succeeds):
# npm ci always deletes node_modules and installs it again.
npm_ci() {
    cd tests/browser
    local stamp=node_modules/.installed-from want
    want="$(sha256sum package-lock.json | cut -d' ' -f1) node $(node --version)"
    if [[ -f $stamp && $(<"$stamp") == "$want" ]]; then
        echo "npm packages: node_modules is installed from this package-lock.json"
        return
    fi
    npm ci --no-audit --no-fund --loglevel=error
    echo "$want" >"$stamp"
}

# The browser tests start as soon as the test build is done, beside the
# Rust tests (both are CPU work, and each leaves a core idle at times: the
# Rust tests wait on killed builds, stalled proxies and slow clients, the
# browser tests on downloads and restarts). Their output goes to a log,
# shown by the browser stage when they end.
browser_job=""
browser_log=$root/target/browser-tests.log
start_browser_tests() {
    npm_ready
    browser_tmpdir
    echo "the browser tests start beside the Rust tests (their output follows in the browser stage)"
    start_job browser_job "$browser_log" browser_tests
}

stage_browser() {
    if [[ -z $browser_job ]]; then
        cargo_test --no-run
        start_browser_tests
    fi
    finish_job "$browser_job" "$browser_log" "the browser tests"
}

browser_tests() {
    local started
    started=$(date +%s)
    # Three test files at a time (node's default on 2 cores is one): each
    # waits on its browsers part of the time, and the stage leaves a core
    # idle less often (5 % idle at three, 14 % at two; measured with
    # vmstat). They also pass on a machine loaded far beyond its cores.
    # The test build's binary (deps at opt-level 3, the crate at 1): the one
    # `cargo test --workspace` built and left in target/debug, so nothing
    # compiles after the rust stage. (`cargo build` would compile the crate
    # and some dependencies again: without the dev-dependencies, their
    # features differ.) The tests check behaviour, not speed; bench/ times
    # the release build.
    echo "temporary files (sites, browser profiles, downloads): $browser_tmp"
    TMPDIR=$browser_tmp LIGHTPROOF_BIN=$root/target/debug/lightproof LIGHTPROOF_SAMPLE=$root/sample-shoot \
        node --test --test-concurrency=3 --test-reporter=spec $(browser_test_files)
    echo "the browser tests took $(duration $(($(date +%s) - started)))"
}

# npm ci's job, waited for once.
npm_done=0
npm_ready() {
    ((npm_done)) && return 0
    [[ -n $npm_job ]] || start_job npm_job "$npm_log" npm_ci
    finish_job "$npm_job" "$npm_log" "npm ci (tests/browser)"
    npm_done=1
}

# Where the browser tests keep their temporary files: a new folder in
# /dev/shm when that is a memory file system with at least 4 GiB free,
# else in the usual temporary folder. The browsers write their profiles
# there (Firefox syncs its databases to disk as it goes), and the tests
# their sites and downloads: from memory the stage took 3m32 against 3m47
# from an ext4 disk. Removed when the run ends. Sets browser_tmp.
browser_tmp=""
browser_tmpdir() {
    local free_kib
    free_kib=$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 && $1 == "tmpfs" { print $4 }')
    if [[ -n $free_kib ]] && ((free_kib >= 4 * 1024 * 1024)); then
        browser_tmp=$(mktemp -d /dev/shm/lightproof-tests-XXXXXX)
        remove_at_exit+=("$browser_tmp")
    else
        browser_tmp=${TMPDIR:-/tmp}
    fi
}

# The browser test files, longest first (node starts them in this order):
# with two at a time, the short ones left at the end fill both slots to the
# last, rather than one long file running alone. Files that mostly wait
# (remember: browser restarts; large-downloads: downloads on disk) start
# beside files that mostly compute. Files not named here run after them.
browser_test_order=(delivery remember webcrypto large-downloads grid gallery open argon2 phone grants hostile
                    downloads offline proofing webkit)
browser_test_files() {
    local name file
    for name in "${browser_test_order[@]}"; do
        [[ -f tests/browser/$name.test.mjs ]] && echo "tests/browser/$name.test.mjs"
    done
    for file in tests/browser/*.test.mjs; do
        name=$(basename "$file" .test.mjs)
        [[ " ${browser_test_order[*]} " == *" $name "* ]] || echo "$file"
    done
}

wanted() { [[ " ${selected[*]} " == *" $1 "* ]]; } # STAGE: whether it is to run

# ---------------------------------------------------------------- background jobs
# Each in its own process group (set -m), so that an early exit stops it and
# its children.
started_jobs=()

start_job() { # VARIABLE LOG COMMAND...: runs COMMAND, its output to LOG; its pid to VARIABLE
    local variable=$1 log=$2; shift 2
    mkdir -p "$(dirname "$log")"
    set -m
    "$@" >"$log" 2>&1 &
    set +m
    printf -v "$variable" %s "$!"
    started_jobs+=("$!")
}

finish_job() { # PID LOG WHAT: waits for the job, shows its output, fails if it did
    local status=0
    echo "waiting for $3"
    wait "$1" || status=$?
    local job still=()
    for job in "${started_jobs[@]}"; do [[ $job == "$1" ]] || still+=("$job"); done
    started_jobs=("${still[@]}")
    cat "$2"
    ((status == 0)) || { echo "$3 failed (exit $status)" >&2; exit 1; }
}

# ---------------------------------------------------------------- timing
timed_names=()
timed_seconds=()
current=""
current_start=0

duration() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

run_timed() { # NAME COMMAND...
    local name=$1; shift
    say "$name"
    current=$name
    current_start=$SECONDS
    "$@"
    local took=$((SECONDS - current_start))
    timed_names+=("$name"); timed_seconds+=("$took")
    current=""
    say "$name: done in $(duration "$took")"
}

# On exit: stops the background jobs still running, removes the temporary
# folders, prints the stage times.
remove_at_exit=()
finish() {
    local status=$? job
    for job in "${started_jobs[@]}"; do kill -- "-$job" 2>/dev/null || true; done
    ((${#remove_at_exit[@]} == 0)) || rm -rf "${remove_at_exit[@]}"
    ((${#timed_names[@]})) || [[ -n $current ]] || return "$status"
    printf '\n== stage times\n'
    local i
    for i in "${!timed_names[@]}"; do
        printf '  %-14s %8s\n' "${timed_names[$i]}" "$(duration "${timed_seconds[$i]}")"
    done
    [[ -z $current ]] || printf '  %-14s %8s  FAILED\n' "$current" "$(duration $((SECONDS - current_start)))"
    printf '  %-14s %8s\n' total "$(duration "$SECONDS")"
    return "$status"
}

# ---------------------------------------------------------------- main
install=1
selected=()
for arg in "$@"; do
    case $arg in
        -h|--help) usage; exit 0 ;;
        --no-install) install=0 ;;
        -*) echo "tests/run-all.sh: unknown flag $arg (see --help)" >&2; exit 2 ;;
        *)
            [[ " ${STAGES[*]} " == *" $arg "* ]] || {
                echo "tests/run-all.sh: unknown stage '$arg'; the stages are: ${STAGES[*]}" >&2; exit 2; }
            selected+=("$arg") ;;
    esac
done
((${#selected[@]})) || selected=("${STAGES[@]}")

SECONDS=0
trap finish EXIT
if ((install)); then run_timed packages install_packages; fi
if wanted browser; then start_job npm_job "$npm_log" npm_ci; fi
if wanted supply-chain; then start_job deny_job "$deny_log" install_cargo_deny; fi
for stage in "${STAGES[@]}"; do
    if wanted "$stage"; then run_timed "$stage" "stage_${stage//-/_}"; fi
done
