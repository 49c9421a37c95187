// Argon2id derivation alone in the committed viewer.wasm (Node's V8), per
// setting: lp_open_header then lp_derive_password_key. Figures only.
//   node bench/argon2-wasm.mjs themes/default/static/viewer.wasm
import fs from 'node:fs';
const code = fs.readFileSync(process.argv[2]);
const { instance } = await WebAssembly.instantiate(code, {});
const ex = instance.exports;
const put = (b) => { const p = ex.lp_alloc(Math.max(b.length,1)) >>> 0; new Uint8Array(ex.memory.buffer, p, b.length).set(b); return p; };
for (const [m, t] of [[19456,2],[65536,3],[131072,3]]) {
  const h = Buffer.alloc(70 + 96);
  h.write('LPROOF'); h[6]=1; h[7]=1; h[24]=2; h.writeUInt32BE(m,25); h.writeUInt32BE(t,29); h.writeUInt32BE(1,33); h[69]=1;
  let p = put(h); console.log('open', ex.lp_open_header(p, h.length));
  const pw = Buffer.from('correct horse battery staple');
  const t0 = performance.now();
  p = put(pw); const st = ex.lp_derive_password_key(p, pw.length);
  console.log(`m=${m} t=${t}: status ${st}, ${(performance.now()-t0).toFixed(0)} ms`);
}
