// Viewer figures, printed (not asserted): time from submitting the password
// to every visible thumbnail decoded, in headless Chromium over HTTP, with
// WebCrypto and with the wasm fallback; and the viewer's size, gzipped.
//
//   cargo build --release && (cd tests/browser && npm ci) && node bench/viewer.mjs
import { gzipSync } from 'node:zlib';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO, PASSWORD, makeTempDir, removeDir, buildSite, serve, launchBrowser, openPage } from '../tests/browser/support.mjs';
import { readThemeFile } from '../tests/browser/theme.mjs';

const RUNS = 5;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function unlockToThumbnails(browser, url, initScript) {
  const p = await openPage(browser, url, { initScript });
  try {
    const { page } = p;
    await page.fill('#password', PASSWORD);
    const started = Date.now();
    await page.click('#unlock-button');
    await page.waitForFunction(() => {
      const tiles = [...document.querySelectorAll('#grid .tile')];
      const visible = tiles.filter((t) => t.getBoundingClientRect().top < innerHeight);
      return visible.length > 0 && visible.every((t) => { const img = t.querySelector('img'); return img && img.complete && img.naturalWidth > 0; });
    }, null, { timeout: 60_000, polling: 10 });
    return Date.now() - started;
  } finally {
    await p.close();
  }
}

const dir = await makeTempDir();
const site = await buildSite(dir);
const server = await serve(site);
const browser = await launchBrowser();
try {
  const noSubtle = () => Object.defineProperty(Crypto.prototype, 'subtle', { get() { return undefined; } });
  const webcrypto = [], wasm = [];
  for (let i = 0; i < RUNS; i++) {
    webcrypto.push(await unlockToThumbnails(browser, server.url));
    wasm.push(await unlockToThumbnails(browser, server.url, noSubtle));
  }
  console.log(`unlock → visible thumbnails decoded, median of ${RUNS}: WebCrypto ${median(webcrypto)} ms (${webcrypto.join(', ')}), wasm PBKDF2 fallback ${median(wasm)} ms (${wasm.join(', ')})`);
} finally {
  await browser.close();
  await server.close();
  await removeDir(dir);
}
let raw = 0, gz = 0;
for (const name of ['viewer.wasm', 'viewer.js', 'style.css', 'index.html']) {
  const bytes = name === 'index.html'
    ? await readFile(path.join(REPO, 'themes/default/templates', name)) : await readThemeFile(name);
  const z = gzipSync(bytes, { level: 9 }).length;
  raw += bytes.length; gz += z;
  console.log(`${name}: ${bytes.length} bytes, ${z} gzipped`);
}
console.log(`viewer total: ${raw} bytes, ${gz} gzipped`);
