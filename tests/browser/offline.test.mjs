// Offline copies are code: a folder opened from disk runs viewer.wasm.js,
// gallery.bin.js and b/*.js as scripts. Someone who can write to the copy
// (a USB stick) can put a script in front of a genuine part. The viewer
// must take a part's bytes only from the very script element it inserted
// for that part, as the browser itself reports it, and only once: a script
// that calls lightproofPart twice, or that fakes `document.currentScript`
// to deliver another part, gets nothing accepted. `lightproof verify`
// names such files (tests/cli); this is the viewer's side, in Chromium
// and Firefox, from file://.
import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { BROWSERS, useBrowser } from './drivers.mjs';
import { PASSWORD, buildSite, galleryShown, leaveCover, makeTempDir, removeDir } from './support.mjs';

const MARKER = 'lightproof-trojan';
let tmp;
let site;
const copies = {};

// Records, for the test, whether any module the page instantiated carries
// the trojan's marker (a custom section: the forged module is otherwise
// the genuine one, so an old viewer would run it without a visible sign).
const WATCH_MODULES = (marker) => {
  window.__forgedModuleRan = false;
  const instantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = function (bytes, imports) {
    const view = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
    if (view && view.length && new TextDecoder().decode(view.subarray(-64)).includes(marker)) window.__forgedModuleRan = true;
    return instantiate.call(this, bytes, imports);
  };
};

/** The genuine viewer.wasm with a custom section naming the marker. */
function forgedModule(wasm) {
  const name = Buffer.from('trojan');
  const payload = Buffer.from(MARKER);
  const body = Buffer.concat([Buffer.from([name.length]), name, payload]);
  return Buffer.concat([wasm, Buffer.from([0, body.length]), body]);
}

// In front of the genuine viewer.wasm.js: hands over a forged module from
// the part's own script, then hides that script from the genuine call that
// follows (an old viewer heard the first call and dropped the second).
const trojanModule = (forged) => `(function () {
  var real = Object.getOwnPropertyDescriptor(Document.prototype, 'currentScript').get;
  lightproofPart("viewer.wasm", 0, 1, ${JSON.stringify(forged)});
  Object.defineProperty(document, 'currentScript', { configurable: true, get: function () {
    var s = real.call(document);
    return s && s.getAttribute('src') === 'viewer.wasm.js' ? null : s;
  } });
})();
`;

// In front of the genuine viewer.wasm.js: the first time it runs it fails
// (so the viewer loads its files again when the password is submitted) and
// watches for the header's part; when the viewer inserts it, it delivers a
// forged header while pretending to be that element, and hides the
// genuine part's call.
const trojanHeader = (forged) => `(function () {
  if (window.__trojan) return;
  window.__trojan = true;
  var real = Object.getOwnPropertyDescriptor(Document.prototype, 'currentScript').get;
  var pretend = null;
  var swallow = false;
  Object.defineProperty(document, 'currentScript', { configurable: true, get: function () {
    if (pretend) return pretend;
    var s = real.call(document);
    return swallow && s && s.getAttribute('src') === 'gallery.bin.js' ? null : s;
  } });
  new MutationObserver(function (records) {
    records.forEach(function (r) {
      r.addedNodes.forEach(function (n) {
        if (n.tagName !== 'SCRIPT' || n.getAttribute('src') !== 'gallery.bin.js') return;
        pretend = n;
        try { lightproofPart("gallery.bin", 0, 1, ${JSON.stringify(forged)}); } finally { pretend = null; }
        swallow = true;
      });
    });
  }).observe(document.head, { childList: true });
  throw new Error('trojan: first run');
})();
`;

async function trojanCopy(name, prefix) {
  const copy = path.join(tmp, name);
  await cp(site, copy, { recursive: true });
  const part = path.join(copy, 'viewer.wasm.js');
  await writeFile(part, prefix + (await readFile(part, 'utf8')));
  return pathToFileURL(path.join(copy, 'index.html')).href;
}

before(async () => {
  tmp = await makeTempDir('lightproof-offline-');
  site = await buildSite(tmp);
  copies.genuine = pathToFileURL(path.join(site, 'index.html')).href;
  const wasm = await readFile(path.join(site, 'viewer.wasm'));
  copies.module = await trojanCopy('trojan-module', trojanModule(forgedModule(wasm).toString('base64')));
  const header = await readFile(path.join(site, 'gallery.bin'));
  // A byte of the gallery id and one of the KDF salt: no password opens it
  // (a byte of a slot could fall on one of the decoys).
  header[10] ^= 0x01;
  header[40] ^= 0x01;
  copies.header = await trojanCopy('trojan-header', trojanHeader(header.toString('base64')));
});

after(async () => {
  await removeDir(tmp);
});

async function submit(p, password) {
  await p.type('#password', password);
  await p.click('#unlock-button');
  await p.waitFor(() => window.lightproofViewer.state !== 'unlocking'
    && (!document.getElementById('gallery').hidden || document.getElementById('unlock-error').textContent !== ''));
  await leaveCover(p);
}
// Page.goto waits for a viewer that is ready; here its first load may fail.
async function visit(p, url) {
  await p.page.goto(url);
  await p.waitFor(() => window.lightproofViewer !== undefined);
}

for (const kind of BROWSERS) {
  describe(`offline parts in ${kind}`, { timeout: 300_000 }, () => {
    const browser = useBrowser(kind);

    test('the genuine copy unlocks from disk', async () => {
      const p = await browser.newPage();
      try {
        await p.goto(copies.genuine);
        await submit(p, PASSWORD);
        assert.equal(await galleryShown(p), true);
        assert.deepEqual(p.problems, []);
      } finally {
        await p.close();
      }
    });

    test('a script in front of viewer.wasm.js cannot hand over its own module', async () => {
      const p = await browser.newPage({ init: `(${WATCH_MODULES})(${JSON.stringify(MARKER)})` });
      try {
        await visit(p, copies.module);
        await submit(p, PASSWORD);
        assert.equal(await p.evaluate(() => window.__forgedModuleRan), false, 'the forged module never ran');
        assert.equal(await galleryShown(p), false);
        assert.match(await p.text('#unlock-error'), /damaged/);
      } finally {
        await p.close();
      }
    });

    test('a script that fakes document.currentScript cannot deliver a forged header', async () => {
      const p = await browser.newPage();
      try {
        await visit(p, copies.header);
        // Its first run made the first load fail; the password loads again.
        await p.waitFor(() => document.getElementById('unlock-error').textContent !== '');
        await submit(p, PASSWORD);
        assert.equal(await p.text('#unlock-error'), '');
        assert.equal(await galleryShown(p), true, 'the genuine header was the one read');
        assert.equal(await p.evaluate(() => window.__trojan), true, 'the trojan did run');
      } finally {
        await p.close();
      }
    });
  });
}
