// The cover and the studio, in Chromium, Firefox and WebKit, over HTTP and
// from disk (file://): the sample shoot built with a chosen cover photo, a
// title, a date and a studio (name, logo, accent colour, a bundled font).
// After unlocking, the cover shows that photo, title, day and studio;
// "View gallery" uncovers the album (inert until then) and focuses its title; "All photos"
// shows every photo once, and a favourite set there is the same photo's
// favourite in its own album; the accent is on the page with a readable
// text colour, and the font is loaded from its decrypted blob
// (document.fonts). Lock takes all of it out of the page.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { BROWSERS, useBrowser } from './drivers.mjs';
import { PASSWORD, buildSite, copyShoot, countShootImages, makeTempDir, removeDir, serve } from './support.mjs';
import { webkitSkip } from './webkit.mjs';

// DSC03302.jpg is photo 6: Photos (2), Ceremony (3), then Mountains.
const COVER = { file: 'Mountains/DSC03302.jpg', n: '6' };
const STUDIO = 'Lumen Studio';
const TITLE = 'Anna & Tom';
const ACCENT = '#8a3b12'; // dark: white text reads better on it

let tmp;
let site;
let server;

// A 120×40 PNG logo (one colour, written without any image library).
async function writeLogo(file) {
  const { deflateSync, crc32 } = await import('node:zlib');
  const chunk = (type, data) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0);
    return Buffer.concat([head, data, crc]);
  };
  const [w, h] = [120, 40];
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(w * 3, Buffer.from([0xc8, 0xa0, 0x50]))]);
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(Array(h).fill(row)))), chunk('IEND', Buffer.alloc(0)),
  ]);
  await writeFile(file, png);
}

before(async () => {
  tmp = await makeTempDir('lightproof-cover-');
  const shoot = await copyShoot(tmp);
  await writeLogo(path.join(tmp, 'logo.png'));
  const config = path.join(tmp, 'lightproof.toml');
  await writeFile(config, `[gallery]\ntitle = "${TITLE}"\ncover = "${COVER.file}"\ndate = "2026-06-14"\n`
    + `studio = "${STUDIO}"\nstudio_logo = "logo.png"\naccent = "${ACCENT}"\nfont = "serif"\n`);
  site = await buildSite(tmp, { shoot, args: ['--quiet', '--config', config] });
  server = await serve(site);
});

after(async () => {
  await server?.close();
  await removeDir(tmp);
});

const WAYS = [
  ['HTTP', () => server.url],
  ['file://', () => pathToFileURL(path.join(site, 'index.html')).href],
];

for (const kind of [...BROWSERS, 'webkit']) {
  describe(`cover in ${kind}`, { skip: kind === 'webkit' && webkitSkip(), timeout: 300_000 }, () => {
    const browser = useBrowser(kind);
    for (const [way, url] of WAYS) {
      test(`${way}: the cover, View gallery, All photos and the studio's branding`, async () => {
        const p = await browser.newPage({ viewport: { width: 390, height: 844 } });
        try {
          await p.goto(url());
          await p.unlock(PASSWORD, { cover: true });
          assert.equal(await p.text('#unlock-error'), '');
          await p.waitFor(() => document.getElementById('cover-photo').classList.contains('shown')
            && document.getElementById('cover-photo').naturalWidth > 0);
          const shown = await p.evaluate(() => ({
            n: document.getElementById('cover-photo').dataset.n,
            title: document.getElementById('cover-title').textContent,
            studio: document.getElementById('cover-studio').textContent,
            date: document.getElementById('cover-date').textContent,
            focused: document.activeElement.id,
            onScreen: document.getElementById('cover').getBoundingClientRect().top,
            // No empty scrollbar gutter beside it (classic scrollbars).
            width: [Math.round(document.getElementById('cover').getBoundingClientRect().width), window.innerWidth],
            inert: document.querySelector('.topbar').inert && document.querySelector('.gallery-main').inert,
          }));
          assert.equal(shown.n, COVER.n, 'the configured cover photo');
          assert.equal(shown.title, TITLE);
          assert.equal(shown.studio, STUDIO);
          assert.match(shown.date, /2026/);
          assert.match(shown.date, new RegExp(`${await countShootImages()} photos`));
          assert.equal(shown.focused, 'cover-title', 'the focus starts on the cover');
          assert.equal(shown.onScreen, 0, 'the cover is the first screen');
          assert.equal(shown.width[0], shown.width[1], 'the cover is as wide as the window');
          assert.equal(shown.inert, true, 'the gallery under the cover is inert');

          // The studio: logo decrypted, accent with readable text, font
          // loaded from the decrypted bytes.
          await p.waitFor(() => document.getElementById('cover-logo').naturalWidth === 120
            && [...document.fonts].some((f) => f.family.replace(/"/g, '') === 'lightproof-studio' && f.status === 'loaded'));
          const brand = await p.evaluate(() => {
            const style = getComputedStyle(document.documentElement);
            return {
              accent: style.getPropertyValue('--accent').trim(),
              text: style.getPropertyValue('--accent-text').trim(),
              font: getComputedStyle(document.getElementById('cover-title')).fontFamily,
              logoHidden: document.getElementById('cover-logo').hidden,
            };
          });
          assert.deepEqual(brand, { accent: ACCENT, text: '#ffffff', font: brand.font, logoHidden: false });
          assert.match(brand.font, /lightproof-studio/);

          // View gallery: the album, its title focused.
          await p.evaluate(() => document.getElementById('cover-view').click());
          await p.waitFor(() => document.getElementById('cover').hidden);
          assert.equal(await p.evaluate(() => document.activeElement.id), 'gallery-title');
          assert.equal(await p.evaluate(() => document.querySelector('.topbar').inert || document.querySelector('.gallery-main').inert), false);
          assert.equal(await p.evaluate(() => document.querySelector('.topbar').getBoundingClientRect().top), 0);

          // All photos: every photo once, favourites shared with the albums.
          await p.evaluate(() => document.querySelector('.album-all').click());
          await p.waitFor(() => document.querySelector('.album-all').getAttribute('aria-pressed') === 'true');
          const seen = new Set();
          for (let y = 0; ; y += 300) {
            const { ns, end } = await p.evaluate((top) => {
              window.scrollTo(0, top);
              return {
                ns: [...document.querySelectorAll('#grid .tile')].map((t) => t.dataset.n),
                end: window.scrollY + innerHeight >= document.documentElement.scrollHeight - 2,
              };
            }, y);
            ns.forEach((n) => seen.add(n));
            if (end) break;
          }
          const all = await countShootImages();
          assert.equal(await p.evaluate(() => document.getElementById('grid').dataset.count), String(all));
          assert.deepEqual([...seen].map(Number).sort((a, b) => a - b), [...Array(all).keys()], 'every photo once');
          await p.evaluate(() => window.scrollTo(0, 0));
          await p.waitFor((n) => {
            const tile = document.querySelector(`#grid .tile[data-n="${n}"]`);
            return tile && document.querySelector(`#grid .tile-heart[data-heart="${tile.dataset.index}"]`);
          }, COVER.n);
          await p.evaluate((n) => {
            const tile = document.querySelector(`#grid .tile[data-n="${n}"]`);
            document.querySelector(`#grid .tile-heart[data-heart="${tile.dataset.index}"]`).click();
          }, COVER.n);
          await p.waitFor(() => document.getElementById('picks-count').textContent === '1');
          await p.evaluate(() => [...document.querySelectorAll('.album-tab')].find((t) => t.textContent.startsWith('Mountains')).click());
          await p.evaluate(() => document.getElementById('picks-filter').click());
          await p.waitFor((n) => {
            const tiles = [...document.querySelectorAll('#grid .tile')];
            return tiles.length === 1 && tiles[0].dataset.n === n;
          }, COVER.n);

          // Lock: nothing of the cover or the studio stays.
          await p.evaluate(() => document.getElementById('lock-button').click());
          const locked = await p.evaluate(() => ({
            title: document.getElementById('cover-title').textContent,
            studio: document.getElementById('cover-studio').textContent,
            src: document.getElementById('cover-photo').getAttribute('src'),
            fonts: [...document.fonts].filter((f) => f.family.replace(/"/g, '') === 'lightproof-studio').length,
            accent: document.documentElement.style.getPropertyValue('--accent'),
          }));
          assert.deepEqual(locked, { title: '', studio: '', src: null, fonts: 0, accent: '' });
          assert.deepEqual(p.problems, []);
        } finally {
          await p.close();
        }
      });
    }
  });
}
