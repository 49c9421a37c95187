// End to end: build the sample shoot with the real CLI, serve it with a real
// static server, open it in headless Chromium.
//
//   LIGHTPROOF_BIN=target/debug/lightproof npm test   (in tests/browser)
import assert from 'node:assert/strict';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  PASSWORD, PASSWORD_NFD, WRONG_PASSWORD, buildSite, countShootImages, forEachAlbum, galleryShown, launchBrowser,
  makeTempDir, openPage, removeDir, serve, sweepAlbum, tileInfo, unlock,
} from './support.mjs';

let tmp;
let site;
let server;
let browser;
let shootImages;

before(async () => {
  tmp = await makeTempDir();
  site = await buildSite(tmp);
  server = await serve(site);
  browser = await launchBrowser();
  shootImages = await countShootImages();
});

after(async () => {
  await browser?.close();
  await server?.close();
  await removeDir(tmp);
});

const noProblems = (p) => assert.deepEqual(p.problems, [], 'no page errors, console errors or CSP violations');

describe('viewer', { timeout: 300_000 }, () => {
  test('the page is generic and self-contained', async () => {
    const p = await openPage(browser, server.url);
    try {
      const { page } = p;
      assert.equal(await page.title(), 'Private gallery');
      assert.equal(await page.locator('meta[property^="og:"]').count(), 0);
      assert.equal(await page.getAttribute('meta[name="referrer"]', 'content'), 'no-referrer');
      assert.match(await page.getAttribute('meta[name="robots"]', 'content'), /noindex/);
      assert.match(await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content'), /default-src 'none'/);
      assert.equal(await page.locator('script:not([src]), [style], style').count(), 0, 'no inline script or style');
      assert.equal(await page.locator('[role="alert"]').textContent(), '');
      assert.equal(await page.evaluate(() => window.lightproofViewer.ready), true, 'the viewer loaded');
      noProblems(p);
    } finally {
      await p.close();
    }
  });

  test('a wrong password shows the alert and no gallery', async () => {
    const p = await openPage(browser, server.url);
    try {
      const { page } = p;
      await unlock(page, WRONG_PASSWORD);
      assert.match(await page.locator('[role="alert"]').textContent(), /password does not open this gallery/);
      assert.equal(await galleryShown(page), false);
      assert.equal(await page.locator('#grid .tile').count(), 0);
      // Focus is back in the field, its text selected for retyping.
      assert.equal(await page.evaluate(() => document.activeElement.id), 'password');
      assert.equal(await page.evaluate(() => {
        const i = document.getElementById('password');
        return i.selectionEnd - i.selectionStart;
      }), WRONG_PASSWORD.length);
      assert.equal(await page.isEnabled('#unlock-button'), true);
      // The right one still works after a wrong one.
      await unlock(page, PASSWORD);
      assert.equal(await galleryShown(page), true);
      noProblems(p);
    } finally {
      await p.close();
    }
  });

  test('the right password decodes every thumbnail of every album', async () => {
    const p = await openPage(browser, server.url);
    try {
      const { page } = p;
      // Typed decomposed (e + U+0301): the viewer normalises to NFC.
      await unlock(page, PASSWORD_NFD);
      assert.equal(await page.locator('[role="alert"]').textContent(), '');
      assert.equal(await galleryShown(page), true);
      assert.equal(await page.evaluate(() => window.lightproofViewer.unlockedWith), 'worker', 'Argon2id in a Worker');
      assert.ok((await page.locator('#gallery-title').textContent()).length > 0, 'gallery title shown');
      const all = new Map();
      await forEachAlbum(page, async (i, name) => {
        const tiles = await page.locator('#grid .tile').count();
        const seen = await sweepAlbum(page);
        assert.equal(seen.size, tiles, `album ${name ?? i}: every tile seen`);
        for (const [n, t] of seen) {
          assert.equal(t.error, null, `photo ${n}: no error`);
          assert.ok(t.naturalWidth > 0, `photo ${n}: decoded`);
          assert.match(t.src, /^blob:/, `photo ${n}: blob: URL`);
          assert.ok(t.alt && t.alt.length > 0, `photo ${n}: alt text`);
          assert.ok(!all.has(n), `photo ${n} in one album only`);
          all.set(n, t);
        }
      });
      assert.equal(all.size, shootImages, 'one thumbnail per image file of the shoot');
      noProblems(p);
    } finally {
      await p.close();
    }
  });

  test('the lightbox shows the preview, moves with the keyboard and closes', async () => {
    const p = await openPage(browser, server.url);
    try {
      const { page } = p;
      await unlock(page, PASSWORD);
      // An album with at least two photos.
      const tabs = page.locator('.album-tab');
      for (let i = 0; (await page.locator('#grid .tile').count()) < 2; i++) {
        assert.ok(i < (await tabs.count()), 'an album with two photos');
        await tabs.nth(i).click();
      }
      const total = await page.locator('#grid .tile').count();
      const first = page.locator('#grid .tile').first();
      await first.locator('img').waitFor();
      await page.waitForFunction(() => document.querySelector('#grid .tile img').naturalWidth > 0);
      const thumbWidth = await first.locator('img').evaluate((img) => img.naturalWidth);

      await first.click();
      await page.waitForSelector('#lightbox[open] #lb-stage.is-loaded');
      const preview = await page.$eval('#lb-image', (img) => ({ src: img.src, w: img.naturalWidth }));
      assert.match(preview.src, /^blob:/);
      assert.ok(preview.w > thumbWidth, `preview (${preview.w}px) wider than the thumbnail (${thumbWidth}px)`);
      assert.equal(await page.textContent('#lb-counter'), `1 / ${total}`);
      assert.ok((await page.textContent('#lb-file')).length > 0, 'file name shown');
      assert.equal(await page.evaluate(() => document.getElementById('lightbox').contains(document.activeElement)), true,
        'focus moved into the lightbox');

      await page.keyboard.press('ArrowRight');
      await page.waitForFunction((t) => document.getElementById('lb-counter').textContent === `2 / ${t}`, total);
      await page.waitForFunction((old) => {
        const img = document.getElementById('lb-image');
        return document.getElementById('lb-stage').classList.contains('is-loaded') && img.src !== old && img.naturalWidth > 0;
      }, preview.src);
      await page.keyboard.press('ArrowLeft');
      await page.waitForFunction((t) => document.getElementById('lb-counter').textContent === `1 / ${t}`, total);
      await page.keyboard.press('ArrowRight');
      await page.waitForFunction((t) => document.getElementById('lb-counter').textContent === `2 / ${t}`, total);

      await page.keyboard.press('Escape');
      await page.waitForFunction(() => !document.getElementById('lightbox').open);
      // Focus returns to the tile of the photo last shown (in the dialog's
      // close event, a task after `open` turns false).
      const second = await page.locator('#grid .tile').nth(1).getAttribute('data-n');
      await page.waitForFunction((n) => document.activeElement.dataset.n === n, second, { timeout: 5000 });

      // Closed and opened again at once (a quick tap on another photo): the
      // close's history.back() arrives after the opening, and must neither
      // close the photo nor leave Back without its entry.
      await page.evaluate(() => {
        document.querySelector('#grid .tile').click();
        document.getElementById('lb-close').click();
        document.querySelector('#grid .tile').click();
      });
      await page.waitForTimeout(500);
      assert.equal(await page.evaluate(() => document.getElementById('lightbox').open), true, 'the photo opened again stays open');
      await page.evaluate(() => history.back()); // the phone's Back button
      await page.waitForFunction(() => !document.getElementById('lightbox').open);
      await page.waitForTimeout(300);
      assert.equal(await page.evaluate(() => document.getElementById('gallery').hidden), false, 'Back closed the photo, not the gallery');
      assert.equal(new URL(page.url()).pathname, new URL(server.url).pathname, 'and the page stayed');
      noProblems(p);
    } finally {
      await p.close();
    }
  });

  test('the slideshow plays the album to its end, pauses with P, and stops when the lightbox closes', async () => {
    const p = await openPage(browser, server.url, { initScript: () => { window.lightproofTestSlideMs = 400; } });
    try {
      const { page } = p;
      await unlock(page, PASSWORD);
      await page.locator('.album-tab', { hasText: 'Mountains' }).click(); // 4 photos
      await page.waitForFunction(() => document.querySelectorAll('#grid .tile').length === 4);
      await page.locator('#grid .tile').nth(1).click();
      await page.waitForFunction(() => document.getElementById('lightbox').open);
      const counter = () => page.textContent('#lb-counter');
      const playing = () => page.getAttribute('#lb-play', 'aria-pressed');

      await page.click('#lb-play');
      assert.equal(await playing(), 'true');
      assert.equal(await page.getAttribute('#lb-play', 'aria-label'), 'Pause the slideshow');
      await page.waitForFunction(() => document.getElementById('lb-counter').textContent === '3 / 4');
      await page.waitForFunction(() => document.getElementById('lb-counter').textContent === '4 / 4');
      await page.waitForFunction(() => /End of the album/.test(document.getElementById('lb-status').textContent));
      assert.equal(await playing(), 'false', 'stopped at the last photo');
      assert.equal(await counter(), '4 / 4', 'and stays there');
      await page.keyboard.press('ArrowRight'); // the album's end is said, not wrapped
      assert.equal(await page.textContent('#lb-status'), 'This is the last photo of the album.');
      assert.equal(await counter(), '4 / 4');

      // P plays and pauses; paused, nothing moves.
      await page.keyboard.press('ArrowLeft');
      await page.keyboard.press('ArrowLeft');
      await page.keyboard.press('ArrowLeft');
      assert.equal(await counter(), '1 / 4');
      await page.keyboard.press('p');
      assert.equal(await playing(), 'true');
      await page.waitForFunction(() => document.getElementById('lb-counter').textContent === '2 / 4');
      await page.keyboard.press('p');
      assert.equal(await playing(), 'false');
      assert.match(await page.textContent('#lb-status'), /Slideshow paused/);
      await page.waitForTimeout(1000);
      assert.equal(await counter(), '2 / 4', 'paused: no step');

      // Closing the lightbox stops it.
      await page.keyboard.press('p');
      await page.keyboard.press('Escape');
      await page.waitForFunction(() => !document.getElementById('lightbox').open);
      await page.waitForTimeout(1000);
      await page.locator('#grid .tile').first().click();
      await page.waitForFunction(() => document.getElementById('lightbox').open);
      assert.equal(await playing(), 'false');
      await page.waitForTimeout(1000);
      assert.equal(await counter(), '1 / 4', 'no slideshow left running');
      noProblems(p);
    } finally {
      await p.close();
    }
  });

  test('full screen fills the screen with the lightbox, and closing the lightbox leaves it', async () => {
    const p = await openPage(browser, server.url);
    try {
      const { page } = p;
      await unlock(page, PASSWORD);
      await page.locator('#grid .tile').first().click();
      await page.waitForSelector('#lightbox[open] #lb-stage.is-loaded');
      const state = () => page.evaluate(() => ({
        full: document.fullscreenElement ? document.fullscreenElement.id : null,
        pressed: document.getElementById('lb-full').getAttribute('aria-pressed'),
        label: document.getElementById('lb-full').getAttribute('aria-label'),
      }));
      assert.equal(await page.isVisible('#lb-full'), true, 'Chromium has full screen');
      await page.click('#lb-full');
      // The button follows the browser's fullscreenchange event.
      await page.waitForFunction(() => document.getElementById('lb-full').getAttribute('aria-pressed') === 'true');
      assert.deepEqual(await state(), { full: 'lb-frame', pressed: 'true', label: 'Leave full screen' });
      // The photo and the buttons are what fills the screen.
      const shown = await page.evaluate(() => {
        const r = document.getElementById('lb-image').getBoundingClientRect();
        const at = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return { image: at && at.id, size: [document.documentElement.clientWidth, window.innerHeight], frame: document.getElementById('lb-frame').getBoundingClientRect().width };
      });
      assert.equal(shown.image, 'lb-image', 'the photo is on top in full screen');
      assert.equal(Math.round(shown.frame), shown.size[0]);
      await page.click('#lb-full');
      await page.waitForFunction(() => document.getElementById('lb-full').getAttribute('aria-pressed') === 'false');
      assert.deepEqual(await state(), { full: null, pressed: 'false', label: 'Full screen' });

      await page.click('#lb-full');
      await page.waitForFunction(() => document.fullscreenElement !== null);
      await page.click('#lb-close');
      await page.waitForFunction(() => !document.getElementById('lightbox').open && document.fullscreenElement === null);
      noProblems(p);
    } finally {
      await p.close();
    }
  });

  test('the photo zooms alone: double-click and wheel around the pointer, a drag pans, a new photo starts whole', async () => {
    const p = await openPage(browser, server.url, { context: { viewport: { width: 1280, height: 800 } } });
    try {
      const { page } = p;
      await unlock(page, PASSWORD);
      await page.locator('.album-tab', { hasText: 'Mountains' }).click();
      await page.locator('#grid .tile').first().click();
      await page.waitForSelector('#lightbox[open] #lb-stage.is-loaded');
      const zoom = () => page.evaluate(() => {
        const t = getComputedStyle(document.getElementById('lb-image')).transform;
        const m = t === 'none' ? [1, 0, 0, 1, 0, 0] : t.match(/-?[\d.]+/g).map(Number);
        return { scale: Math.round(m[0] * 100) / 100, x: Math.round(m[4]), y: Math.round(m[5]),
          zoomed: document.getElementById('lb-stage').classList.contains('is-zoomed'), page: window.visualViewport.scale };
      });
      const stage = await page.locator('#lb-stage').boundingBox();
      const centre = { x: stage.x + stage.width / 2, y: stage.y + stage.height / 2 };
      assert.deepEqual(await zoom(), { scale: 1, x: 0, y: 0, zoomed: false, page: 1 });

      // Double-click right of the centre: 2.5x, and that point stays under the pointer.
      await page.mouse.dblclick(centre.x + 100, centre.y);
      let z = await zoom();
      assert.equal(z.scale, 2.5);
      assert.equal(z.zoomed, true);
      assert.equal(z.x, -150, 'the point clicked stays where it was: 100 - 2.5 * 100');
      assert.equal(await page.textContent('#lb-counter'), '1 / 4', 'no step');

      // A drag pans (and does not swipe to the next photo).
      await page.mouse.move(centre.x, centre.y);
      await page.mouse.down();
      await page.mouse.move(centre.x + 60, centre.y + 10, { steps: 5 });
      await page.mouse.up();
      z = await zoom();
      assert.equal(z.x, -90);
      assert.equal(await page.textContent('#lb-counter'), '1 / 4', 'a drag while zoomed is not a swipe');

      // The wheel zooms out to the whole photo, and no further.
      await page.mouse.move(centre.x, centre.y);
      for (let i = 0; i < 8; i++) await page.mouse.wheel(0, 400);
      assert.deepEqual(await zoom(), { scale: 1, x: 0, y: 0, zoomed: false, page: 1 });
      // The keyboard: + zooms, the next photo starts whole.
      await page.keyboard.press('+');
      assert.equal((await zoom()).scale, 1.5);
      await page.keyboard.press('ArrowRight');
      await page.waitForFunction(() => document.getElementById('lb-counter').textContent === '2 / 4');
      assert.deepEqual(await zoom(), { scale: 1, x: 0, y: 0, zoomed: false, page: 1 });
      // Two fingers zoom the photo, not the page.
      assert.equal(await page.$eval('#lb-stage', (s) => getComputedStyle(s).touchAction), 'none');
      noProblems(p);
    } finally {
      await p.close();
    }
  });

  test('on a phone two fingers zoom the photo, not the page', async () => {
    const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
    const p = await openPage(browser, server.url, { context: phone });
    try {
      const { page } = p;
      await unlock(page, PASSWORD);
      await page.locator('.album-tab', { hasText: 'Mountains' }).click();
      await page.locator('#grid .tile').first().tap();
      await page.waitForSelector('#lightbox[open] #lb-stage.is-loaded');
      const stage = await page.locator('#lb-stage').boundingBox();
      const c = { x: stage.x + stage.width / 2, y: stage.y + stage.height / 2 };
      // Two fingers 60 px apart move to 180 px apart: 3x, about their middle.
      const cdp = await page.context().newCDPSession(page);
      const touch = (type, spread) => cdp.send('Input.dispatchTouchEvent', {
        type, touchPoints: type === 'touchEnd' ? [] : [{ x: c.x - spread, y: c.y, id: 0 }, { x: c.x + spread, y: c.y, id: 1 }],
      });
      await touch('touchStart', 30);
      for (const spread of [45, 60, 75, 90]) await touch('touchMove', spread);
      await touch('touchEnd', 0);
      const after = await page.evaluate(() => ({
        transform: getComputedStyle(document.getElementById('lb-image')).transform,
        page: window.visualViewport.scale,
        counter: document.getElementById('lb-counter').textContent,
      }));
      const scale = after.transform === 'none' ? 1 : Number(after.transform.match(/-?[\d.]+/g)[0]);
      assert.ok(Math.abs(scale - 3) < 0.05, `the photo is zoomed 3x (${after.transform})`);
      assert.equal(after.page, 1, 'the page is not zoomed');
      assert.equal(after.counter, '1 / 4', 'a pinch is not a swipe');
      noProblems(p);
    } finally {
      await p.close();
    }
  });

  test('Lock forgets everything and unlocking again works', async () => {
    const p = await openPage(browser, server.url);
    try {
      const { page } = p;
      await unlock(page, PASSWORD);
      await page.waitForFunction(() => document.querySelector('#grid .tile img'));
      assert.ok(await page.evaluate(() => window.lightproofViewer.liveBlobUrls) > 0);
      await page.click('#lock-button');
      assert.equal(await galleryShown(page), false);
      assert.equal(await page.isVisible('#unlock-form'), true);
      assert.equal(await page.locator('#grid .tile').count(), 0);
      assert.equal(await page.textContent('#gallery-title'), '');
      assert.equal(await page.evaluate(() => window.lightproofViewer.liveBlobUrls), 0, 'every blob: URL revoked');
      assert.equal(await page.inputValue('#password'), '');
      await unlock(page, PASSWORD);
      assert.equal(await galleryShown(page), true);
      await page.waitForFunction(() => document.querySelector('#grid .tile img'));
      noProblems(p);
    } finally {
      await p.close();
    }
  });

  test('no request leaves the origin', async () => {
    const p = await openPage(browser, server.url);
    try {
      const { page, requests } = p;
      await unlock(page, PASSWORD);
      await forEachAlbum(page, () => sweepAlbum(page));
      await page.locator('#grid .tile').first().click();
      await page.waitForSelector('#lightbox[open] #lb-stage.is-loaded');
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('Escape');
      await page.click('#lock-button');
      assert.ok(requests.length > 5, 'requests were recorded');
      const outside = requests.filter((url) => !url.startsWith(server.origin + '/') && !/^(blob|data):/.test(url));
      assert.deepEqual(outside, []);
      noProblems(p);
    } finally {
      await p.close();
    }
  });

  // A PBKDF2 gallery (built before Argon2id, or with --kdf-iterations)
  // still opens: with WebCrypto, and without it (as on a plain-HTTP origin
  // that is not localhost) by the wasm module's own PBKDF2 in a Worker. Slow, hence the
  // long timeout.
  test('PBKDF2: opens with WebCrypto, and FALLBACK without it with PBKDF2 in wasm in a Worker', { timeout: 240_000 }, async () => {
    const pbkdf2Site = await buildSite(tmp, { args: ['--kdf-iterations', '600000'], name: 'pbkdf2-site' });
    const pbkdf2Server = await serve(pbkdf2Site);
    const withCrypto = await openPage(browser, pbkdf2Server.url);
    try {
      await unlock(withCrypto.page, PASSWORD);
      assert.equal(await galleryShown(withCrypto.page), true);
      assert.equal(await withCrypto.page.evaluate(() => window.lightproofViewer.unlockedWith), 'webcrypto');
      noProblems(withCrypto);
    } finally {
      await withCrypto.close();
    }
    const p = await openPage(browser, pbkdf2Server.url, {
      initScript: () => {
        Object.defineProperty(Crypto.prototype, 'subtle', { get() { return undefined; }, configurable: true });
      },
    });
    try {
      const { page } = p;
      assert.equal(await page.evaluate(() => globalThis.crypto.subtle), undefined);
      await unlock(page, WRONG_PASSWORD, { timeout: 180_000 });
      assert.match(await page.locator('[role="alert"]').textContent(), /password does not open this gallery/);
      await unlock(page, PASSWORD_NFD, { timeout: 180_000 });
      assert.equal(await page.locator('[role="alert"]').textContent(), '');
      assert.equal(await galleryShown(page), true);
      assert.equal(await page.evaluate(() => window.lightproofViewer.unlockedWith), 'worker', "the module's PBKDF2 ran in a Worker");
      await page.waitForFunction(() => {
        const img = document.querySelector('#grid .tile img');
        return img && img.naturalWidth > 0;
      }, null, { timeout: 60_000 });
      noProblems(p);
    } finally {
      await p.close();
      await pbkdf2Server.close();
    }
  });

  test('a missing or foreign gallery.bin gives a clear alert', async () => {
    for (const [name, change, message] of [
      ['missing', (file) => rm(file), /missing from the server/],
      ['garbage', (file) => writeFile(file, Buffer.from('<html>not a gallery</html>')), /damaged or were made by a newer version/],
    ]) {
      const copy = path.join(tmp, `header-${name}`);
      await cp(site, copy, { recursive: true });
      await change(path.join(copy, 'gallery.bin'));
      const bad = await serve(copy);
      try {
        const p = await openPage(browser, bad.url);
        try {
          const { page } = p;
          assert.equal(await page.evaluate(() => window.lightproofViewer.ready), false, `${name}: not ready`);
          await unlock(page, PASSWORD);
          assert.match(await page.locator('[role="alert"]').textContent(), message, name);
          assert.equal(await galleryShown(page), false);
          assert.equal(await page.isEnabled('#password'), true, `${name}: the form can be tried again`);
        } finally {
          await p.close();
        }
      } finally {
        await bad.close();
      }
    }
  });

  test('a tampered or missing thumbnail shows an error in its tile only', async () => {
    // Learn the thumbnails' (public) blob names, album by album, from the good site.
    let albums;
    {
      const p = await openPage(browser, server.url);
      try {
        await unlock(p.page, PASSWORD);
        albums = await forEachAlbum(p.page, async () => (await tileInfo(p.page)).map((t) => t.blob));
      } finally {
        await p.close();
      }
    }
    const all = albums.flat();
    assert.ok(all.length >= 3, 'the sample has three photos or more');
    // Flip a byte in the first thumbnail; delete the last one (another album, if any).
    const flipped = all[0];
    const missing = all[all.length - 1];

    const copy = path.join(tmp, 'tampered');
    await cp(site, copy, { recursive: true });
    const file = path.join(copy, flipped);
    const bytes = await readFile(file);
    bytes[bytes.length >> 1] ^= 0x01;
    await writeFile(file, bytes);
    await rm(path.join(copy, missing));
    const bad = await serve(copy);
    try {
      const p = await openPage(browser, bad.url);
      try {
        const { page } = p;
        await unlock(page, PASSWORD);
        assert.equal(await galleryShown(page), true);
        const seen = new Map();
        await forEachAlbum(page, async () => {
          for (const [n, t] of await sweepAlbum(page)) seen.set(n, t);
        });
        assert.equal(seen.size, all.length, 'every tile settled');
        for (const t of seen.values()) {
          if (t.blob === flipped) {
            assert.match(t.error ?? '', /Damaged — can't be shown/, 'the flipped thumbnail is reported damaged');
            assert.equal(t.src, null, 'no image in the damaged tile');
          } else if (t.blob === missing) {
            assert.match(t.error ?? '', /Missing — can't be shown/, 'the missing thumbnail is reported');
            assert.equal(t.src, null, 'no image in the tile of the missing blob');
          } else {
            assert.equal(t.error, null, `photo ${t.n} decodes`);
            assert.ok(t.naturalWidth > 0, `photo ${t.n} decodes`);
          }
        }
        // The damaged photo's preview is intact: the lightbox shows it.
        if (albums.length > 1) await page.locator('.album-tab').first().click();
        await page.locator(`#grid .tile[data-blob="${flipped}"]`).click();
        await page.waitForSelector('#lightbox[open] #lb-stage.is-loaded');
        // The browser logs the 404 of the missing blob; nothing else.
        const others = p.problems.filter((m) => !/404|Not Found/i.test(m));
        assert.deepEqual(others, []);
      } finally {
        await p.close();
      }
    } finally {
      await bad.close();
    }
  });
});
