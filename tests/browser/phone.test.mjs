// Phone (and desktop) layout: screenshots for a person to look at, saved to
// tests/browser/screenshots/ (gitignored), plus checks that hold on a phone:
// no sideways scrolling, large touch targets, swipes move between photos.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import {
  PASSWORD, WRONG_PASSWORD, buildSite, launchBrowser, makeTempDir, openPage, removeDir, serve, unlock,
} from './support.mjs';

const SHOTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const SMALL_PHONE = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1280, height: 800 } };

let tmp;
let server;
let browser;

before(async () => {
  tmp = await makeTempDir();
  server = await serve(await buildSite(tmp));
  browser = await launchBrowser();
  await mkdir(SHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.close();
  await removeDir(tmp);
});

const shot = (page, name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });

async function noSidewaysScroll(page, where) {
  const { scroll, inner } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
  }));
  assert.ok(scroll <= inner, `${where}: page is ${scroll}px wide in a ${inner}px viewport`);
}

/** Visible buttons smaller than 44×44 CSS pixels. */
function smallTargets(page, scope) {
  return page.$$eval(`${scope} button, ${scope} input`, (els) => els
    .filter((e) => e.offsetParent !== null || e.getClientRects().length > 0)
    .map((e) => ({ id: e.id || e.className, r: e.getBoundingClientRect() }))
    .filter(({ r }) => r.width > 0 && (r.width < 44 || r.height < 44))
    .map(({ id, r }) => `${id} ${Math.round(r.width)}×${Math.round(r.height)}`));
}

async function waitThumbsOnScreen(page) {
  await page.waitForFunction(() => {
    const tiles = [...document.querySelectorAll('#grid .tile')];
    return tiles.length > 0 && tiles.every((t) => {
      const r = t.getBoundingClientRect();
      if (r.top > window.innerHeight) return true;
      const img = t.querySelector('img');
      return (img && img.complete && img.naturalWidth > 0) || t.querySelector('.photo-error');
    });
  }, null, { timeout: 30_000 });
  await page.waitForTimeout(400); // fade-in
}

/** A one-finger swipe through the DevTools protocol (real touch events). */
async function swipe(page, from, to) {
  const cdp = await page.context().newCDPSession(page);
  const steps = 8;
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [from] });
  for (let i = 1; i <= steps; i++) {
    const x = from.x + ((to.x - from.x) * i) / steps;
    const y = from.y + ((to.y - from.y) * i) / steps;
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x, y }] });
    await new Promise((r) => setTimeout(r, 16)); // a finger's pace, one move per frame
  }
  // Rest before lifting: a flick would start a fling, which eats the next tap.
  await new Promise((r) => setTimeout(r, 100));
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

describe('on a phone', { timeout: 300_000 }, () => {
  for (const [label, device] of [['phone', PHONE], ['phone-360', SMALL_PHONE]]) {
    test(`${label}: unlock, grid, lightbox, swipe`, async () => {
      const p = await openPage(browser, server.url, { context: device });
      try {
        const { page } = p;
        await shot(page, `${label}-1-unlock`);
        await noSidewaysScroll(page, 'unlock');
        assert.deepEqual(await smallTargets(page, '#unlock'), [], 'touch targets on the unlock screen');

        await unlock(page, WRONG_PASSWORD);
        await shot(page, `${label}-2-wrong-password`);

        await unlock(page, PASSWORD);
        await waitThumbsOnScreen(page);
        await shot(page, `${label}-3-grid`);
        await noSidewaysScroll(page, 'grid');
        assert.deepEqual(await smallTargets(page, '.topbar'), [], 'touch targets in the header');
        // Two columns on a phone.
        const lefts = await page.$$eval('#grid .tile', (ts) => [...new Set(ts.map((t) => Math.round(t.getBoundingClientRect().left)))]);
        assert.equal(lefts.length, 2, 'two columns');

        if (await page.locator('.album-tab').count() > 1) {
          await page.locator('.album-tab').nth(1).tap();
          await waitThumbsOnScreen(page);
          await shot(page, `${label}-4-second-album`);
          await page.locator('.album-tab').nth(0).tap();
          await waitThumbsOnScreen(page);
        }

        await page.locator('#grid .tile').first().tap();
        await page.waitForSelector('#lightbox[open] #lb-stage.is-loaded');
        await page.waitForTimeout(300);
        await shot(page, `${label}-5-lightbox`);
        assert.deepEqual(await smallTargets(page, '#lightbox'), [], 'touch targets in the lightbox');

        const total = await page.locator('#grid .tile').count();
        if (total > 1) {
          const box = await page.locator('#lb-stage').boundingBox();
          const y = box.y + box.height / 2;
          await swipe(page, { x: box.x + box.width * 0.8, y }, { x: box.x + box.width * 0.2, y });
          await page.waitForFunction((t) => document.getElementById('lb-counter').textContent === `2 / ${t}`, total);
          await swipe(page, { x: box.x + box.width * 0.2, y }, { x: box.x + box.width * 0.8, y });
          await page.waitForFunction((t) => document.getElementById('lb-counter').textContent === `1 / ${t}`, total);
        }
        // Swipe down closes.
        const box = await page.locator('#lb-stage').boundingBox();
        await swipe(page, { x: box.x + box.width / 2, y: box.y + 40 }, { x: box.x + box.width / 2, y: box.y + 240 });
        await page.waitForFunction(() => !document.getElementById('lightbox').open);
        assert.deepEqual(p.problems, []);
      } finally {
        await p.close();
      }
    });
  }

  test('phone-360: the top bar keeps its four buttons on one row, Download labelled in words', async () => {
    const site = await buildSite(tmp, { name: 'site-downloads', args: ['--quiet', '--downloads', '--selection-limit', '25'] });
    const downloadsServer = await serve(site);
    const p = await openPage(browser, downloadsServer.url, { context: SMALL_PHONE });
    try {
      const { page } = p;
      await unlock(page, PASSWORD);
      await waitThumbsOnScreen(page);
      for (let i = 0; i < 2; i++) await page.locator('#grid .tile-heart').nth(i).tap();
      assert.equal(await page.textContent('#picks-count'), '2 of 25');
      const row = await page.$$eval('#picks-filter, #picks-send, #download-open, #lock-button',
        (bs) => bs.map((b) => ({ id: b.id, top: Math.round(b.getBoundingClientRect().top), text: b.innerText.trim() })));
      assert.equal(new Set(row.map((b) => b.top)).size, 1, `one row: ${JSON.stringify(row)}`);
      assert.equal(row.find((b) => b.id === 'download-open').text, 'Download');
      await noSidewaysScroll(page, 'grid with downloads');
      await shot(page, 'phone-360-5-downloads-topbar');
    } finally {
      await p.close();
      await downloadsServer.close();
    }
  });

  test('phone, dark mode', async () => {
    const p = await openPage(browser, server.url, { context: { ...PHONE, colorScheme: 'dark' } });
    try {
      const { page } = p;
      await shot(page, 'phone-dark-1-unlock');
      await unlock(page, PASSWORD);
      await waitThumbsOnScreen(page);
      await shot(page, 'phone-dark-3-grid');
      assert.deepEqual(p.problems, []);
    } finally {
      await p.close();
    }
  });

  test('desktop', async () => {
    const p = await openPage(browser, server.url, { context: DESKTOP });
    try {
      const { page } = p;
      await shot(page, 'desktop-1-unlock');
      await unlock(page, PASSWORD);
      await waitThumbsOnScreen(page);
      await shot(page, 'desktop-3-grid');
      await noSidewaysScroll(page, 'desktop grid');
      await page.locator('#grid .tile').first().click();
      await page.waitForSelector('#lightbox[open] #lb-stage.is-loaded');
      await page.waitForTimeout(300);
      await shot(page, 'desktop-5-lightbox');
      assert.deepEqual(p.problems, []);
    } finally {
      await p.close();
    }
  });
});
