// Grants in the browser: the sample shoot built with three passwords; each
// unlocks exactly its albums and photos in the real viewer.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  BIN, buildSite, copyShoot, forEachAlbum, galleryShown, launchBrowser, lightproofEnv, makeTempDir, openPage, removeDir, run,
  serve, sweepAlbum, unlock, viewerReady,
} from './support.mjs';

const GRANTS = {
  client: { password: 'orchid tandem ferry: every album', albums: null, link: 'link', expect: { albums: 3, photos: 9 } },
  family: { password: 'pebble cobalt sonnet, one album only', albums: ['Ceremony'], expires: '2036-12-31', expect: { albums: 1, photos: 3 } },
  friends: { password: 'lilac summit oyster, two albums', albums: ['Mountains', 'main'], expect: { albums: 2, photos: 6 } },
  vip: { password: 'marble kite horizon, with its link', albums: ['Mountains'], link: 'two_factor_link', expect: { albums: 1, photos: 4 } },
};
const links = {}; // 'k' and 'k2' fragments printed by `lightproof link`

let tmp;
let server;
let browser;

before(async () => {
  tmp = await makeTempDir('lightproof-grants-');
  const shoot = await copyShoot(tmp);
  const config = Object.entries(GRANTS).map(([name, g]) => `[[grant]]\nname = "${name}"\n`
    + (g.albums ? `albums = ${JSON.stringify(g.albums)}\n` : '')
    + (g.link ? `${g.link} = true\n` : '')
    + (g.expires ? `expires = "${g.expires}"\n` : '')).join('\n');
  await writeFile(path.join(shoot, 'lightproof.toml'), config);
  const passwords = { LIGHTPROOF_PASSWORD: undefined };
  for (const [name, g] of Object.entries(GRANTS)) passwords[`LIGHTPROOF_PASSWORD_${name.toUpperCase()}`] = g.password;
  const site = await buildSite(tmp, { shoot, env: passwords, args: ['--quiet', '--photographer-email', 'studio@example.com'] });
  const { stdout } = await run(BIN, ['link', site], { env: lightproofEnv(tmp, passwords) });
  for (const line of stdout.trim().split('\n')) {
    const [, tag] = /^#(k2?)=/.exec(line);
    links[tag] = line;
  }
  assert.ok(links.k && links.k2, stdout);
  server = await serve(site);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
  await removeDir(tmp);
});

describe('grants', { timeout: 300_000 }, () => {
  for (const [name, grant] of Object.entries(GRANTS).filter(([, g]) => g.link !== 'two_factor_link')) {
    test(`the ${name} password shows exactly its albums`, async () => {
      const p = await openPage(browser, server.url);
      try {
        const { page } = p;
        await unlock(page, grant.password);
        assert.equal(await galleryShown(page), true);
        const perAlbum = await forEachAlbum(page, async () => (await sweepAlbum(page)).size);
        assert.equal(perAlbum.length, grant.expect.albums, `${name}: albums`);
        assert.equal(perAlbum.reduce((a, b) => a + b, 0), grant.expect.photos, `${name}: photos`);
        if (grant.albums) {
          const names = await page.$$eval('.album-tab .album-name', (tabs) => tabs.map((t) => t.textContent));
          const expected = grant.albums.map((a) => (a === 'main' ? 'Photos' : a));
          if (names.length) assert.deepEqual([...names].sort(), [...expected].sort());
        }
        assert.deepEqual(p.problems, []);
      } finally {
        await p.close();
      }
    });
  }
});

const albumsAndPhotos = async (page) => {
  const perAlbum = await forEachAlbum(page, async () => (await sweepAlbum(page)).size);
  return { albums: perAlbum.length, photos: perAlbum.reduce((a, b) => a + b, 0) };
};

describe('key links', { timeout: 300_000 }, () => {
  test('a key link opens without a password and leaves no fragment behind', async () => {
    const p = await openPage(browser, null);
    try {
      const { page } = p;
      await page.goto(server.url + links.k);
      await page.waitForFunction(() => !document.getElementById('gallery').hidden, null, { timeout: 30_000 });
      assert.equal(await page.evaluate(() => window.lightproofViewer.unlockedWith), 'link');
      assert.equal(new URL(page.url()).hash, '', 'the fragment left the address bar');
      assert.equal(await page.evaluate(() => location.hash), '');
      assert.deepEqual(await albumsAndPhotos(page), GRANTS.client.expect);
      assert.ok(p.requests.every((url) => !url.includes('#') && !url.includes(links.k.slice(3))), 'the secret never went out');
      assert.deepEqual(p.problems, []);
    } finally {
      await p.close();
    }
  });

  test('a two-factor link needs its password, and the password alone opens nothing', async () => {
    const p = await openPage(browser, null);
    try {
      const { page } = p;
      await page.goto(server.url + links.k2);
      await viewerReady(page);
      assert.equal(new URL(page.url()).hash, '');
      assert.match(await page.locator('#unlock-status, [role="status"]').first().textContent(), /password too/);
      await unlock(page, 'not the vip password');
      assert.match(await page.locator('[role="alert"]').textContent(), /does not open/);
      await unlock(page, GRANTS.vip.password);
      assert.equal(await galleryShown(page), true);
      assert.deepEqual(await albumsAndPhotos(page), GRANTS.vip.expect);
      assert.deepEqual(p.problems, []);
    } finally {
      await p.close();
    }
    const q = await openPage(browser, server.url);
    try {
      await unlock(q.page, GRANTS.vip.password);
      assert.match(await q.page.locator('[role="alert"]').textContent(), /does not open/, 'password without the link');
      assert.equal(await q.page.evaluate(() => document.getElementById('gallery').hidden), true);
    } finally {
      await q.close();
    }
  });

  test('a damaged link says so and the password still works', async () => {
    const p = await openPage(browser, null);
    try {
      const { page } = p;
      await page.goto(`${server.url}#k=${'a'.repeat(52)}`);
      await page.waitForFunction(() => document.querySelector('[role="alert"]').textContent !== '', null, { timeout: 30_000 });
      assert.match(await page.locator('[role="alert"]').textContent(), /link does not open/);
      assert.equal(new URL(page.url()).hash, '');
      await unlock(page, GRANTS.family.password);
      assert.deepEqual(await albumsAndPhotos(page), GRANTS.family.expect);
    } finally {
      await p.close();
    }
  });
});

describe('expiry', { timeout: 300_000 }, () => {
  for (const [when, expired] of [['2036-12-31T23:59:00', false], ['2037-01-01T00:00:01', true]]) {
    test(`a grant that expires on 2036-12-31, opened at ${when}`, async () => {
      const p = await openPage(browser, null);
      try {
        const { page } = p;
        await page.clock.setFixedTime(new Date(when)); // local time, like the viewer's check
        await page.goto(server.url);
        await viewerReady(page);
        await unlock(page, GRANTS.family.password);
        assert.equal(await galleryShown(page), !expired);
        if (!expired) {
          // In the browser's own date format, as the viewer writes it.
          const until = await page.evaluate(() => new Date(2036, 11, 31).toLocaleDateString(undefined, { day: 'numeric', month: 'long', year: 'numeric' }));
          assert.match(until, /2036/);
          assert.equal(await page.textContent('#gallery-access'), `Open until ${until} · Downloads not included`);
        }
        if (expired) {
          assert.equal(await page.locator('[role="alert"]').textContent(),
            'This gallery has expired. Please contact the photographer at studio@example.com if you still need the photos.');
          assert.equal(await page.locator('[role="alert"] a').getAttribute('href'), 'mailto:studio%40example.com', 'the address is a link');
          assert.equal(await page.evaluate(() => window.lightproofViewer.liveBlobUrls), 0, 'no photo was decrypted');
        }
        // The other grants have no expiry.
        if (expired) {
          await unlock(page, GRANTS.client.password);
          assert.equal(await galleryShown(page), true);
        }
        assert.deepEqual(p.problems, []);
      } finally {
        await p.close();
      }
    });
  }
});
