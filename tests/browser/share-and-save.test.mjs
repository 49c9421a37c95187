// Sharing the gallery and saving one photo, in Chromium, Firefox and WebKit:
// - Share sends the gallery's address with no fragment. A client who
//   opened the gallery with a key link (`#k=`) may send that link instead,
//   only after a warning that anyone with it can open the gallery. The
//   browsers' real share sheets cannot be driven headless, so the test
//   stands in for `navigator.share` (defined before the viewer runs: by an
//   init script, in WebKit by a script in a copy of the site) and records
//   what would have been shared. Without Web Share the button
//   is "Copy link", and copies the same address (the clipboard is stood in
//   for too). From a disk (file://) there is no address to share: no button.
// - The lightbox's Download menu offers "Web size" (the preview the
//   lightbox shows, saved as `<name>-web.jpg`) and "Original" (byte for
//   byte the shoot's file with --original-metadata keep), over HTTP and
//   from file://; a grant without downloads offers neither.
// - Alt text: a photo's tile, its picture and the lightbox's image say its
//   caption, else "Photo 3 of 3, Ceremony", not its file name.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { BROWSERS, useBrowser } from './drivers.mjs';
import {
  BIN, CAPTURE_SAVES, buildSite, copyShoot, leaveCover, lightproofEnv, makeTempDir, removeDir, run, serve,
} from './support.mjs';
import { webkitSkip } from './webkit.mjs';

const CLIENT = 'saffron lantern orbit, downloads too';
const VIEW = 'granite puffin waltz, view only';

let tmp;
let shoot;
let site;
let server;
let keyLink; // '#k=…' of the client's grant
const stubbed = {}; // WebKit: servers of site copies that load a stub before the viewer

// Stands in for the share sheet: records each URL shared.
const SHARE_STUB = () => {
  window.__shared = [];
  Object.defineProperty(navigator, 'share', { configurable: true, value: async (data) => { window.__shared.push(data.url); } });
  Object.defineProperty(navigator, 'canShare', { configurable: true, value: () => true });
};
// No Web Share; the clipboard records what is written.
const COPY_STUB = () => {
  window.__copied = [];
  Object.defineProperty(navigator, 'share', { configurable: true, value: undefined });
  Object.defineProperty(navigator, 'canShare', { configurable: true, value: undefined });
  const clipboard = { writeText: async (text) => { window.__copied.push(text); } };
  Object.defineProperty(navigator, 'clipboard', { configurable: true, value: clipboard });
};
// Saves land in window.__saved; no share sheet, so they are ordinary saves.
const SAVE_STUB = `(${CAPTURE_SAVES})();
  Object.defineProperty(navigator, 'share', { configurable: true, value: undefined });
  Object.defineProperty(navigator, 'canShare', { configurable: true, value: undefined });`;

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** Width and height from a JPEG's SOF marker. */
function jpegSize(jpeg) {
  assert.equal(jpeg.readUInt16BE(0), 0xffd8, 'a JPEG');
  for (let i = 2; i + 9 <= jpeg.length;) {
    const marker = jpeg[i + 1];
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return { width: jpeg.readUInt16BE(i + 7), height: jpeg.readUInt16BE(i + 5) };
    }
    i += 2 + jpeg.readUInt16BE(i + 2);
  }
  throw new Error('no SOF marker');
}

async function shootFile(name, dir = shoot) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = await shootFile(name, full);
      if (found) return found;
    } else if (entry.name === name) return full;
  }
  return null;
}

before(async () => {
  tmp = await makeTempDir('lightproof-share-');
  shoot = await copyShoot(tmp);
  await writeFile(path.join(shoot, 'lightproof.toml'),
    '[[grant]]\nname = "client"\nlink = true\ndownload = true\n\n[[grant]]\nname = "viewer"\n');
  const env = { LIGHTPROOF_PASSWORD: undefined, LIGHTPROOF_PASSWORD_CLIENT: CLIENT, LIGHTPROOF_PASSWORD_VIEWER: VIEW };
  site = await buildSite(tmp, { shoot, env, args: ['--quiet', '--original-metadata', 'keep'] });
  const { stdout } = await run(BIN, ['link', site], { env: lightproofEnv(tmp, env) });
  keyLink = stdout.trim().split('\n').find((line) => line.startsWith('#k='));
  assert.ok(keyLink, stdout);
  server = await serve(site);
  // WebKit's driver runs an init script only once the page has loaded,
  // after a key link has opened the gallery: its pages load copies of the
  // site whose index.html runs the stub before viewer.js.
  for (const [name, stub] of [['share', SHARE_STUB], ['copy', COPY_STUB]]) {
    const copy = path.join(tmp, `site-${name}-stub`);
    await cp(site, copy, { recursive: true });
    await writeFile(path.join(copy, 'test-stub.js'), `(${stub})();\n`);
    const index = path.join(copy, 'index.html');
    const viewer = '<script src="viewer.js" defer></script>';
    const html = await readFile(index, 'utf8');
    assert.ok(html.includes(viewer));
    await writeFile(index, html.replace(viewer, `<script src="test-stub.js"></script>\n${viewer}`));
    stubbed[name] = await serve(copy);
  }
});

after(async () => {
  for (const s of Object.values(stubbed)) await s.close();
  await server?.close();
  await removeDir(tmp);
});

const galleryOpen = (p) => p.waitFor(() => !document.getElementById('gallery').hidden);

async function openFirstPhoto(p) {
  await p.click('#grid .tile');
  await p.waitFor(() => document.getElementById('lightbox').open
    && document.getElementById('lb-stage').classList.contains('is-loaded'));
}

for (const kind of [...BROWSERS, 'webkit']) {
  describe(`share and save in ${kind}`, { timeout: 300_000, skip: kind === 'webkit' && webkitSkip() }, () => {
    const browser = useBrowser(kind);

    test('Share sends the address; the key link only after its warning', async () => {
      const at = kind === 'webkit' ? stubbed.share : server;
      const p = await browser.newPage({ init: kind === 'webkit' ? undefined : SHARE_STUB });
      try {
        await p.goto(at.url + keyLink);
        await galleryOpen(p);
        await leaveCover(p);
        assert.equal(await p.evaluate(() => document.getElementById('share-open').hidden), false);
        assert.equal(await p.text('#share-open-label'), 'Share');
        await p.click('#share-open');
        await p.waitFor(() => document.getElementById('share-dialog').open);
        assert.equal(await p.evaluate(() => document.getElementById('share-warning').hidden), true);
        await p.click('#share-address');
        await p.waitFor(() => window.__shared.length === 1);
        assert.equal(await p.evaluate(() => window.__shared[0]), at.url, 'the address, with no fragment');
        assert.equal(await p.text('#share-status'), 'Shared.');
        // The key link: first the warning, and nothing shared yet.
        await p.click('#share-key');
        await p.waitFor(() => !document.getElementById('share-warning').hidden);
        assert.match(await p.text('#share-warning-text'), /Anyone who has this link can open the gallery/);
        assert.equal(await p.evaluate(() => window.__shared.length), 1);
        await p.click('#share-key-confirm');
        await p.waitFor(() => window.__shared.length === 2);
        assert.equal(await p.evaluate(() => window.__shared[1]), at.url + keyLink, 'the link, once the warning is accepted');
        assert.deepEqual(p.problems, []);
      } finally {
        await p.close();
      }
    });

    test('without Web Share it is Copy link, and a password unlock offers no key link', async () => {
      const at = kind === 'webkit' ? stubbed.copy : server;
      const p = await browser.newPage({ init: kind === 'webkit' ? undefined : COPY_STUB });
      try {
        await p.goto(at.url);
        await p.unlock(CLIENT);
        await galleryOpen(p);
        assert.equal(await p.text('#share-open-label'), 'Copy link');
        await p.click('#share-open');
        await p.waitFor(() => document.getElementById('share-dialog').open);
        assert.equal(await p.evaluate(() => document.getElementById('share-key').hidden), true, 'no key link to share');
        await p.click('#share-address');
        await p.waitFor(() => window.__copied.length === 1);
        assert.equal(await p.evaluate(() => window.__copied[0]), at.url);
        assert.match(await p.text('#share-status'), /^Copied/);
        assert.deepEqual(p.problems, []);
      } finally {
        await p.close();
      }
    });

    test("from the installed app the address sent has no '?app' (the app's start_url marker)", async () => {
      const at = kind === 'webkit' ? stubbed.copy : server;
      const p = await browser.newPage({ init: kind === 'webkit' ? undefined : COPY_STUB });
      try {
        await p.goto(`${at.origin}/?app`);
        await p.unlock(CLIENT);
        await galleryOpen(p);
        await p.click('#share-open');
        await p.waitFor(() => document.getElementById('share-dialog').open);
        await p.click('#share-address');
        await p.waitFor(() => window.__copied.length === 1);
        assert.equal(await p.evaluate(() => window.__copied[0]), `${at.origin}/`);
        assert.deepEqual(p.problems, []);
      } finally {
        await p.close();
      }
    });

    for (const where of ['HTTP', 'file://']) {
      test(`over ${where}: Web size is the preview, Original the shoot's file`, async () => {
        const p = await browser.newPage({ init: SAVE_STUB });
        try {
          await p.goto(where === 'HTTP' ? server.url : pathToFileURL(path.join(site, 'index.html')).href);
          await p.unlock(CLIENT);
          await galleryOpen(p);
          if (where === 'file://') assert.equal(await p.evaluate(() => document.getElementById('share-open').hidden), true);
          await openFirstPhoto(p);
          const file = await p.text('#lb-file');
          const shown = await p.evaluate(() => {
            const img = document.getElementById('lb-image');
            return { width: img.naturalWidth, height: img.naturalHeight };
          });
          assert.equal(await p.evaluate(() => document.getElementById('lb-download-menu').hidden), true);
          await p.click('#lb-download');
          await p.waitFor(() => !document.getElementById('lb-download-menu').hidden);
          assert.match(await p.text('#lb-get-web-detail'), new RegExp(`${shown.width} × ${shown.height} px`));
          await p.click('#lb-get-web');
          const webName = file.replace(/\.[^.]*$/, '') + '-web.jpg';
          await p.waitFor((n) => window.__saved[n], webName);
          const web = Buffer.from(await p.evaluate((n) => window.__saved[n], webName), 'base64');
          assert.deepEqual(jpegSize(web), shown, 'the web size is the preview the lightbox shows');
          assert.equal(web.readUInt16BE(web.length - 2), 0xffd9, 'a whole JPEG');

          // A tap on the photo closes the menu; the button opens it again.
          await p.click('#lb-download');
          await p.waitFor(() => !document.getElementById('lb-download-menu').hidden);
          await p.click('#lb-stage');
          await p.waitFor(() => document.getElementById('lb-download-menu').hidden);
          await p.click('#lb-download');
          await p.waitFor(() => !document.getElementById('lb-download-menu').hidden);
          await p.click('#lb-get-original');
          await p.waitFor((n) => window.__saved[n], file);
          const original = Buffer.from(await p.evaluate((n) => window.__saved[n], file), 'base64');
          assert.equal(sha256(original), sha256(await readFile(await shootFile(file))), 'the original, byte for byte');
          assert.deepEqual(p.problems, []);
        } finally {
          await p.close();
        }
      });
    }

    test('alt text: the caption, else the photo\'s place in its album', async () => {
      const p = await browser.newPage({});
      try {
        await p.goto(server.url);
        await p.unlock(CLIENT);
        await galleryOpen(p);
        await p.evaluate(() => [...document.querySelectorAll('.album-tab')].find((b) => b.textContent.includes('Ceremony')).click());
        await p.waitFor(() => document.querySelectorAll('#grid .tile img').length === 3
          && [...document.querySelectorAll('#grid .tile img')].every((i) => i.alt));
        const tiles = await p.evaluate(() => [...document.querySelectorAll('#grid .tile')]
          .map((t) => ({ file: t.dataset.file, label: t.getAttribute('aria-label'), alt: t.querySelector('img').alt })));
        const expected = {
          'IMG_0201.jpg': 'Two spaniels waiting at the cabin window',
          'IMG_0202.jpg': 'Wine & djembe after the ceremony',
          'IMG_0203.jpg': 'Photo 3 of 3, Ceremony',
        };
        assert.deepEqual(tiles.map((t) => [t.file, t.label, t.alt]),
          Object.entries(expected).map(([file, text]) => [file, text, text]), 'tiles and their pictures');
        await p.evaluate(() => [...document.querySelectorAll('#grid .tile')].pop().click());
        await p.waitFor(() => document.getElementById('lightbox').open);
        for (const text of Object.values(expected).reverse()) {
          await p.waitFor((t) => document.getElementById('lb-image').alt === t, text);
          await p.evaluate(() => document.getElementById('lb-prev').click());
        }
        assert.deepEqual(p.problems, []);
      } finally {
        await p.close();
      }
    });

    test('a grant without downloads offers neither size', async () => {
      const p = await browser.newPage({ init: SAVE_STUB });
      try {
        await p.goto(server.url);
        await p.unlock(VIEW);
        await galleryOpen(p);
        await openFirstPhoto(p);
        assert.equal(await p.evaluate(() => document.getElementById('lb-download').hidden), true);
        assert.equal(await p.evaluate(() => document.getElementById('lb-download-menu').hidden), true);
        assert.equal(await p.evaluate(() => document.getElementById('download-open').hidden), true);
      } finally {
        await p.close();
      }
    });
  });
}
