// Untrusted strings stay text: a shoot whose file names, album name,
// caption and title carry markup and script (`<img onerror>`,
// `</script>`, `<svg onload>`, quotes) is built with the real CLI and opened
// in Chromium and Firefox. Every string must appear exactly as written, as
// text, and nothing may run: no payload sets its flag, no element of the
// payloads exists in the page, and no CSP violation is reported (an
// injected inline script would be one).
import assert from 'node:assert/strict';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BROWSERS, useBrowser } from './drivers.mjs';
import { PASSWORD, SHOOT, buildSite, copyWithHeaderField, makeTempDir, removeDir, run, serve } from './support.mjs';

const flag = (where) => `window.__pwned=(window.__pwned||[]).concat('${where}')`;
const FILE = `<img src=x onerror="${flag('file')}">&amp; '#1.jpg`;
const ALBUM = `"><svg onload=${flag('album')}> Album`;
const CAPTION = `</script><script>${flag('caption')}</script><img src=x onerror=${flag('caption-img')}>`;
const TITLE = `</title><script>${flag('title')}</script><marquee>moving</marquee>`;

let tmp;
const servers = {};

before(async () => {
  tmp = await makeTempDir('lightproof-hostile-');
  const shoot = path.join(tmp, 'shoot');
  await mkdir(path.join(shoot, ALBUM), { recursive: true });
  await copyFile(path.join(SHOOT, 'IMG_0101.jpg'), path.join(shoot, FILE));
  const captioned = path.join(shoot, ALBUM, 'captioned.jpg');
  await copyFile(path.join(SHOOT, 'IMG_0102.jpg'), captioned);
  await run('exiftool', ['-q', '-overwrite_original', `-ImageDescription=${CAPTION}`, captioned]);
  await buildSite(tmp, { shoot, args: ['--title', TITLE, '--no-cache'] });
  // The same gallery as PBKDF2 (--kdf-iterations) with the header's
  // iteration count (4 bytes at offset 25) changed by the host: absurdly
  // high, and below the floor. (Argon2id's bounds: argon2.test.mjs.)
  const pbkdf2Site = await buildSite(tmp, { shoot, name: 'pbkdf2-site', args: ['--no-cache', '--kdf-iterations', '600000'] });
  for (const [name, iterations] of [['kdf-huge', 0xffffffff], ['kdf-low', 1000]]) {
    await copyWithHeaderField(pbkdf2Site, path.join(tmp, name), 25, iterations);
  }
  for (const name of ['site', 'kdf-huge', 'kdf-low']) servers[name] = await serve(path.join(tmp, name));
});

after(async () => {
  await Promise.all(Object.values(servers).map((server) => server.close()));
  await removeDir(tmp);
});

/** Everything the page shows as text, and any trace of a payload running. */
function pageState() {
  const shown = [document.title, document.body.innerText, ...[...document.querySelectorAll('textarea')].map((t) => t.value)];
  return {
    pwned: window.__pwned || [],
    text: shown.join('\n'),
    injected: document.querySelectorAll('img[src="x"], svg[onload], script:not([src]), marquee').length,
  };
}

for (const kind of BROWSERS) {
  describe(`${kind}: captions, names and the title are text only`, { timeout: 300_000 }, () => {
    const browser = useBrowser(kind);

    test('nothing runs, everything reads as written', async () => {
      const p = await browser.newPage();
      try {
        await p.goto(servers.site.url);
        await p.unlock(PASSWORD);
        await p.waitFor(() => !document.getElementById('gallery').hidden);
        await p.waitFor(() => document.querySelectorAll('#grid .tile img').length > 0);
        const seen = [await p.evaluate(pageState)];
        const albums = await p.evaluate(() => document.querySelectorAll('.album-tab').length);
        assert.equal(albums, 2, 'the main album and the hostile one');
        for (let album = 0; album < albums; album += 1) {
          await p.evaluate((i) => document.querySelectorAll('.album-tab')[i].click(), album);
          await p.waitFor(() => document.querySelector('#grid .tile img'));
          await p.evaluate(() => document.querySelector('#grid .tile').click());
          await p.waitFor(() => document.querySelector('#lightbox[open] #lb-stage.is-loaded'));
          await p.evaluate(() => document.getElementById('lb-fav').click());
          seen.push(await p.evaluate(pageState));
          await p.evaluate(() => document.getElementById('lb-close').click());
          await p.waitFor(() => !document.getElementById('lightbox').open);
        }
        await p.evaluate(() => document.getElementById('picks-send').click());
        await p.waitFor(() => document.getElementById('send-dialog').open);
        seen.push(await p.evaluate(pageState));

        const all = seen.map((s) => s.text).join('\n');
        for (const [what, text] of [['file name', FILE], ['album', ALBUM.trim()], ['caption', CAPTION], ['title', TITLE]]) {
          assert.ok(all.includes(text), `the ${what} is shown as written: ${JSON.stringify(text)}`);
        }
        assert.deepEqual(seen.flatMap((s) => s.pwned), [], 'no payload ran');
        assert.deepEqual(seen.map((s) => s.injected), seen.map(() => 0), 'no payload element in the page');
        assert.deepEqual(p.problems, [], 'no page errors or CSP violations');
      } finally {
        await p.close();
      }
    });

    for (const name of ['kdf-huge', 'kdf-low']) {
      test(`${name}: a header with out-of-range iterations is refused before any key derivation`, async () => {
        const p = await browser.newPage({ init: COUNT_DERIVATIONS });
        try {
          // Not `p.goto`: its wait for the viewer to be ready awaits a
          // promise that, with this header, settles as "not ready".
          await p.page.goto(servers[name].url);
          await p.waitFor(() => window.lightproofViewer);
          await p.type('#password', PASSWORD);
          const started = Date.now();
          await p.click('#unlock-button');
          await p.waitFor(() => document.getElementById('unlock-error').textContent !== '');
          const elapsed = Date.now() - started;
          assert.equal(await p.evaluate(() => window.__derivations), 0, 'no PBKDF2 ran');
          assert.ok(elapsed < 2000, `refused in ${elapsed} ms`);
          assert.equal(await p.evaluate(() => document.getElementById('gallery').hidden), true);
          assert.match(await p.text('#unlock-error'), /damaged or were made by a newer version/);
        } finally {
          await p.close();
        }
      });
    }
  });
}

// Counts WebCrypto key derivations (the viewer's PBKDF2 path).
const COUNT_DERIVATIONS = () => {
  window.__derivations = 0;
  const subtle = globalThis.crypto && globalThis.crypto.subtle;
  if (!subtle) return;
  const derive = subtle.deriveBits.bind(subtle);
  subtle.deriveBits = (...args) => { window.__derivations += 1; return derive(...args); };
};
