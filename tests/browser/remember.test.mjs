// Remember me: with --remember the gallery stays open across reloads of
// the tab until Lock; without it, a reload locks. The password is never
// stored: only a key wrapped under a non-extractable browser key.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { BIN, PASSWORD, SHOOT, launchBrowser, makeTempDir, openPage, removeDir, serve, unlock } from './support.mjs';

const run = promisify(execFile);
let tmp;
const servers = {};
let browser;

before(async () => {
  tmp = await makeTempDir('lightproof-remember-');
  const env = { ...process.env, LIGHTPROOF_PASSWORD: PASSWORD, LIGHTPROOF_CACHE_DIR: path.join(tmp, 'cache') };
  for (const [name, extra] of [['remember', ['--remember']], ['plain', []]]) {
    const site = path.join(tmp, name);
    await run(BIN, ['build', SHOOT, '--out', site, '--quiet', ...extra], { env, timeout: 300_000 });
    servers[name] = await serve(site);
  }
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  for (const s of Object.values(servers)) await s.close();
  await removeDir(tmp);
});

const shown = (page) => page.evaluate(() => !document.getElementById('gallery').hidden);
async function reloaded(page) {
  await page.reload();
  await page.waitForFunction(() => window.lightproofViewer && window.lightproofViewer.ready);
  // A remembered gallery opens by itself; give it the time an unlock takes.
  await page.waitForFunction(() => window.lightproofViewer.state !== 'unlocking', null, { timeout: 30_000 });
  await page.waitForTimeout(1000); // long enough for a remembered unlock to have shown
}

describe('remember me', { timeout: 300_000 }, () => {
  test('with --remember a reload stays open until Lock, and the password is not stored', async () => {
    const p = await openPage(browser, servers.remember.url);
    try {
      const { page } = p;
      await unlock(page, PASSWORD);
      assert.equal(await shown(page), true);
      await reloaded(page);
      await page.waitForFunction(() => !document.getElementById('gallery').hidden, null, { timeout: 15_000 });
      assert.equal(await shown(page), true, 'still open after a reload');
      assert.equal(await page.evaluate(() => window.lightproofViewer.unlockedWith), 'remembered');
      const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }));
      assert.ok(!stored.includes(PASSWORD) && !stored.includes(encodeURIComponent(PASSWORD)), 'no password in storage');
      await page.click('#lock-button');
      await reloaded(page);
      assert.equal(await shown(page), false, 'Lock forgets it');
      assert.deepEqual(p.problems, []);
    } finally {
      await p.close();
    }
  });

  test('without --remember a reload locks', async () => {
    const p = await openPage(browser, servers.plain.url);
    try {
      const { page } = p;
      await unlock(page, PASSWORD);
      assert.equal(await shown(page), true);
      await reloaded(page);
      assert.equal(await shown(page), false);
    } finally {
      await p.close();
    }
  });
});
