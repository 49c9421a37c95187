#!/usr/bin/env bash
# Pipeline benchmark on the reference corpus, peers measured in the same run.
#
#   bench/run.sh [CORPUS_DIR]      (default: target/bench/corpus, built if missing)
#   RUNS=3 REPEAT=1 bench/run.sh   (REPEAT=10 builds a 480-photo shoot from camera24)
#
# For each of RUNS rounds it times, over the same camera24 photos on 2 cores:
#   lightproof   `lightproof build --no-cache` (thumbnail 480 + preview 2048,
#                q82, text watermark on previews, encrypted)
#   vips         two `vipsthumbnail` calls per photo (2048, then 480), xargs -P 2
#   sigal        `sigal build` with its encrypt plugin, same sizes and quality
#   floor        `djpeg -scale 1/2` of every photo, pixels discarded, xargs -P 2
# and prints medians of wall time, photos/s and peak RSS, and the ratios.
# Then, for lightproof alone: an incremental rebuild after adding one photo
# (cache on), and peak RSS on the shoot repeated RSS_REPEAT (default 10)
# times, to show memory does not grow with the shoot.
# Not a test: figures only. Installs libvips-tools, libjpeg-turbo-progs, GNU
# time (apt-get) and sigal (pip, into target/bench/venv) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$root/target/bench
corpus=${1:-$work/corpus}
runs=${RUNS:-3}
repeat=${REPEAT:-1}
sudo=""; [[ $(id -u) == 0 ]] || sudo="sudo"
mkdir -p "$work"

need=()
command -v vipsthumbnail >/dev/null || need+=(libvips-tools)
command -v djpeg >/dev/null || need+=(libjpeg-turbo-progs)
[[ -x /usr/bin/time ]] || need+=(time)
if ((${#need[@]})); then
    $sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${need[@]}"
fi
if [[ ! -x $work/venv/bin/sigal ]]; then
    python3 -m venv "$work/venv" && "$work/venv/bin/pip" install -q sigal cryptography
fi
[[ -d $corpus/camera24 ]] || bash "$root/../shared/bench/make-corpus.sh" "$corpus"
cargo build --release --locked --quiet
lightproof=$root/target/release/lightproof

# The shoot: camera24, repeated REPEAT times (hard links: no extra disk).
shoot=$work/shoot-$repeat
rm -rf "$shoot"
if true; then
    for ((i = 0; i < repeat; i++)); do
        mkdir -p "$shoot/set$i"
        for photo in "$corpus"/camera24/*; do
            ln "$photo" "$shoot/set$i/" 2>/dev/null || cp "$photo" "$shoot/set$i/"
        done
    done
fi
find "$shoot" -type f -iname '*.jp*g' | sort > "$work/files.txt"
photos=$(wc -l < "$work/files.txt")

cat > "$work/sigal.conf.py" <<CONF
source = "$shoot"
destination = "$work/out-sigal"
img_size = (2048, 2048)
thumb_size = (480, 480)
thumb_fit = False
jpg_options = {"quality": 82, "optimize": False, "progressive": False}
orig_link = False
keep_orig = False
plugins = ["sigal.plugins.encrypt"]
encrypt_options = {"password": "benchmark password", "ask_password": True}
CONF

cat > "$work/vips-one.sh" <<'VIPS'
#!/bin/sh
# vips-one.sh OUT_DIR PHOTO: the two renditions, each from the original.
set -e
name=$(basename "$(dirname "$2")")-$(basename "$2")
vipsthumbnail "$2" --size 2048 -o "$1/${name}_p.jpg[Q=82,strip]"
vipsthumbnail "$2" --size 480 -o "$1/${name}_t.jpg[Q=82,strip]"
VIPS
chmod +x "$work/vips-one.sh"

measure() { # name command... ; appends "name wall_s peak_kib" to results
    local name=$1; shift
    local t; t=$(mktemp)
    if /usr/bin/time -f "%e %M" -o "$t" "$@" >/dev/null 2>"$work/$name.log"; then
        echo "$name $(tail -n 1 "$t")" >> "$work/results.txt"
    else
        echo "$name failed; see $work/$name.log" >&2
    fi
    rm -f "$t"
}
export LIGHTPROOF_PASSWORD="benchmark: copper tundra lantern" LIGHTPROOF_CACHE_DIR=$work/cache
watermark=(--watermark "© Benchmark Studio")
run_lightproof() { rm -rf "$work/out-lp"; measure lightproof "$lightproof" build "$shoot" --out "$work/out-lp" --quiet --no-cache "${watermark[@]}"; }
run_vips() {
    rm -rf "$work/out-vips"; mkdir -p "$work/out-vips"
    measure vips xargs -P 2 -n 1 "$work/vips-one.sh" "$work/out-vips" < "$work/files.txt"
}
run_sigal() { rm -rf "$work/out-sigal" "$shoot/.encryptCache"; measure sigal "$work/venv/bin/sigal" build -c "$work/sigal.conf.py" -n 2; }
run_floor() { measure floor bash -c 'xargs -P 2 -I{} sh -c "djpeg -scale 1/2 \"\$0\" > /dev/null" {} < "$1"' _ "$work/files.txt"; }

rm -f "$work/results.txt"
echo "corpus: $corpus/camera24 x $repeat = $photos photos; $runs rounds; $(nproc) cores" >&2
run_lightproof # warm-up: page cache and first-run costs, not counted
rm -f "$work/results.txt"
for ((r = 1; r <= runs; r++)); do
    echo "round $r/$runs" >&2
    run_lightproof; run_vips; run_sigal; run_floor
done

# Incremental: the shoot minus its last photo is built (cache on), then the
# photo comes back and the rebuild is timed.
last=$(tail -n 1 "$work/files.txt")
for ((r = 1; r <= runs; r++)); do
    mv "$last" "$work/held-back.jpg"
    rm -rf "$work/out-inc"
    "$lightproof" build "$shoot" --out "$work/out-inc" --quiet "${watermark[@]}"
    mv "$work/held-back.jpg" "$last"
    measure incremental "$lightproof" build "$shoot" --out "$work/out-inc" --quiet "${watermark[@]}"
done

# Memory against shoot size: the same build over the shoot repeated.
rss_repeat=${RSS_REPEAT:-10}
big=$work/shoot-rss-$rss_repeat
if [[ $rss_repeat -gt 1 ]]; then
    rm -rf "$big"
    for ((i = 0; i < rss_repeat; i++)); do
        mkdir -p "$big/set$i"
        while read -r photo; do ln "$photo" "$big/set$i/" 2>/dev/null || cp "$photo" "$big/set$i/"; done < "$work/files.txt"
    done
    rm -rf "$work/out-big"
    measure "big" "$lightproof" build "$big" --out "$work/out-big" --quiet --no-cache "${watermark[@]}"
    rm -rf "$work/out-big" "$big"
fi

python3 - "$work/results.txt" "$photos" "$rss_repeat" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
photos = int(sys.argv[2])
by = {}
for name, wall, rss in rows:
    by.setdefault(name, []).append((float(wall), int(rss)))
med = {n: (statistics.median(w for w, _ in v), max(r for _, r in v)) for n, v in by.items()}
print(f"{'':<12}{'wall s':>9}{'photos/s':>10}{'peak RSS MiB':>14}   runs (s)")
for name in ["lightproof", "vips", "sigal", "floor"]:
    if name in med:
        wall, rss = med[name]
        runs = ", ".join(f"{w:.2f}" for w, _ in by[name])
        print(f"{name:<12}{wall:>9.2f}{photos / wall:>10.1f}{rss / 1024:>14.0f}   {runs}")
lp = med["lightproof"][0]
print()
print(f"lightproof is {med['vips'][0] / lp:.2f}x faster than vipsthumbnail (target >= 2.5)")
print(f"lightproof is {med['sigal'][0] / lp:.2f}x faster than sigal+encrypt (target >= 3)")
print(f"lightproof takes {lp / med['floor'][0]:.2f}x the djpeg -scale 1/2 floor (target <= 1.3)")
if "incremental" in med:
    inc = med["incremental"][0]
    print(f"incremental rebuild after adding 1 photo to {photos - 1}: {inc:.2f} s, {100 * inc / lp:.1f}% of the full build (target < 10%)")
if "big" in med:
    wall, rss = med["big"]
    n = photos * int(sys.argv[3])
    print(f"peak RSS: {med['lightproof'][1] / 1024:.0f} MiB for {photos} photos, {rss / 1024:.0f} MiB for {n} photos ({wall:.1f} s, {n / wall:.1f} photos/s) (target < 512 MiB, flat)")
PY
