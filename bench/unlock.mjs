// Argon2id unlock figures, printed (not asserted): submit -> gallery
// visible, and the derivation alone (Worker started -> key posted back), in
// headless Chromium (unthrottled and with CDP CPU throttling 4x) and
// Firefox ESR (unthrottled: it has no CPU throttle), over HTTP.
//
//   cargo build --release && (cd tests/browser && npm ci) && node bench/unlock.mjs
//   (LIGHTPROOF_BIN=... to use another binary; RUNS=n, default 3)
import { launch } from '../tests/browser/drivers.mjs';
import { PASSWORD, buildSite, makeTempDir, removeDir, serve } from '../tests/browser/support.mjs';

const RUNS = Number(process.env.RUNS || 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function watchWorker() {
  const RealWorker = window.Worker;
  window.__derive = {};
  window.Worker = function (...args) {
    const w = new RealWorker(...args);
    window.__derive.start = performance.now();
    w.addEventListener('message', () => { window.__derive.end = performance.now(); });
    return w;
  };
}

async function once(browser, url, throttle) {
  const p = await browser.newPage({ init: watchWorker });
  try {
    await p.goto(url);
    if (throttle) {
      const cdp = await p.page.context().newCDPSession(p.page);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: throttle });
    }
    await p.type('#password', PASSWORD);
    // Submit and wait inside the page, so the figure is the page's own clock.
    return await p.evaluate(() => new Promise((resolve) => {
      const t0 = performance.now();
      const gallery = document.getElementById('gallery');
      const done = () => resolve({
        total: performance.now() - t0,
        derive: window.__derive.end - window.__derive.start,
      });
      new MutationObserver((_, observer) => {
        if (!gallery.hidden) { observer.disconnect(); done(); }
      }).observe(gallery, { attributes: true, attributeFilter: ['hidden'] });
      document.getElementById('unlock-button').click();
    }));
  } finally {
    await p.close();
  }
}

const dir = await makeTempDir();
const site = await buildSite(dir);
const server = await serve(site);
try {
  for (const [kind, throttle] of [['chromium', 0], ['chromium', 4], ['firefox', 0]]) {
    const browser = await launch(kind);
    try {
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await once(browser, server.url, throttle));
      const label = `${kind}${throttle ? ` (CPU throttled ${throttle}x)` : ''}`;
      console.log(`${label}: submit -> gallery ${Math.round(median(runs.map((r) => r.total)))} ms, ` +
        `Argon2id alone ${Math.round(median(runs.map((r) => r.derive)))} ms (median of ${RUNS}; ` +
        `all: ${runs.map((r) => `${Math.round(r.total)}/${Math.round(r.derive)}`).join(', ')})`);
    } finally {
      await browser.close();
    }
  }
} finally {
  await server.close();
  await removeDir(dir);
}
