// The second theme and the lock screen that shows the studio, in
// Chromium, Firefox and WebKit, over HTTP and from disk (file://): the
// sample shoot built with --theme classic and --lock-screen studio. Before
// the password, the page shows the studio's name and logo (decoded from
// the page itself) and nothing of the shoot; the classic style sheet is in
// force; the password unlocks the gallery and its cover as in the default
// theme.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { deflateSync, crc32 } from 'node:zlib';
import { BROWSERS, useBrowser } from './drivers.mjs';
import { PASSWORD, buildSite, makeTempDir, removeDir, serve } from './support.mjs';
import { webkitSkip } from './webkit.mjs';

const STUDIO = 'Lumen Studio';
const TITLE = 'Anna & Tom';

let tmp;
let site;
let server;

// A 120×40 PNG (one colour).
function png(w, h) {
  const chunk = (type, data) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(w * 3, Buffer.from([0x40, 0x60, 0x80]))]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(Array(h).fill(row)))), chunk('IEND', Buffer.alloc(0)),
  ]);
}

before(async () => {
  tmp = await makeTempDir('lightproof-themes-');
  const logo = path.join(tmp, 'logo.png');
  await writeFile(logo, png(120, 40));
  site = await buildSite(tmp, {
    args: ['--quiet', '--theme', 'classic', '--lock-screen', 'studio', '--studio', STUDIO, '--studio-logo', logo, '--title', TITLE],
  });
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
  describe(`classic theme, studio lock screen, in ${kind}`, { skip: kind === 'webkit' && webkitSkip(), timeout: 300_000 }, () => {
    const browser = useBrowser(kind);
    for (const [way, url] of WAYS) {
      test(`${way}: the lock screen shows the studio, and the classic gallery unlocks`, async () => {
        const p = await browser.newPage({ viewport: { width: 390, height: 844 } });
        try {
          await p.goto(url());
          await p.waitFor(() => document.getElementById('lock-logo').naturalWidth === 120);
          const lock = await p.evaluate(() => ({
            name: document.querySelector('.lock-studio-name').textContent,
            logo: !document.getElementById('lock-logo').hidden,
            classic: document.body.classList.contains('theme-classic'),
            rule: document.querySelectorAll('.unlock-icon').length,
            font: getComputedStyle(document.querySelector('.unlock-title')).fontFamily,
            html: document.documentElement.outerHTML,
          }));
          assert.equal(lock.name, STUDIO);
          assert.equal(lock.logo, true);
          assert.equal(lock.classic, true);
          assert.equal(lock.rule, 0, 'no padlock in the classic theme');
          assert.match(lock.font, /Palatino|Georgia|serif/);
          for (const secret of ['Anna', 'Tom', 'Ceremony', 'Mountains', 'IMG_0101', 'DSC033']) {
            assert.ok(!lock.html.includes(secret), `${secret} is not in the public page`);
          }
          await p.unlock(PASSWORD, { cover: true });
          assert.equal(await p.text('#unlock-error'), '');
          await p.waitFor(() => document.getElementById('cover-photo').classList.contains('shown'));
          assert.equal(await p.text('#cover-title'), TITLE);
          await p.evaluate(() => document.getElementById('cover-view').click());
          await p.waitFor(() => document.querySelectorAll('#grid .tile img').length > 0
            && [...document.querySelectorAll('#grid .tile img')].some((i) => i.complete && i.naturalWidth > 0));
          // Lock: the studio stays on the lock screen, the gallery goes.
          await p.evaluate(() => document.getElementById('lock-button').click());
          assert.equal(await p.evaluate(() => !document.getElementById('lock-logo').hidden
            && document.getElementById('lock-logo').naturalWidth), 120);
          assert.equal(await p.text('#cover-title'), '');
          assert.deepEqual(p.problems, []);
        } finally {
          await p.close();
        }
      });
    }
  });
}
