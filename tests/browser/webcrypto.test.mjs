// Where WebCrypto is, and where it is not (crypto.subtle hidden, as on a
// plain-HTTP host), in Chromium and Firefox:
//  - originals are decrypted by WebCrypto in a Worker, which over http
//    fetches the blobs and writes the file itself (or is handed the blobs
//    by the page, as for an offline copy), or by the module without
//    WebCrypto; a single original and an "All photos" ZIP are saved byte
//    for byte as the shoot's files either way; the Worker checks the blob's
//    segment hash with WebCrypto's SHA-256, or, for a gallery written
//    before segment hashes (the pins cut to the whole blob's SHA-256 by
//    `lightproofTestWholePin`; in Chromium), the SHA-256 of the whole in
//    the module;
//  - both ways refuse the same damaged blobs (a flipped byte, two chunks
//    swapped, cut at a chunk boundary, one byte short, one byte more,
//    another blob in its place), one after another in one page, and keep
//    nothing of them;
//  - without WebCrypto, PBKDF2 runs in a Worker: the page keeps painting
//    and shows its progress.
// (Pins broken by a grant holder who re-encrypts a blob need the blob key:
// wasm-viewer/tests/webcrypto_originals.rs covers them for both ways.)
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BROWSERS, useBrowser } from './drivers.mjs';
import { MAIN_ALBUM, PASSWORD, SHOOT, buildSite, leaveCover, makeTempDir, removeDir, run, serve } from './support.mjs';

const PREFIX = 56;
const RECORD = 16400;
const SAVED = /Saved|nothing was saved/;
const DAMAGED = /damaged on the server, so nothing was saved/;

let tmp;
let site;
let server;

before(async () => {
  tmp = await makeTempDir('lightproof-webcrypto-');
  // PBKDF2, so that hiding WebCrypto exercises its fallback too.
  site = await buildSite(tmp, { args: ['--downloads', '--original-metadata', 'keep', '--kdf-iterations', '600000', '--quiet'] });
  server = await serve(site);
});

after(async () => {
  await server?.close();
  await removeDir(tmp);
});

// Before any page script: the save dialog's stand-in (the origin-private
// file system), WebCrypto hidden if asked, and counters of painted frames
// and of the unlock progress bar.
function setup(options) {
  if (options.wholePin) window.lightproofTestWholePin = true;
  if (options.pageFed) window.lightproofTestPageFed = true;
  if (options.hideSubtle) {
    Object.defineProperty(Crypto.prototype, 'subtle', { get() { return undefined; }, configurable: true });
  }
  window.showSaveFilePicker = async ({ suggestedName }) =>
    (await navigator.storage.getDirectory()).getFileHandle(suggestedName, { create: true });
  window.__frames = 0;
  const tick = () => { window.__frames += 1; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  window.__progressSeen = false;
  new MutationObserver(() => {
    if (document.querySelector('.unlock-progress')) window.__progressSeen = true;
  }).observe(document, { childList: true, subtree: true });
}
const init = (options) => new Function(`(${setup})(${JSON.stringify(options)})`);

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** The saved file `name`, or null if there is none. */
async function readSaved(page, name) {
  const base64 = await page.evaluate(async (name) => {
    const dir = await navigator.storage.getDirectory();
    const handle = await dir.getFileHandle(name).catch(() => null);
    if (!handle) return null;
    const bytes = new Uint8Array(await (await handle.getFile()).arrayBuffer());
    let text = '';
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(text);
  }, name);
  return base64 === null ? null : Buffer.from(base64, 'base64');
}

/** Opens the lightbox on the first photo of `album`; returns its file name. */
async function openFirstPhoto(page, album) {
  await page.evaluate((name) => {
    [...document.querySelectorAll('.album-tab')].find((tab) => tab.textContent.includes(name)).click();
  }, album);
  await page.waitFor((name) => {
    const tab = [...document.querySelectorAll('.album-tab')].find((t) => t.textContent.includes(name));
    return tab.getAttribute('aria-pressed') === 'true' && document.querySelector('#grid .tile');
  }, album);
  await page.evaluate(() => document.querySelector('#grid .tile').click());
  await page.waitFor(() => document.getElementById('lightbox').open);
  return page.text('#lb-file');
}

/** Downloads the photo in the lightbox; returns the message shown. */
async function downloadShown(page) {
  await page.click('#lb-download').then(() => page.click('#lb-get-original'));
  await page.waitFor((re) => new RegExp(re).test(document.getElementById('lb-status').textContent), SAVED.source, 60_000);
  return page.text('#lb-status');
}

async function unlocked(browser, url, options) {
  const page = await browser.newPage({ init: init(options) });
  await page.goto(url);
  await page.unlock(PASSWORD);
  assert.equal(await page.text('#unlock-error'), '');
  return page;
}

// padme (docs/FORMAT.md, "Padding") and the blob length of an original.
function padme(len) {
  if (len < 2) return len;
  const e = Math.floor(Math.log2(len));
  const s = Math.floor(Math.log2(e)) + 1;
  const mask = 2 ** (e - s) - 1;
  return Math.ceil(len / (mask + 1)) * (mask + 1);
}
const blobSize = (bytes) => PREFIX + padme(bytes + 1) + 16 * (Math.floor(padme(bytes + 1) / 16384) + 1);

/** The blob of a shoot file's original: the one of its exact length among
 * `requests` (those of its download). */
async function originalBlob(file, requests) {
  const size = blobSize((await stat(file)).size);
  const fetched = new Set(requests.map((url) => new URL(url).pathname.split('/').pop()));
  const names = [];
  for (const name of await readdir(path.join(site, 'b'))) {
    if (!name.endsWith('.js') && fetched.has(name) && (await stat(path.join(site, 'b', name))).size === size) names.push(name);
  }
  assert.equal(names.length, 1, `one fetched blob of ${size} bytes`);
  return names[0];
}

/** The original blob `name` damaged six ways: what each is called, and its bytes. */
async function damagesOf(name) {
  const blob = await readFile(path.join(site, 'b', name));
  const other = (await readdir(path.join(site, 'b'))).find((n) => !n.endsWith('.js') && n !== name);
  const record = (i) => blob.subarray(PREFIX + i * RECORD, PREFIX + (i + 1) * RECORD);
  const flipped = Buffer.from(blob);
  flipped[PREFIX + RECORD + 100] ^= 0x01;
  const swapped = Buffer.concat([blob.subarray(0, PREFIX), record(1), record(0), blob.subarray(PREFIX + 2 * RECORD)]);
  assert.ok(blob.length > PREFIX + 3 * RECORD, 'the original has several chunks');
  return {
    intact: blob,
    damages: [
      ['a flipped byte', flipped],
      ['two chunks swapped', swapped],
      ['cut at a chunk boundary', blob.subarray(0, PREFIX + 2 * RECORD)],
      ['one byte short', blob.subarray(0, blob.length - 1)],
      ['one byte more', Buffer.concat([blob, Buffer.from([0])])],
      ['another blob in its place', await readFile(path.join(site, 'b', other))],
    ],
  };
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm' };

/**
 * The site over http from a host that changes the bytes of one blob
 * between two requests, as a host that damages files can: `host.bytes`
 * is what it sends for `b/<name>`, with `Cache-Control: no-store` so
 * that the browser asks again each time, and `host.served` counts them.
 * One unlocked page then meets every damage in turn.
 */
async function damagingHost(name, bytes) {
  const host = { bytes, served: 0 };
  const server = http.createServer(async (req, res) => {
    const rel = decodeURIComponent(new URL(req.url, 'http://host').pathname).slice(1) || 'index.html';
    let body = null;
    if (rel === `b/${name}`) {
      body = host.bytes;
      host.served += 1;
    } else if (!rel.split('/').includes('..')) {
      body = await readFile(path.join(site, rel)).catch(() => null);
    }
    if (!body) return res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(rel)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' });
    res.end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  host.url = `http://127.0.0.1:${server.address().port}/index.html`;
  host.close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); });
  return host;
}

async function shootFiles(dir, prefix = '') {
  const out = new Map();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) for (const [k, v] of await shootFiles(path.join(dir, entry.name), rel)) out.set(k, v);
    else if (/\.jpe?g$/i.test(entry.name)) out.set(rel, path.join(dir, entry.name));
  }
  return out;
}

// [name, setup options, originalsWith, originalsHashed, originalsFetchedBy].
// Over http(s) the Worker fetches the blobs itself; the page reads them
// for an offline copy (a file:// page or a bundle) and hands them over:
// that path is checked over http in Chromium by `lightproofTestPageFed`.
// A gallery without segment hashes takes the Worker's path every browser
// took before them (the module hashes the whole blob): checked in Chromium.
const waysIn = (kind) => [
  ['webcrypto', { hideSubtle: false }, 'webcrypto', 'segments', 'worker'],
  ...(kind === 'chromium' ? [
    ['webcrypto, a gallery without segment hashes', { wholePin: true }, 'webcrypto', 'whole', 'worker'],
    ['webcrypto, the blob read by the page', { pageFed: true }, 'webcrypto', 'segments', 'page'],
  ] : []),
  ['wasm', { hideSubtle: true }, 'wasm', null, 'page'],
];

for (const kind of BROWSERS) {
  describe(`originals and the KDF in ${kind}`, { timeout: 600_000 }, () => {
    const browser = useBrowser(kind);
    let blobName = null;
    let blob = null; // the original blob, intact and damaged six ways
    let host = null;
    after(() => host?.close());

    for (const [way, options, decryptedWith, hashed, fetchedBy] of waysIn(kind)) {
      test(`${way}: a single original and an "All photos" ZIP are the shoot's files byte for byte`, async () => {
        const page = await unlocked(browser, server.url, options);
        try {
          const name = await openFirstPhoto(page, 'Mountains');
          const before = page.requests.length; // the cover and previews can share an original's padded size
          assert.match(await downloadShown(page), /^Saved /);
          assert.equal(await page.evaluate(() => window.lightproofViewer.originalsWith), decryptedWith);
          assert.equal(await page.evaluate(() => window.lightproofViewer.originalsHashed), hashed);
          assert.equal(await page.evaluate(() => window.lightproofViewer.originalsFetchedBy), fetchedBy);
          const source = path.join(SHOOT, 'Mountains', name);
          const saved = await readSaved(page, name);
          assert.equal(sha256(saved), sha256(await readFile(source)), name);
          blobName ??= await originalBlob(source, page.requests.slice(before));

          await page.evaluate(() => document.getElementById('lightbox').close());
          await page.click('#download-open');
          await page.click('#download-all');
          await page.waitFor((re) => new RegExp(re).test(document.getElementById('download-status').textContent), SAVED.source, 120_000);
          const title = await page.text('#gallery-title');
          assert.equal(await page.text('#download-status'), `Saved ${title}.zip.`);
          const zip = path.join(tmp, `${kind}-${way.replace(/\W+/g, '-')}.zip`);
          await writeFile(zip, await readSaved(page, `${title}.zip`));
          const out = path.join(tmp, `${kind}-${way.replace(/\W+/g, '-')}-unzipped`);
          await mkdir(out);
          await run('python3', ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; z.extractall(sys.argv[2])', zip, out]);
          const sources = await shootFiles(SHOOT);
          const entries = await shootFiles(out);
          assert.equal(entries.size, sources.size);
          for (const [entry, file] of entries) {
            const [album, file1] = entry.split('/');
            const rel = album === MAIN_ALBUM ? file1 : entry;
            assert.ok(sources.has(rel), `${entry} comes from the shoot`);
            assert.equal(sha256(await readFile(file)), sha256(await readFile(sources.get(rel))), entry);
          }
          assert.deepEqual(page.problems, []);
        } finally {
          await page.close();
        }
      });
    }

    for (const [way, options, decryptedWith, hashed, fetchedBy] of waysIn(kind)) {
      test(`${way}: a damaged original is refused and nothing of it is kept`, async () => {
        assert.ok(blobName, 'the blob was found by the test before');
        blob ??= await damagesOf(blobName);
        host ??= await damagingHost(blobName, blob.intact);
        host.bytes = blob.intact;
        const page = await unlocked(browser, host.url, options);
        try {
          for (const [what, bytes] of blob.damages) {
            host.bytes = bytes;
            const served = host.served;
            const name = await openFirstPhoto(page, 'Mountains');
            assert.match(await downloadShown(page), DAMAGED, what);
            assert.equal(host.served, served + 1, `${what}: the damaged blob was fetched once`);
            assert.equal(await page.evaluate(() => window.lightproofViewer.originalsWith), decryptedWith, what);
            assert.equal(await page.evaluate(() => window.lightproofViewer.originalsHashed), hashed, what);
            assert.equal(await page.evaluate(() => window.lightproofViewer.originalsFetchedBy), fetchedBy, what);
            const saved = await readSaved(page, name);
            assert.ok(saved === null || saved.length === 0, `${what}: ${saved && saved.length} bytes kept`);
            await page.evaluate(() => document.getElementById('lightbox').close());
          }
        } finally {
          await page.close();
        }
      });
    }

    test('without WebCrypto, PBKDF2 runs in a Worker while the page keeps painting', async () => {
      const page = await browser.newPage({ init: init({ hideSubtle: true }) });
      try {
        await page.goto(server.url);
        assert.equal(await page.evaluate(() => globalThis.crypto.subtle), undefined);
        await page.type('#password', PASSWORD);
        const framesBefore = await page.evaluate(() => { window.__t0 = performance.now(); return window.__frames; });
        await page.click('#unlock-button');
        await page.waitFor(() => !document.getElementById('gallery').hidden || document.getElementById('unlock-error').textContent !== '',
          undefined, 120_000);
        await leaveCover(page);
        const r = await page.evaluate((before) => ({
          ms: Math.round(performance.now() - window.__t0),
          frames: window.__frames - before,
          how: window.lightproofViewer.unlockedWith,
          progress: window.__progressSeen,
          error: document.getElementById('unlock-error').textContent,
        }), framesBefore);
        console.log(`${kind} without WebCrypto: submit -> gallery ${r.ms} ms, ${r.frames} frames painted meanwhile`);
        assert.equal(r.error, '');
        assert.equal(r.how, 'worker');
        assert.ok(r.progress, 'the progress bar was shown');
        assert.ok(r.frames >= 5, `the page painted ${r.frames} frames during the unlock`);
        assert.deepEqual(page.problems, []);
      } finally {
        await page.close();
      }
    });
  });
}
