// Accessibility in every engine: axe-core (WCAG 2.1 A and AA rules) on each
// screen a client meets, in Chromium, Firefox and WebKit, on a phone-sized
// and a desktop-sized window, light and (Chromium, Firefox) dark.
// accessibility.test.mjs goes deeper in Chromium (more states, button
// contrast); this file shows that what the other engines render, from the
// same page, passes too, and adds the expired gallery's screen. A critical
// or serious violation fails.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BROWSERS, launch } from './drivers.mjs';
import { PASSWORD, buildSite, copyShoot, makeTempDir, removeDir, serve } from './support.mjs';
import { webkitSkip } from './webkit.mjs';

const AXE_SOURCE = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const FAILING = new Set(['critical', 'serious']);
const PHONE = { width: 390, height: 844, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const DESKTOP = { width: 1440, height: 900 };
// [engine, light or dark, how to launch it, the windows]. Chromium takes
// the colour scheme per page; Firefox through a preference (0: dark);
// WebKit's MiniBrowser is run light only.
const RUNS = [
  ['chromium', 'light', {}, [['phone', PHONE], ['desktop', DESKTOP]]],
  ['chromium', 'dark', {}, [['phone', { ...PHONE, colorScheme: 'dark' }]]],
  ['firefox', 'light', {}, [['phone', PHONE], ['desktop', DESKTOP]]],
  ['firefox', 'dark', { firefoxPrefs: { 'layout.css.prefers-color-scheme.content-override': 0 } }, [['phone', PHONE]]],
  ['webkit', 'light', {}, [['phone', PHONE], ['desktop', DESKTOP]]],
];
const webkitAbsent = webkitSkip();

let tmp;
let server;
let expiredServer;

before(async () => {
  tmp = await makeTempDir('lightproof-a11y-');
  server = await serve(await buildSite(tmp, { args: ['--downloads', '--quiet'] }));
  const shoot = await copyShoot(path.join(tmp, 'expired'));
  await writeFile(path.join(shoot, 'lightproof.toml'), '[gallery]\nexpires = "2020-01-01"\nphotographer_email = "studio@example.com"\n');
  expiredServer = await serve(await buildSite(path.join(tmp, 'expired'), { shoot, args: ['--quiet'] }));
});

after(async () => {
  await server?.close();
  await expiredServer?.close();
  await removeDir(tmp);
});

/** Puts axe into the page. The page's CSP allows no eval, so the source
 * goes in through each driver's own script channel, which the CSP does
 * not govern. */
async function injectAxe(p) {
  if (await p.evaluate(() => typeof window.axe === 'object')) return;
  if (p.kind === 'webkit') await p.session.execute(`${AXE_SOURCE}\nreturn typeof axe;`);
  else await p.page.evaluate(AXE_SOURCE);
  assert.equal(await p.evaluate(() => typeof window.axe), 'object', `${p.kind}: axe injected`);
}

/** Critical and serious violations on the page as it is now. */
async function failures(p, state) {
  await injectAxe(p);
  await p.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished.catch(() => {}))));
  const found = await p.evaluate(async () => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
  });
  return found.filter((v) => FAILING.has(v.impact)).map((v) => `${state}: ${v.impact} ${v.id} (${v.help}) at ${v.targets.join(', ')}`);
}

const isOpen = (id) => document.getElementById(id).open;
const isShut = (id) => !document.getElementById(id).open;

assert.deepEqual([...new Set(RUNS.map(([kind]) => kind))], [...BROWSERS, 'webkit'], 'every engine is run');

for (const [kind, scheme, options, windows] of RUNS) {
  describe(`accessibility in ${kind}, ${scheme}`, { timeout: 600_000, skip: kind === 'webkit' && webkitAbsent }, () => {
    let browser;
    before(async () => { browser = await launch(kind, options); });
    after(async () => { await browser?.close(); });
    for (const [size, viewport] of windows) {
      test(`${size}: no critical or serious violation on any screen`, async () => {
        const p = await browser.newPage({ viewport });
        if (scheme === 'dark') assert.equal(await p.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches), true, 'dark');
        const found = [];
        try {
          await p.goto(server.url);
          found.push(...await failures(p, 'lock screen'));
          await p.unlock(PASSWORD);
          await p.waitFor(() => document.querySelector('#grid .tile img'));
          found.push(...await failures(p, 'grid'));

          await p.click('#grid .tile');
          await p.waitFor(() => document.getElementById('lightbox').open && document.getElementById('lb-image').complete);
          await p.click('#lb-fav');
          found.push(...await failures(p, 'lightbox'));
          await p.click('#lb-note');
          await p.waitFor(isOpen, 'note-dialog');
          found.push(...await failures(p, 'note dialog'));
          await p.click('#note-cancel');
          await p.waitFor(isShut, 'note-dialog');
          await p.click('#lb-close');
          await p.waitFor(isShut, 'lightbox');

          await p.click('#picks-send');
          await p.waitFor(isOpen, 'send-dialog');
          found.push(...await failures(p, 'selection'));
          await p.click('#send-close');
          await p.waitFor(isShut, 'send-dialog');

          await p.click('#download-open');
          await p.waitFor(isOpen, 'download-dialog');
          found.push(...await failures(p, 'downloads'));
          await p.click('#download-close');

          await p.goto(expiredServer.url);
          await p.unlock(PASSWORD);
          assert.match(await p.text('#unlock-error'), /expired/, 'the expired screen is shown');
          found.push(...await failures(p, 'expired'));
          assert.deepEqual(p.problems, []);
        } finally {
          await p.close();
        }
        assert.deepEqual(found, [], `${kind}, ${scheme}, ${size}:\n  ${found.join('\n  ')}`);
      });
    }
  });
}
