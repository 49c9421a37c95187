// Downloads without the File System Access API (Firefox, Safari, phones),
// in Firefox, Chromium and WebKit:
// - over HTTP a ZIP of all originals arrives as an ordinary browser
//   download streamed through the site's download worker, every entry
//   byte-identical with the shoot; the worker controls no page and answers
//   any other address in its folder with a 404, never a stream;
// - from file://, where service workers do not run, the ZIP comes in
//   numbered parts, each a valid ZIP and within the part size, whose
//   entries together are the originals, each once. The part size (1 GiB)
//   is lowered for the test through the viewer's one test hook,
//   `window.lightproofTestMemoryLimit`, set before the viewer runs (in
//   WebKit, whose driver has no init script before a page's own, by a
//   test copy of the site that loads a one-line script before viewer.js);
// - one photo goes to the share sheet where the browser can share files.
//   Headless browsers have no share sheet: the test stands in for it with
//   a `navigator.share` that keeps the file it is given.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { BROWSERS, useBrowser } from './drivers.mjs';
import { CAPTURE_SAVES, MAIN_ALBUM, buildSite, makeTempDir, removeDir, run, serve, SHOOT } from './support.mjs';
import { launchWebKit, webkitSkip } from './webkit.mjs';

const PASSWORD = 'violet harbour tempo, exact files';
const PART_BYTES = 1_000_000;
const REFUSED = 'This address is not a download of this gallery.';

let tmp;
let site;
let server;
let sources; // shoot-relative name -> sha256

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const NO_PICKER = () => { delete window.showSaveFilePicker; };
const SMALL_PARTS = (bytes) => {
  delete window.showSaveFilePicker;
  window.lightproofTestMemoryLimit = bytes;
};

async function shootHashes(dir, prefix = '') {
  const out = new Map();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) for (const [k, v] of await shootHashes(path.join(dir, entry.name), rel)) out.set(k, v);
    else if (/\.jpe?g$/i.test(entry.name)) out.set(rel, sha256(await readFile(path.join(dir, entry.name))));
  }
  return out;
}

// Each archive checked by Python's zipfile (every CRC), with its entries'
// names and SHA-256s.
const PY_ZIP = `
import hashlib, json, sys, zipfile
out = []
for name in sys.argv[1:]:
    with zipfile.ZipFile(name) as z:
        bad = z.testzip()
        out.append({"file": name, "bad": bad, "entries": [
            [i.filename, hashlib.sha256(z.read(i)).hexdigest()] for i in z.infolist()]})
print(json.dumps(out))
`;
async function readZips(files) {
  const { stdout } = await run('python3', ['-c', PY_ZIP, ...files], { maxBuffer: 16 << 20 });
  return JSON.parse(stdout);
}

/** Asserts that `entries` ([name, sha256]) are the shoot's originals, each once. */
function assertAllOriginals(entries) {
  const seen = new Map();
  for (const [name, hash] of entries) {
    const rel = name.startsWith(`${MAIN_ALBUM}/`) ? name.slice(MAIN_ALBUM.length + 1) : name;
    assert.ok(sources.has(rel), `${name} comes from the shoot`);
    assert.equal(hash, sources.get(rel), `${name} is byte-identical`);
    assert.ok(!seen.has(rel), `${name} only once`);
    seen.set(rel, hash);
  }
  assert.equal(seen.size, sources.size, 'every original is there');
}

/** The number of parts that the download's final `status` names (several). */
function partCount(status) {
  const count = Number(/^Saved (\d+) ZIP files/.exec(status)?.[1]);
  assert.ok(count >= 4, `several parts: ${status}`);
  return count;
}

/** Asserts that `files` are the `count` numbered parts of album `title`:
 * named "part i of n", each a whole ZIP (every CRC) that holds photos and
 * is within the part size, and together every original once. */
async function assertParts(files, count, title) {
  assert.deepEqual(files.map((f) => path.basename(f)).sort(),
    Array.from({ length: count }, (_, i) => `${title} - part ${i + 1} of ${count}.zip`).sort());
  const zips = await readZips(files);
  for (const [i, zip] of zips.entries()) {
    assert.equal(zip.bad, null, `${zip.file}: every CRC checks out`);
    assert.ok(zip.entries.length > 0, `${zip.file} holds photos`);
    assert.ok((await stat(files[i])).size <= PART_BYTES, `${zip.file} is within the part size`);
  }
  assertAllOriginals(zips.flatMap((z) => z.entries));
}

/** Waits until `dir` holds `count` finished files (no `.part`); their paths. */
async function finishedFiles(dir, count, timeout = 60_000) {
  const deadline = Date.now() + timeout;
  let last = '';
  for (;;) {
    const names = (await readdir(dir)).sort();
    // A `.part` may be renamed between the listing and its stat: it reads
    // as -1, and the next round lists it under its final name.
    const sizes = await Promise.all(names.map((n) => stat(path.join(dir, n)).then((s) => s.size, () => -1)));
    const now = JSON.stringify([names, sizes]);
    if (names.length >= count && !names.some((n) => n.endsWith('.part')) && now === last) {
      return names.map((n) => path.join(dir, n));
    }
    if (Date.now() > deadline) throw new Error(`${dir}: ${now}, expected ${count} finished files`);
    last = now;
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function unlockAndOpenDownloads(p) {
  await p.unlock(PASSWORD);
  assert.equal(await p.evaluate(() => !document.getElementById('gallery').hidden), true, 'the gallery opened');
  await p.click('#download-open');
}

/** Unlocks the site over HTTP and saves "All photos", which must go as a
 * stream through the download worker; the gallery's title. */
async function downloadAllStreamed(p) {
  await p.goto(server.url);
  await unlockAndOpenDownloads(p);
  const status = await downloadAll(p);
  const title = await p.text('#gallery-title');
  assert.equal(status, `Saved ${title}.zip to your downloads.`);
  assert.equal(await p.evaluate(() => window.lightproofViewer.lastDownload), 'stream');
  return title;
}

/** Clicks "All photos", then each "Save part i of n", until it ends. */
async function downloadAll(p) {
  await p.click('#download-all');
  for (;;) {
    await p.waitFor(() => !document.getElementById('download-next').hidden ||
      /^Saved|nothing was saved|Nothing was|went wrong|too large|Cancelled/.test(document.getElementById('download-status').textContent));
    if (await p.evaluate(() => document.getElementById('download-next').hidden)) return p.text('#download-status');
    await p.click('#download-next');
    await p.waitFor(() => document.getElementById('download-next').hidden);
  }
}

before(async () => {
  tmp = await makeTempDir('lightproof-large-downloads-');
  site = await buildSite(tmp, {
    args: ['--downloads', '--original-metadata', 'keep', '--quiet'],
    env: { LIGHTPROOF_PASSWORD: PASSWORD },
  });
  server = await serve(site);
  sources = await shootHashes(SHOOT);
  assert.equal(sources.size, 9);
});

after(async () => {
  await server?.close();
  await removeDir(tmp);
});

for (const kind of BROWSERS) {
  describe(`large downloads in ${kind}`, { timeout: 300_000 }, () => {
    const browser = useBrowser(kind);

    test('over HTTP the ZIP streams through the download worker, which answers nothing else', async () => {
      const downloads = path.join(tmp, `${kind}-stream`);
      await mkdir(downloads);
      const p = await browser.newPage({ init: NO_PICKER, downloads });
      try {
        const title = await downloadAllStreamed(p);
        assert.equal(await p.evaluate(() => window.lightproofViewer.originalsFetchedBy), 'worker', 'fetched and written by the originals Worker');
        const [zip] = await finishedFiles(downloads, 1);
        assert.equal(path.basename(zip), `${title}.zip`);
        const [read] = await readZips([zip]);
        assert.equal(read.bad, null, 'every CRC checks out');
        assertAllOriginals(read.entries);

        // The worker controls no page: the gallery's own requests never reach it.
        const workers = await p.evaluate(async () => ({
          controller: navigator.serviceWorker.controller === null,
          scopes: (await navigator.serviceWorker.getRegistrations()).map((r) => r.scope),
          address: document.querySelector('iframe') && document.querySelector('iframe').src,
        }));
        assert.equal(workers.controller, true, 'the page is not controlled');
        assert.deepEqual(workers.scopes, [`${server.origin}/download/`]);
        assert.ok(workers.address.startsWith(`${server.origin}/download/`), workers.address);

        const blob = (await readdir(path.join(site, 'b'))).find((n) => !n.endsWith('.js'));
        for (const address of [
          workers.address, // already used: one time only
          `${server.origin}/download/${'0'.repeat(32)}/${encodeURIComponent(title)}.zip`,
          `${server.origin}/download/gallery.bin`,
          `${server.origin}/download/b/${blob}`,
          `${server.origin}/download/`,
        ]) {
          const response = await p.page.goto(address);
          if (response) assert.equal(response.status(), 404, address);
          if (kind === 'chromium') assert.equal(response.fromServiceWorker(), true, address);
          assert.equal((await p.evaluate(() => document.body.textContent)).trim(), REFUSED, address);
        }
        // The site's own files are still served by the host, untouched.
        const robots = await p.page.goto(`${server.origin}/robots.txt`);
        if (kind === 'chromium') assert.equal(robots.fromServiceWorker(), false);
        assert.match(await p.evaluate(() => document.body.textContent), /Disallow: \//);
        assert.deepEqual(p.problems.filter((m) => !/download\/|404/.test(m)), []);
      } finally {
        await p.close();
      }
    });

    if (kind === 'chromium') {
      test('a download cancelled in the browser stops the page', async () => {
        const downloads = path.join(tmp, `${kind}-cancel`);
        await mkdir(downloads);
        const p = await browser.newPage({ init: NO_PICKER, downloads });
        try {
          await p.goto(server.url);
          await unlockAndOpenDownloads(p);
          await p.waitFor(() => [...document.querySelectorAll('#grid .tile')].every((t) => {
            const img = t.querySelector('img');
            return img && img.complete && img.naturalWidth > 0;
          }));
          // Originals arrive slowly, so the download is still running when cancelled.
          const fetched = [];
          await p.page.route('**/b/*', async (route) => {
            fetched.push(route.request().url());
            await new Promise((r) => setTimeout(r, 1500));
            await route.continue().catch(() => {});
          });
          const started = p.page.waitForEvent('download');
          await p.click('#download-all');
          const download = await started;
          await download.cancel();
          await p.waitFor(() => /Cancelled|nothing was saved/.test(document.getElementById('download-status').textContent));
          assert.equal(await p.text('#download-status'), 'Cancelled. Nothing was saved.');
          assert.equal(await download.failure(), 'canceled');
          const seen = fetched.length;
          await new Promise((r) => setTimeout(r, 2000));
          assert.equal(fetched.length, seen, 'no original is fetched after the cancel');
          assert.ok(seen >= 1 && seen < 9, `the download stopped early (${seen} originals fetched)`);
          assert.equal(await p.evaluate(() => document.getElementById('download-all').disabled), false);
        } finally {
          await p.close();
        }
      });
    }

    test('from file:// the ZIP comes in numbered parts, each a whole ZIP', async () => {
      const downloads = path.join(tmp, `${kind}-parts`);
      await mkdir(downloads);
      const p = await browser.newPage({ init: `(${SMALL_PARTS})(${PART_BYTES})`, downloads });
      try {
        await p.goto(pathToFileURL(path.join(site, 'index.html')).href);
        await unlockAndOpenDownloads(p);
        const status = await downloadAll(p);
        const title = await p.text('#gallery-title');
        assert.equal(await p.evaluate(() => window.lightproofViewer.lastDownload), 'parts');
        assert.equal(await p.evaluate(() => window.lightproofViewer.originalsFetchedBy), 'page', 'an offline copy is read by the page');
        const count = partCount(status);
        assert.match(await p.text('#download-note'), new RegExp(`come as ${count} ZIP files`));
        await assertParts(await finishedFiles(downloads, count), count, title);
        assert.deepEqual(p.problems, []);
      } finally {
        await p.close();
      }
    });
  });
}

// WebKit (Safari's engine) has no File System Access API and its driver
// no download folder: the parts are taken from the viewer's <a download>
// saves (CAPTURE_SAVES), one per "Save part i of n".
const webkitAbsent = webkitSkip();
describe('large downloads in webkit', { timeout: 300_000, skip: webkitAbsent }, () => {
  const browser = useBrowser('webkit');

  test('from file:// the ZIP comes in numbered parts, each a whole ZIP', async () => {
    const copy = path.join(tmp, 'webkit-small-parts');
    await cp(site, copy, { recursive: true });
    await writeFile(path.join(copy, 'test-part-size.js'), `window.lightproofTestMemoryLimit = ${PART_BYTES};\n`);
    const index = path.join(copy, 'index.html');
    const html = await readFile(index, 'utf8');
    const viewer = '<script src="viewer.js" defer></script>';
    assert.ok(html.includes(viewer), 'index.html loads viewer.js');
    await writeFile(index, html.replace(viewer, `<script src="test-part-size.js"></script>\n${viewer}`));

    const p = await browser.newPage({ init: CAPTURE_SAVES });
    try {
      await p.goto(pathToFileURL(index).href);
      await unlockAndOpenDownloads(p);
      const status = await downloadAll(p);
      const title = await p.text('#gallery-title');
      assert.equal(await p.evaluate(() => window.lightproofViewer.lastDownload), 'parts');
      const count = partCount(status);
      await p.waitFor((n) => Object.keys(window.__saved).length >= n, count);
      const saved = await p.evaluate(() => window.__saved);
      const dir = path.join(tmp, 'webkit-parts');
      await mkdir(dir);
      const files = [];
      for (const [name, base64] of Object.entries(saved)) {
        const file = path.join(dir, name);
        await writeFile(file, Buffer.from(base64, 'base64'));
        files.push(file);
      }
      await assertParts(files, count, title);
      assert.deepEqual(p.problems, []);
    } finally {
      await p.close();
    }
  });
});

// WebKit saves a download into its HOME (with no Downloads folder there):
// its driver and MiniBrowser get a HOME of their own, which the test reads.
describe('a streamed download in webkit', { timeout: 300_000, skip: webkitAbsent }, () => {
  let home;
  let webkit;
  before(async () => {
    home = path.join(tmp, 'webkit-home');
    await mkdir(home);
    webkit = await launchWebKit({ home });
  });
  after(() => webkit?.close());

  test('over HTTP the ZIP, fetched and decrypted in the originals Worker, streams through the download worker and is saved whole', async () => {
    const p = await webkit.newPage({});
    try {
      const title = await downloadAllStreamed(p);
      assert.equal(await p.evaluate(() => window.lightproofViewer.originalsWith), 'webcrypto', 'decrypted in the Worker');
      assert.equal(await p.evaluate(() => window.lightproofViewer.originalsHashed), 'segments', 'checked by the segment hash');
      assert.equal(await p.evaluate(() => window.lightproofViewer.originalsFetchedBy), 'worker', 'fetched and written by the Worker');
      const zip = await savedInHome(home, `${title}.zip`);
      const [read] = await readZips([zip]);
      assert.equal(read.bad, null, 'every CRC checks out');
      assertAllOriginals(read.entries);
      assert.deepEqual(p.problems, []);
    } finally {
      await p.close();
    }
  });
});

/** `name` in `home` once its size has stopped changing; its path. */
async function savedInHome(home, name, timeout = 60_000) {
  const file = path.join(home, name);
  const deadline = Date.now() + timeout;
  let last = -1;
  for (;;) {
    const size = await stat(file).then((s) => s.size, () => -1);
    if (size > 0 && size === last) return file;
    if (Date.now() > deadline) throw new Error(`${file} was not saved whole (${(await readdir(home)).join(', ')})`);
    last = size;
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe('one photo to the share sheet', { timeout: 120_000 }, () => {
  const browser = useBrowser('chromium');

  test('a phone shares the original itself (Save Image puts it in the photo library)', async () => {
    const SHARE = () => {
      delete window.showSaveFilePicker;
      navigator.canShare = (data) => Boolean(data && data.files && data.files.length === 1);
      navigator.share = async ({ files: [file] }) => {
        const bytes = new Uint8Array(await file.arrayBuffer());
        let text = '';
        for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
        window.__shared = { name: file.name, type: file.type, base64: btoa(text) };
      };
    };
    const p = await browser.newPage({ init: SHARE });
    try {
      await p.goto(server.url);
      await p.unlock(PASSWORD);
      await p.click('#grid .tile');
      await p.waitFor(() => document.getElementById('lightbox').open);
      const name = await p.text('#lb-file');
      await p.click('#lb-download').then(() => p.click('#lb-get-original'));
      await p.waitFor(() => /^Shared|nothing|Not saved/.test(document.getElementById('lb-status').textContent));
      assert.equal(await p.text('#lb-status'), `Shared ${name}.`);
      const shared = await p.evaluate(() => window.__shared);
      assert.equal(shared.name, name);
      assert.equal(shared.type, 'image/jpeg');
      const rel = [...sources.keys()].find((k) => k.endsWith(`/${name}`) || k === name);
      assert.equal(sha256(Buffer.from(shared.base64, 'base64')), sources.get(rel));
      assert.equal(await p.evaluate(() => window.lightproofViewer.lastDownload), 'share');
      assert.deepEqual(p.problems, []);
    } finally {
      await p.close();
    }
  });
});
