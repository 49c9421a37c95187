// Real browsers behind one small interface, so the delivery tests run the
// same checks in each: headless Chromium through playwright-core (CDP),
// Debian's Firefox ESR through puppeteer-core (WebDriver BiDi), and WebKit
// (WebKitGTK's MiniBrowser under Xvfb) through webkit.mjs (W3C WebDriver).
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import puppeteer from 'puppeteer-core';
import { CHROMIUM, launchBrowser } from './support.mjs';
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

  /** Types the password and submits; waits for the gallery or an error. */
  async unlock(password) {
    await this.type('#password', password);
    await this.click('#unlock-button');
    await this.waitFor(() => !document.getElementById('gallery').hidden || document.getElementById('unlock-error').textContent !== '');
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
  const profile = await mkdtemp(path.join(tmpdir(), 'lightproof-firefox-'));
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    userDataDir: profile,
    extraPrefsFirefox: { ...FIREFOX_PREFS, ...firefoxPrefs },
  });
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
