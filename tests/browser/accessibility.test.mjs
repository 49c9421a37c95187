// Accessibility, checked by axe-core (WCAG 2.1 A and AA rules) in the
// states a client meets: the lock screen, the cover (with a studio's
// name and accent colour), the grid, the grid showing favourites only, the
// lightbox, a note being written, the lightbox's Download menu, the
// selection to send, the downloads and sharing,
// on a phone and a desktop, light and dark, in Chromium. A violation that
// axe rates critical or serious fails the test, with its rule, the elements
// and axe's summary; minor and moderate ones are printed for a person.
// axe leaves the contrast of very short texts undecided (a count such as
// "3" on a pressed button), so every visible button's own text is also
// measured here against its own background: at least 4.5:1 (WCAG 1.4.3).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import {
  PASSWORD, buildSite, launchBrowser, makeTempDir, openPage, removeDir, serve, unlock,
} from './support.mjs';

const AXE_SOURCE = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const FAILING = new Set(['critical', 'serious']);
const CONFIGS = [
  ['phone, light', { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, colorScheme: 'light' }],
  ['phone, dark', { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, colorScheme: 'dark' }],
  ['desktop, light', { viewport: { width: 1440, height: 900 }, colorScheme: 'light' }],
  ['desktop, dark', { viewport: { width: 1440, height: 900 }, colorScheme: 'dark' }],
];

let tmp;
let server;
let browser;

before(async () => {
  tmp = await makeTempDir();
  server = await serve(await buildSite(tmp, {
    args: ['--downloads', '--quiet', '--photographer-email', 'studio@example.com',
      '--studio', 'Lumen Studio', '--accent', '#8a3b12', '--font', 'serif'],
  }));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
  await removeDir(tmp);
});

/** axe's violations on the page as it is now: [{ id, impact, help, targets }]. */
async function violations(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  // Animations and transitions ended, so that colours are measured as shown.
  await page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished.catch(() => {}))));
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary.split('\n').slice(1, 2).join('').trim()}`),
    }));
  });
}

/** Visible buttons whose text has less than 4.5:1 contrast with their own
 * opaque background: ["#id: ratio (color on background)"]. */
function lowContrastButtons(page) {
  return page.evaluate(() => {
    const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
    const luminance = ([r, g, b]) => {
      const lin = (v) => { const x = v / 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    };
    const ratio = (a, b) => { const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x); return (l1 + 0.05) / (l2 + 0.05); };
    const low = [];
    for (const el of document.querySelectorAll('button, a.button')) {
      if (!el.getClientRects().length || !el.textContent.trim()) continue;
      const style = getComputedStyle(el);
      const background = rgb(style.backgroundColor);
      const color = rgb(style.color);
      if (style.visibility !== 'visible' || background.length < 3 || (background.length === 4 && background[3] < 1)) continue;
      const r = ratio(color.slice(0, 3), background.slice(0, 3));
      if (r < 4.5) low.push(`#${el.id || el.className}: ${r.toFixed(2)}:1 (${style.color} on ${style.backgroundColor})`);
    }
    return low;
  });
}

/** Fails on critical or serious violations in `state`; prints the rest. */
async function check(page, where, state, found) {
  found.push(...(await lowContrastButtons(page)).map((b) => `${state}: serious button text contrast below 4.5:1\n    ${b}`));
  const all = await violations(page);
  for (const v of all.filter((x) => !FAILING.has(x.impact))) {
    console.log(`# ${where}, ${state}: ${v.impact} ${v.id} (${v.help}): ${v.targets.join('; ')}`);
  }
  found.push(...all.filter((x) => FAILING.has(x.impact)).map((v) => `${state}: ${v.impact} ${v.id} (${v.help})\n    ${v.targets.join('\n    ')}`));
}

describe('accessibility (axe-core)', { timeout: 300_000 }, () => {
  for (const [where, context] of CONFIGS) {
    test(`${where}: no critical or serious violation in any state`, async () => {
      const { page, close } = await openPage(browser, server.url, { context });
      const found = [];
      try {
        await check(page, where, 'lock screen', found);
        await unlock(page, PASSWORD, { cover: true });
        await page.waitForFunction(() => document.getElementById('cover-photo').classList.contains('shown'));
        await check(page, where, 'cover', found);
        await page.click('#cover-view');
        await page.waitForFunction(() => document.getElementById('cover').hidden);
        await page.waitForFunction(() => document.querySelector('#grid .tile img'));
        await check(page, where, 'grid', found);

        await page.click('#grid .tile');
        await page.waitForFunction(() => document.getElementById('lightbox').open && document.getElementById('lb-image').complete);
        await page.click('#lb-fav');
        await check(page, where, 'lightbox, a favourite', found);
        await page.click('#lb-note');
        await page.waitForFunction(() => document.getElementById('note-dialog').open);
        await page.fill('#note-input', 'Warmer, please');
        await check(page, where, 'a note being written', found);
        await page.click('#note-save');
        await page.waitForFunction(() => !document.getElementById('note-dialog').open);
        await page.click('#lb-download');
        await page.waitForFunction(() => !document.getElementById('lb-download-menu').hidden);
        await check(page, where, "the lightbox's Download menu", found);
        await page.keyboard.press('Escape'); // the menu first
        await page.waitForFunction(() => document.getElementById('lb-download-menu').hidden);
        assert.equal(await page.evaluate(() => document.getElementById('lightbox').open), true, 'Escape closed only the menu');
        await page.keyboard.press('Escape');
        await page.waitForFunction(() => !document.getElementById('lightbox').open);

        await page.click('#picks-filter');
        await page.waitForFunction(() => document.getElementById('picks-filter').getAttribute('aria-pressed') === 'true');
        await check(page, where, 'grid, favourites only', found);
        await page.click('#picks-filter');

        await page.click('#picks-send');
        await page.waitForFunction(() => document.getElementById('send-dialog').open &&
          document.querySelector('#send-list .send-thumb img'));
        await check(page, where, 'the selection to send, with thumbnails', found);
        await page.click('#send-confirm');
        await check(page, where, 'the ways to send the selection', found);
        await page.evaluate(() => document.getElementById('send-mail').addEventListener('click', (e) => e.preventDefault()));
        await page.click('#send-mail');
        await page.waitForFunction(() => !document.getElementById('send-done').hidden);
        await check(page, where, 'the selection sent', found);
        await page.click('#send-finish');

        await page.click('#download-open');
        await page.waitForFunction(() => document.getElementById('download-dialog').open);
        await check(page, where, 'downloads', found);
        await page.click('#download-close');

        await page.click('#share-open');
        await page.waitForFunction(() => document.getElementById('share-dialog').open);
        await check(page, where, 'share', found);
        // The warning before a key link is shared, as it shows (this site
        // was opened with a password, so the test unhides it).
        await page.evaluate(() => {
          document.getElementById('share-key').hidden = false;
          document.getElementById('share-key').textContent = 'Share the link that opens it…';
          document.getElementById('share-warning').hidden = false;
        });
        await check(page, where, 'share, the warning before a key link', found);
        await page.click('#share-close');
      } finally {
        await close();
      }
      assert.deepEqual(found, [], `${where}:\n  ${found.join('\n  ')}`);
    });
  }
});
