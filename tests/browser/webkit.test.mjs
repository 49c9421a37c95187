// WebKit, Safari's engine (WebKitGTK's MiniBrowser through WebKitWebDriver,
// under Xvfb): the sample gallery served over HTTP unlocks, every thumbnail
// of every album decodes, the lightbox shows a preview, a wrong password is
// refused with the viewer's message, no request leaves the site and the
// page reports no problem. Then one delivery check through the Page
// interface the other browsers share: a favourite, and an original
// downloaded byte for byte (WebKit has no File System Access API, like
// Safari, so the viewer gathers the file in memory).
// Skipped only when WebKitWebDriver is not installed.
import assert from 'node:assert/strict';
import { copyFile, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { useBrowser } from './drivers.mjs';
import { CAPTURE_SAVES, PASSWORD, SHOOT, WRONG_PASSWORD, buildSite, countShootImages, makeTempDir, removeDir, serve, shootFile, sweep } from './support.mjs';
import { webkitSkip } from './webkit.mjs';

const absent = webkitSkip();

let tmp;
let server;

before(async () => {
  if (absent) return;
  tmp = await makeTempDir();
  const site = await buildSite(tmp, { args: ['--downloads', '--original-metadata', 'keep'] });
  server = await serve(site);
});

after(async () => {
  await server?.close();
  await removeDir(tmp);
});




const outside = (p) => p.requests.filter((u) => !u.startsWith(server.origin + '/') && !/^(blob|data):/.test(u));

describe('webkit', { skip: absent, timeout: 600_000 }, () => {
  const browser = useBrowser('webkit');

  test('HTTP: unlocks, every thumbnail decodes, the lightbox shows a preview', async () => {
    const p = await browser.newPage();
    try {
      await p.goto(server.url);
      await p.unlock(PASSWORD);
      assert.equal(await p.text('#unlock-error'), '');
      assert.equal(await p.evaluate(() => window.lightproofViewer.unlockedWith), 'worker', 'Argon2id ran in a Worker');
      const tiles = await sweep(p);
      assert.equal(tiles.size, await countShootImages(), 'every photo of the sample has a tile');
      for (const [blob, t] of tiles) {
        assert.equal(t.error, null, `${blob}: no error`);
        assert.ok(t.width > 0, `${blob}: decoded`);
      }
      const settled = () => p.evaluate(() => new Promise((r) => setTimeout(r, 600))); // tiles and lightbox fade in
      const shot = path.join(tmp, 'webkit-gallery.png');
      await settled();
      await p.screenshot(shot);
      if (process.env.LIGHTPROOF_SCREENSHOTS) await copyFile(shot, path.join(process.env.LIGHTPROOF_SCREENSHOTS, 'webkit-gallery.png'));
      assert.ok((await readFile(shot)).subarray(1, 4).equals(Buffer.from('PNG')), 'a PNG screenshot');

      await p.click('#grid .tile');
      await p.waitFor(() => document.querySelector('#lightbox[open] #lb-stage.is-loaded') && document.getElementById('lb-image').naturalWidth > 0);
      const preview = await p.evaluate(() => document.getElementById('lb-image').naturalWidth);
      assert.ok(preview > Math.max(...[...tiles.values()].map((t) => t.width)) / 2, 'the lightbox shows the preview');
      if (process.env.LIGHTPROOF_SCREENSHOTS) {
        await settled();
        await p.screenshot(path.join(process.env.LIGHTPROOF_SCREENSHOTS, 'webkit-lightbox.png'));
      }
      await p.evaluate(() => document.getElementById('lb-close').click());
      await p.waitFor(() => !document.getElementById('lightbox').open);

      assert.ok(p.requests.some((u) => u.endsWith('/viewer.wasm')), 'the requests are recorded');
      assert.deepEqual(outside(p), [], 'no request leaves the site');
      assert.deepEqual(p.problems, []);
    } finally {
      await p.close();
    }
  });

  test('HTTP: a wrong password is refused with the viewer\'s message', async () => {
    const p = await browser.newPage();
    try {
      await p.goto(server.url);
      await p.unlock(WRONG_PASSWORD);
      assert.match(await p.text('#unlock-error'), /does not open this gallery/);
      assert.equal(await p.evaluate(() => document.getElementById('gallery').hidden), true);
      assert.deepEqual(outside(p), []);
      assert.deepEqual(p.problems, []);
    } finally {
      await p.close();
    }
  });

  test('HTTP, the delivery check: a favourite, and an original downloaded byte for byte', async () => {
    const p = await browser.newPage({ init: CAPTURE_SAVES });
    try {
      await p.goto(server.url);
      assert.equal(await p.evaluate(() => typeof window.showSaveFilePicker), 'undefined', 'no File System Access API, as in Safari');
      await p.unlock(PASSWORD);
      await sweep(p);
      await p.click('#grid .tile');
      await p.waitFor(() => document.querySelector('#lightbox[open] #lb-stage.is-loaded'));
      await p.click('#lb-fav');
      assert.equal(await p.evaluate(() => document.getElementById('lb-fav').getAttribute('aria-pressed')), 'true');
      const name = await p.text('#lb-file');
      await p.click('#lb-download').then(() => p.click('#lb-get-original'));
      await p.waitFor((n) => window.__saved[n] !== undefined, name);
      const saved = Buffer.from(await p.evaluate((n) => window.__saved[n], name), 'base64');
      assert.ok(saved.equals(await readFile(await shootFile(name))), `${name} downloads byte for byte`);
      await p.evaluate(() => document.getElementById('lb-close').click());
      await p.waitFor(() => !document.getElementById('lightbox').open);
      assert.match(await p.text('#picks-count'), /^1\b/);
      assert.deepEqual(outside(p), []);
      assert.deepEqual(p.problems, []);
    } finally {
      await p.close();
    }
  });
});
