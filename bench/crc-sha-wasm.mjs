// The checks of a download in the module, alone, in Node's V8 (the same
// engine as Chromium): SHA-256 of the ciphertext (lp_check_ciphertext) and
// the CRC-32 and padding check of the plaintext (lp_check_chunk), in MB/s,
// next to what WebCrypto and OpenSSL do in the same process. Figures only.
//
//   node bench/crc-sha-wasm.mjs [VIEWER_WASM...]   (default: the committed one)
import { createHash, webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';

const MIB = 1 << 20;
const CHUNK = 16384;
const TOTAL = 64 * MIB; // the file: 2^26 - 1 bytes pad to exactly 4,096 chunks
const data = new Uint8Array(TOTAL);
for (let i = 0; i < TOTAL; i += 65536) webcrypto.getRandomValues(data.subarray(i, i + 65536));
const mbps = (bytes, ms) => (bytes / 1e6 / (ms / 1000)).toFixed(0);
const best = (runs, f) => Math.min(...Array.from({ length: runs }, f));

function pins() {
  const chunks = TOTAL / CHUNK;
  const out = new Uint8Array(52);
  const v = new DataView(out.buffer);
  const size = 56 + TOTAL + 16 * (chunks + 1);
  v.setUint32(0, Math.floor(size / 2 ** 32));
  v.setUint32(4, size >>> 0);
  v.setUint32(12, TOTAL - 1);
  return out;
}

async function module(file) {
  const { instance } = await WebAssembly.instantiate(readFileSync(file), {});
  const ex = instance.exports;
  const scratch = ex.lp_alloc(MIB) >>> 0;
  const call = (name, bytes) => {
    new Uint8Array(ex.memory.buffer, scratch, bytes.length).set(bytes);
    return ex[name](scratch, bytes.length);
  };
  const begin = () => { if (call('lp_check_begin', pins()) !== 0) throw new Error('lp_check_begin refused the pins'); };
  const sha = best(3, () => {
    begin();
    const t0 = performance.now();
    for (let at = 0; at < TOTAL; at += MIB) call('lp_check_ciphertext', data.subarray(at, at + MIB));
    return performance.now() - t0;
  });
  // Every chunk but the last (which holds the padding marker) is content.
  const crc = best(3, () => {
    begin();
    const t0 = performance.now();
    for (let at = 0; at < TOTAL - CHUNK; at += CHUNK) {
      if (call('lp_check_chunk', data.subarray(at, at + CHUNK)) !== 0) throw new Error('lp_check_chunk refused');
    }
    return performance.now() - t0;
  });
  console.log(JSON.stringify({ module: file, sha256_mb_per_s: Number(mbps(TOTAL, sha)), crc32_and_padding_mb_per_s: Number(mbps(TOTAL - CHUNK, crc)) }));
}

async function references() {
  const openssl = best(3, () => {
    const t0 = performance.now();
    const h = createHash('sha256');
    for (let at = 0; at < TOTAL; at += MIB) h.update(data.subarray(at, at + MIB));
    h.digest();
    return performance.now() - t0;
  });
  const digest = async (piece) => {
    const t0 = performance.now();
    const all = [];
    for (let at = 0; at < TOTAL; at += piece) all.push(webcrypto.subtle.digest('SHA-256', data.subarray(at, at + piece)));
    await Promise.all(all);
    return performance.now() - t0;
  };
  const key = await webcrypto.subtle.importKey('raw', new Uint8Array(32), 'AES-GCM', false, ['encrypt', 'decrypt']);
  const iv = new Uint8Array(12);
  const record = new Uint8Array(await webcrypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, data.subarray(0, CHUNK)));
  const t0 = performance.now();
  const opened = [];
  for (let at = 0; at < TOTAL; at += CHUNK) opened.push(webcrypto.subtle.decrypt({ name: 'AES-GCM', iv }, key, record));
  await Promise.all(opened);
  const aes = performance.now() - t0;
  console.log(JSON.stringify({
    reference: `node ${process.version}`,
    openssl_sha256_incremental_mb_per_s: Number(mbps(TOTAL, openssl)),
    webcrypto_digest_per_16KiB_mb_per_s: Number(mbps(TOTAL, await digest(CHUNK))),
    webcrypto_digest_per_1MiB_mb_per_s: Number(mbps(TOTAL, await digest(MIB))),
    webcrypto_aes_gcm_decrypt_per_16KiB_mb_per_s: Number(mbps(TOTAL, aes)),
  }));
}

const files = process.argv.slice(2);
for (const file of files.length ? files : [new URL('../themes/default/static/viewer.wasm', import.meta.url).pathname]) await module(file);
await references();
