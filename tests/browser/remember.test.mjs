// Remember me: with --remember a reload of the same tab within 12 hours
// stays open until Lock; without it, a reload locks. Only a reload: a tab
// brought back by session restore (which restores sessionStorage in
// Chromium and Firefox alike), by Back/Forward, or after the 12 hours asks
// for the password again. The password is never stored: only a key wrapped
// under a non-extractable browser key, with its time limit sealed in.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import puppeteer from 'puppeteer-core';
import { FIREFOX, FIREFOX_PREFS, launch } from './drivers.mjs';
import {
  CHROMIUM_ARGS, PASSWORD, buildSite, galleryShown, launchBrowser, launchPersistentContext, makeTempDir, openPage, removeDir,
  leaveCover, serve, unlock, viewerReady,
} from './support.mjs';
import { webkitSkip } from './webkit.mjs';

const HOURS = 3600 * 1000;
let tmp;
const servers = {};
let browser;

before(async () => {
  tmp = await makeTempDir('lightproof-remember-');
  for (const [name, extra] of [['remember', ['--remember']], ['plain', []]]) {
    servers[name] = await serve(await buildSite(tmp, { name, args: ['--quiet', ...extra] }));
  }
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  for (const s of Object.values(servers)) await s.close();
  await removeDir(tmp);
});

/** Waits until a freshly loaded viewer has done what it does by itself. */
async function settled(page) {
  await viewerReady(page);
  // A remembered gallery opens by itself; give it the time an unlock takes.
  await page.waitForFunction(() => window.lightproofViewer.state !== 'unlocking', null, { timeout: 30_000 });
  await page.waitForTimeout(1000); // long enough for a remembered unlock to have shown
}
async function reloaded(page) {
  await page.reload();
  await settled(page);
}
// Moves the page's clock forward (the viewer reads Date.now).
const clockAhead = (ms) => { const now = Date.now; Date.now = () => now() + ms; };

describe('remember me', { timeout: 300_000 }, () => {
  test('with --remember a reload stays open until Lock, and the password is not stored', async () => {
    const p = await openPage(browser, servers.remember.url);
    try {
      const { page } = p;
      await unlock(page, PASSWORD);
      assert.equal(await galleryShown(page), true);
      assert.match(await page.textContent('#remember-note'), /12 hours/, 'the time limit is stated');
      await reloaded(page);
      await page.waitForFunction(() => !document.getElementById('gallery').hidden, null, { timeout: 15_000 });
      assert.equal(await galleryShown(page), true, 'still open after a reload');
      await leaveCover(page);
      assert.equal(await page.evaluate(() => window.lightproofViewer.unlockedWith), 'remembered');
      const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }));
      assert.ok(!stored.includes(PASSWORD) && !stored.includes(encodeURIComponent(PASSWORD)), 'no password in storage');
      await page.click('#lock-button');
      await reloaded(page);
      assert.equal(await galleryShown(page), false, 'Lock forgets it');
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
      assert.equal(await galleryShown(page), true);
      assert.equal(await page.evaluate(() => document.getElementById('remember-note').hidden), true);
      await reloaded(page);
      assert.equal(await galleryShown(page), false);
    } finally {
      await p.close();
    }
  });

  test('after 12 hours a reload asks for the password, and the limit cannot be moved', async () => {
    const p = await openPage(browser, servers.remember.url);
    try {
      const { page, context } = p;
      await unlock(page, PASSWORD);
      await context.addInitScript(clockAhead, 13 * HOURS);
      await reloaded(page);
      assert.equal(await galleryShown(page), false, '13 hours later the password is asked');
      assert.match(await page.textContent('#unlock-status'), /12 hours/);

      // Unlocked again (on the moved clock): a reload is remembered...
      await unlock(page, PASSWORD);
      await reloaded(page);
      assert.equal(await galleryShown(page), true, 'a reload within the limit is remembered');
      // ...but not once its stored expiry is pushed later by hand: 6 hours
      // on, an expiry 5 hours later would still be within 12 hours of now,
      // and the seal alone refuses it.
      const moved = await page.evaluate((later) => {
        const keys = Object.keys(sessionStorage).filter((k) => k.startsWith('lightproof-remember:'));
        for (const k of keys) {
          const entry = JSON.parse(sessionStorage.getItem(k));
          entry.expires += later;
          sessionStorage.setItem(k, JSON.stringify(entry));
        }
        return keys.length;
      }, 5 * HOURS);
      assert.equal(moved, 1);
      await context.addInitScript(clockAhead, 6 * HOURS);
      await reloaded(page);
      assert.equal(await galleryShown(page), false, 'a moved expiry does not open');
    } finally {
      await p.close();
    }
  });
});

describe('remember me in a persistent Chromium profile', { timeout: 300_000 }, () => {
  let profile;
  before(async () => { profile = await mkdtemp(path.join(tmp, 'chromium-profile-')); });

  test('session restore asks for the password; a reload before it did not', async () => {
    let context = await launchPersistentContext(profile);
    try {
      const page = context.pages()[0] || await context.newPage();
      await page.goto(servers.remember.url);
      await settled(page);
      await unlock(page, PASSWORD);
      await reloaded(page);
      assert.equal(await galleryShown(page), true, 'a reload is remembered');
      await page.waitForTimeout(1500); // let the profile write its session
    } finally {
      await context.close();
    }
    context = await launchPersistentContext(profile, { args: [...CHROMIUM_ARGS, '--restore-last-session'] });
    try {
      await context.waitForEvent('page', { predicate: (p) => p.url().startsWith(servers.remember.origin), timeout: 15_000 })
        .catch(() => null);
      const page = context.pages().find((p) => p.url().startsWith(servers.remember.origin));
      assert.ok(page, 'the tab came back');
      await settled(page);
      assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation')[0].type), 'back_forward');
      assert.equal(await galleryShown(page), false, 'a restored tab asks for the password');
      // Said only when a kept key was found and refused: Chromium restored it.
      assert.match(await page.textContent('#unlock-status'), /12 hours/);
      await reloaded(page);
      assert.equal(await galleryShown(page), false, 'and a reload after that too: the restore forgot it');
    } finally {
      await context.close();
    }
  });

  test('Back to the gallery asks for the password', async () => {
    const context = await launchPersistentContext(profile);
    try {
      const page = context.pages()[0] || await context.newPage();
      await page.goto(servers.remember.url);
      await settled(page);
      await unlock(page, PASSWORD);
      await page.goto(servers.remember.origin + '/robots.txt');
      await page.goBack();
      await settled(page);
      assert.equal(await galleryShown(page), false, 'Back asks for the password');
      await page.goForward();
      await page.goBack();
      await settled(page);
      assert.equal(await galleryShown(page), false, 'and so does Forward then Back again');
    } finally {
      await context.close();
    }
  });
});

// Firefox through puppeteer-core with an on-disk profile that restores the
// last session on start (browser.startup.page = 3). puppeteer's close()
// closes the tabs first, which leaves nothing to restore; Firefox quits
// properly on SIGTERM, as a desktop session's logout asks it to.
describe('remember me in a persistent Firefox profile', { timeout: 300_000 }, () => {
  let profile;
  before(async () => { profile = await mkdtemp(path.join(tmpdir(), 'lightproof-firefox-remember-')); });
  after(() => removeDir(profile));

  const launchFirefox = (restoring) => puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    userDataDir: profile,
    // Without the default about:blank argument, the restored tab is the first.
    ignoreDefaultArgs: restoring ? ['about:blank'] : [],
    extraPrefsFirefox: {
      'browser.startup.page': 3,
      'browser.sessionstore.resume_from_crash': true,
      'browser.sessionstore.interval': 100,
      ...FIREFOX_PREFS,
    },
  });
  async function quit(ff) {
    const child = ff.process();
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    await ff.disconnect().catch(() => {});
  }
  const waitFor = (page, fn, timeout = 30_000) => page.waitForFunction(fn, { timeout, polling: 50 });
  async function ffSettled(page) {
    await waitFor(page, () => window.lightproofViewer && window.lightproofViewer.state !== 'unlocking');
    await new Promise((r) => setTimeout(r, 1000));
  }
  async function ffUnlock(page) {
    await page.type('#password', PASSWORD);
    await page.click('#unlock-button');
    await waitFor(page, () => !document.getElementById('gallery').hidden || document.getElementById('unlock-error').textContent !== '');
    await leaveCover(page);
  }

  test('session restore asks for the password; a reload before it did not', { skip: !existsSync(FIREFOX) }, async () => {
    let ff = await launchFirefox(false);
    try {
      const page = (await ff.pages())[0];
      await page.goto(servers.remember.url);
      await ffSettled(page);
      await ffUnlock(page);
      await page.reload();
      await ffSettled(page);
      assert.equal(await galleryShown(page), true, 'a reload is remembered');
      await new Promise((r) => setTimeout(r, 1500)); // the session store writes every 100 ms here
    } finally {
      await quit(ff);
    }
    ff = await launchFirefox(true);
    try {
      let page = null;
      for (let i = 0; i < 100 && !page; i++) {
        page = (await ff.pages()).find((p) => p.url().startsWith(servers.remember.origin)) || null;
        if (!page) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(page, 'the tab came back');
      await ffSettled(page);
      assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation')[0].type), 'back_forward');
      assert.equal(await galleryShown(page), false, 'a restored tab asks for the password');
      // Said only when a kept key was found and refused: Firefox restored it.
      assert.match(await page.evaluate(() => document.getElementById('unlock-status').textContent), /12 hours/);

      // Back/Forward: Firefox shows the page from its back-forward cache.
      await ffUnlock(page);
      assert.equal(await galleryShown(page), true);
      await page.goto(servers.remember.origin + '/robots.txt');
      await page.evaluate(() => history.back());
      await waitFor(page, () => document.getElementById('unlock') !== null);
      await ffSettled(page);
      assert.equal(await galleryShown(page), false, 'Back asks for the password');
    } finally {
      await quit(ff);
    }
  });
});

// The installed app: a home-screen launch opens the manifest's start_url
// ("./?app") in a new window, whose sessionStorage is empty. With
// --remember the app keeps its sealed key in localStorage, for the same 12
// hours; an ordinary tab neither writes nor reads it. A launch here is a new
// window of the same browser profile at the start_url: the same storage as
// the app's, a fresh sessionStorage. In each engine; WebKit runs a page's
// init script only once its document has loaded, too late to move the
// clock the viewer reads, so its 12-hour case is left to the other two.
describe('remember me in the installed app', { timeout: 600_000 }, () => {
  const appUrl = (name) => `${servers[name].origin}/?app`;
  const appEntries = (page) => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('lightproof-remember')));
  const clockScript = (ms) => `(${clockAhead})(${ms});`;
  async function launched(p, url, options) {
    await p.newWindow(options);
    await p.goto(url);
    await p.waitFor(() => window.lightproofViewer.state !== 'unlocking');
    await new Promise((r) => setTimeout(r, 1000)); // long enough for a remembered unlock to have shown
  }

  for (const kind of ['chromium', 'firefox', 'webkit']) {
    describe(kind, { skip: kind === 'webkit' ? webkitSkip() : kind === 'firefox' && !existsSync(FIREFOX) }, () => {
      let engine;
      before(async () => { engine = await launch(kind); });
      after(async () => { await engine?.close(); });

      test('a launch after unlock opens the gallery without the password; an ordinary new tab still asks', async () => {
        const p = await engine.newPage();
        try {
          await p.goto(appUrl('remember'));
          await p.unlock(PASSWORD);
          assert.equal(await galleryShown(p), true);
          assert.match(await p.text('#remember-note'), /this app again .*12 hours/);
          const stored = await p.evaluate(() => JSON.stringify({ ...localStorage }));
          assert.ok(stored.includes('lightproof-remember-app:'), 'the app keeps its entry in localStorage');
          assert.ok(!stored.includes(PASSWORD) && !stored.includes(encodeURIComponent(PASSWORD)), 'no password in storage');

          await launched(p, appUrl('remember'));
          assert.equal(await galleryShown(p), true, 'the next launch opens the gallery');
          assert.equal(await p.evaluate(() => window.lightproofViewer.unlockedWith), 'remembered');

          await launched(p, servers.remember.url);
          assert.equal(await galleryShown(p), false, 'an ordinary new tab asks for the password');
          assert.equal((await appEntries(p)).length, 1, "a tab leaves the app's entry alone");
          // A tab that unlocks writes nothing to localStorage, and the app's entry stays.
          const before = await p.evaluate(() => JSON.stringify({ ...localStorage }));
          await p.unlock(PASSWORD);
          assert.equal(await galleryShown(p), true);
          assert.equal(await p.evaluate(() => JSON.stringify({ ...localStorage })), before, 'a tab leaves localStorage alone');
          assert.deepEqual(p.problems, []);
        } finally {
          await p.close();
        }
      });

      test('Lock in the app makes the next launch ask', async () => {
        const p = await engine.newPage();
        try {
          await p.goto(appUrl('remember'));
          await p.unlock(PASSWORD);
          assert.equal((await appEntries(p)).length, 1);
          await p.click('#lock-button');
          assert.deepEqual(await appEntries(p), [], 'Lock deletes the entry');
          await launched(p, appUrl('remember'));
          assert.equal(await galleryShown(p), false, 'the next launch asks for the password');
        } finally {
          await p.close();
        }
      });

      test('with remember off, the app asks at each launch', async () => {
        const p = await engine.newPage();
        try {
          await p.goto(appUrl('plain'));
          await p.unlock(PASSWORD);
          assert.equal(await galleryShown(p), true);
          assert.deepEqual(await appEntries(p), []);
          await launched(p, appUrl('plain'));
          assert.equal(await galleryShown(p), false, 'the next launch asks for the password');
        } finally {
          await p.close();
        }
      });

      test('after 12 hours the app asks for the password, and forgets its entry', { skip: kind === 'webkit' && 'no script runs before the page\'s own in WebKit here' }, async () => {
        const p = await engine.newPage();
        try {
          await p.goto(appUrl('remember'));
          await p.unlock(PASSWORD);
          await launched(p, appUrl('remember'), { init: clockScript(11 * HOURS) });
          assert.equal(await galleryShown(p), true, '11 hours later a launch opens the gallery');
          await launched(p, appUrl('remember'), { init: clockScript(13 * HOURS) });
          assert.equal(await galleryShown(p), false, '13 hours later the password is asked');
          assert.match(await p.text('#unlock-status'), /12 hours/);
          assert.deepEqual(await appEntries(p), [], 'the expired entry is deleted');
        } finally {
          await p.close();
        }
      });
    });
  }
});
