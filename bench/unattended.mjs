// A download measured with no automation attached to the browser.
//
// With a WebDriver BiDi session on it (puppeteer), Firefox keeps every
// downloaded byte in its parent process, service worker or not: a plain
// 1 GB file from a static server grew the parent by about 1 GB, and by
// nothing when the same Firefox was started by hand (docs/PERFORMANCE.md).
// So this Firefox is started by hand, on a page that drives itself: the
// site's own index.html with one more script before viewer.js (auto.js,
// below), served from memory beside the site by a small server here. The
// site on disk is not touched. auto.js unlocks, says so, waits for the
// bench's go (the open gallery's memory is sampled meanwhile), starts the
// ZIP of one album, and reports the viewer's status as it ends.
import { spawn } from 'node:child_process';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { memorySampler, processTree, totalPss, totalRss } from './process-memory.mjs';
import { serveSite } from './site-server.mjs';

const BENCH_PATH = '/__bench/';

/** The page's own driver: runs before viewer.js (deferred scripts run in
 * order), so everything it touches is the viewer's public hooks. */
function driver(config) {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const until = async (ok) => { while (!ok()) await sleep(100); };
  const tell = (event, detail) => fetch(config.benchPath + event, { method: 'POST', body: JSON.stringify(detail || {}) });
  const $ = (s) => document.querySelector(s);
  (async () => {
    await until(() => window.lightproofViewer && window.lightproofViewer.ready);
    $(config.sel.password).value = config.password;
    $(config.sel.unlockButton).click();
    await until(() => !$(config.sel.gallery).hidden || $(config.sel.unlockError).textContent);
    if ($(config.sel.gallery).hidden) { await tell('ended', { text: 'unlock: ' + $(config.sel.unlockError).textContent }); return; }
    await tell('unlocked');
    for (;;) {
      const res = await fetch(config.benchPath + 'go');
      if (res.status === 200) break;
      await sleep(100);
    }
    const tabs = document.querySelectorAll(config.sel.albumTab);
    if (tabs.length) tabs[config.albumIndex].click();
    $(config.sel.downloadOpen).click();
    $(tabs.length > 1 ? config.sel.downloadAlbum : config.sel.downloadAll).click();
    await tell('started');
    const ended = new RegExp(config.ended);
    for (;;) {
      await sleep(250);
      const text = $(config.sel.downloadStatus).textContent;
      if (ended.test(text)) { await tell('ended', { text, total: Number($(config.sel.downloadProgress).max) }); return; }
    }
  })().catch((e) => tell('ended', { text: 'driver: ' + e.message }));
}

/** Serves `site` with auto.html and auto.js, and the page's reports to
 * `onEvent(name, detail)`. */
async function startServer(site, config, onEvent) {
  const index = await readFile(path.join(site, 'index.html'), 'utf8');
  const tag = '<script src="viewer.js" defer>';
  if (!index.includes(tag)) throw new Error(`${site}/index.html has no ${tag}`);
  let go = false;
  const server = await serveSite(site, {
    extras: {
      '/auto.html': index.replace(tag, '<script src="auto.js" defer></script>' + tag),
      '/auto.js': `(${driver})(${JSON.stringify(config)});\n`,
    },
    handlers: {
      [BENCH_PATH]: (req, res, event) => {
        if (event === 'go') { res.writeHead(go ? 200 : 404).end(); return; }
        let body = '';
        req.on('data', (d) => { body += d; });
        req.on('end', () => { res.writeHead(204).end(); onEvent(event, body ? JSON.parse(body) : {}); });
      },
    },
  });
  return { url: `${server.origin}/auto.html`, go: () => { go = true; }, close: server.close };
}

/** Firefox preferences: saves to `downloads` without asking, and nothing
 * of its own on the network. */
function userJs(downloads) {
  const prefs = {
    'browser.download.dir': downloads, 'browser.download.folderList': 2, 'browser.download.useDownloadDir': true,
    'browser.download.always_ask_before_handling_new_types': false, 'browser.helperApps.neverAsk.saveToDisk': 'application/zip',
    'browser.download.start_downloads_in_tmp_dir': false, 'browser.download.alwaysOpenPanel': false,
    'browser.shell.checkDefaultBrowser': false, 'browser.startup.homepage_override.mstone': 'ignore',
    'datareporting.policy.dataSubmissionEnabled': false, 'toolkit.telemetry.reportingpolicy.firstRun': false,
    'app.update.disabledForTesting': true, 'network.captive-portal-service.enabled': false,
    'browser.safebrowsing.downloads.enabled': false, 'extensions.update.enabled': false,
  };
  return Object.entries(prefs).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`).join('\n') + '\n';
}

/** Firefox started by hand (no automation) on `url`, with a profile in
 * `work` that saves downloads to `work/saved` without asking. Returns
 * { process, downloads, close() }. */
export async function startFirefoxByHand(url, work) {
  const profile = path.join(work, 'profile');
  const downloads = path.join(work, 'saved');
  await mkdir(profile, { recursive: true });
  await mkdir(downloads, { recursive: true });
  await writeFile(path.join(profile, 'user.js'), userJs(downloads));
  const firefox = spawn('firefox-esr', ['--headless', '--no-remote', '--profile', profile, url],
    { stdio: 'ignore', env: { ...process.env, MOZ_HEADLESS: '1' } });
  return {
    process: firefox,
    downloads,
    close: async () => {
      firefox.kill();
      await new Promise((r) => (firefox.exitCode !== null ? r() : firefox.once('exit', r)));
    },
  };
}

/** The saved file, once Firefox has renamed it from its .part: bytes. */
export async function savedBytes(downloads) {
  const names = await readdir(downloads).catch(() => []);
  const done = names.filter((n) => !n.endsWith('.part'));
  if (!done.length || done.length !== names.length) return null;
  let size = 0;
  for (const n of done) size += (await stat(path.join(downloads, n))).size;
  return size;
}

/**
 * Downloads album `albumIndex` of `site` as one ZIP in a Firefox started
 * by hand in `work`. Returns { status, message, zipBytes, savedBytes,
 * seconds, rss: { before, peak, processes }, pss: { before, peak } }
 * (bytes, summed over the processes): `processes`, the parent and the
 * process that grew most, each { name, before, peak } (RSS).
 * `limitMs` bounds the whole download.
 */
export async function firefoxDownloadUnattended({ site, work, albumIndex, password, selectors, ended, limitMs }) {
  const events = new Map();
  let wake = () => {};
  const server = await startServer(site, { sel: selectors, password, albumIndex, ended: ended.source, benchPath: BENCH_PATH },
    (event, detail) => { events.set(event, { at: Date.now(), detail }); wake(); });
  const waitFor = async (event, ms) => {
    const deadline = Date.now() + ms;
    while (!events.has(event) && !events.has('ended') && Date.now() < deadline) {
      await new Promise((r) => { wake = r; setTimeout(r, 500); });
    }
    return events.get(event) || null;
  };
  const browser = await startFirefoxByHand(server.url, work);
  const { process: firefox, downloads } = browser;
  try {
    if (!(await waitFor('unlocked', 300_000))) {
      return { status: 'failed', message: events.get('ended')?.detail.text || 'the page never unlocked' };
    }
    await new Promise((r) => setTimeout(r, 1500));
    const readTree = () => processTree(firefox.pid);
    const opened = await readTree();
    const before = totalRss(opened);
    const pssBefore = await totalPss(opened);
    const memory = memorySampler(readTree);
    server.go();
    const started = await waitFor('started', 60_000);
    const end = started && await waitFor('ended', limitMs);
    let saved = null;
    let savedAt = Date.now();
    if (end && /Saved/.test(end.detail.text)) {
      const deadline = Date.now() + 120_000;
      while ((saved = await savedBytes(downloads)) === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      savedAt = Date.now();
    }
    const { peak, pssPeak, each } = await memory.stop();
    const grown = [...each].map(([pid, p]) => ({ name: p.comm, before: opened.get(pid)?.rss ?? 0, peak: p.peak }));
    const parent = grown.find((p) => /^firefox/.test(p.name));
    const most = grown.filter((p) => p !== parent).sort((a, b) => (b.peak - b.before) - (a.peak - a.before))[0];
    const text = end ? end.detail.text : started ? `still running after ${Math.round(limitMs / 1000)} s` : 'the download never started';
    return {
      status: /too large/.test(text) ? 'refused' : saved !== null ? 'ok' : 'failed',
      message: text,
      zipBytes: end && end.detail.total > 1 ? end.detail.total : null,
      savedBytes: saved,
      seconds: started ? (savedAt - started.at) / 1000 : null,
      rss: { before, peak: Math.max(peak, before), processes: [parent, most].filter(Boolean) },
      pss: { before: pssBefore, peak: Math.max(pssPeak, pssBefore) },
    };
  } finally {
    await browser.close();
    await server.close();
  }
}
