// WebKit, Safari's engine, for the browser tests: Debian's WebKitGTK
// MiniBrowser, driven by WebKitWebDriver over plain W3C WebDriver HTTP
// (Node's fetch, no client library), on an Xvfb display of its own.
// launchWebKit() gives the same small browser and Page interface as
// drivers.mjs gives Chromium and Firefox.
//
// Classic WebDriver has no hook before a document's scripts and no event
// stream, so a page's `init` and its problem recorder (uncaught errors,
// unhandled rejections, CSP violations, console.error) are installed as soon
// as each document has loaded, and its requests are the document's own
// address plus its Resource Timing entries. An error thrown while the
// document loads is not recorded; the viewer then never becomes ready,
// which `goto` reports.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { freePort, leaveCover } from './support.mjs';

export const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER_PATH || '/usr/bin/WebKitWebDriver';
export const MINIBROWSER = process.env.MINIBROWSER_PATH || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
export const XVFB = process.env.XVFB_PATH || '/usr/bin/Xvfb';
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf'; // W3C WebDriver's web element key
const SCRIPT_TIMEOUT_MS = 300_000;

/** Why WebKit cannot run here, or null when it can. */
export function webkitMissing() {
  if (!existsSync(WEBKIT_DRIVER)) return `WebKitWebDriver not found at ${WEBKIT_DRIVER}: apt-get install -y webkit2gtk-driver xvfb (tests/run-all.sh does)`;
  if (!existsSync(MINIBROWSER)) return `MiniBrowser not found at ${MINIBROWSER}: apt-get install -y webkit2gtk-driver, or set MINIBROWSER_PATH`;
  if (!existsSync(XVFB)) return `Xvfb not found at ${XVFB}: apt-get install -y xvfb`;
  return null;
}

/** A test's `skip` option for WebKit: the reason when WebKitWebDriver is
 * not installed, else false. Only the driver's absence skips: with the
 * driver there, a missing MiniBrowser or Xvfb fails the launch, loudly. */
export function webkitSkip() {
  return existsSync(WEBKIT_DRIVER) ? false : webkitMissing();
}

// ------------------------------------------------------------ processes
const children = new Set();
// Whatever happens to the tests, no display or driver outlives them.
process.on('exit', () => { for (const child of children) killGroup(child, 'SIGKILL'); });

function killGroup(child, signal) {
  try { process.kill(-child.pid, signal); } catch { /* already gone */ }
}

/** Starts `command` in its own process group (its children die with it). */
function start(command, args, options) {
  const child = spawn(command, args, { ...options, detached: true });
  children.add(child);
  child.exited = new Promise((resolve) => child.once('exit', resolve));
  child.exited.then(() => children.delete(child));
  child.on('error', () => {});
  return child;
}

async function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 3000);
  await child.exited;
  clearTimeout(timer);
}

/** An Xvfb server on the first free display; resolves to { child, display }. */
async function startXvfb() {
  // -displayfd: Xvfb picks a free display and writes its number to fd 3.
  const child = start(XVFB, ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const display = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`Xvfb gave no display within 15 s: ${stderr.trim()}`)), 15_000);
    child.stdio[3].on('data', (d) => {
      out += d;
      if (out.includes('\n')) { clearTimeout(timer); resolve(`:${out.trim()}`); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`Xvfb exited (${code}): ${stderr.trim()}`)); });
  });
  return { child, display };
}

/** WebKitWebDriver on a free loopback port, on `display`; resolves to
 * { child, url } once it answers /status. */
async function startDriver(display, home) {
  const port = await freePort();
  const env = { ...process.env, DISPLAY: display, GDK_BACKEND: 'x11', NO_AT_BRIDGE: '1', ...(home ? { HOME: home } : {}) };
  const child = start(WEBKIT_DRIVER, [`--port=${port}`], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${WEBKIT_DRIVER} exited (${child.exitCode}): ${stderr.trim()}`);
    try {
      const res = await fetch(`${url}/status`);
      if ((await res.json()).value?.ready) return { child, url };
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error(`${WEBKIT_DRIVER} did not answer on ${url}: ${stderr.trim()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ------------------------------------------------------------ W3C WebDriver
// How long a command may take: a script's own limit and a little for
// those that run one, 45 s for a new session (a MiniBrowser starts in a
// second or two), 90 s for any other (a page load may take 60). A browser
// that has gone away can leave the driver without an answer; the test
// then fails with the command's name rather than waiting for its own, far
// longer, timeout.
function commandTimeout(url) {
  if (/\/execute\//.test(url)) return SCRIPT_TIMEOUT_MS + 10_000;
  if (/\/session$/.test(url)) return 45_000;
  return 90_000;
}

async function command(url, method, body) {
  let res;
  let text;
  try {
    res = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(commandTimeout(url)),
    });
    text = await res.text();
  } catch (e) {
    throw new Error(`WebDriver ${method} ${new URL(url).pathname}: no answer (${e.name}: ${e.message})`);
  }
  let reply;
  try { reply = JSON.parse(text); } catch { throw new Error(`WebDriver ${method} ${url}: HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`); }
  const value = reply.value;
  if (!res.ok || (value && value.error)) {
    throw new Error(`WebDriver ${method} ${new URL(url).pathname}: ${value?.error ?? res.status}: ${value?.message ?? text.slice(0, 200)}`);
  }
  return value;
}

// The W3C WebDriver codes of the named keys the tests press (WebDriver,
// "Keyboard actions").
const KEYS = {
  Tab: '\uE004', Enter: '\uE007', Escape: '\uE00C', ' ': '\uE00D', PageUp: '\uE00E', PageDown: '\uE00F',
  End: '\uE010', Home: '\uE011', ArrowLeft: '\uE012', ArrowUp: '\uE013', ArrowRight: '\uE014', ArrowDown: '\uE015',
};

/** A W3C WebDriver session: one MiniBrowser with its own ephemeral profile. */
export class WebDriverSession {
  constructor(base, id) {
    this.base = `${base}/session/${id}`;
  }

  static async create(driverUrl) {
    const capabilities = {
      alwaysMatch: {
        'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
        timeouts: { script: SCRIPT_TIMEOUT_MS, pageLoad: 60_000, implicit: 0 },
      },
    };
    const value = await command(`${driverUrl}/session`, 'POST', { capabilities });
    return new WebDriverSession(driverUrl, value.sessionId);
  }

  cmd(method, path, body) {
    return command(this.base + path, method, method === 'POST' ? (body ?? {}) : undefined);
  }

  /** Navigates and waits for the document's load (the page-load strategy). */
  goto(url) { return this.cmd('POST', '/url', { url }); }
  url() { return this.cmd('GET', '/url'); }

  /** Runs `fn(...args)` in the page, synchronously; its result, JSON-cloned.
   * A string is run as it is (a script body), as the other drivers' init
   * scripts may be. */
  execute(fn, args = []) {
    const script = typeof fn === 'string' ? fn : `return (${fn}).apply(null, arguments);`;
    return this.cmd('POST', '/execute/sync', { script, args });
  }

  /** Runs `fn(...args)` in the page and waits for the promise it returns. */
  async executeAsync(fn, args = []) {
    const script = `const done = arguments[arguments.length - 1];
      const args = Array.prototype.slice.call(arguments, 0, -1);
      Promise.resolve().then(() => (${fn}).apply(null, args)).then(
        (value) => done({ ok: true, value: value === undefined ? null : value }),
        (e) => done({ ok: false, error: String((e && e.stack) || e) }));`;
    const reply = await this.cmd('POST', '/execute/async', { script, args });
    if (!reply.ok) throw new Error(`in the page: ${reply.error}`);
    return reply.value;
  }

  /** The first element matching a CSS selector (a reference for the
   * other element commands); throws when there is none. */
  async find(selector) {
    return (await this.cmd('POST', '/element', { using: 'css selector', value: selector }))[ELEMENT];
  }
  async findAll(selector) {
    return (await this.cmd('POST', '/elements', { using: 'css selector', value: selector })).map((e) => e[ELEMENT]);
  }
  click(element) { return this.cmd('POST', `/element/${element}/click`); }
  /** Presses and releases one key (a name from KEYS) on the focused element. */
  pressKey(name) {
    const value = KEYS[name] ?? (name.length === 1 ? name : undefined);
    if (value === undefined) throw new Error(`webkit: no WebDriver code for the key ${name}`);
    return this.cmd('POST', '/actions', {
      actions: [{ type: 'key', id: 'keyboard', actions: [{ type: 'keyDown', value }, { type: 'keyUp', value }] }],
    });
  }
  clear(element) { return this.cmd('POST', `/element/${element}/clear`); }
  sendKeys(element, text) { return this.cmd('POST', `/element/${element}/value`, { text }); }
  /** A reference to pass in `execute`'s args. */
  static element(id) { return { [ELEMENT]: id }; }

  /** The viewport as a PNG. */
  async screenshot() { return Buffer.from(await this.cmd('GET', '/screenshot'), 'base64'); }
  setWindowRect(rect) { return this.cmd('POST', '/window/rect', rect); }
  quit() { return this.cmd('DELETE', ''); }
}

// ------------------------------------------------------------ the Page interface
// In the page after each load: records problems; keeps every resource
// timing entry.
function installProbe() {
  if (window.__lightproofProbe) return;
  const probe = { problems: [] };
  window.__lightproofProbe = probe;
  try { performance.setResourceTimingBufferSize(100000); } catch (e) { /* the default buffer */ }
  const own = (text) => /\/favicon\.ico\b/.test(String(text));
  addEventListener('error', (e) => { if (!own(e.message)) probe.problems.push(`page error: ${e.message}`); });
  addEventListener('unhandledrejection', (e) => probe.problems.push(`unhandled rejection: ${(e.reason && e.reason.message) || e.reason}`));
  document.addEventListener('securitypolicyviolation', (e) => {
    if (!own(e.blockedURI)) probe.problems.push(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
  });
  const error = console.error;
  console.error = function (...args) {
    probe.problems.push(`console error: ${args.map(String).join(' ')}`);
    return error.apply(this, args);
  };
}

function probeState() {
  const probe = window.__lightproofProbe;
  return {
    problems: probe ? probe.problems.slice() : [],
    requests: [location.href, ...performance.getEntriesByType('resource').map((e) => e.name)],
  };
}

class WebKitPage {
  constructor(session, init) {
    this.kind = 'webkit';
    // As the other drivers' `page`: goto(url) loads without waiting for
    // the viewer to be ready.
    this.page = {
      goto: (url) => this.load(url),
      keyboard: { press: async (key) => { await this.session.pressKey(key); await this.refresh(); } },
    };
    this.session = session;
    this.init = init;
    this.past = { problems: [], requests: [] };
    this.now = { problems: [], requests: [] };
  }

  get problems() { return [...this.past.problems, ...this.now.problems]; }
  get requests() { return [...this.past.requests, ...this.now.requests]; }

  /** Loads `url`, then installs the problem recorder and `init`. */
  async load(url) {
    this.past.problems.push(...this.now.problems);
    this.past.requests.push(...this.now.requests);
    this.now = { problems: [], requests: [] };
    await this.session.goto(url);
    await this.session.execute(installProbe);
    if (this.init) await this.session.execute(this.init);
  }

  async goto(url) {
    await this.load(url);
    await this.waitFor(() => window.lightproofViewer && window.lightproofViewer.ready);
  }

  /** Runs `fn(arg)` in the page (awaiting a promise); its result. */
  async evaluate(fn, arg) {
    const value = await this.session.executeAsync(fn, [arg === undefined ? null : arg]);
    await this.refresh();
    return value;
  }

  async refresh() {
    const state = await this.session.execute(probeState).catch(() => null);
    if (state) this.now = state;
  }

  /** Waits, inside the page, until `fn(arg)` is truthy. (The poller is
   * written out as source: the page's CSP allows no eval.) */
  waitFor(fn, arg, timeout = 30_000) {
    const poller = `(a) => new Promise((resolve, reject) => {
      const test = (${fn});
      const t0 = Date.now();
      const tick = () => Promise.resolve().then(() => test(a)).then((ok) => {
        if (ok) return resolve(true);
        if (Date.now() - t0 > ${Number(timeout)}) return reject(new Error('timed out after ${Number(timeout)} ms'));
        setTimeout(tick, 50);
      }, reject);
      tick();
    })`;
    return this.evaluate(poller, arg).catch((e) => {
      throw new Error(`webkit: waiting for ${String(fn).slice(0, 160)}: ${e.message}`);
    });
  }

  async type(selector, text) {
    const element = await this.session.find(selector);
    await this.session.clear(element);
    await this.session.sendKeys(element, text);
  }

  /** Types the password and submits; waits for the gallery or an error. */
  /** As drivers.mjs: leaves the cover unless `cover` is set. */
  async unlock(password, { cover = false } = {}) {
    await this.type('#password', password);
    await this.click('#unlock-button');
    await this.waitFor(() => !document.getElementById('gallery').hidden || document.getElementById('unlock-error').textContent !== '');
    if (!cover) await leaveCover(this);
  }

  async click(selector) {
    await this.session.click(await this.session.find(selector));
    await this.refresh();
  }

  text(selector) {
    return this.evaluate((s) => document.querySelector(s).textContent, selector);
  }

  async screenshot(file) {
    await writeFile(file, await this.session.screenshot());
  }

  /** Closes this window and opens a new one in the same MiniBrowser (a
   * fresh sessionStorage, as a home-screen app's launch has). WebKit runs
   * `init` only once a document has loaded, as for any page here. */
  async newWindow({ init } = {}) {
    const { handle } = await this.session.cmd('POST', '/window/new', { type: 'window' });
    await this.session.cmd('DELETE', '/window');
    await this.session.cmd('POST', '/window', { handle });
    if (init) this.init = init;
  }

  close() {
    return this.session.quit().catch(() => {});
  }
}

/** Xvfb and WebKitWebDriver, started once; each `newPage` is a new
 * MiniBrowser session with its own ephemeral profile. With `home`, the
 * driver and its MiniBrowsers run with that HOME: a download the browser
 * saves itself lands there (with no Downloads folder in it, WebKitGTK saves
 * into HOME). */
export async function launchWebKit({ home } = {}) {
  const missing = webkitMissing();
  if (missing) throw new Error(missing);
  const xvfb = await startXvfb();
  let driver;
  try {
    driver = await startDriver(xvfb.display, home);
  } catch (e) {
    await stop(xvfb.child);
    throw e;
  }
  const pages = new Set();
  const drivers = [driver];
  // A new session is a new MiniBrowser. Under load one sometimes never
  // answered its driver (the POST /session waited with no MiniBrowser
  // left); a second driver on the same display is then tried once. The
  // stuck one is left alone: pages it already serves keep working.
  async function newSession() {
    try {
      return await WebDriverSession.create(driver.url);
    } catch (e) {
      if (!/no answer/.test(e.message)) throw e;
      driver = await startDriver(xvfb.display, home);
      drivers.push(driver);
      return WebDriverSession.create(driver.url);
    }
  }
  return {
    kind: 'webkit',
    display: xvfb.display,
    async newPage({ init, viewport = { width: 390, height: 800 } } = {}) {
      const session = await newSession();
      await session.setWindowRect({ width: viewport.width, height: viewport.height }).catch(() => {});
      const page = new WebKitPage(session, init);
      pages.add(page);
      const close = page.close.bind(page);
      page.close = async () => { pages.delete(page); await close(); };
      return page;
    },
    async close() {
      await Promise.all([...pages].map((p) => p.close()));
      await Promise.all(drivers.map((d) => stop(d.child)));
      await stop(xvfb.child);
    },
  };
}
