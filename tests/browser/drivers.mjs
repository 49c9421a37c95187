// Real browsers behind one small interface, so the delivery tests run the
// same checks in each: headless Chromium through playwright-core (CDP),
// Debian's Firefox ESR through puppeteer-core (WebDriver BiDi), and WebKit
// (WebKitGTK's MiniBrowser under Xvfb) through webkit.mjs (W3C WebDriver).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import puppeteer from 'puppeteer-core';
import { CHROMIUM, REPO, launchBrowser, leaveCover } from './support.mjs';
import { launchWebKit } from './webkit.mjs';

export const FIREFOX = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';
// No updates, telemetry or remote settings: the only requests are the gallery's.
export const FIREFOX_PREFS = {
  'app.update.enabled': false,
  'browser.shell.checkDefaultBrowser': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
};

/** A page that records uncaught errors, console errors and request URLs. */
class Page {
  constructor(kind, page, close) {
    this.kind = kind;
    this.page = page;
    this.problems = [];
    this.requests = [];
    this.closeContext = close;
    this.watch(page);
  }

  watch(page) {
    // Browsers ask for /favicon.ico on their own (the site has none); a
    // single file's CSP blocks that request, and Firefox reports it.
    const own = (text) => /\/favicon\.ico\b/.test(text);
    page.on('pageerror', (e) => { if (!own(e.message)) this.problems.push(`page error: ${e.message}`); });
    page.on('console', (msg) => {
      const where = msg.location()?.url ?? '';
      if (msg.type() === 'error' && !own(where) && !own(msg.text())) {
        this.problems.push(`console error: ${msg.text()} (${where})`);
      }
    });
    page.on('request', (req) => this.requests.push(req.url()));
  }

  /** Closes this window and opens a new one with the same storage (a fresh
   * sessionStorage, as a home-screen app's launch has); `init` (a script's
   * source) runs before any script of its documents. Then goto as before. */
  async newWindow({ init } = {}) {
    const context = this.kind === 'chromium' ? this.page.context() : this.page.browserContext();
    const page = await context.newPage();
    if (init) await (this.kind === 'chromium' ? page.addInitScript(init) : page.evaluateOnNewDocument(init));
    await this.page.close();
    this.page = page;
    this.watch(page);
  }

  async goto(url) {
    await this.page.goto(url);
    await this.waitFor(() => window.lightproofViewer && window.lightproofViewer.ready);
  }

  evaluate(fn, arg) {
    return this.page.evaluate(fn, arg);
  }

  /** Waits until `fn(arg)` is truthy in the page. */
  waitFor(fn, arg, timeout = 30_000) {
    return this.kind === 'chromium'
      ? this.page.waitForFunction(fn, arg, { timeout })
      : this.page.waitForFunction(fn, { timeout, polling: 50 }, arg);
  }

  async type(selector, text) {
    await this.evaluate((s) => { document.querySelector(s).value = ''; }, selector);
    await this.page.type(selector, text);
  }

  /** Types the password and submits; waits for the gallery or an error;
   * then leaves the cover (support.mjs unlock) unless `cover` is set. */
  async unlock(password, { cover = false } = {}) {
    await this.type('#password', password);
    await this.click('#unlock-button');
    await this.waitFor(() => !document.getElementById('gallery').hidden || document.getElementById('unlock-error').textContent !== '');
    if (!cover) await leaveCover(this);
  }

  click(selector) {
    return this.page.click(selector);
  }

  text(selector) {
    return this.evaluate((s) => document.querySelector(s).textContent, selector);
  }

  screenshot(file) {
    return this.page.screenshot({ path: file });
  }

  close() {
    return this.closeContext();
  }
}

/** Launches `kind` ('chromium', 'firefox' or 'webkit'); `newPage(init)`
 * runs `init` before any script of each document (in WebKit: as soon as
 * each document has loaded). A viewport may also give deviceScaleFactor,
 * isMobile and hasTouch. `firefoxPrefs` are added to FIREFOX_PREFS. With
 * `downloads` (a folder; Chromium and Firefox), the page's downloads are
 * saved there under the names the browser suggests (Chromium: once
 * complete; Firefox: as they arrive, `.part` until then). */
export async function launch(kind, { firefoxPrefs = {} } = {}) {
  if (kind === 'webkit') return launchWebKit();
  if (kind === 'chromium') {
    const browser = await launchBrowser();
    return {
      kind,
      async newPage({ init, viewport = { width: 390, height: 800 }, downloads } = {}) {
        const { width, height, ...device } = viewport;
        const context = await browser.newContext({
          viewport: { width, height }, ...device, acceptDownloads: Boolean(downloads),
        });
        const page = await context.newPage();
        if (init) await page.addInitScript(init);
        if (downloads) page.on('download', (d) => d.saveAs(path.join(downloads, d.suggestedFilename())).catch(() => {}));
        return new Page(kind, page, () => context.close());
      },
      close: () => browser.close(),
    };
  }
  if (!existsSync(FIREFOX)) {
    throw new Error(`Firefox not found at ${FIREFOX}: apt-get install -y firefox-esr (tests/run-all.sh does), or set FIREFOX_PATH`);
  }
  const prefs = { ...FIREFOX_PREFS, ...firefoxPrefs };
  const profile = await mkdtemp(path.join(tmpdir(), 'lightproof-firefox-'));
  await cp(await firefoxProfileTemplate(prefs), profile, { recursive: true });
  const browser = await launchFirefox(profile, prefs);
  return {
    kind,
    async newPage({ init, viewport = { width: 390, height: 800 }, downloads } = {}) {
      const context = await browser.createBrowserContext(
        downloads ? { downloadBehavior: { policy: 'allow', downloadPath: downloads } } : {},
      );
      const page = await context.newPage();
      await page.setViewport(viewport);
      if (init) await page.evaluateOnNewDocument(init);
      return new Page(kind, page, () => context.close());
    },
    close: async () => {
      await browser.close();
      await rm(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    },
  };
}

const launchFirefox = (profile, prefs) => puppeteer.launch({
  browser: 'firefox', executablePath: FIREFOX, headless: true, userDataDir: profile, extraPrefsFirefox: prefs,
});

/**
 * A Firefox profile that has started once with `prefs` and holds no page's
 * data: each launch starts from a copy of it, not from an empty folder.
 * Firefox spends half its start-up CPU (about 1.8 of 3.5 s here) filling a
 * new profile (certificate, extension and search databases, start-up
 * caches); the browser stage launches Firefox a dozen times, from several
 * test files at once. Made once under target/ and kept by its key (the
 * Firefox binary's size and time, the prefs); several test files may make
 * it at the same time, and the first rename wins.
 */
async function firefoxProfileTemplate(prefs) {
  const { size, mtimeMs } = await stat(FIREFOX);
  const key = createHash('sha256').update(JSON.stringify([FIREFOX, size, mtimeMs, prefs])).digest('hex').slice(0, 16);
  const template = path.join(REPO, 'target', 'browser-tests', `firefox-profile-${key}`);
  if (existsSync(template)) return template;
  await mkdir(path.dirname(template), { recursive: true });
  const making = await mkdtemp(`${template}-making-`);
  const browser = await launchFirefox(making, prefs);
  await browser.close();
  for (const lock of ['lock', '.parentlock', 'parent.lock']) await rm(path.join(making, lock), { force: true });
  await rename(making, template).catch(() => rm(making, { recursive: true, force: true }));
  return template;
}

/** `kind` launched before the tests of the enclosing describe and closed
 * after them; `newPage` as `launch`'s. */
export function useBrowser(kind) {
  let browser;
  before(async () => { browser = await launch(kind); });
  after(async () => { await browser?.close(); });
  return { newPage: (options) => browser.newPage(options) };
}

export const BROWSERS = ['chromium', 'firefox'];
export { CHROMIUM };
