#!/usr/bin/env bash
# Publish benchmark against moto's S3 server on loopback, with the AWS CLI's
# `aws s3 sync` beside it as a reference (not a gate).
#
#   bench/publish.sh [CORPUS_DIR]   (default: target/bench/corpus, built if missing)
#   LIGHTPROOF_BIN=target/debug/lightproof bench/publish.sh target/test-corpus
#                                   (a built binary; the test command's corpus)
#
# Prints, for the corpus's small/ set built with originals (--downloads):
#   - a first publish: objects and bytes uploaded, seconds, MB/s, peak RSS;
#   - a second publish with nothing changed;
#   - one photo added (a camera24 file), rebuilt, published;
#   - a new password, rebuilt, published;
# then the camera24/ set (48 photos of 24 MP in the full corpus, with
# originals) published by
# lightproof and uploaded by `aws s3 sync` to another prefix of the same
# server, side by side. Figures only. Installs the AWS CLI (pip, into
# target/bench/venv-aws) and uses moto from target/tools/moto (the test
# command installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$root/target/bench/publish
corpus=${1:-$root/target/bench/corpus}
moto=$root/target/tools/moto/bin/moto_server
mkdir -p "$work"

[[ -x $moto ]] || { python3 -m venv "$root/target/tools/moto" && "$root/target/tools/moto/bin/pip" install -q 'moto[server]==5.2.6'; }
[[ -x $root/target/bench/venv-aws/bin/aws ]] || { python3 -m venv "$root/target/bench/venv-aws" && "$root/target/bench/venv-aws/bin/pip" install -q awscli; }
[[ -d $corpus/small && -d $corpus/camera24 ]] || bash "$root/../shared/bench/make-corpus.sh" "$corpus"
lightproof=${LIGHTPROOF_BIN:-}
[[ -n $lightproof ]] || { cargo build --release --locked --quiet; lightproof=$root/target/release/lightproof; }
aws=$root/target/bench/venv-aws/bin/aws

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$moto" -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null' EXIT
endpoint=http://127.0.0.1:$port
until curl -s -o /dev/null "$endpoint"; do sleep 0.2; done
curl -s -X PUT -H 'Content-Length: 0' "$endpoint/bench" >/dev/null

export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1
export AWS_SHARED_CREDENTIALS_FILE=/nonexistent AWS_CONFIG_FILE=/nonexistent
export LIGHTPROOF_PASSWORD="bench harbour lantern quietly hums" LIGHTPROOF_CACHE_DIR=$work/cache

# publish SITE URL LABEL: one publish, timed, with its JSON report summed up.
publish() {
    local start end
    start=$(date +%s.%N)
    /usr/bin/time -f '%M' -o "$work/rss" "$lightproof" publish "$1" "$2" --endpoint "$endpoint" --json >"$work/out.json" 2>/dev/null
    end=$(date +%s.%N)
    python3 - "$3" "$start" "$end" "$(cat "$work/rss")" "$work/out.json" <<'PY'
import json, sys
label, start, end, rss, out = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
r = json.load(open(out))
s = end - start
mb = r["uploaded_bytes"] / 1e6
print(f"{label:34} {r['uploaded']:5} objects {mb:9.1f} MB up, {r['deleted']:3} deleted, "
      f"{r['unchanged']:5} unchanged, {s:6.2f} s, {mb / s:6.1f} MB/s, peak RSS {rss / 1024:.0f} MB")
PY
}

rm -rf "$work/shoot" "$work/site" "$work/cache"
cp -r "$corpus/small" "$work/shoot"
"$lightproof" build "$work/shoot" --out "$work/site" --downloads --quiet
echo "small/ ($(ls "$work/shoot" | wc -l) photos, originals included), to moto on loopback:"
publish "$work/site" s3://bench/small/ "first publish"
publish "$work/site" s3://bench/small/ "again, nothing changed"
cp "$(ls "$corpus"/camera24/* | head -1)" "$work/shoot/added.jpg"
"$lightproof" build "$work/shoot" --out "$work/site" --downloads --quiet
publish "$work/site" s3://bench/small/ "one photo added"
LIGHTPROOF_PASSWORD="another harbour lantern softly hums" \
    "$lightproof" build "$work/shoot" --out "$work/site" --downloads --quiet
publish "$work/site" s3://bench/small/ "a new password"

rm -rf "$work/big-site"
"$lightproof" build "$corpus/camera24" --out "$work/big-site" --downloads --quiet
echo
echo "camera24/ ($(ls "$corpus/camera24" | wc -l) photos of 24 MP, originals included), side by side:"
publish "$work/big-site" s3://bench/lightproof/ "lightproof publish"
start=$(date +%s.%N)
"$aws" s3 sync "$work/big-site" s3://bench/aws/ --endpoint-url "$endpoint" --only-show-errors --exclude '.*' --exclude _headers
end=$(date +%s.%N)
bytes=$(du -sb --exclude='.*' --exclude=_headers "$work/big-site" | cut -f1)
python3 -c "import sys; b, s = int(sys.argv[1]), float(sys.argv[3]) - float(sys.argv[2]); print(f'{\"aws s3 sync (reference)\":34} {b / 1e6:9.1f} MB up, {s:6.2f} s, {b / 1e6 / s:6.1f} MB/s')" "$bytes" "$start" "$end"
