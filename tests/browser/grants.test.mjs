// Grants in the browser: the sample shoot built with three passwords; each
// unlocks exactly its albums and photos in the real viewer.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import {
  BIN, SHOOT, forEachAlbum, launchBrowser, makeTempDir, openPage, removeDir, serve, sweepAlbum, unlock,
} from './support.mjs';

const GRANTS = {
  client: { password: 'client: every album, 2026', albums: null, expect: { albums: 3, photos: 9 } },
  family: { password: 'family: the ceremony only', albums: ['Ceremony'], expect: { albums: 1, photos: 3 } },
  friends: { password: 'friends: mountains and main', albums: ['Mountains', 'main'], expect: { albums: 2, photos: 6 } },
};

let tmp;
let server;
let browser;

before(async () => {
  tmp = await makeTempDir('lightproof-grants-');
  const shoot = path.join(tmp, 'shoot');
  await cp(SHOOT, shoot, { recursive: true });
  const config = Object.entries(GRANTS).map(([name, g]) => `[[grant]]\nname = "${name}"\n`
    + (g.albums ? `albums = ${JSON.stringify(g.albums)}\n` : '')).join('\n');
  await writeFile(path.join(shoot, 'lightproof.toml'), config);
  const env = { ...process.env, LIGHTPROOF_CACHE_DIR: path.join(tmp, 'cache') };
  delete env.LIGHTPROOF_PASSWORD;
  for (const [name, g] of Object.entries(GRANTS)) env[`LIGHTPROOF_PASSWORD_${name.toUpperCase()}`] = g.password;
  const site = path.join(tmp, 'site');
  await promisify(execFile)(BIN, ['build', shoot, '--out', site, '--quiet'], { env, timeout: 300_000 });
  server = await serve(site);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
  await removeDir(tmp);
});

describe('grants', { timeout: 300_000 }, () => {
  for (const [name, grant] of Object.entries(GRANTS)) {
    test(`the ${name} password shows exactly its albums`, async () => {
      const p = await openPage(browser, server.url);
      try {
        const { page } = p;
        await unlock(page, grant.password);
        assert.equal(await page.evaluate(() => !document.getElementById('gallery').hidden), true);
        const perAlbum = await forEachAlbum(page, async () => (await sweepAlbum(page)).size);
        assert.equal(perAlbum.length, grant.expect.albums, `${name}: albums`);
        assert.equal(perAlbum.reduce((a, b) => a + b, 0), grant.expect.photos, `${name}: photos`);
        if (grant.albums) {
          const names = await page.$$eval('.album-tab .album-name', (tabs) => tabs.map((t) => t.textContent));
          const expected = grant.albums.map((a) => (a === 'main' ? 'shoot' : a));
          if (names.length) assert.deepEqual([...names].sort(), [...expected].sort());
        }
        assert.deepEqual(p.problems, []);
      } finally {
        await p.close();
      }
    });
  }
});
