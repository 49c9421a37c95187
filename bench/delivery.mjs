// Delivery figures, printed (not asserted): what opening from a disk costs.
// - Size: the folder with and without its offline copies, and the
//   single-file bundle, against the folder a web host needs.
// - Time from submitting the password to the first thumbnail decoded, over
//   HTTP, from the folder on disk (file://) and from the bundle on disk, in
//   headless Chromium and Firefox ESR; median of RUNS interleaved runs.
//
//   cargo build --release && (cd tests/browser && npm ci) && node bench/delivery.mjs [SHOOT_DIR]
import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { BROWSERS, launch } from '../tests/browser/drivers.mjs';
import { BIN, PASSWORD, makeTempDir, removeDir, serve } from '../tests/browser/support.mjs';

const RUNS = Number(process.env.RUNS || 7);
const shoot = path.resolve(process.argv[2] || 'sample-shoot');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;

async function sizes(dir) {
  let copies = 0, rest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath ?? entry.path, entry.name);
    const { size } = await stat(full);
    const copy = entry.name.endsWith('.js') && entry.name !== 'viewer.js';
    if (copy) copies += size; else rest += size;
  }
  return { copies, rest };
}

async function firstThumbnail(browser, url) {
  const p = await browser.newPage();
  try {
    await p.goto(url);
    await p.type('#password', PASSWORD);
    const started = Date.now();
    await p.click('#unlock-button');
    await p.waitFor(() => [...document.querySelectorAll('#grid .tile img')].some((i) => i.complete && i.naturalWidth > 0), undefined, 60_000);
    return Date.now() - started;
  } finally {
    await p.close();
  }
}

const dir = await makeTempDir();
const site = path.join(dir, 'site');
const bundle = path.join(dir, 'gallery.html');
const env = { ...process.env, LIGHTPROOF_PASSWORD: PASSWORD, LIGHTPROOF_CACHE_DIR: path.join(dir, 'cache') };
await promisify(execFile)(BIN, ['build', shoot, '--out', site, '--quiet', '--single-file', bundle], { env, maxBuffer: 1 << 24 });
const server = await serve(site);
try {
  const { copies, rest } = await sizes(site);
  const bundleBytes = (await stat(bundle)).size;
  console.log(`shoot: ${shoot}`);
  console.log(`folder for a web host (--web-only): ${mb(rest)}`);
  console.log(`offline copies: ${mb(copies)} (+${((copies / rest) * 100).toFixed(1)} %; whole folder ${mb(rest + copies)})`);
  console.log(`single-file bundle: ${mb(bundleBytes)} (+${((bundleBytes / rest - 1) * 100).toFixed(1)} % over the web-host folder)`);
  const ways = [
    ['HTTP', server.url],
    ['file:// folder', pathToFileURL(path.join(site, 'index.html')).href],
    ['file:// bundle', pathToFileURL(bundle).href],
  ];
  for (const kind of BROWSERS) {
    const browser = await launch(kind);
    try {
      const times = ways.map(() => []);
      for (let run = 0; run < RUNS; run++) {
        for (const [i, [, url]] of ways.entries()) times[i].push(await firstThumbnail(browser, url));
      }
      for (const [i, [name]] of ways.entries()) {
        console.log(`${kind}, ${name}: unlock → first thumbnail, median of ${RUNS}: ${median(times[i])} ms (${times[i].join(', ')})`);
      }
    } finally {
      await browser.close();
    }
  }
} finally {
  await server.close();
  await removeDir(dir);
}
