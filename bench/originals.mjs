// Download speed of originals, printed (not asserted), in headless
// Chromium and Firefox over HTTP, through the path a client uses: unlock,
// "Download" → "All photos", one ZIP of an album of about 1 GB, saved
// through the File System Access API (a stand-in for the save dialog).
// Each browser runs both ways of decrypting, in the same run:
//   webcrypto  chunks decrypted by WebCrypto's AES-GCM in a Worker, which
//              checks them with its own instance of the module (the viewer's
//              way wherever WebCrypto exists);
//   wasm       crypto.subtle hidden from the page, as on a plain-HTTP host:
//              the module decrypts (the only way before WebCrypto was used);
//   whole      (WAYS=...,whole) as webcrypto, but the Worker checks the
//              SHA-256 of the whole blob in the module, as for a gallery
//              written before segment hashes (lightproofTestWholePin);
//   pagefed    (WAYS=...,pagefed) as webcrypto, but the page reads the
//              blobs and takes the plaintext back, as for an offline copy
//              (lightproofTestPageFed); with the `opfs` sink the webcrypto
//              way has the Worker fetch the blobs and write the file.
// and, for webcrypto, two sinks: `discard` (a writable that drops the bytes:
// decryption and the viewer's pipeline alone) and `opfs` (the origin-private
// file system: what writing the file costs on top; Playwright's Chromium
// contexts keep it in memory, Firefox's on disk).
//
// The album: the sample shoot's JPEGs, each made about 50 MB (FILE_MB=12
// for a camera's size: the per-file cost shows) with comment segments
// (COM, skipped by every decoder) of random bytes, built with
// --original-metadata keep, so the build takes seconds, not the minutes of
// decoding real 50 MB photos. The content does not change the decryption.
//
// With BEFORE=<git revision>, one more way, `before`: the same site with
// that revision's viewer.js and viewer.wasm (the viewer as it was), with
// the same sinks as webcrypto.
//
//   cargo build && (cd tests/browser && npm ci) && \
//     LIGHTPROOF_BIN=target/debug/lightproof node bench/originals.mjs
//   MB=300 BROWSERS=chromium WAYS=webcrypto SINKS=discard node bench/originals.mjs
//   BEFORE=32fedb6 WAYS=before,webcrypto SINKS=discard node bench/originals.mjs
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { launch } from '../tests/browser/drivers.mjs';
import { BIN, REPO, SHOOT, makeTempDir, removeDir, serve } from '../tests/browser/support.mjs';

const run = promisify(execFile);
const PASSWORD = 'harbor tulip engine, originals bench';
const TARGET_BYTES = Number(process.env.MB || 1000) * 1e6;
const FILE_BYTES = Number(process.env.FILE_MB || 50) * 1e6;
const list = (name, all) => (process.env[name] || all).split(',');
const BROWSER_KINDS = list('BROWSERS', 'chromium,firefox');
const WAYS = list('WAYS', 'webcrypto,wasm');
const SINKS = list('SINKS', 'discard,opfs');

/** `jpeg` with `bytes` of COM segments after its SOI marker. */
function inflate(jpeg, bytes) {
  const segments = [];
  for (let left = bytes; left > 0; left -= 65535 + 2) {
    const payload = Math.min(65533, Math.max(left - 4, 0));
    const segment = Buffer.alloc(4 + payload);
    segment.writeUInt16BE(0xfffe, 0);
    segment.writeUInt16BE(payload + 2, 2);
    randomBytes(payload).copy(segment, 4);
    segments.push(segment);
  }
  return Buffer.concat([jpeg.subarray(0, 2), ...segments, jpeg.subarray(2)]);
}

async function makeAlbum(dir) {
  const sources = [];
  for (const entry of await readdir(SHOOT, { recursive: true })) {
    if (/\.jpe?g$/i.test(entry)) sources.push(await readFile(path.join(SHOOT, entry)));
  }
  const album = path.join(dir, 'shoot', 'Album');
  await mkdir(album, { recursive: true });
  let total = 0;
  for (let i = 0; total < TARGET_BYTES; i++) {
    const jpeg = inflate(sources[i % sources.length], Math.min(FILE_BYTES, TARGET_BYTES - total));
    await writeFile(path.join(album, `${String(i).padStart(3, '0')}.jpg`), jpeg);
    total += jpeg.length;
  }
  return { shoot: path.dirname(album), total, count: (await readdir(album)).length };
}

// Before any page script: a save dialog stand-in, and with `hideSubtle`
// no WebCrypto (as on a plain-HTTP host).
function pageSetup({ sink, hideSubtle, wholePin, pageFed }) {
  if (wholePin) window.lightproofTestWholePin = true;
  if (pageFed) window.lightproofTestPageFed = true;
  if (hideSubtle) Object.defineProperty(Crypto.prototype, 'subtle', { get() { return undefined; }, configurable: true });
  window.__saved = 0;
  window.showSaveFilePicker = async ({ suggestedName }) => {
    if (sink === 'opfs') return (await navigator.storage.getDirectory()).getFileHandle(suggestedName, { create: true });
    return {
      createWritable: async () => ({
        write: async (b) => { window.__saved += b.byteLength; },
        close: async () => {},
        abort: async () => {},
      }),
    };
  };
}

/** A copy of `site` (hard links) with revision `rev`'s viewer. */
async function siteBefore(site, rev) {
  const copy = `${site}-before`;
  await run('cp', ['-al', site, copy]);
  const git = (args) => run('git', ['-C', REPO, ...args], { encoding: 'buffer', maxBuffer: 1 << 26 });
  const parts = (await git(['ls-tree', '--name-only', rev, 'themes/default/static/viewer/'])).stdout.toString()
    .split('\n').filter((name) => name.endsWith('.js')).sort();
  const script = Buffer.concat(await Promise.all(parts.map(async (part) => (await git(['show', `${rev}:${part}`])).stdout)));
  for (const name of ['viewer.js', 'viewer.wasm']) await run('rm', [path.join(copy, name)]);
  await writeFile(path.join(copy, 'viewer.js'), script);
  await writeFile(path.join(copy, 'viewer.wasm'), (await git(['show', `${rev}:themes/default/static/viewer.wasm`])).stdout);
  return copy;
}

async function timedDownload(page) {
  await page.unlock(PASSWORD);
  await page.click('#download-open');
  await page.evaluate(() => {
    window.__done = null;
    const status = document.getElementById('download-status');
    new MutationObserver(() => {
      if (!window.__done && /Saved|nothing was saved|too large/.test(status.textContent)) window.__done = performance.now();
    }).observe(status, { childList: true, characterData: true, subtree: true });
    window.__started = performance.now();
    // The page's frames meanwhile: what a client browsing during a download sees.
    window.__frames = { count: 0, longest: 0, last: performance.now() };
    const frame = (now) => {
      const f = window.__frames;
      f.longest = Math.max(f.longest, now - f.last);
      f.last = now;
      f.count += 1;
      if (!window.__done) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
  await page.click('#download-all');
  await page.waitFor(() => window.__done !== null, undefined, 1_800_000);
  return page.evaluate(() => ({
    seconds: (window.__done - window.__started) / 1000,
    status: document.getElementById('download-status').textContent,
    how: [window.lightproofViewer.originalsWith, window.lightproofViewer.originalsFetchedBy].filter(Boolean).join(', '),
    fps: window.__frames.count / ((window.__done - window.__started) / 1000),
    longestFrameMs: window.__frames.longest,
  }));
}

const tmp = await makeTempDir('lightproof-bench-originals-');
try {
  const { shoot, total, count } = await makeAlbum(tmp);
  const site = path.join(tmp, 'site');
  const started = Date.now();
  await run(BIN, ['build', shoot, '--out', site, '--quiet', '--web-only', '--downloads', '--original-metadata', 'keep',
    '--thumb-size', '128', '--preview-size', '512'], {
    env: { ...process.env, LIGHTPROOF_PASSWORD: PASSWORD, LIGHTPROOF_CACHE_DIR: path.join(tmp, 'cache') },
    timeout: 1_800_000, maxBuffer: 1 << 24,
  });
  console.log(`album: ${count} originals, ${(total / 1e6).toFixed(0)} MB, built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const server = await serve(site);
  const before = process.env.BEFORE ? await serve(await siteBefore(site, process.env.BEFORE)) : null;
  try {
    for (const kind of BROWSER_KINDS) {
      const browser = await launch(kind);
      try {
        for (const way of WAYS) {
          if (way === 'before' && !before) throw new Error('the way "before" needs BEFORE=<git revision>');
          for (const sink of way === 'wasm' ? ['discard'] : SINKS) {
            const url = way === 'before' ? before.url : server.url;
            const r = await measure(browser, url, { sink, hideSubtle: way === 'wasm', wholePin: way === 'whole', pageFed: way === 'pagefed' });
            console.log(JSON.stringify({
              browser: kind, way, sink, how: r.how, seconds: Number(r.seconds.toFixed(2)),
              mb_per_s: Number((total / 1e6 / r.seconds).toFixed(1)), status: r.status,
              page_fps: Number(r.fps.toFixed(1)), longest_frame_ms: Math.round(r.longestFrameMs),
              load: Number(os.loadavg()[0].toFixed(2)),
            }));
          }
        }
      } finally {
        await browser.close();
      }
    }
  } finally {
    await server.close();
    await before?.close();
  }
} finally {
  await removeDir(tmp);
}

async function measure(browser, url, options) {
  // The drivers take an init function without arguments: bind the options.
  const page = await browser.newPage({
    init: new Function(`(${pageSetup})(${JSON.stringify(options)})`),
  });
  try {
    await page.goto(url);
    return await timedDownload(page);
  } finally {
    await page.close();
  }
}
