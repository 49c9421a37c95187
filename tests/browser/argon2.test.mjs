// Argon2id (the default KDF since format minor 1) runs in a Worker made
// from a Blob URL: the gallery opens over http and from disk in Chromium
// and Firefox, the page keeps painting meanwhile, a progress bar shows,
// and a header with Argon2 parameters out of bounds starts no derivation.
// Prints the unlock times it measures (docs/PERFORMANCE.md).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { BROWSERS, useBrowser } from './drivers.mjs';
import { PASSWORD, buildSite, copyWithHeaderField, makeTempDir, removeDir, serve } from './support.mjs';

let tmp;
let site;
let server;

before(async () => {
  tmp = await makeTempDir();
  site = await buildSite(tmp);
  server = await serve(site);
});

after(async () => {
  await server?.close();
  await removeDir(tmp);
});

// Before any page script: counts animation frames and the Workers started
// for the key (not the one named 'photos', which decrypts the photos once
// the gallery is open), and notes when the progress bar appears.
function watch() {
  window.__frames = 0;
  const tick = () => { window.__frames += 1; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  window.__workers = 0;
  const RealWorker = window.Worker;
  window.Worker = function (...args) {
    if (!(args[1] && args[1].name === 'photos')) window.__workers += 1;
    return new RealWorker(...args);
  };
  window.__progressSeen = false;
  new MutationObserver(() => {
    if (document.querySelector('.unlock-progress')) window.__progressSeen = true;
  }).observe(document, { childList: true, subtree: true });
}

async function unlockAndMeasure(page) {
  await page.type('#password', PASSWORD);
  const before = await page.evaluate(() => { window.__t0 = performance.now(); return window.__frames; });
  await page.click('#unlock-button');
  await page.waitFor(() => !document.getElementById('gallery').hidden || document.getElementById('unlock-error').textContent !== '',
    undefined, 120_000);
  return page.evaluate((framesBefore) => ({
    ms: Math.round(performance.now() - window.__t0),
    frames: window.__frames - framesBefore,
    error: document.getElementById('unlock-error').textContent,
    how: window.lightproofViewer.unlockedWith,
    derivations: window.lightproofViewer.derivations,
    workers: window.__workers,
    progress: window.__progressSeen,
  }), before);
}

for (const kind of BROWSERS) {
  describe(`Argon2id in ${kind}`, { timeout: 600_000 }, () => {
    const browser = useBrowser(kind);

    for (const [where, url] of [['over http', () => server.url], ['from disk', () => pathToFileURL(path.join(site, 'index.html')).href]]) {
      test(`${where}: the gallery opens with Argon2id in a Worker while the page keeps painting`, async () => {
        const header = await readFile(path.join(site, 'gallery.bin'));
        assert.equal(header[24], 2, 'the site uses Argon2id');
        const page = await browser.newPage({ init: watch });
        try {
          await page.goto(url());
          const r = await unlockAndMeasure(page);
          console.log(`${kind} ${where}: submit -> gallery ${r.ms} ms, ${r.frames} frames painted meanwhile`);
          assert.equal(r.error, '');
          assert.equal(r.how, 'worker');
          assert.equal(r.derivations, 1);
          assert.equal(r.workers, 1);
          assert.ok(r.progress, 'the progress bar was shown');
          assert.ok(r.frames >= 5, `the page painted ${r.frames} frames during the unlock`);
          await page.waitFor(() => {
            const img = document.querySelector('#grid .tile img');
            return img && img.naturalWidth > 0;
          }, undefined, 60_000);
          assert.deepEqual(page.problems, []);
        } finally {
          await page.close();
        }
      });
    }

    test('a header with Argon2 parameters out of bounds is refused before any derivation', async () => {
      // The four copies side by side under one server, met in turn by one
      // page: each load is a new document, with the counters of `watch`
      // new.
      const copies = path.join(tmp, `${kind}-argon2`);
      const headers = [['memory 4 GiB', 25, 0xffffffff], ['memory 1 MiB', 25, 1024], ['passes 1000', 29, 1000], ['lanes 0', 33, 0]];
      for (const [name, at, value] of headers) await copyWithHeaderField(site, path.join(copies, name.replace(/ /g, '-')), at, value);
      const bad = await serve(copies);
      const page = await browser.newPage({ init: watch });
      try {
        for (const [name] of headers) {
          // Not `page.goto`: its wait for the viewer to be ready awaits a
          // promise that, with this header, settles as "not ready".
          await page.page.goto(`${bad.origin}/${name.replace(/ /g, '-')}/index.html`);
          await page.waitFor(() => window.lightproofViewer);
          await page.type('#password', PASSWORD);
          await page.click('#unlock-button');
          await page.waitFor(() => document.getElementById('unlock-error').textContent !== '');
          assert.match(await page.text('#unlock-error'), /damaged or were made by a newer version/, name);
          assert.equal(await page.evaluate(() => window.__workers), 0, `${name}: no Worker started`);
          assert.equal(await page.evaluate(() => window.lightproofViewer.derivations), 0, `${name}: no derivation`);
        }
      } finally {
        await page.close();
        await bad.close();
      }
    });
  });
}
