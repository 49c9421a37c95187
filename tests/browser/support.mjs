// Shared helpers of the browser tests: build a site with the real CLI, serve
// it with a real static server, drive headless Chromium.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { readThemeFile } from './theme.mjs';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHOOT = path.resolve(process.env.LIGHTPROOF_SAMPLE || path.join(REPO, 'sample-shoot'));
export const BIN = path.resolve(process.env.LIGHTPROOF_BIN || path.join(REPO, 'target', 'release', 'lightproof'));
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// Built with the composed "é" (U+00E9); some tests type it decomposed.
/** The name the build gives the photos at the top of a shoot (an album of
 * their own; the viewer shows it translated): a ZIP's folder for them. */
export const MAIN_ALBUM = 'Photos';

export const PASSWORD = 'Caf\u00e9 au lait, seven bridges';
export const PASSWORD_NFD = 'Cafe\u0301 au lait, seven bridges';
export const WRONG_PASSWORD = 'cafe au lait, seven bridges';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff']);

/** Image files in the shoot (hidden files and folders excluded). */
export async function countShootImages(dir = SHOOT) {
  let count = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) count += await countShootImages(full);
    else if (entry.isFile() && IMAGE_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) count += 1;
  }
  return count;
}

export async function makeTempDir(prefix = 'lightproof-browser-') {
  return mkdtemp(path.join(tmpdir(), prefix));
}
export async function removeDir(dir) {
  // Retries: a browser that has just closed may still be writing its profile
  // (ENOTEMPTY), more so on a busy machine.
  if (dir) await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
}

/** Runs a program; resolves to its { stdout, stderr }, rejects with its
 * exit `code`, `stdout` and `stderr`. */
export const run = promisify(execFile);

/** The environment of a `lightproof` run: the test password, a cache in
 * `dir`, then `extra` (a key set to undefined is removed). */
export function lightproofEnv(dir, extra = {}) {
  const env = { ...process.env, LIGHTPROOF_PASSWORD: PASSWORD, LIGHTPROOF_CACHE_DIR: path.join(dir, 'cache'), ...extra };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  return env;
}

/** A copy of the sample shoot at `<dir>/shoot`, for a test to add to. */
export async function copyShoot(dir) {
  const shoot = path.join(dir, 'shoot');
  await cp(SHOOT, shoot, { recursive: true });
  return shoot;
}

/** Builds `shoot` (the sample by default) into `<dir>/<name>` with any
 * extra `args` of `lightproof build`, in `lightproofEnv(dir, env)`. */
export async function buildSite(dir, { args = [], name = 'site', shoot = SHOOT, env = {} } = {}) {
  if (!existsSync(BIN)) {
    throw new Error(`lightproof CLI not found at ${BIN}: build it (cargo build --release) or set LIGHTPROOF_BIN`);
  }
  const site = path.join(dir, name);
  try {
    await run(BIN, ['build', shoot, '--out', site, ...args], {
      env: lightproofEnv(dir, env),
      timeout: 300_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (e) {
    throw new Error(`lightproof build failed: ${e.message}\n${e.stdout || ''}\n${e.stderr || ''}`);
  }
  // The CLI embeds the theme at compile time: make sure we test this tree's.
  for (const name of ['viewer.js', 'style.css', 'viewer.wasm', 'download-worker.js', 'manifest.webmanifest']) {
    const [built, theme] = await Promise.all([
      readFile(path.join(site, name)), readThemeFile(name),
    ]);
    // Another theme's style sheet is the default's followed by its own.
    const same = name === 'style.css' ? built.subarray(0, theme.length).equals(theme) : built.equals(theme);
    if (!same) {
      throw new Error(`${name} in the built site differs from themes/default/static/${name}: ${BIN} is stale, rebuild it`);
    }
  }
  return site;
}

/** A copy of `site` at `copy` whose gallery.bin holds `value` (32 bits, big
 * endian) at byte `offset`: a header changed by the host. */
export async function copyWithHeaderField(site, copy, offset, value) {
  await cp(site, copy, { recursive: true });
  const header = await readFile(path.join(copy, 'gallery.bin'));
  header.writeUInt32BE(value, offset);
  await writeFile(path.join(copy, 'gallery.bin'), header);
  return copy;
}

/** A free TCP port on the loopback interface. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Serves `dir` with python's http.server on a free loopback port. */
/**
 * An init script: the viewer's in-memory save path (a Blob handed to an
 * <a download>) is kept as base64 in `window.__saved[name]` instead of
 * going to the browser's downloads, so a test can compare the bytes
 * without a download manager. No File System Access API either.
 */
export const CAPTURE_SAVES = () => {
  delete window.showSaveFilePicker;
  const blobs = new Map();
  const create = URL.createObjectURL;
  URL.createObjectURL = (blob) => { const url = create(blob); blobs.set(url, blob); return url; };
  window.__saved = {};
  const click = HTMLAnchorElement.prototype.click;
  HTMLAnchorElement.prototype.click = function () {
    const blob = blobs.get(this.href);
    if (this.download && blob) {
      blob.arrayBuffer().then((b) => {
        const bytes = new Uint8Array(b);
        let text = '';
        for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
        window.__saved[this.download] = btoa(text);
      });
      return;
    }
    click.call(this);
  };
};

export async function serve(dir) {
  const port = await freePort();
  const child = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', dir], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  let exited = false;
  child.on('exit', () => { exited = true; });
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (exited) throw new Error('python3 -m http.server exited early');
    try {
      const res = await fetch(`${origin}/index.html`);
      await res.arrayBuffer();
      break; // it answers (a folder of sites has no index.html of its own)
    } catch { /* not up yet */ }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`static server on ${origin} did not answer`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    origin,
    url: `${origin}/index.html`,
    close: () => new Promise((resolve) => {
      if (exited) return resolve();
      child.once('exit', resolve);
      child.kill();
    }),
  };
}

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** A browser with an on-disk profile, as a client's is (contexts of
 * `launchBrowser` are incognito-like: their storage lives in memory). */
export function launchPersistentContext(profile, options = {}) {
  return chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, ...options });
}

/**
 * A new page that records problems: uncaught errors, console errors (CSP
 * violations show up there) and every request URL.
 */
export async function openPage(browser, url, { context: contextOptions = {}, initScript } = {}) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  const problems = [];
  const requests = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (msg) => {
    // The browser asks for /favicon.ico on its own; the site has none.
    if (msg.type() === 'error' && !/\/favicon\.ico$/.test(msg.location().url)) {
      problems.push(`console error: ${msg.text()} (${msg.location().url})`);
    }
  });
  page.on('request', (req) => requests.push(req.url()));
  if (initScript) await page.addInitScript(initScript);
  if (url) {
    await page.goto(url);
    await viewerReady(page);
  }
  return { context, page, problems, requests, close: () => context.close() };
}

/** Waits until the viewer of a (re)loaded playwright page is ready. */
export function viewerReady(page) {
  return page.waitForFunction(() => window.lightproofViewer && window.lightproofViewer.ready);
}

/** Whether the gallery is on screen (a playwright page or a drivers.mjs one). */
export function galleryShown(page) {
  return page.evaluate(() => !document.getElementById('gallery').hidden);
}

/** Types the password and submits; waits for the gallery or an error.
 * The gallery opens under its cover: unless `cover` is set, "View gallery"
 * is pressed (leaveCover), so the grid is on screen as before covers. */
export async function unlock(page, password, { timeout = 30_000, cover = false } = {}) {
  await page.fill('#password', password);
  await page.click('#unlock-button');
  await page.waitForFunction(
    () => !document.getElementById('gallery').hidden || document.getElementById('unlock-error').textContent !== '',
    null,
    { timeout },
  );
  if (!cover) await leaveCover(page);
}

/** Presses "View gallery" if the cover is up (a playwright page or a
 * drivers.mjs one). */
export function leaveCover(page) {
  return page.evaluate(() => {
    const cover = document.getElementById('cover');
    if (cover && !cover.hidden && !document.getElementById('gallery').hidden) document.getElementById('cover-view').click();
  });
}

/** Data on every tile of the album on screen. */
export function tileInfo(page) {
  return page.$$eval('#grid .tile', (tiles) => tiles.map((t) => {
    const img = t.querySelector('img');
    const error = t.querySelector('.photo-error');
    const r = t.getBoundingClientRect();
    return {
      n: Number(t.dataset.n),
      blob: t.dataset.blob,
      src: img ? img.getAttribute('src') : null,
      naturalWidth: img ? img.naturalWidth : 0,
      alt: img ? img.alt : null,
      error: error ? error.textContent : null,
      top: r.top,
      bottom: r.bottom,
    };
  }));
}

/**
 * Scrolls through the album on screen until every tile has been seen
 * decoded or failed (thumbnails are lazy, and far ones are let go again).
 * Returns a Map n -> { blob, naturalWidth, alt, error, src }.
 */
export async function sweepAlbum(page, { timeout = 60_000 } = {}) {
  await leaveCover(page);
  const seen = new Map();
  const total = await page.locator('#grid .tile').count();
  const viewport = await page.evaluate(() => window.innerHeight);
  let y = 0;
  for (;;) {
    await page.evaluate((top) => window.scrollTo(0, top), y);
    // Every tile on screen settles: decoded, or a visible error.
    await page.waitForFunction(() => {
      const h = window.innerHeight;
      return [...document.querySelectorAll('#grid .tile')].every((t) => {
        const r = t.getBoundingClientRect();
        if (r.bottom < 0 || r.top > h) return true;
        const img = t.querySelector('img');
        return (img && img.complete && img.naturalWidth > 0) || t.querySelector('.photo-error');
      });
    }, null, { timeout });
    for (const t of await tileInfo(page)) {
      if (t.bottom < 0 || t.top > viewport) continue;
      if (t.naturalWidth > 0 || t.error) seen.set(t.n, t);
    }
    const atEnd = await page.evaluate(() => window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2);
    if (atEnd || seen.size >= total) break;
    y += Math.round(viewport * 0.6);
  }
  await page.evaluate(() => window.scrollTo(0, 0));
  return seen;
}

/** Each album tab in turn (or the only album): calls fn(index, name). */
export async function forEachAlbum(page, fn) {
  await leaveCover(page);
  const tabs = page.locator('.album-tab');
  const count = await tabs.count();
  if (count === 0) return [await fn(0, null)];
  const results = [];
  for (let i = 0; i < count; i++) {
    await tabs.nth(i).click();
    await page.waitForFunction((i) => document.querySelectorAll('.album-tab')[i].getAttribute('aria-pressed') === 'true', i);
    results.push(await fn(i, await tabs.nth(i).locator('.album-name').textContent()));
  }
  return results;
}

/** Every album in turn: waits until each tile is decoded or failed. */
export async function sweep(p) {
  await leaveCover(p);
  const tiles = new Map();
  const albums = await p.evaluate(() => document.querySelectorAll('.album-tab').length);
  for (let i = 0; i < Math.max(albums, 1); i++) {
    if (albums) await p.evaluate((i) => document.querySelectorAll('.album-tab')[i].click(), i);
    await p.waitFor((i) => {
      const tab = document.querySelectorAll('.album-tab')[i];
      const all = [...document.querySelectorAll('#grid .tile')];
      return (!tab || tab.getAttribute('aria-pressed') === 'true') && all.length > 0 && all.every((t) => {
        const img = t.querySelector('img');
        return (img && img.complete && img.naturalWidth > 0) || t.querySelector('.photo-error');
      });
    }, i);
    const seen = await p.evaluate(() => [...document.querySelectorAll('#grid .tile')].map((t) => ({
      blob: t.dataset.blob,
      width: t.querySelector('img')?.naturalWidth ?? 0,
      error: t.querySelector('.photo-error')?.textContent ?? null,
    })));
    for (const t of seen) tiles.set(t.blob, t);
  }
  await p.evaluate(() => document.querySelector('.album-tab')?.click());
  return tiles;
}

/** The shoot's image files by name (names are unique in the sample). */
export async function shootFile(name, dir = SHOOT) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = await shootFile(name, full).catch(() => null);
      if (found) return found;
    } else if (entry.name === name) {
      return full;
    }
  }
  throw new Error(`${name} is not in the shoot`);
}
