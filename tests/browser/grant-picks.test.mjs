// `lightproof grant-picks` in the browser: a client chooses two photos
// with the view-only proofing password and sends the selection (Chromium),
// and the photographer issues a new password from it. In the real viewer
// (Chromium, Firefox, WebKit) that password shows exactly those two
// photos, each with its download, and the proofing password still shows
// every photo and no download.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { useBrowser } from './drivers.mjs';
import {
  BIN, buildSite, copyShoot, forEachAlbum, galleryShown, launchBrowser, lightproofEnv, makeTempDir, openPage, removeDir, run,
  serve, sweepAlbum, unlock,
} from './support.mjs';

const PROOFS = 'orchid tandem ferry, view only';
const STUDIO = 'walnut meridian basalt, every original';
const PICKED = 'saffron lattice quiver, two originals';

let tmp;
let chosen; // the file names the client chose
let site;
let env;
let server;
let browser;

before(async () => {
  tmp = await makeTempDir('lightproof-grant-picks-');
  const shoot = await copyShoot(tmp);
  await writeFile(path.join(shoot, 'lightproof.toml'),
    '[[grant]]\nname = "proofs"\n\n[[grant]]\nname = "studio"\ndownload = true\n');
  env = {
    LIGHTPROOF_PASSWORD: undefined, LIGHTPROOF_PASSWORD_PROOFS: PROOFS, LIGHTPROOF_PASSWORD_STUDIO: STUDIO,
    LIGHTPROOF_PASSWORD_SMITH_ORIGINALS: PICKED,
  };
  site = await buildSite(tmp, { shoot, env, args: ['--quiet'] });
  server = await serve(site);
  browser = await launchBrowser();
  const text = await chooseTwo();
  chosen = text.split('\n').filter((l) => /^\S+\.jpg$/.test(l));
  assert.equal(chosen.length, 2, text);
  const file = path.join(tmp, 'selection.txt');
  await writeFile(file, text);
  const issued = await run(BIN, ['grant-picks', file, '--site', site, '--name', 'smith-originals'], { env: lightproofEnv(tmp, env) });
  assert.match(issued.stderr, /grant 'smith-originals' opens 2 photos, each with its original, and nothing else/);
});

/** With the proofing password: two favourites in Mountains, then the
 * selection's text as "Send selection" shows it. */
async function chooseTwo() {
  const p = await openPage(browser, server.url);
  try {
    const { page } = p;
    await unlock(page, PROOFS);
    assert.equal(await page.textContent('#gallery-access'), 'Downloads not included');
    await page.locator('.album-tab', { hasText: 'Mountains' }).click();
    await page.locator('#grid .tile').first().click();
    await page.waitForFunction(() => document.getElementById('lightbox').open);
    await page.click('#lb-fav');
    await page.click('#lb-next');
    await page.click('#lb-next');
    await page.click('#lb-fav');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.getElementById('lightbox').open);
    await page.click('#picks-send');
    const text = await page.inputValue('#send-text');
    assert.deepEqual(p.problems, []);
    return text;
  } finally {
    await p.close();
  }
}

after(async () => {
  await browser?.close();
  await server?.close();
  await removeDir(tmp);
});

/** The file names of the photos shown, album by album, through the lightbox. */
async function namesShown(page) {
  const names = [];
  await forEachAlbum(page, async () => {
    const count = (await sweepAlbum(page)).size;
    await page.locator('#grid .tile').first().click();
    await page.waitForFunction(() => document.getElementById('lightbox').open);
    for (let i = 0; i < count; i++) {
      if (i > 0) await page.click('#lb-next');
      names.push({ file: await page.textContent('#lb-file'), download: await page.isVisible('#lb-download') });
    }
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.getElementById('lightbox').open);
  });
  return names;
}

describe('grant-picks', { timeout: 300_000 }, () => {
  test('the new password shows exactly the chosen photos, each with its download', async () => {
    const q = await openPage(browser, server.url);
    try {
      const { page } = q;
      await unlock(page, PICKED);
      assert.equal(await galleryShown(page), true);
      assert.equal(await page.textContent('#gallery-access'), 'Original files can be downloaded');
      const shown = await namesShown(page);
      assert.deepEqual(shown.map((s) => s.file).sort(), [...chosen].sort(), 'exactly the chosen photos');
      assert.ok(shown.every((s) => s.download), 'each offers its original');
      await page.click('#download-open');
      assert.match(await page.textContent('#download-all'), /^All photos: 2 photos, [\d.]+ MB$/);
      assert.deepEqual(q.problems, []);
    } finally {
      await q.close();
    }

    const r = await openPage(browser, server.url);
    try {
      await unlock(r.page, PROOFS);
      assert.equal(await r.page.textContent('#gallery-access'), 'Downloads not included', 'the proofing password is unchanged');
      const perAlbum = await forEachAlbum(r.page, async () => (await sweepAlbum(r.page)).size);
      assert.equal(perAlbum.reduce((a, b) => a + b, 0), 9);
    } finally {
      await r.close();
    }
  });
});

// The same grant in the other engines, through the drivers' one interface.
for (const kind of ['firefox', 'webkit']) {
  describe(`grant-picks in ${kind}`, { timeout: 300_000 }, () => {
    const other = useBrowser(kind);
    test('the new password shows exactly the chosen photos, each with its download', async () => {
      const page = await other.newPage();
      try {
        await page.goto(server.url);
        await page.unlock(PICKED);
        assert.equal(await page.text('#gallery-access'), 'Original files can be downloaded');
        assert.equal(await page.evaluate(() => document.querySelectorAll('#grid .tile').length), 2);
        await page.click('#grid .tile');
        await page.waitFor(() => document.getElementById('lightbox').open);
        const shown = [];
        for (let i = 0; i < 2; i++) {
          if (i > 0) {
            const before = shown[0].file;
            await page.click('#lb-next');
            await page.waitFor((before) => document.getElementById('lb-file').textContent !== before, before);
          }
          shown.push(await page.evaluate(() => ({
            file: document.getElementById('lb-file').textContent,
            download: !document.getElementById('lb-download').hidden,
          })));
        }
        assert.deepEqual(shown.map((s) => s.file).sort(), [...chosen].sort(), 'exactly the chosen photos');
        assert.ok(shown.every((s) => s.download), 'each offers its original');
        assert.deepEqual(page.problems, []);
      } finally {
        await page.close();
      }
    });
  });
}
