// `lightproof grant-picks` in the browser: a client chooses two photos
// with the view-only proofing password, sends the selection, and the
// photographer issues a new password from it. In the real viewer that
// password shows exactly those two photos, each with its download, and
// the proofing password still shows every photo and no download.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  BIN, buildSite, copyShoot, forEachAlbum, galleryShown, launchBrowser, lightproofEnv, makeTempDir, openPage, removeDir, run,
  serve, sweepAlbum, unlock,
} from './support.mjs';

const PROOFS = 'orchid tandem ferry, view only';
const STUDIO = 'walnut meridian basalt, every original';
const PICKED = 'saffron lattice quiver, two originals';

let tmp;
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
});

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
    const p = await openPage(browser, server.url);
    let text;
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
      text = await page.inputValue('#send-text');
      assert.deepEqual(p.problems, []);
    } finally {
      await p.close();
    }
    const chosen = text.split('\n').filter((l) => /^\S+\.jpg$/.test(l));
    assert.equal(chosen.length, 2, text);
    const file = path.join(tmp, 'selection.txt');
    await writeFile(file, text);
    const issued = await run(BIN, ['grant-picks', file, '--site', site, '--name', 'smith-originals'], { env: lightproofEnv(tmp, env) });
    assert.match(issued.stderr, /grant 'smith-originals' opens 2 photos, each with its original, and nothing else/);

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
