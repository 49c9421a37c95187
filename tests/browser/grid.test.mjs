// The grid of a large gallery, in Chromium, Firefox and WebKit, over http
// and from disk: only the tiles near the viewport are in the page, yet every photo
// is reachable by scrolling and by the keyboard; thumbnails are decrypted
// in the photos Worker, never by the page's own module; favourites show on
// recycled tiles; and nothing is requested from outside the site.
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { BROWSERS, useBrowser } from './drivers.mjs';
import { PASSWORD, buildSite, makeTempDir, removeDir, serve } from './support.mjs';
import { manyPhotosShoot } from './shoots.mjs';
import { webkitSkip } from './webkit.mjs';

// WebKit runs the init script once the document has loaded, after the
// viewer has made its own instance of the module: there the page's
// decryptions are not counted (the Worker still is).
const webkitAbsent = webkitSkip();

const ALBUMS = [['', 120], ['Reception', 80]];
const MAX_TILES = 60; // in the page at once, with a phone's 390 × 800 viewport
let tmp;
let site;
let server;
let names; // per album, its file names

before(async () => {
  tmp = await makeTempDir('lightproof-grid-');
  const shoot = path.join(tmp, 'shoot');
  names = await manyPhotosShoot(shoot, ALBUMS);
  site = await buildSite(tmp, { shoot });
  server = await serve(site);
});

after(async () => {
  await server?.close();
  await removeDir(tmp);
});

// Before any page script: wraps the page's instance of the module to count
// its photo decryptions (a Worker's own instance is not touched), and
// notes the name of every Worker started.
function watchModule() {
  window.__page = { thumbnails: 0, previews: 0, manifests: 0 };
  window.__workers = [];
  const RealWorker = window.Worker;
  window.Worker = function (url, options) {
    window.__workers.push((options && options.name) || '');
    return new RealWorker(url, options);
  };
  const instantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = async function (...args) {
    const made = await instantiate.apply(this, args);
    const real = (made.instance || made).exports;
    const exports = Object.assign({}, real, {
      lp_open_photo(...a) {
        window.__page[a[1] === 0 ? 'thumbnails' : 'previews'] += 1;
        return real.lp_open_photo(...a);
      },
      lp_open_manifest(...a) {
        window.__page.manifests += 1;
        return real.lp_open_manifest(...a);
      },
    });
    return made.instance ? { module: made.module, instance: { exports } } : { exports };
  };
}

const nextFrames = (p) => p.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

/** Shows album `i` (its tab, when there are several). */
async function showAlbum(p, i) {
  await p.evaluate((i) => document.querySelectorAll('.album-tab')[i].click(), i);
  await p.waitFor((i) => document.querySelectorAll('.album-tab')[i].getAttribute('aria-pressed') === 'true', i);
  await nextFrames(p);
}

/**
 * In the page, one place of a sweep: after two frames, waits until every
 * tile on screen shows its decoded thumbnail (up to `timeout` ms), notes
 * the names of the photos seen decoded, the tiles in the page and whether
 * this is the end, then scrolls on by 70 % of the window. One call per
 * place: in WebKit every call is a round trip to the driver.
 */
async function sweepStep(timeout) {
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  await frame();
  await frame();
  const onScreen = (t) => { const r = t.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight; };
  const deadline = performance.now() + timeout;
  for (;;) {
    const shown = [...document.querySelectorAll('#grid .tile')].filter(onScreen);
    if (shown.length > 0 && shown.every((t) => { const img = t.querySelector('img'); return img && img.complete && img.naturalWidth > 0; })) break;
    if (performance.now() > deadline) throw new Error(`the tiles on screen were not all decoded within ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const tiles = [...document.querySelectorAll('#grid .tile')];
  const decoded = tiles.filter((t) => {
    const img = t.querySelector('img');
    return onScreen(t) && img && img.naturalWidth > 0 && img.alt === t.getAttribute('aria-label');
  });
  const end = window.scrollY + innerHeight >= document.documentElement.scrollHeight - 2;
  if (!end) window.scrollBy(0, Math.round(innerHeight * 0.7));
  return { names: decoded.map((t) => t.dataset.file), tiles: tiles.length, end };
}

/**
 * Scrolls the album on screen from top to bottom; at each place waits
 * until every tile on screen shows its decoded thumbnail. Returns the names
 * of the photos seen decoded and the most tiles the page held at once.
 */
async function sweep(p) {
  const seen = new Set();
  let most = 0;
  await p.evaluate(() => window.scrollTo(0, 0));
  for (let step = 0; step < 500; step++) {
    const r = await p.evaluate(sweepStep, 60_000);
    r.names.forEach((n) => seen.add(n));
    most = Math.max(most, r.tiles);
    if (r.end) break;
  }
  return { seen, most };
}

/** The focused tile: its name, and whether it is wholly in the window, under the top bar. */
const focused = (p) => p.evaluate(() => {
  const t = document.activeElement;
  if (!t || !t.classList.contains('tile')) return { name: null };
  const r = t.getBoundingClientRect();
  // Wholly below the sticky top bar, whose height changes as the title
  // scrolls away on a phone.
  const bar = document.querySelector('.topbar').getBoundingClientRect().bottom;
  return { name: t.dataset.file, index: Number(t.dataset.index), inView: r.top >= bar - 0.5 && r.bottom <= innerHeight };
});

const outsideRequests = (requests, own) => requests.filter((url) => !url.startsWith(own) && !/^(blob|data):/.test(url));

for (const kind of [...BROWSERS, 'webkit']) {
  const skip = kind === 'webkit' && webkitAbsent;
  const pageCounted = kind !== 'webkit';
  describe(`the grid of ${ALBUMS.reduce((n, [, c]) => n + c, 0)} photos in ${kind}`, { timeout: 900_000, skip }, () => {
    const browser = useBrowser(kind);
    const places = [
      ['over http', () => server.url, () => server.origin + '/'],
      ['from disk', () => pathToFileURL(path.join(site, 'index.html')).href, () => pathToFileURL(site).href + '/'],
    ];

    for (const [where, url, own] of places) {
      test(`${where}: every photo is reachable by scrolling, with few tiles in the page, decrypted in the Worker`, async () => {
        const p = await browser.newPage({ init: watchModule });
        try {
          await p.goto(url());
          await p.unlock(PASSWORD);
          for (let i = 0; i < ALBUMS.length; i++) {
            await showAlbum(p, i);
            const { seen, most } = await sweep(p);
            assert.deepEqual([...seen].sort(), [...names[i]].sort(), `album ${i}: every photo seen decoded`);
            assert.ok(most <= MAX_TILES, `album ${i}: at most ${MAX_TILES} tiles at once (saw ${most})`);
            assert.ok(most < names[i].length / 2, `album ${i}: far fewer tiles than photos (saw ${most})`);
          }
          const counts = await p.evaluate(() => ({ page: window.__page, workers: window.__workers }));
          if (pageCounted) {
            assert.equal(counts.page.manifests, 1, "the page's instance is the one watched");
            assert.equal(counts.page.thumbnails, 0, "no thumbnail decrypted by the page's instance");
          }
          assert.deepEqual(counts.workers.filter((n) => n === 'photos'), ['photos'], 'one photos Worker');
          assert.deepEqual(outsideRequests(p.requests, own()), [], 'no request outside the site');
          assert.deepEqual(p.problems, []);
        } finally {
          await p.close();
        }
      });
    }

    // A phone's top bar: the title's row scrolls away, the buttons and the
    // album tabs stay (113 px of the window, not 163).
    test('on a phone the title scrolls away and the buttons and album tabs stay', async () => {
      const p = await browser.newPage({ viewport: { width: 390, height: 844 } });
      try {
        await p.goto(server.url);
        await p.unlock(PASSWORD);
        await showAlbum(p, 0);
        const bar = () => p.evaluate(() => {
          const box = (id) => document.getElementById(id).getBoundingClientRect();
          const tab = document.querySelector('.album-tab[aria-pressed="true"]').getBoundingClientRect();
          return {
            scrolled: window.scrollY, bottom: document.querySelector('.topbar').getBoundingClientRect().bottom,
            title: box('gallery-title').bottom, buttons: box('picks-filter').top, tabs: [tab.top, tab.bottom],
          };
        });
        const atTop = await bar();
        assert.ok(atTop.title > 40 && atTop.buttons > atTop.title, `the title shows above the buttons: ${JSON.stringify(atTop)}`);
        await p.evaluate(() => window.scrollTo(0, 3000));
        await nextFrames(p);
        const down = await bar();
        assert.ok(down.scrolled >= 3000, 'scrolled');
        assert.ok(down.title <= 8, `the title's row scrolled away: ${JSON.stringify(down)}`);
        assert.ok(down.buttons >= 0 && down.tabs[0] > down.buttons && down.tabs[1] <= down.bottom, `buttons and tabs stay: ${JSON.stringify(down)}`);
        assert.ok(down.bottom <= 120 && down.bottom < atTop.bottom - 40, `the bar takes ${down.bottom} px, not ${atTop.bottom}`);
        // Back at the top, the title shows again.
        await p.evaluate(() => window.scrollTo(0, 0));
        await nextFrames(p);
        assert.deepEqual(await bar(), atTop);
        assert.deepEqual(p.problems, []);
      } finally {
        await p.close();
      }
    });

    test('every photo is reachable by the keyboard, and Enter opens it', async () => {
      const p = await browser.newPage({ init: watchModule });
      try {
        await p.goto(server.url);
        await p.unlock(PASSWORD);
        await showAlbum(p, 1);
        await p.evaluate(() => document.querySelector('#grid .tile').focus());
        const visited = [await focused(p)];
        for (let i = 1; i < names[1].length; i++) {
          await p.page.keyboard.press('ArrowRight');
          visited.push(await focused(p));
        }
        assert.deepEqual(visited.map((v) => v.index), names[1].map((_, i) => i), 'ArrowRight visits every photo in order');
        assert.deepEqual(visited.map((v) => v.name).sort(), [...names[1]].sort(), 'every file, once');
        assert.deepEqual(visited.filter((v) => !v.inView), [], 'each focused tile scrolled into view');
        await p.page.keyboard.press('Home');
        assert.equal((await focused(p)).index, 0);
        await p.page.keyboard.press('PageDown');
        const down = await focused(p);
        assert.ok(down.index > 0 && down.inView, `PageDown moves on (to ${down.index})`);
        await p.page.keyboard.press('End');
        const last = await focused(p);
        assert.equal(last.index, names[1].length - 1);
        assert.ok(last.inView);
        await p.page.keyboard.press('ArrowUp');
        assert.ok((await focused(p)).index < last.index, 'ArrowUp moves up the column');

        await p.page.keyboard.press('End');
        await p.page.keyboard.press('Enter');
        await p.waitFor(() => document.getElementById('lightbox').open);
        assert.equal(await p.text('#lb-counter'), `${names[1].length} / ${names[1].length}`);
        assert.equal(await p.text('#lb-file'), last.name);
        await p.page.keyboard.press('Escape');
        await p.waitFor(() => !document.getElementById('lightbox').open);
        await p.waitFor((name) => document.activeElement.dataset.file === name, last.name);
        assert.deepEqual(p.problems, []);
      } finally {
        await p.close();
      }
    });

    test('the lightbox steps through every photo of the album, and favourites show on recycled tiles', async () => {
      const p = await browser.newPage({ init: watchModule });
      try {
        await p.goto(server.url);
        await p.unlock(PASSWORD);
        await showAlbum(p, 0);
        const total = names[0].length;
        await p.evaluate(() => document.querySelector('#grid .tile').click());
        await p.waitFor(() => document.getElementById('lightbox').open);
        for (let i = 2; i <= total; i++) {
          await p.page.keyboard.press('ArrowRight');
          await p.waitFor((c) => document.getElementById('lb-counter').textContent === c, `${i} / ${total}`);
        }
        const lastName = await p.text('#lb-file');
        await p.click('#lb-fav');
        assert.equal(await p.evaluate(() => document.getElementById('lb-fav').getAttribute('aria-pressed')), 'true');
        await p.page.keyboard.press('Escape');
        await p.waitFor(() => !document.getElementById('lightbox').open);
        const tileOf = (name) => p.evaluate((name) => {
          const t = [...document.querySelectorAll('#grid .tile')].find((e) => e.dataset.file === name);
          return t ? t.classList.contains('picked') : null;
        }, name);
        await p.waitFor((name) => document.activeElement.dataset.file === name, lastName);
        assert.equal(await tileOf(lastName), true, 'the tile of the photo chosen is marked');
        await p.evaluate(() => window.scrollTo(0, 0));
        await nextFrames(p);
        assert.equal(await tileOf(lastName), null, 'its tile left the page');
        await p.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
        await nextFrames(p);
        assert.equal(await tileOf(lastName), true, 'mounted again, still marked');
        assert.equal(await p.evaluate(() => document.querySelectorAll('#grid .tile.picked').length), 1);

        await p.click('#picks-filter');
        await nextFrames(p);
        assert.deepEqual(await p.evaluate(() => [...document.querySelectorAll('#grid .tile')].map((t) => t.dataset.file)),
          [lastName], 'only the favourite');
        if (pageCounted) {
          const counts = await p.evaluate(() => window.__page);
          assert.equal(counts.previews, 0, "no preview decrypted by the page's instance");
        }
        assert.deepEqual(p.problems, []);
      } finally {
        await p.close();
      }
    });
  });
}
