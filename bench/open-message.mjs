// What the page pays, on its main thread, to take the manifest's display
// JSON from the photos Worker (issue 15): sent as the JSON text and parsed
// in the page, or parsed in the Worker and sent as an object (structured
// clone, read back in the page). Printed, not asserted, one JSON line per
// browser. The display JSON is the real one of SITE: node opens the
// manifest through SITE's own viewer.wasm (and times that open: the task
// the page's instance takes). In the page a chain of tiny tasks runs while
// the reply arrives; the longest gap in it is the task that received the
// reply (deserialising included, wherever the browser does it), then a
// walk over every photo as validateManifest does.
//
//   node bench/open-message.mjs SITE [RUNS]     (SITE built with the test password)
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { launch } from '../tests/browser/drivers.mjs';
import { PASSWORD, makeTempDir, removeDir, serve } from '../tests/browser/support.mjs';

const [site, runsArg] = process.argv.slice(2);
if (!site) throw new Error('usage: node bench/open-message.mjs SITE [RUNS]');
const RUNS = Number(runsArg || 15);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** SITE's display JSON, through its viewer.wasm; and the open's time. */
async function displayJson() {
  const { instance } = await WebAssembly.instantiate(await readFile(path.join(site, 'viewer.wasm')), {});
  const ex = instance.exports;
  const call = (name, bytes) => {
    const ptr = ex.lp_alloc(Math.max(bytes.length, 1)) >>> 0;
    new Uint8Array(ex.memory.buffer, ptr, bytes.length).set(bytes);
    const status = ex[name](ptr, bytes.length) >>> 0;
    ex.lp_free(ptr, Math.max(bytes.length, 1));
    if (status !== 0) throw new Error(`${name}: status ${status}`);
    return Buffer.from(new Uint8Array(ex.memory.buffer, ex.lp_out_ptr() >>> 0, ex.lp_out_len() >>> 0)).toString();
  };
  call('lp_open_header', await readFile(path.join(site, 'gallery.bin')));
  const { manifest } = JSON.parse(call('lp_unlock_password', Buffer.from(PASSWORD.normalize('NFC'))));
  const blob = await readFile(path.join(site, manifest));
  const times = [];
  let text = '';
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    text = call('lp_open_manifest', blob);
    times.push(performance.now() - t0);
  }
  return { text, blobBytes: blob.length, openMs: times };
}

/** In the page: RUNS replies of each kind, interleaved. */
async function measureInPage({ text, runs }) {
  const source = `onmessage = (e) => {
    const { mode, text } = e.data;
    postMessage(mode === 'object' ? { view: JSON.parse(text) } : { view: text });
  };`;
  const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
  const walk = (m) => {
    let n = 0;
    for (const a of m.albums) for (const p of a.photos) n += p.thumb.path.length + p.preview.path.length + p.file.length;
    return n;
  };
  const once = (mode) => new Promise((resolve) => {
    const ch = new MessageChannel();
    let last = performance.now();
    let longest = 0;
    let handler = null;
    ch.port1.onmessage = () => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
      if (handler === null) ch.port2.postMessage(0);
      else { ch.port1.close(); resolve({ gap: longest, handler }); }
    };
    worker.onmessage = (e) => {
      const t0 = performance.now();
      const view = e.data.view;
      walk(typeof view === 'string' ? JSON.parse(view) : view);
      handler = performance.now() - t0;
    };
    worker.postMessage({ mode, text });
    ch.port2.postMessage(0);
  });
  const out = { text: [], object: [] };
  for (let i = 0; i < runs; i++) {
    for (const mode of ['text', 'object']) {
      await new Promise((r) => setTimeout(r, 50));
      out[mode].push(await once(mode));
    }
  }
  worker.terminate();
  return out;
}

const { text, blobBytes, openMs } = await displayJson();
console.log(JSON.stringify({
  figure: 'environment', date: new Date().toISOString(), loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
  displayJsonBytes: Buffer.byteLength(text), manifestBlobBytes: blobBytes,
  photos: JSON.parse(text).albums.reduce((n, a) => n + a.photos.length, 0),
  nodeOpenManifestMs: openMs.map((x) => Number(x.toFixed(1))),
}));
const dir = await makeTempDir('lightproof-open-message-');
try {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>bench</title>');
  const server = await serve(dir);
  try {
    for (const kind of ['chromium', 'firefox']) {
      const browser = await launch(kind);
      try {
        const p = await browser.newPage();
        await p.page.goto(server.url);
        const r = await p.evaluate(measureInPage, { text, runs: RUNS });
        const figures = (xs) => ({
          gapMedianMs: Number(median(xs.map((x) => x.gap)).toFixed(1)),
          handlerMedianMs: Number(median(xs.map((x) => x.handler)).toFixed(1)),
          gapsMs: xs.map((x) => Number(x.gap.toFixed(1))),
        });
        console.log(JSON.stringify({ figure: 'reply', browser: kind, runs: RUNS, text: figures(r.text), object: figures(r.object) }));
        await p.close();
      } finally {
        await browser.close();
      }
    }
  } finally {
    await server.close();
  }
} finally {
  await removeDir(dir);
}
