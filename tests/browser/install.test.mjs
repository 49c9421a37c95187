// Installable: every site carries a web app manifest and icons, so a client
// can add the gallery to a phone's home screen. The manifest is public, so
// it names nothing from the shoot (the title is private): a build with a
// distinctive title, album and file names finds none of them in any public
// file. Served by `lightproof serve` with the hosting table's types; in
// Chromium the page is installable (no installability errors over
// http://127.0.0.1), and a single-file bundle links no manifest.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  BIN, PASSWORD, buildSite, copyShoot, galleryShown, launchBrowser, launchPersistentContext, makeTempDir, openPage, removeDir, run,
  unlock, viewerReady,
} from './support.mjs';

const TITLE = 'Quokkazanzibar Wedding';
const ALBUM = 'Marmaladeporch';
const PHOTO = 'IMG_QUOKKA_77.jpg';
const ICONS = { 'icon-192.png': 192, 'icon-512.png': 512, 'icon-maskable.png': 512, 'apple-touch-icon.png': 180 };

let tmp;
let site;
let server;
let browser;

/** `lightproof serve SITE` on a free port: its origin, and a close. */
async function lightproofServe(dir) {
  const child = spawn(BIN, ['serve', dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const origin = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /at (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`lightproof serve exited with ${code}: ${out}`)));
  });
  return { origin, close: () => new Promise((r) => { child.once('exit', r); child.kill(); }) };
}

/** The first page of a persistent context, recording problems and requests as openPage's do. */
async function pageOf(context) {
  const page = context.pages()[0] ?? await context.newPage();
  const problems = [];
  const requests = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/\/favicon\.ico$/.test(msg.location().url)) problems.push(`console error: ${msg.text()}`);
  });
  page.on('request', (req) => requests.push(req.url()));
  return { page, problems, requests };
}

const pngSize = (bytes) => ({ width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) });

before(async () => {
  tmp = await makeTempDir('lightproof-install-');
  const shoot = await copyShoot(tmp);
  // Names from the shoot that must stay private: an album and a file.
  const albums = (await readdir(shoot, { withFileTypes: true })).filter((e) => e.isDirectory());
  await rename(path.join(shoot, albums[0].name), path.join(shoot, ALBUM));
  const first = (await readdir(path.join(shoot, ALBUM))).find((n) => /\.jpe?g$/i.test(n));
  await rename(path.join(shoot, ALBUM, first), path.join(shoot, ALBUM, PHOTO));
  site = await buildSite(tmp, { shoot, args: ['--quiet', '--title', TITLE] });
  server = await lightproofServe(site);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
  await removeDir(tmp);
});

describe('installable', { timeout: 300_000 }, () => {
  test('the manifest is served as application/manifest+json, parses, and names nothing from the shoot', async () => {
    const res = await fetch(`${server.origin}/manifest.webmanifest`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/manifest+json');
    const manifest = JSON.parse(await res.text());
    assert.equal(manifest.name, 'Private gallery');
    assert.equal(manifest.start_url, './?app', 'the installed app is told apart by its start address (remember me)');
    assert.equal(manifest.display, 'standalone');
    assert.ok(manifest.icons.some((i) => i.purpose === 'maskable'), 'a maskable icon');
    assert.match(res.headers.get('content-security-policy'), /manifest-src 'self'/);
    const index = await (await fetch(`${server.origin}/`)).text();
    assert.match(index, /<link rel="manifest" href="manifest.webmanifest">/);
    assert.match(index, /<link rel="apple-touch-icon" href="apple-touch-icon.png">/);
  });

  test('every icon loads as a PNG of its stated size', async () => {
    for (const [name, size] of Object.entries(ICONS)) {
      const res = await fetch(`${server.origin}/${name}`);
      assert.equal(res.status, 200, name);
      assert.equal(res.headers.get('content-type'), 'image/png', name);
      const bytes = Buffer.from(await res.arrayBuffer());
      assert.deepEqual(bytes.subarray(0, 8), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), name);
      assert.deepEqual(pngSize(bytes), { width: size, height: size }, name);
    }
  });

  test('no public file carries the title, an album name or a file name', async () => {
    const encrypted = (name) => name === 'gallery.bin' || name === 'gallery.bin.js' || name === 'b' || name === 'viewer.wasm.js';
    const names = (await readdir(site)).filter((n) => !encrypted(n));
    assert.ok(names.includes('manifest.webmanifest') && names.includes('index.html'));
    for (const name of names) {
      const text = (await readFile(path.join(site, name))).toString('latin1');
      for (const secret of [TITLE, 'Quokkazanzibar', ALBUM, PHOTO, 'QUOKKA']) {
        assert.ok(!text.toLowerCase().includes(secret.toLowerCase()), `${name} carries "${secret}"`);
      }
    }
  });

  // A profile on disk: Chromium offers no install in an incognito-like
  // context (its one installability error there is 'in-incognito').
  test('Chromium finds the page installable, and the icons and manifest load under the CSP', async () => {
    const context = await launchPersistentContext(path.join(tmp, 'profile'));
    const p = await pageOf(context);
    try {
      await p.page.goto(`${server.origin}/`);
      await viewerReady(p.page);
      const cdp = await context.newCDPSession(p.page);
      // The manifest is fetched when something asks for it; this asks.
      const { errors, url } = await cdp.send('Page.getAppManifest');
      assert.equal(url, `${server.origin}/manifest.webmanifest`);
      assert.deepEqual(errors, []);
      const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
      assert.deepEqual(installabilityErrors, []);
      await unlock(p.page, PASSWORD);
      assert.equal(await galleryShown(p.page), true);
      assert.deepEqual(p.problems, []);
      const outside = p.requests.filter((u) => !u.startsWith(server.origin) && !u.startsWith('blob:'));
      assert.deepEqual(outside, []);
    } finally {
      await context.close();
    }
  });

  test('a single-file bundle links no manifest and opens without errors', async () => {
    const bundle = path.join(tmp, 'bundle.html');
    await run(BIN, ['bundle', site, '--out', bundle]);
    const html = await readFile(bundle, 'utf8');
    assert.ok(!html.includes('rel="manifest"') && !html.includes('manifest-src'), 'no manifest in a bundle');
    const p = await openPage(browser, `file://${bundle}`);
    try {
      await unlock(p.page, PASSWORD);
      assert.equal(await galleryShown(p.page), true);
      assert.deepEqual(p.problems, []);
    } finally {
      await p.close();
    }
  });

  test('from disk (file://) the page still opens without errors', async () => {
    const p = await openPage(browser, `file://${site}/index.html`);
    try {
      await unlock(p.page, PASSWORD);
      assert.equal(await galleryShown(p.page), true);
      assert.deepEqual(p.problems, []);
    } finally {
      await p.close();
    }
  });
});
