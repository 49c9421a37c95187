// The viewer at wedding scale, printed as one JSON line per figure (never
// asserted): a 3,000-photo shoot of real JPEGs (varied aspect ratios, a few
// albums) is generated once under target/bench-scale/ and built with
// target/release/lightproof, then measured over HTTP in headless Chromium
// (the flags of tests/browser/support.mjs) and Firefox ESR:
//
//   unlock          submit -> first screen of thumbnails decoded; gallery shown
//   kdf             the bare key derivation in the same page: Argon2id through
//                   the site's own viewer.wasm in a Worker, or WebCrypto PBKDF2
//                   for a --kdf-iterations site
//   unlock-main-thread    main-thread work (CDP TaskDuration) from submit to
//                   the gallery shown and drawn (Chromium only)
//   unlock-longest-task   the longest main-thread task between submit and a
//                   full first screen (Long Tasks API: Chromium only)
//   scroll          every album scrolled top to bottom at a fixed speed with the
//                   CPU throttled (CDP Emulation.setCPUThrottlingRate, Chromium):
//                   frame times, long tasks, share of on-screen tiles blank
//                   while moving and 300 ms after each stop
//   after-scroll    JS heap (after a GC) and DOM nodes
//   lightbox-step   "next photo" -> the next preview decoded
//   download        an album of 1 GB and of 5 GB of originals as one ZIP:
//                   throughput and peak browser memory (RSS and PSS of
//                   every process of the browser, summed from /proc,
//                   sampled; bench/process-memory.mjs). Firefox is
//                   started by hand with no automation attached, on a page
//                   that drives itself (bench/unattended.mjs says why)
//
//   cargo build --release && (cd tests/browser && npm ci) && node bench/viewer-scale.mjs
//   node bench/viewer-scale.mjs --only scroll --browsers chromium
//   node bench/viewer-scale.mjs --downloads --download-sizes 1,5
//   node bench/viewer-scale.mjs --help
//
// The viewer is found only through the hooks in SELECTORS below.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { link, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { launch } from '../tests/browser/drivers.mjs';
import { BIN, CHROMIUM, PASSWORD, REPO, launchPersistentContext, serve } from '../tests/browser/support.mjs';
import { readThemeFile } from '../tests/browser/theme.mjs';
import { memorySampler, processTree, totalPss, totalRss } from './process-memory.mjs';
import { firefoxDownloadUnattended } from './unattended.mjs';

const run = promisify(execFile);

// ------------------------------------------------------------ the viewer's hooks
const SELECTORS = {
  password: '#password',
  unlockButton: '#unlock-button',
  unlockError: '#unlock-error',
  gallery: '#gallery',
  grid: '#grid',
  tile: '#grid .tile',
  tileImage: 'img',
  tileError: '.photo-error',
  albumTab: '.album-tab',
  lightbox: '#lightbox',
  lightboxImage: '#lb-image',
  lightboxNext: '#lb-next',
  lightboxClose: '#lb-close',
  downloadOpen: '#download-open',
  downloadAlbum: '#download-album',
  downloadAll: '#download-all',
  downloadStatus: '#download-status',
  downloadProgress: '#download-progress',
};
// The download status once a download has ended, whichever way.
const DOWNLOAD_ENDED = /Saved|saved|Nothing was kept|too large|went wrong|stopped|part/;
const DOWNLOAD_REFUSED = /too large/;
// Files of a built site the bench reads itself.
const SITE_WASM = 'viewer.wasm';
const SITE_HEADER = 'gallery.bin';

// ------------------------------------------------------------ settings
const PHONE = { width: 390, height: 844, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const ALBUMS = [ // [folder, share of the photos]: natural order; the first opens first
  ['1 Ceremony and reception', 0.7],
  ['2 Portraits', 0.2],
  ['3 Getting ready', 0.1],
];
const ASPECTS = [[3, 2], [3, 2], [3, 2], [2, 3], [2, 3], [4, 3], [3, 4], [1, 1], [16, 9], [9, 16]];
const SOURCE_LONG_EDGE = 1600; // px: previews are then 1600 px, not the default 2048
const ORIGINAL_SIZE = [6000, 4000]; // px of the generated originals for downloads
const ORIGINAL_DISTINCT = 12; // distinct originals, hard-linked under new names

const USAGE = `node bench/viewer-scale.mjs [flags]
  --photos N             photos in the shoot (default 3000)
  --only PARTS           comma list of unlock,scroll,lightbox,downloads (default: all but downloads)
  --browsers LIST        comma list of chromium,firefox (default: both)
  --runs N               unlock runs per browser, median reported (default 3)
  --throttle N           CPU throttling of the scroll and lightbox in Chromium (default 4)
  --scroll-speed PX      CSS pixels per second while scrolling (default 2500)
  --stop-every N         stop for 300 ms every N screens while scrolling (default 10)
  --kdf-iterations N     build with PBKDF2 (N iterations) instead of Argon2id
  --downloads            also measure the download of big albums of originals
  --download-sizes LIST  album sizes in GB (default 1,5)
  --dir DIR              where shoots and sites are cached (default target/bench-scale)
  --rebuild              generate and build everything again
  --generate-only        make the shoots (no lightproof, no browser) and stop`;

function parseArgs(argv) {
  const o = {
    photos: 3000, only: null, browsers: ['chromium', 'firefox'], runs: 3, throttle: 4, scrollSpeed: 2500,
    stopEvery: 10, kdfIterations: null, downloads: false, downloadSizes: [1, 5],
    dir: path.join(REPO, 'target', 'bench-scale'), rebuild: false, generateOnly: false,
  };
  const list = (v) => v.split(',').map((s) => s.trim()).filter(Boolean);
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => { if (i + 1 >= argv.length) throw new Error(`${flag} needs a value`); return argv[++i]; };
    switch (flag) {
      case '--photos': o.photos = Number(value()); break;
      case '--only': o.only = list(value()); break;
      case '--browsers': o.browsers = list(value()); break;
      case '--runs': o.runs = Number(value()); break;
      case '--throttle': o.throttle = Number(value()); break;
      case '--scroll-speed': o.scrollSpeed = Number(value()); break;
      case '--stop-every': o.stopEvery = Number(value()); break;
      case '--kdf-iterations': o.kdfIterations = Number(value()); break;
      case '--downloads': o.downloads = true; break;
      case '--download-sizes': o.downloadSizes = list(value()).map(Number).sort((a, b) => a - b); break;
      case '--dir': o.dir = path.resolve(value()); break;
      case '--rebuild': o.rebuild = true; break;
      case '--generate-only': o.generateOnly = true; break;
      case '-h': case '--help': console.log(USAGE); process.exit(0); break;
      default: throw new Error(`unknown flag ${flag}\n${USAGE}`);
    }
  }
  o.parts = new Set(o.only || ['unlock', 'scroll', 'lightbox', ...(o.downloads ? ['downloads'] : [])]);
  const unknown = (given, known) => given.filter((x) => !known.includes(x));
  const badParts = unknown([...o.parts], ['unlock', 'scroll', 'lightbox', 'downloads']);
  const badBrowsers = unknown(o.browsers, ['chromium', 'firefox']);
  if (badParts.length || badBrowsers.length) throw new Error(`unknown part or browser: ${[...badParts, ...badBrowsers].join(', ')}\n${USAGE}`);
  return o;
}

// ------------------------------------------------------------ output
function emit(figure, fields) {
  console.log(JSON.stringify({ figure, ...fields }));
}
function skip(figure, fields, reason) {
  emit(figure, { ...fields, status: 'skipped', reason });
}
const round = (x, digits = 0) => (x === null || x === undefined || Number.isNaN(x) ? null : Number(x.toFixed(digits)));
function quantile(xs, q) {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}
const median = (xs) => quantile(xs, 0.5);

async function environment(o) {
  const { stdout: uptime } = await run('uptime');
  const version = async (bin) => (await run(bin, ['--version']).catch(() => ({ stdout: 'absent' }))).stdout.trim();
  const commit = (await run('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD']).catch(() => ({ stdout: '?' }))).stdout.trim();
  emit('environment', {
    date: new Date().toISOString(), commit, cpus: os.cpus().length, memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    uptime: uptime.trim(), loadAverage: os.loadavg().map((x) => round(x, 2)),
    chromium: await version(CHROMIUM), firefox: await version(process.env.FIREFOX_PATH || '/usr/bin/firefox-esr'),
    photos: o.photos, kdf: o.kdfIterations ? `PBKDF2 ${o.kdfIterations}` : 'Argon2id (default)', phone: PHONE,
  });
}

// ------------------------------------------------------------ generated JPEGs
// A photo-like picture: a diagonal gradient in a random hue, a few soft
// discs and fine noise, so that thumbnails weigh what a photo's do. As a
// binary PPM, for cjpeg.
const NOISE = Int8Array.from({ length: 1 << 20 }, () => Math.round((Math.random() - 0.5) * 36));
function picture(width, height, seed) {
  let s = seed >>> 0 || 1;
  const rand = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
  const base = [rand(), rand(), rand()].map((c) => 40 + c * 160);
  const tilt = [rand() - 0.5, rand() - 0.5, rand() - 0.5].map((c) => c * 120);
  const discs = Array.from({ length: 5 }, () => [rand() * width, rand() * height, (0.05 + rand() * 0.2) * width, rand() * 90 - 45]);
  const header = Buffer.from(`P6\n${width} ${height}\n255\n`);
  const px = Buffer.allocUnsafe(width * height * 3);
  const light = new Float32Array(width);
  let noise = Math.floor(rand() * NOISE.length);
  let i = 0;
  for (let y = 0; y < height; y++) {
    light.fill(0);
    for (const [cx, cy, r, v] of discs) {
      const half = r * r - (y - cy) ** 2;
      if (half <= 0) continue;
      const w = Math.sqrt(half);
      for (let x = Math.max(0, Math.ceil(cx - w)); x < Math.min(width, cx + w); x++) light[x] += v;
    }
    for (let c = 0; c < 3; c++) {
      const row = base[c] + (tilt[c] * y) / height / 2;
      const step = tilt[c] / width / 2;
      for (let x = 0, k = i + c; x < width; x++, k += 3) {
        px[k] = Math.max(0, Math.min(255, row + step * x + light[x] + NOISE[noise++ & (NOISE.length - 1)]));
      }
    }
    i += width * 3;
  }
  return Buffer.concat([header, px]);
}

function encodeJpeg(ppm, file, quality) {
  return new Promise((resolve, reject) => {
    const child = spawn('cjpeg', ['-quality', String(quality), '-outfile', file], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', (e) => reject(new Error(`cjpeg (libjpeg-turbo-progs) could not run: ${e.message}`)));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`cjpeg failed on ${file}: ${err.trim()}`))));
    child.stdin.end(ppm);
  });
}

async function inParallel(jobs, limit = os.cpus().length) {
  let next = 0;
  const worker = async () => { while (next < jobs.length) await jobs[next++](); };
  await Promise.all(Array.from({ length: limit }, worker));
}

/** The 3,000-photo shoot, made once: `<dir>/shoot-N/<album>/IMG_nnnn.jpg`. */
async function scrollShoot(o) {
  const shoot = path.join(o.dir, `shoot-${o.photos}`);
  const stamp = shoot + '.done';
  if (!o.rebuild && existsSync(stamp)) return shoot;
  await rm(shoot, { recursive: true, force: true });
  const jobs = [];
  let n = 0;
  for (const [folder, share] of ALBUMS) {
    await mkdir(path.join(shoot, folder), { recursive: true });
    const count = folder === ALBUMS[ALBUMS.length - 1][0] ? o.photos - n : Math.round(o.photos * share);
    for (let k = 0; k < count; k++, n++) {
      const seed = n + 1;
      const [a, b] = ASPECTS[n % ASPECTS.length];
      const [w, h] = a >= b ? [SOURCE_LONG_EDGE, Math.round(SOURCE_LONG_EDGE * b / a)] : [Math.round(SOURCE_LONG_EDGE * a / b), SOURCE_LONG_EDGE];
      const file = path.join(shoot, folder, `IMG_${String(n + 1).padStart(4, '0')}.jpg`);
      jobs.push(() => encodeJpeg(picture(w, h, seed), file, 88));
    }
  }
  const started = Date.now();
  await inParallel(jobs);
  await writeFile(stamp, `${o.photos} photos\n`);
  process.stderr.write(`generated ${o.photos} photos in ${((Date.now() - started) / 1000).toFixed(0)} s: ${shoot}\n`);
  return shoot;
}

/** Albums of about `sizes` GB each, of distinct originals hard-linked
 * under new names: `<dir>/downloads-shoot/<n> GB/`. */
async function downloadsShoot(o) {
  const shoot = path.join(o.dir, `downloads-shoot-${o.downloadSizes.join('-')}`);
  const stamp = shoot + '.done';
  if (!o.rebuild && existsSync(stamp)) return shoot;
  const sources = path.join(o.dir, 'originals');
  await mkdir(sources, { recursive: true });
  const files = [];
  const jobs = [];
  for (let k = 0; k < ORIGINAL_DISTINCT; k++) {
    const file = path.join(sources, `ORIGINAL_${k + 1}.jpg`);
    files.push(file);
    if (!existsSync(file)) jobs.push(() => encodeJpeg(picture(...ORIGINAL_SIZE, 1000 + k), file, 97));
  }
  await inParallel(jobs);
  const sizes = await Promise.all(files.map(async (f) => (await stat(f)).size));
  await rm(shoot, { recursive: true, force: true });
  for (const gb of o.downloadSizes) {
    const album = path.join(shoot, `${gb} GB`);
    await mkdir(album, { recursive: true });
    for (let total = 0, k = 0; total < gb * 1e9; k++) {
      await link(files[k % files.length], path.join(album, `DSC_${String(k + 1).padStart(5, '0')}.jpg`));
      total += sizes[k % files.length];
    }
  }
  await writeFile(stamp, `${o.downloadSizes.join(',')} GB\n`);
  return shoot;
}

// ------------------------------------------------------------ building
/** Whether `site` holds this tree's viewer (else a rebuild is due). */
async function hasThisViewer(site) {
  for (const name of ['viewer.js', 'viewer.wasm']) {
    const built = await readFile(path.join(site, name)).catch(() => null);
    if (!built || !built.equals(await readThemeFile(name))) return false;
  }
  return true;
}

async function buildSite(o, shoot, name, args) {
  const site = path.join(o.dir, name);
  if (!o.rebuild && existsSync(site + '.done') && await hasThisViewer(site)) return site;
  if (!existsSync(BIN)) throw new Error(`${BIN} not found: cargo build --release (or set LIGHTPROOF_BIN)`);
  const kdf = o.kdfIterations ? ['--kdf-iterations', String(o.kdfIterations)] : [];
  const started = Date.now();
  await rm(site + '.done', { force: true });
  try {
    await run(BIN, ['build', shoot, '--out', site, '--quiet', ...kdf, ...args], {
      env: { ...process.env, LIGHTPROOF_PASSWORD: PASSWORD, LIGHTPROOF_CACHE_DIR: path.join(o.dir, 'cache') },
      timeout: 3_600_000, maxBuffer: 1 << 24,
    });
  } catch (e) {
    throw new Error(`lightproof build ${shoot} failed: ${e.message}\n${e.stderr || ''}`);
  }
  if (!await hasThisViewer(site)) throw new Error(`${site}: the viewer differs from themes/default: ${BIN} is stale, rebuild it`);
  await writeFile(site + '.done', '');
  process.stderr.write(`built ${site} in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  return site;
}

// ------------------------------------------------------------ in the page
// These run inside the page (serialised by the driver): only their
// argument reaches them.

/** Before any page script: records long tasks where the browser can. */
function recordLongTasks() {
  window.__longTasks = [];
  try {
    if (PerformanceObserver.supportedEntryTypes.includes('longtask')) {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longTasks.push([e.startTime, e.duration]);
      }).observe({ type: 'longtask', buffered: true });
    } else {
      window.__longTasks = null;
    }
  } catch (e) { window.__longTasks = null; }
}

/** Defines window.__screenTiles(sel): every tile on screen, and how many
 * of them have no picture yet. (Run through the driver: the page's CSP
 * allows no eval.) */
function installHelpers() {
  window.__screenTiles = (sel) => {
    let on = 0;
    let blank = 0;
    for (const t of document.querySelectorAll(sel.tile)) {
      const r = t.getBoundingClientRect();
      if (r.height === 0 || r.bottom <= 0 || r.top >= innerHeight) continue;
      on += 1;
      const img = t.querySelector(sel.tileImage);
      if (!(img && img.complete && img.naturalWidth > 0) && !t.querySelector(sel.tileError)) blank += 1;
    }
    return { on, blank };
  };
}

/** Submits the password; resolves when the first screen of tiles is full. */
async function unlockInPage({ sel, password, timeout }) {
  const screenTiles = () => window.__screenTiles(sel);
  const $ = (s) => document.querySelector(s);
  $(sel.password).value = password;
  const t0 = performance.now();
  $(sel.unlockButton).click();
  return new Promise((resolve) => {
    let shown = null;
    let last = t0;
    let longestFrame = 0;
    const tick = (now) => {
      longestFrame = Math.max(longestFrame, now - last);
      last = now;
      const t = performance.now() - t0;
      if ($(sel.unlockError).textContent) return resolve({ error: $(sel.unlockError).textContent });
      if (shown === null && !$(sel.gallery).hidden) shown = t;
      const s = shown === null ? null : screenTiles();
      if (s && s.on > 0 && s.blank === 0) {
        // Long tasks are reported just after they end: give them a moment.
        return setTimeout(() => {
          const tasks = window.__longTasks && window.__longTasks.filter(([start]) => start >= t0 && start <= t0 + t);
          resolve({ galleryMs: shown, firstScreenMs: t, tilesOnScreen: s.on, longestFrameMs: longestFrame,
            longestTaskMs: tasks ? Math.max(0, ...tasks.map(([, d]) => d)) : null, longTasks: tasks ? tasks.length : null });
        }, 200);
      }
      if (t > timeout) return resolve({ error: `first screen not full after ${timeout} ms`, galleryMs: shown });
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

/** The bare key derivation: Argon2id through the site's viewer.wasm in a
 * Worker (as the viewer runs it), or PBKDF2 in WebCrypto. */
async function kdfInPage({ iterations, password, wasmFile, headerFile }) {
  const pw = new TextEncoder().encode(password.normalize('NFC'));
  if (iterations) {
    const key = await crypto.subtle.importKey('raw', pw, 'PBKDF2', false, ['deriveBits']);
    const t0 = performance.now();
    await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: crypto.getRandomValues(new Uint8Array(16)), iterations }, key, 256);
    return { how: `PBKDF2-SHA-256, ${iterations} iterations, WebCrypto in the page`, ms: performance.now() - t0 };
  }
  const [wasm, header] = await Promise.all([wasmFile, headerFile].map(async (f) => new Uint8Array(await (await fetch(f)).arrayBuffer())));
  const module = await WebAssembly.compile(wasm);
  const source = `onmessage = async (e) => {
    const { module, header, password } = e.data;
    const ex = (await WebAssembly.instantiate(module, {})).exports;
    const put = (b) => { const p = ex.lp_alloc(Math.max(b.length, 1)) >>> 0; new Uint8Array(ex.memory.buffer, p, b.length).set(b); return p; };
    const opened = ex.lp_open_header(put(header), header.length) >>> 0;
    const t0 = performance.now();
    const status = opened === 0 ? ex.lp_derive_password_key(put(password), password.length) >>> 0 : opened;
    postMessage({ status, deriveMs: performance.now() - t0 });
  };`;
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const t0 = performance.now();
  const worker = new Worker(url);
  const reply = await new Promise((resolve, reject) => {
    worker.onmessage = (e) => resolve(e.data);
    worker.onerror = (e) => reject(new Error(e.message || 'the Worker failed'));
    worker.postMessage({ module, header, password: pw });
  });
  const ms = performance.now() - t0;
  worker.terminate();
  URL.revokeObjectURL(url);
  if (reply.status !== 0) throw new Error(`lp_derive_password_key returned status ${reply.status}`);
  return { how: 'Argon2id, the site\'s viewer.wasm in a Worker (Worker start to key)', ms, deriveMs: reply.deriveMs };
}

/** Scrolls the document from top to bottom at `speed` px/s, stopping
 * `settle` ms every `stopEvery` screens; frame times while moving. */
async function scrollInPage({ sel, speed, stopEvery, settle, sampleEvery }) {
  const screenTiles = () => window.__screenTiles(sel);
  const frame = () => new Promise((r) => requestAnimationFrame(r));
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const longTasks = [];
  let observer = null;
  if (PerformanceObserver.supportedEntryTypes.includes('longtask')) {
    observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) longTasks.push(e.duration); });
    observer.observe({ type: 'longtask' });
  }
  const frames = [];
  const moving = { on: 0, blank: 0 };
  const stops = { on: 0, blank: 0, count: 0 };
  const end = document.scrollingElement.scrollHeight - innerHeight;
  const started = performance.now();
  for (let from = 0; from < end;) {
    const to = Math.min(end, from + stopEvery * innerHeight);
    const t0 = await frame();
    let last = t0;
    let lastSample = -Infinity;
    for (;;) {
      const now = await frame();
      frames.push(now - last);
      last = now;
      const y = Math.min(to, from + (speed * (now - t0)) / 1000);
      window.scrollTo(0, y);
      if (now - lastSample >= sampleEvery) {
        lastSample = now;
        const s = screenTiles();
        moving.on += s.on; moving.blank += s.blank;
      }
      if (y >= to) break;
    }
    await sleep(settle);
    const s = screenTiles();
    stops.on += s.on; stops.blank += s.blank; stops.count += 1;
    from = to;
  }
  await sleep(100);
  if (observer) observer.disconnect();
  return { frames, longTasks: observer ? longTasks : null, moving, stops, height: end + innerHeight, seconds: (performance.now() - started) / 1000 };
}

/** Opens the first tile on screen in the lightbox and steps `steps` times;
 * the time from "next" to the next preview decoded, each. */
async function lightboxInPage({ sel, steps, pause }) {
  const $ = (s) => document.querySelector(s);
  const frame = () => new Promise((r) => requestAnimationFrame(r));
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const image = $(sel.lightboxImage);
  const loaded = (before) => image.getAttribute('src') && image.src !== before && image.complete && image.naturalWidth > 0;
  const until = async (ok, what) => {
    const t0 = performance.now();
    while (!ok()) {
      if (performance.now() - t0 > 60_000) throw new Error(`lightbox: ${what} after 60 s`);
      await frame();
    }
  };
  window.scrollTo(0, 0);
  const tile = [...document.querySelectorAll(sel.tile)].find((t) => t.getBoundingClientRect().top >= 0);
  tile.click();
  await until(() => $(sel.lightbox).open && loaded(null), 'no first preview');
  const times = [];
  for (let i = 0; i < steps && !$(sel.lightboxNext).disabled; i++) {
    await sleep(pause);
    const before = image.src;
    const t0 = performance.now();
    $(sel.lightboxNext).click();
    await until(() => loaded(before), `step ${i + 1} not shown`);
    times.push(performance.now() - t0);
  }
  $(sel.lightboxClose).click();
  return times;
}

// ------------------------------------------------------------ measurements
async function openUnlocked(browser, url, { viewport = PHONE } = {}) {
  const p = await browser.newPage({ viewport, init: recordLongTasks });
  await p.goto(url);
  await p.evaluate(installHelpers);
  const r = await p.evaluate(unlockInPage, { sel: SELECTORS, password: PASSWORD, timeout: 300_000 });
  if (r.error) throw new Error(`unlock: ${r.error}`);
  return { p, r };
}

async function measureUnlock(o, kind, browser, url) {
  const runs = [];
  for (let i = 0; i < o.runs; i++) {
    const p = await browser.newPage({ viewport: PHONE, init: recordLongTasks });
    try {
      await p.goto(url);
      await p.evaluate(installHelpers);
      const kdf = await p.evaluate(kdfInPage, { iterations: o.kdfIterations, password: PASSWORD, wasmFile: SITE_WASM, headerFile: SITE_HEADER })
        .catch((e) => ({ error: e.message.split('\n')[0], ms: null }));
      await p.evaluate(() => new Promise((r) => setTimeout(r, 300)));
      const r = await p.evaluate(unlockInPage, { sel: SELECTORS, password: PASSWORD, timeout: 300_000 });
      if (r.error) throw new Error(r.error);
      runs.push({ ...r, kdf });
    } finally {
      await p.close();
    }
  }
  const pick = (f) => runs.map(f);
  const kdfMs = median(pick((r) => r.kdf.ms));
  const first = median(pick((r) => r.firstScreenMs));
  emit('unlock', {
    browser: kind, photos: o.photos, runs: o.runs, firstScreenFullMs: round(first), galleryShownMs: round(median(pick((r) => r.galleryMs))),
    tilesOnFirstScreen: runs[0].tilesOnScreen, allFirstScreenMs: pick((r) => round(r.firstScreenMs)),
    target: kdfMs === null ? '<= 1.3 x kdf + 300 ms' : `<= 1.3 x kdf + 300 ms = ${round(1.3 * kdfMs + 300)} ms`,
  });
  const kdfError = runs.find((r) => r.kdf.error);
  if (kdfError) emit('kdf', { browser: kind, status: 'failed', reason: kdfError.kdf.error });
  else emit('kdf', {
    browser: kind, how: runs[0].kdf.how, ms: round(kdfMs), deriveOnlyMs: round(median(pick((r) => r.kdf.deriveMs ?? r.kdf.ms))),
    allMs: pick((r) => round(r.kdf.ms)),
  });
  if (kind === 'chromium') await measureMainThread(o, kind, browser, url);
  else skip('unlock-main-thread', { browser: kind }, 'needs CDP Performance.getMetrics (Chromium)');
  const longest = pick((r) => r.longestTaskMs);
  emit('unlock-longest-task', {
    browser: kind, longestTaskMs: longest[0] === null ? null : round(median(longest)), allMs: longest.map((x) => round(x)),
    longestFrameMs: round(median(pick((r) => r.longestFrameMs))),
    ...(longest[0] === null ? { note: 'no Long Tasks API in this browser: longestFrameMs (longest gap between animation frames) stands in' } : {}),
    target: 'no task over 100 ms',
  });
}

/** Submits the password; resolves once the gallery is shown and its first
 * frame drawn (a MutationObserver, then two animation frames): no polling
 * of the page's own, which would count in its main-thread time. */
async function submitUntilShown({ sel, password }) {
  const $ = (s) => document.querySelector(s);
  $(sel.password).value = password;
  const t0 = performance.now();
  return new Promise((resolve) => {
    const done = (r) => { observer.disconnect(); resolve(r); };
    const observer = new MutationObserver(() => {
      if ($(sel.unlockError).textContent) done({ error: $(sel.unlockError).textContent });
      else if (!$(sel.gallery).hidden) {
        const shown = performance.now() - t0;
        requestAnimationFrame(() => requestAnimationFrame(() => done({ shownMs: shown, drawnMs: performance.now() - t0 })));
      }
    });
    observer.observe($(sel.gallery), { attributes: true, attributeFilter: ['hidden'] });
    observer.observe($(sel.unlockError), { childList: true, characterData: true, subtree: true });
    $(sel.unlockButton).click();
  });
}

/** Main-thread work from submit to the gallery drawn: CDP's TaskDuration
 * (every task of the page's main thread; Workers not included), read
 * before the submit and once the first frame of the gallery is drawn. */
async function measureMainThread(o, kind, browser, url) {
  const runs = [];
  for (let i = 0; i < o.runs; i++) {
    const p = await browser.newPage({ viewport: PHONE });
    try {
      await p.goto(url);
      const cdp = await p.page.context().newCDPSession(p.page);
      await cdp.send('Performance.enable');
      const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
      await p.evaluate(() => new Promise((r) => setTimeout(r, 300)));
      const before = await metrics();
      const r = await p.evaluate(submitUntilShown, { sel: SELECTORS, password: PASSWORD });
      const after = await metrics();
      if (r.error) throw new Error(r.error);
      const ms = (name) => (after[name] - before[name]) * 1000;
      runs.push({ taskMs: ms('TaskDuration'), scriptMs: ms('ScriptDuration'), layoutMs: ms('LayoutDuration') + ms('RecalcStyleDuration'), ...r });
    } finally {
      await p.close();
    }
  }
  const pick = (f) => runs.map(f);
  emit('unlock-main-thread', {
    browser: kind, runs: o.runs, taskMs: round(median(pick((r) => r.taskMs))), scriptMs: round(median(pick((r) => r.scriptMs))),
    styleAndLayoutMs: round(median(pick((r) => r.layoutMs))), galleryDrawnMs: round(median(pick((r) => r.drawnMs))),
    allTaskMs: pick((r) => round(r.taskMs)),
    note: 'submit -> gallery shown and drawn (two animation frames); KDF and photos Workers not counted',
    target: 'manifest parsed and first screen laid out in < 100 ms of main-thread work',
  });
}

async function albumTabs(p) {
  return p.evaluate((sel) => document.querySelectorAll(sel.albumTab).length, SELECTORS);
}

async function showAlbum(p, index) {
  await p.evaluate(({ sel, index }) => document.querySelectorAll(sel.albumTab)[index]?.click(), { sel: SELECTORS, index });
  await p.evaluate(() => { window.scrollTo(0, 0); return new Promise((r) => setTimeout(r, 1500)); });
  return p.evaluate((sel) => document.querySelectorAll(sel.tile).length, SELECTORS);
}

async function measureScroll(o, kind, browser, url) {
  const { p } = await openUnlocked(browser, url);
  try {
    const cdp = await p.page.context().newCDPSession(p.page);
    const tabs = await albumTabs(p);
    // The first album (the largest) last, so that what stays in the page
    // after the scroll is the most the viewer ever holds.
    const order = tabs > 1 ? [...Array.from({ length: tabs - 1 }, (_, i) => i + 1), 0] : [0];
    const all = { frames: [], longTasks: [], moving: { on: 0, blank: 0 }, stops: { on: 0, blank: 0, count: 0 }, seconds: 0, height: 0, tiles: 0 };
    const albums = [];
    for (const index of order) {
      const tiles = await showAlbum(p, index);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: o.throttle });
      const s = await p.evaluate(scrollInPage, { sel: SELECTORS, speed: o.scrollSpeed, stopEvery: o.stopEvery, settle: 300, sampleEvery: 100 });
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
      albums.push({ index, tiles, heightPx: s.height, seconds: round(s.seconds, 1), medianFrameMs: round(median(s.frames), 1) });
      all.frames.push(...s.frames);
      all.longTasks.push(...(s.longTasks || []));
      for (const k of ['on', 'blank']) { all.moving[k] += s.moving[k]; all.stops[k] += s.stops[k]; }
      all.stops.count += s.stops.count;
      all.seconds += s.seconds; all.height += s.height; all.tiles += tiles;
    }
    const share = (x) => (x.on ? round((100 * x.blank) / x.on, 1) : null);
    emit('scroll', {
      browser: kind, throttle: o.throttle, speedPxPerS: o.scrollSpeed, tiles: all.tiles, albums, seconds: round(all.seconds, 1),
      frames: all.frames.length, fps: round(all.frames.length / all.seconds, 1),
      medianFrameMs: round(median(all.frames), 1), p95FrameMs: round(quantile(all.frames, 0.95), 1), longestFrameMs: round(all.frames.reduce((a, b) => Math.max(a, b), 0), 1),
      longTasks: all.longTasks.length, longestTaskMs: round(all.longTasks.reduce((a, b) => Math.max(a, b), 0)),
      blankWhileScrollingPct: share(all.moving), blankAfterStopPct: share(all.stops), stops: all.stops.count,
      target: 'p95 frame <= 50 ms, < 5 % blank 300 ms after a stop, no long task over 100 ms',
    });
    await measureAfterScroll(kind, p, cdp);
  } finally {
    await p.close();
  }
}

async function measureAfterScroll(kind, p, cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const metric = (name) => metrics.find((m) => m.name === name)?.value ?? null;
  const elements = await p.evaluate(() => document.getElementsByTagName('*').length);
  emit('after-scroll', {
    browser: kind, jsHeapUsedMiB: round(metric('JSHeapUsedSize') / 2 ** 20, 1), jsHeapTotalMiB: round(metric('JSHeapTotalSize') / 2 ** 20, 1),
    domNodes: metric('Nodes'), elements, note: 'after a GC; the largest album is the one on screen',
  });
}

async function measureLightbox(o, kind, browser, url) {
  const { p } = await openUnlocked(browser, url);
  try {
    const throttle = kind === 'chromium' ? o.throttle : 1;
    if (throttle > 1) {
      const cdp = await p.page.context().newCDPSession(p.page);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: throttle });
    }
    const times = await p.evaluate(lightboxInPage, { sel: SELECTORS, steps: 15, pause: 400 });
    emit('lightbox-step', {
      browser: kind, throttle, steps: times.length, medianMs: round(median(times)), p95Ms: round(quantile(times, 0.95)),
      maxMs: round(Math.max(...times)), allMs: times.map((t) => round(t)), note: 'one step every 400 ms; the viewer fetches one preview ahead',
    });
  } finally {
    await p.close();
  }
}

// ------------------------------------------------------------ downloads
/** The browsers' processes: every one under this one but the static
 * server (python3). */
const browserProcesses = () => processTree(process.pid, { withRoot: false, skip: /^python/ });

// Chromium saves through the File System Access API; its save dialog
// cannot be answered headless, so a file of the origin-private file system
// (on disk: the profile is persistent) stands in for the file chosen.
function saveDialogStandIn() {
  window.showSaveFilePicker = async ({ suggestedName }) =>
    (await navigator.storage.getDirectory()).getFileHandle(suggestedName, { create: true });
}

/** Chromium with an on-disk profile for a download: a page with `goto`,
 * `evaluate`, `click`. */
async function chromiumForDownloads(profile) {
  const context = await launchPersistentContext(profile, { viewport: { width: 1280, height: 800 } });
  await context.addInitScript(saveDialogStandIn);
  const page = context.pages()[0] || await context.newPage();
  return {
    goto: async (url) => { await page.goto(url); await page.waitForFunction(() => window.lightproofViewer && window.lightproofViewer.ready); },
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    click: (s) => page.click(s),
    close: () => context.close(),
  };
}

async function downloadStatus(b) {
  return b.evaluate((sel) => ({
    text: document.querySelector(sel.downloadStatus).textContent,
    total: Number(document.querySelector(sel.downloadProgress).max),
  }), SELECTORS);
}

const DOWNLOAD_TARGET = { chromium: '>= 150 MB/s', firefox: '>= 100 MB/s for 1 GB; 5 GB completes with memory within 300 MB of the open gallery' };

/** Firefox with no automation attached (bench/unattended.mjs says why). */
async function downloadFirefox(o, site, gb, albumIndex) {
  const work = path.join(o.dir, 'download-firefox');
  await rm(work, { recursive: true, force: true });
  try {
    const r = await firefoxDownloadUnattended({
      site, work, albumIndex, password: PASSWORD, selectors: SELECTORS, ended: DOWNLOAD_ENDED,
      limitMs: 60_000 + gb * 1e9 / 1e6 * 1000, // at 1 MB/s at the least
    });
    const mib = (n) => (n === null || n === undefined ? null : round(n / 2 ** 20));
    emit('download', {
      browser: 'firefox', albumGB: gb, status: r.status, message: r.message, zipBytes: r.zipBytes ?? null, savedBytes: r.savedBytes ?? null,
      seconds: r.seconds === null || r.seconds === undefined ? null : round(r.seconds, 1),
      MBps: r.status === 'ok' && r.zipBytes ? round(r.zipBytes / 1e6 / r.seconds, 1) : null,
      rssBeforeMiB: mib(r.rss?.before), rssPeakMiB: mib(r.rss?.peak), rssGrowthMiB: r.rss ? mib(r.rss.peak - r.rss.before) : null,
      pssBeforeMiB: mib(r.pss?.before), pssPeakMiB: mib(r.pss?.peak), pssGrowthMiB: r.pss ? mib(r.pss.peak - r.pss.before) : null,
      processes: (r.rss?.processes || []).map((p) => ({ name: p.name, beforeMiB: mib(p.before), peakMiB: mib(p.peak) })),
      how: 'the browser\'s own download through the download worker (what the viewer offers without the File System Access API); Firefox started by hand, the page unlocking and starting the download by itself',
      target: DOWNLOAD_TARGET.firefox,
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function downloadChromium(o, url, gb, albumIndex) {
  const kind = 'chromium';
  const work = path.join(o.dir, `download-${kind}`);
  await rm(work, { recursive: true, force: true });
  const b = await chromiumForDownloads(path.join(work, 'profile'));
  try {
    await b.goto(url);
    await b.evaluate(installHelpers);
    const r = await b.evaluate(unlockInPage, { sel: SELECTORS, password: PASSWORD, timeout: 300_000 });
    if (r.error) throw new Error(`unlock: ${r.error}`);
    // One album has no tabs and no "This album" button: "All photos" is it.
    const several = await b.evaluate(({ sel, albumIndex }) => {
      const tabs = document.querySelectorAll(sel.albumTab);
      if (tabs.length) tabs[albumIndex].click();
      return tabs.length > 1;
    }, { sel: SELECTORS, albumIndex });
    await new Promise((res) => setTimeout(res, 1500));
    const opened = await browserProcesses();
    const before = totalRss(opened);
    const pssBefore = await totalPss(opened);
    const sampler = memorySampler(browserProcesses);
    await b.click(SELECTORS.downloadOpen);
    const started = Date.now();
    await b.click(several ? SELECTORS.downloadAlbum : SELECTORS.downloadAll);
    const deadline = started + 60_000 + gb * 1e9 / 1e6 * 1000; // at 1 MB/s at the least
    let status;
    for (;;) {
      await new Promise((res) => setTimeout(res, 500));
      status = await downloadStatus(b);
      if (DOWNLOAD_ENDED.test(status.text)) break;
      if (Date.now() > deadline) { status.text = `still running after ${((Date.now() - started) / 1000).toFixed(0)} s: ${status.text}`; break; }
    }
    const seconds = (Date.now() - started) / 1000;
    const outcome = DOWNLOAD_REFUSED.test(status.text) ? 'refused' : /Saved/.test(status.text) ? 'ok' : 'failed';
    const saved = outcome === 'ok' ? await savedFileBytes(b) : null;
    const sampled = await sampler.stop();
    const peak = Math.max(sampled.peak, before);
    const pssPeak = Math.max(sampled.pssPeak, pssBefore);
    const bytes = status.total > 1 ? status.total : null;
    emit('download', {
      browser: kind, albumGB: gb, status: outcome, message: status.text, zipBytes: bytes, savedBytes: saved,
      seconds: round(seconds, 1), MBps: outcome === 'ok' && bytes ? round(bytes / 1e6 / seconds, 1) : null,
      rssBeforeMiB: round(before / 2 ** 20), rssPeakMiB: round(peak / 2 ** 20), rssGrowthMiB: round((peak - before) / 2 ** 20),
      pssBeforeMiB: round(pssBefore / 2 ** 20), pssPeakMiB: round(pssPeak / 2 ** 20), pssGrowthMiB: round((pssPeak - pssBefore) / 2 ** 20),
      how: 'File System Access API (origin-private file standing in for the save dialog)',
      target: DOWNLOAD_TARGET.chromium,
    });
  } finally {
    await b.close().catch(() => {});
    await rm(work, { recursive: true, force: true });
  }
}

/** Bytes of what Chromium saved (in the origin-private file system). */
async function savedFileBytes(b) {
  return b.evaluate(async () => {
    let size = 0;
    for await (const [, handle] of (await navigator.storage.getDirectory()).entries()) size += (await handle.getFile()).size;
    return size;
  }).catch(() => null);
}

async function measureDownloads(o) {
  const shoot = await downloadsShoot(o);
  const site = await buildSite(o, shoot, `downloads-site-${o.downloadSizes.join('-')}`, ['--downloads', '--web-only', '--thumb-size', '128', '--preview-size', '512']);
  const server = await serve(site);
  try {
    // The smaller albums first, in every browser: the figures that take
    // least time come first.
    for (const [albumIndex, gb] of o.downloadSizes.entries()) {
      for (const kind of o.browsers) {
        const measure = kind === 'firefox' ? downloadFirefox(o, site, gb, albumIndex) : downloadChromium(o, server.url, gb, albumIndex);
        await measure.catch((e) =>
          emit('download', { browser: kind, albumGB: gb, status: 'failed', reason: e.message.split('\n')[0] }));
      }
    }
  } finally {
    await server.close();
  }
}

// ------------------------------------------------------------ main
async function measureBrowser(o, kind, url) {
  const browser = await launch(kind);
  try {
    const attempt = async (figures, fn) => {
      try { await fn(); } catch (e) {
        for (const figure of figures) emit(figure, { browser: kind, status: 'failed', reason: e.message.split('\n')[0] });
      }
    };
    if (o.parts.has('unlock')) await attempt(['unlock', 'kdf', 'unlock-main-thread', 'unlock-longest-task'], () => measureUnlock(o, kind, browser, url));
    else for (const f of ['unlock', 'kdf', 'unlock-main-thread', 'unlock-longest-task']) skip(f, { browser: kind }, 'not asked for (--only)');
    if (!o.parts.has('scroll')) for (const f of ['scroll', 'after-scroll']) skip(f, { browser: kind }, 'not asked for (--only)');
    else if (kind !== 'chromium') for (const f of ['scroll', 'after-scroll']) skip(f, { browser: kind }, 'Firefox has no CPU throttling and no heap metrics; the targets are at 4x throttling (Chromium)');
    else await attempt(['scroll', 'after-scroll'], () => measureScroll(o, kind, browser, url));
    if (o.parts.has('lightbox')) await attempt(['lightbox-step'], () => measureLightbox(o, kind, browser, url));
    else skip('lightbox-step', { browser: kind }, 'not asked for (--only)');
  } finally {
    await browser.close();
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  await mkdir(o.dir, { recursive: true });
  if (o.generateOnly) {
    await scrollShoot(o);
    if (o.downloads) await downloadsShoot(o);
    return;
  }
  await environment(o);
  if (['unlock', 'scroll', 'lightbox'].some((part) => o.parts.has(part))) {
    const shoot = await scrollShoot(o);
    const site = await buildSite(o, shoot, `site-${o.photos}${o.kdfIterations ? `-pbkdf2-${o.kdfIterations}` : ''}`, []);
    const server = await serve(site);
    try {
      for (const kind of o.browsers) await measureBrowser(o, kind, server.url);
    } finally {
      await server.close();
    }
  } else {
    for (const kind of o.browsers) {
      for (const f of ['unlock', 'kdf', 'unlock-main-thread', 'unlock-longest-task', 'scroll', 'after-scroll', 'lightbox-step']) skip(f, { browser: kind }, 'not asked for (--only)');
    }
  }
  if (o.parts.has('downloads')) await measureDownloads(o);
  else for (const kind of o.browsers) for (const gb of o.downloadSizes) skip('download', { browser: kind, albumGB: gb }, 'not asked for: add --downloads (needs about 6 GB of disk and several minutes per GB)');
}

main().catch((e) => {
  console.error(e.stack || e.message);
  process.exit(1);
});
