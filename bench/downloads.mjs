// Grant and download figures, printed (not asserted), in headless Chromium
// over HTTP:
//  1. unlock time (password submitted → gallery shown) of a gallery with one
//     grant and of the same gallery with three, runs interleaved;
//  2. peak browser memory (PSS of every Chromium process) while the viewer
//     downloads an album of about 1 GB of originals as one ZIP: streamed to
//     disk (File System Access API, the origin-private file system standing
//     in for the save dialog) and, without that API, streamed through the
//     site's download worker (a service worker) to the browser's own
//     downloads folder, as Firefox and Safari clients get it. Both in
//     a persistent profile, as a client's browser is: in Playwright's
//     default incognito-like context the origin-private file system lives
//     in memory, which would count the saved file as browser memory.
//
//   cargo build --release && (cd tests/browser && npm ci) && \
//     bash ../shared/bench/make-corpus.sh target/corpus && node bench/downloads.mjs [CORPUS_DIR]
//   ONLY=memory node bench/downloads.mjs   (just the download without the API)
import { execFile } from 'node:child_process';
import { readdir, readFile, stat, link, mkdir, writeFile, cp } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { BIN, REPO, SHOOT, makeTempDir, removeDir, serve, launchBrowser, launchPersistentContext, openPage } from '../tests/browser/support.mjs';

const run = promisify(execFile);
const RUNS = 7;
const TARGET_BYTES = 1e9;
const PASSWORDS = ['harbor tulip engine, first grant', 'saddle cosmos velvet, second grant', 'juniper atlas pebble, third grant'];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const corpus = path.resolve(process.argv[2] || path.join(REPO, 'target', 'corpus'));

async function build(shoot, site, args, env) {
  const started = Date.now();
  await run(BIN, ['build', shoot, '--out', site, '--quiet', ...args], {
    env: { ...process.env, ...env }, timeout: 3_600_000, maxBuffer: 1 << 24,
  });
  return (Date.now() - started) / 1000;
}

async function unlockTime(browser, url, password) {
  const p = await openPage(browser, url);
  try {
    await p.page.fill('#password', password);
    const started = Date.now();
    await p.page.click('#unlock-button');
    await p.page.waitForFunction(() => !document.getElementById('gallery').hidden, null, { timeout: 60_000, polling: 5 });
    return Date.now() - started;
  } finally {
    await p.close();
  }
}

/** Proportional set size of every Chromium process (run nothing else
 * with Chromium meanwhile), in bytes. */
async function browserPss() {
  const { stdout } = await run('ps', ['-e', '-o', 'pid=,comm=']);
  let total = 0;
  for (const line of stdout.trim().split('\n')) {
    const [pid, comm] = line.trim().split(/\s+/);
    if (!/^(chromium|chrome)/.test(comm || '')) continue;
    try {
      const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
      total += Number(/^Pss:\s+(\d+) kB/m.exec(rollup)[1]) * 1024;
    } catch { /* gone */ }
  }
  return total;
}

async function downloadAlbum(url, password, streamed, profile) {
  const picker = () => {
    window.showSaveFilePicker = async ({ suggestedName }) =>
      (await navigator.storage.getDirectory()).getFileHandle(suggestedName, { create: true });
  };
  const noPicker = () => { delete window.showSaveFilePicker; };
  const context = await launchPersistentContext(profile, { acceptDownloads: true });
  try {
    await context.addInitScript(streamed ? picker : noPicker);
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction(() => window.lightproofViewer && window.lightproofViewer.ready);
    await page.fill('#password', password);
    await page.click('#unlock-button');
    await page.waitForFunction(() => !document.getElementById('gallery').hidden, null, { timeout: 60_000 });
    await page.waitForTimeout(1000);
    const before = await browserPss();
    let peak = before;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await browserPss());
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    await page.click('#download-open');
    const label = await page.textContent('#download-all');
    const started = Date.now();
    const saved = streamed ? null : page.waitForEvent('download', { timeout: 1_800_000 });
    await page.click('#download-all');
    await page.waitForFunction(() => /Saved|nothing was saved|too large/.test(document.getElementById('download-status').textContent),
      null, { timeout: 1_800_000, polling: 500 });
    const seconds = (Date.now() - started) / 1000;
    const status = await page.textContent('#download-status');
    if (saved) await (await saved).delete();
    sampling = false;
    await sampler;
    return { label, status, seconds, before, peak };
  } finally {
    await context.close();
  }
}

/** Unlock time of the sample shoot with one grant and with three. */
async function unlockFigures(tmp, cache) {
  const one = path.join(tmp, 'one-site');
  const three = path.join(tmp, 'three-site');
  const shoot = path.join(tmp, 'sample');
  await cp(SHOOT, shoot, { recursive: true });
  const config = path.join(tmp, 'three.toml');
  await writeFile(config, '[[grant]]\nname = "a"\n\n[[grant]]\nname = "b"\nalbums = ["Ceremony"]\n\n[[grant]]\nname = "c"\nalbums = ["Mountains"]\ndownload = true\n');
  await build(shoot, one, [], { LIGHTPROOF_PASSWORD: PASSWORDS[0], LIGHTPROOF_CACHE_DIR: cache });
  await build(shoot, three, ['--config', config], {
    LIGHTPROOF_PASSWORD_A: PASSWORDS[0], LIGHTPROOF_PASSWORD_B: PASSWORDS[1], LIGHTPROOF_PASSWORD_C: PASSWORDS[2], LIGHTPROOF_CACHE_DIR: cache,
  });
  const [oneServer, threeServer] = await Promise.all([serve(one), serve(three)]);
  const browser = await launchBrowser();
  try {
    const times = { one: [], threeFirst: [], threeLast: [] };
    for (let i = 0; i < RUNS; i++) {
      times.one.push(await unlockTime(browser, oneServer.url, PASSWORDS[0]));
      times.threeFirst.push(await unlockTime(browser, threeServer.url, PASSWORDS[0]));
      times.threeLast.push(await unlockTime(browser, threeServer.url, PASSWORDS[2]));
    }
    console.log(`unlock (password submitted → gallery shown), median of ${RUNS}, PBKDF2 600,000 in WebCrypto:`);
    console.log(`  1 grant:             ${median(times.one)} ms (${times.one.join(', ')})`);
    console.log(`  3 grants, grant "a": ${median(times.threeFirst)} ms (${times.threeFirst.join(', ')})`);
    console.log(`  3 grants, grant "c": ${median(times.threeLast)} ms (${times.threeLast.join(', ')})`);
  } finally {
    await browser.close();
    await oneServer.close();
    await threeServer.close();
  }
}

const tmp = await makeTempDir('lightproof-bench-downloads-');
try {
  // 1. Unlock time, one grant against three (the header always has 8 slots).
  const cache = path.join(tmp, 'cache');
  if (process.env.ONLY !== 'memory') await unlockFigures(tmp, cache);

  // 2. A ~1 GB album: the corpus's 24-megapixel JPEGs, hard-linked under
  // new names until their originals add up to TARGET_BYTES.
  const camera = path.join(corpus, 'camera24');
  const photos = (await readdir(camera)).filter((n) => /\.jpe?g$/i.test(n)).sort();
  if (!photos.length) throw new Error(`no JPEGs in ${camera}: run ../shared/bench/make-corpus.sh ${corpus}`);
  const album = path.join(tmp, 'big', 'Album');
  await mkdir(album, { recursive: true });
  let total = 0;
  let count = 0;
  while (total < TARGET_BYTES) {
    const name = photos[count % photos.length];
    await link(path.join(camera, name), path.join(album, `${String(count).padStart(4, '0')}-${name}`));
    total += (await stat(path.join(camera, name))).size;
    count += 1;
  }
  const big = path.join(tmp, 'big-site');
  const seconds = await build(path.dirname(album), big, ['--downloads', '--thumb-size', '128', '--preview-size', '512'],
    { LIGHTPROOF_PASSWORD: PASSWORDS[0], LIGHTPROOF_CACHE_DIR: cache });
  console.log(`album: ${count} originals, ${(total / 1e9).toFixed(2)} GB (stripped), built in ${seconds.toFixed(0)} s`);
  const server = await serve(big);
  try {
    for (const streamed of process.env.ONLY === 'memory' ? [false] : [true, false]) {
      const r = await downloadAlbum(server.url, PASSWORDS[0], streamed, path.join(tmp, `profile-${streamed}`));
      const mb = (n) => (n / 2 ** 20).toFixed(0) + ' MiB';
      console.log(`${streamed ? 'streamed to disk (File System Access API)' : 'through the download worker to the downloads folder (no File System Access API)'}: ` +
        `"${r.label}" → "${r.status}" in ${r.seconds.toFixed(1)} s (${(total / 1e6 / r.seconds).toFixed(1)} MB/s); ` +
        `browser PSS ${mb(r.before)} before, peak ${mb(r.peak)} (+${mb(r.peak - r.before)})`);
    }
  } finally {
    await server.close();
  }
} finally {
  await removeDir(tmp);
}
