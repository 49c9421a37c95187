// The viewer's languages: one catalogue (themes/default/static/viewer/
// 05-strings.js), English the source, and every other language complete.
// - The catalogue: every language has exactly English's keys, each with the
//   same placeholders and the plural forms its language uses; a value may
//   equal the English one only where it is listed here as the same word.
// - The sources: the page, opened with JavaScript off, has no text or
//   accessible name without its catalogue key (and its English is the
//   catalogue's); the viewer's parts write no literal words to the page
//   and hold no English sentence outside the catalogue.
// - The real page, in each language (Chromium, all of them, over HTTP; one
//   each in Firefox and WebKit, and from file:// in Chromium and Firefox),
//   driven through the lock screen, a wrong password, the cover, the grid, the
//   lightbox and its download menu, the note, sharing (over HTTP), the
//   selection (review, ways, copied) and the downloads, then locked: no
//   text on screen, accessible name or live message is an English
//   catalogue string that the language says otherwise; the messages it
//   waits for are the language's own; `<html lang>` follows.
// - The choice: the browser's language picks it; the switch changes the
//   open gallery at once (nothing left of the language before) and the
//   choice lasts through a reload of the tab.
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { launch } from './drivers.mjs';
import {
  PASSWORD, REPO, WRONG_PASSWORD, buildSite, launchBrowser, makeTempDir, removeDir, serve,
} from './support.mjs';
import { webkitSkip } from './webkit.mjs';

const PARTS = path.join(REPO, 'themes', 'default', 'static', 'viewer');
const CATALOGUE_PART = '05-strings.js';
const LANGUAGES = ['de', 'fr', 'es', 'it', 'nl', 'pt'];
// Values that are rightly the same as the English: the same word in that
// language. Anything else equal to the English is an untranslated string.
const SAME_AS_ENGLISH = {
  de: ['save.original'],
  fr: ['gallery.photos', 'gallery.albums', 'lb.note', 'photos.count', 'save.original'],
  es: ['save.original'],
  it: ['unlock.password'],
  nl: ['gallery.albums'],
  pt: ['save.original'],
};
// Literals of the viewer's parts that are words but not messages: the
// selection's text, which is a format read by `lightproof picks`
// (docs/FORMAT.md), and names the code uses for itself.
const NOT_MESSAGES = [
  /^ {4}(album|note): $/,
  /^lightproof-selection 1 gallery=/,
  /^Selection from /,
  /^ \(up to /,
  /^lightproof remember 1 /,
  /^lightproof: $/,
  /^use strict$/,
  /^translate\(/,
  /^"\$\{TITLE_FONT\}", /, // a font stack
];
// Keys that are no words in any language (a number and its unit).
const NEUTRAL = ['unlock.seconds'];

const placeholders = (value) => [...new Set(forms(value).flatMap((f) => [...f.matchAll(/\{(\w+)\}/g)].map((m) => m[1])))].sort();
const forms = (value) => (typeof value === 'string' ? [value] : Object.values(value));
const letters = /\p{L}/u;

/** { STRINGS, LANGUAGE_NAMES } as the viewer's catalogue part declares them. */
async function catalogue() {
  const source = await readFile(path.join(PARTS, CATALOGUE_PART), 'utf8');
  return new Function(`${source}\nreturn { STRINGS, LANGUAGE_NAMES };`)();
}

describe('the catalogue', () => {
  test('every language has every key, with the same placeholders and its plural forms', async () => {
    const { STRINGS, LANGUAGE_NAMES } = await catalogue();
    assert.deepEqual(Object.keys(STRINGS).sort(), ['en', ...LANGUAGES].sort());
    assert.deepEqual(Object.keys(LANGUAGE_NAMES).sort(), Object.keys(STRINGS).sort());
    const en = STRINGS.en;
    assert.ok(Object.keys(en).length > 100, 'the whole viewer is in it');
    for (const lang of LANGUAGES) {
      const table = STRINGS[lang];
      assert.deepEqual(Object.keys(table).sort(), Object.keys(en).sort(), `${lang}: the same keys as English`);
      const categories = new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
      for (const [key, english] of Object.entries(en)) {
        const value = table[key];
        assert.deepEqual(placeholders(value), placeholders(english), `${lang} ${key}: the same placeholders`);
        assert.equal(typeof value, typeof english, `${lang} ${key}: plural forms where English has them`);
        for (const f of forms(value)) assert.ok(f.trim() !== '', `${lang} ${key}: not empty`);
        if (typeof value === 'object') {
          assert.ok(value.other, `${lang} ${key}: an "other" form`);
          for (const c of Object.keys(value)) assert.ok(categories.includes(c), `${lang} ${key}: ${c} is a plural category of ${lang}`);
          if (categories.includes('one')) assert.ok(value.one, `${lang} ${key}: a "one" form`);
          assert.ok(Object.values(value).every((f) => f.includes('{count}')) || key === 'picks.filter', `${lang} ${key}: each form says the count`);
        }
        const same = JSON.stringify(value) === JSON.stringify(english);
        const wordless = forms(english).every((f) => !letters.test(f.replace(/\{\w+\}/g, '')));
        if (same && !wordless && !NEUTRAL.includes(key)) assert.ok(SAME_AS_ENGLISH[lang].includes(key), `${lang} ${key}: untranslated (${JSON.stringify(value)})`);
      }
    }
  });
});

describe('the sources', () => {
  test('no literal words are written to the page outside the catalogue', async () => {
    const { STRINGS } = await catalogue();
    const files = (await readdir(PARTS)).filter((f) => f.endsWith('.js') && f !== CATALOGUE_PART);
    assert.ok(files.length >= 8);
    const found = [];
    for (const file of files) {
      const source = await readFile(path.join(PARTS, file), 'utf8');
      const code = withoutComments(source);
      // Where the page takes text or a name, a literal with letters must
      // be a catalogue key.
      const sinks = [
        /\.(?:textContent|innerText|innerHTML|alt|title|placeholder|label)\s*=([^;\n]*)/g,
        /setAttribute\(\s*'(?:aria-label|aria-valuetext|aria-description|title|alt|placeholder)'\s*,([^;\n]*)/g,
        /\b(?:say|lbSay|announce|setStatus|setError|append|replaceChildren|prepend|before|after)\(([^;\n]*)/g,
        /\bel\(\s*'[^']*'\s*,\s*'[^']*'\s*,([^;\n]*)/g,
      ];
      for (const sink of sinks) {
        for (const m of code.matchAll(sink)) {
          // (A literal compared with is a code, not words.)
          for (const literal of stringLiterals(m[1].replace(/[!=]==\s*(['"`])[^'"`]*\1/g, ''))) {
            const words = literal.replace(/\$\{[^}]*\}/g, '').replace(/\\u[0-9a-fA-F]{4}|\\u\{[0-9a-fA-F]+\}/g, '');
            if (letters.test(words) && !isCode(literal, STRINGS.en)) found.push(`${file}: ${m[0].trim()}`);
          }
        }
      }
      // Any sentence-like literal: two words or more, not code.
      for (const literal of stringLiterals(code)) {
        const text = literal.replace(/\$\{[^}]*\}/g, '');
        if (!/\p{L}{2,}[ ,]+\p{L}{2,}/u.test(text) || /[;{}=]|=>/.test(text)) continue;
        if (NOT_MESSAGES.some((re) => re.test(literal))) continue;
        found.push(`${file}: ${JSON.stringify(literal)}`);
      }
    }
    assert.deepEqual([...new Set(found)], [], 'words outside the catalogue');
  });

  test('every key of the catalogue is used', async () => {
    const { STRINGS } = await catalogue();
    const files = (await readdir(PARTS)).filter((f) => f.endsWith('.js') && f !== CATALOGUE_PART);
    const sources = await Promise.all([
      ...files.map((f) => readFile(path.join(PARTS, f), 'utf8')),
      readFile(path.join(REPO, 'themes', 'default', 'templates', 'index.html'), 'utf8'),
    ]);
    const all = sources.join('\n');
    const unused = Object.keys(STRINGS.en).filter((key) => !all.includes(`'${key}'`) && !all.includes(`"${key}"`));
    assert.deepEqual(unused, [], 'keys no part or the page uses');
  });

  test('every text and name of the page carries its catalogue key', async () => {
    const { STRINGS } = await catalogue();
    const tmp = await makeTempDir();
    const browser = await launchBrowser();
    try {
      const site = await buildSite(tmp, { args: ['--quiet', '--downloads'] });
      const context = await browser.newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto(pathToFileURL(path.join(site, 'index.html')).href);
      const marks = await page.evaluate(() => {
        const out = [];
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const text = n.textContent.trim();
          if (!/\p{L}/u.test(text) || n.parentElement.closest('noscript, script, style')) continue;
          const owner = n.parentElement.closest('[data-i18n]');
          out.push({ text, key: owner && owner.textContent.trim() === text ? owner.dataset.i18n : null, where: n.parentElement.outerHTML.slice(0, 80) });
        }
        for (const e of document.body.querySelectorAll('*')) {
          for (const attr of ['aria-label', 'title', 'alt', 'placeholder', 'aria-valuetext']) {
            const text = e.getAttribute(attr);
            if (text && /\p{L}/u.test(text)) out.push({ text, key: e.getAttribute(`data-i18n-${attr}`), where: e.outerHTML.slice(0, 80) });
          }
        }
        return { out, title: document.title };
      });
      assert.ok(marks.out.length > 40, 'the page was read');
      for (const { text, key, where } of marks.out) {
        assert.ok(key, `no catalogue key: "${text}" in ${where}`);
        assert.ok(forms(STRINGS.en[key] || '').includes(text), `the page's English is the catalogue's (${key}: "${text}")`);
      }
      assert.equal(marks.title, STRINGS.en['page.title']);
      await context.close();
    } finally {
      await browser.close();
      await removeDir(tmp);
    }
  });
});

// A literal in a call that writes to the page that is not words: a
// catalogue key, an attribute's or element's name, a class name.
const NAMES = new Set(['text', 'aria-label', 'aria-valuetext', 'title', 'alt', 'placeholder', 'span', 'li', 'a', 'p', 'div', 'button', 'option', 'progress', 'img']);
const isCode = (literal, english) => Object.hasOwn(english, literal) || NAMES.has(literal) || /^[a-z][a-z0-9]*(-[a-z0-9]+)+$/.test(literal);

function withoutComments(source) {
  return source.split('\n').filter((line) => !/^\s*\/\//.test(line)).map((line) => line.replace(/\s\/\/ .*$/, '')).join('\n');
}
/** The string literals of `code` ('…', "…", `…`), roughly: enough for the
 * viewer's plain style. */
function stringLiterals(code) {
  const out = [];
  const re = /(['"`])((?:\\.|(?!\1)[^\\])*)\1/gs;
  for (const m of code.matchAll(re)) out.push(m[2]);
  return out;
}

// ------------------------------------------------------------- the screens

/** Regular expressions of each catalogue value of `table`: { key: [re] }. */
function patterns(table) {
  const out = {};
  for (const [key, value] of Object.entries(table)) {
    out[key] = forms(value).map((f) => new RegExp(`^${f.split(/\{\w+\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\S]+?')}$`));
  }
  return out;
}

/** The texts a client meets on the page as it is: rendered text nodes,
 * the names and values of rendered elements, and the title. */
function visibleTexts() {
  const rendered = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
  const out = [document.title];
  const tidy = (text) => text.replace(/[ \t\n\r\f]+/g, ' ').trim(); // no-break spaces kept
  for (const e of document.body.querySelectorAll('*')) {
    if (e.closest('script, style, noscript, textarea') || !rendered(e)) continue;
    // Each piece of text, and the whole of an element that has some of
    // its own (a sentence around a link).
    const own = [...e.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE && tidy(n.textContent));
    if (own.length) out.push(tidy(e.textContent), ...own.map((n) => tidy(n.textContent)));
    for (const attr of ['aria-label', 'title', 'alt', 'placeholder', 'aria-valuetext']) {
      const v = e.getAttribute(attr);
      if (v) out.push(v.trim());
    }
    if (e.tagName === 'SELECT') out.push(e.getAttribute('aria-label') || '');
  }
  return out.filter(Boolean);
}

/** The texts of `texts` that are `from`'s (English by default) where
 * `lang` says otherwise. */
function leftovers(texts, STRINGS, lang, from = 'en') {
  const source = patterns(STRINGS[from]);
  const target = patterns(STRINGS[lang]);
  const own = Object.values(target).flat();
  const differs = Object.keys(STRINGS[from]).filter((k) => JSON.stringify(STRINGS[from][k]) !== JSON.stringify(STRINGS[lang][k]));
  return texts.filter((text) => differs.some((k) => source[k].some((re) => re.test(text))) && !own.some((re) => re.test(text)));
}

/** Fills `key` of `lang` as the viewer does, for the messages a test waits for. */
function said(STRINGS, lang, key, params = {}) {
  let value = STRINGS[lang][key];
  if (typeof value === 'object') value = value[new Intl.PluralRules(lang).select(params.count)] || value.other;
  return value.replace(/\{(\w+)\}/g, (_, name) => String(params[name]));
}

/**
 * Walks `p` (a drivers.mjs page, at the lock screen in `lang`) through the
 * viewer's screens; after each, no English (or `also`'s words) may be left.
 * Returns how many texts were read.
 */
async function walk(p, STRINGS, lang, { downloads = true, also = [] } = {}) {
  // Sharing is offered over http(s) only: a gallery from a disk has no address.
  const share = await p.evaluate(() => /^https?:$/.test(location.protocol));
  let read = 0;
  const check = async (screen) => {
    const texts = await p.evaluate(visibleTexts);
    read += texts.length;
    for (const from of ['en', ...also]) {
      assert.deepEqual(leftovers(texts, STRINGS, lang, from), [], `${lang}, ${screen}: words of ${from} left`);
    }
    assert.equal(await p.evaluate(() => document.documentElement.lang), lang, `${screen}: <html lang>`);
  };
  const text = (selector) => p.text(selector);
  await check('lock screen');
  await p.unlock(WRONG_PASSWORD);
  assert.equal(await text('#unlock-error'), said(STRINGS, lang, 'error.password'));
  await check('wrong password');
  await p.unlock(PASSWORD, { cover: true });
  await p.waitFor(() => !document.getElementById('gallery').hidden && !document.getElementById('cover').hidden);
  const day = await text('#cover-date'); // the shoot's day, in the language's words, then the count
  assert.ok(day.endsWith(` · ${said(STRINGS, lang, 'photos.count', { count: 9 })}`) && /\p{L}/u.test(day.split(' · ')[0]), day);
  await check('cover');
  await p.click('#cover-view');
  await p.waitFor(() => document.getElementById('cover').hidden);
  await p.waitFor(() => document.querySelector('#grid .tile img'));
  assert.equal(await text('#album-summary'), said(STRINGS, lang, 'photos.count', { count: 2 }));
  await check('grid');
  await p.click('#grid .tile-heart');
  await p.waitFor(() => document.getElementById('grid-status').textContent !== '');
  await check('grid, a favourite chosen');
  await p.click('#grid .tile');
  await p.waitFor(() => document.getElementById('lightbox').open && document.getElementById('lb-stage').classList.contains('is-loaded'));
  await p.page.keyboard.press('ArrowLeft');
  await p.waitFor((t) => document.getElementById('lb-status').textContent === t, said(STRINGS, lang, 'lb.first'));
  await check('lightbox');
  if (downloads) {
    await p.click('#lb-download');
    await p.waitFor(() => !document.getElementById('lb-download-menu').hidden);
    await check('lightbox, its download menu');
    await p.click('#lb-download');
  }
  await p.click('#lb-note');
  await p.waitFor(() => document.getElementById('note-dialog').open);
  await check('note');
  await p.click('#note-cancel');
  await p.click('#lb-close');
  await p.waitFor(() => !document.getElementById('lightbox').open);
  if (share) {
    await p.click('#share-open');
    await p.waitFor(() => document.getElementById('share-dialog').open);
    await check('share');
    await p.click('#share-close');
  }
  await p.click('#picks-send');
  await p.waitFor(() => document.getElementById('send-dialog').open);
  assert.equal(await text('#send-summary'), said(STRINGS, lang, 'send.choseUpTo', { chosen: said(STRINGS, lang, 'photos.count', { count: 1 }), limit: 25 }));
  await check('selection');
  await p.click('#send-confirm');
  await p.waitFor(() => !document.getElementById('send-ways').hidden);
  await check('selection, the ways to send it');
  // Copied (the done step), or the browser would not: copy it by hand.
  const byHand = said(STRINGS, lang, 'send.copyByHand');
  await p.click('#send-copy');
  await p.waitFor((t) => !document.getElementById('send-done').hidden || document.getElementById('send-copy').textContent === t, byHand);
  await check('selection, sent');
  await p.click(await p.evaluate(() => (document.getElementById('send-done').hidden ? '#send-cancel' : '#send-finish')));
  await p.waitFor(() => !document.getElementById('send-dialog').open);
  if (downloads) {
    await p.click('#download-open');
    await p.waitFor(() => document.getElementById('download-dialog').open);
    await check('downloads');
    await p.click('#download-close');
  }
  await p.click('#lock-button');
  await p.waitFor(() => !document.getElementById('unlock').hidden);
  assert.equal(await text('#unlock-status'), said(STRINGS, lang, 'unlock.locked'));
  await check('locked');
  return read;
}

/** Chooses `lang` with the switch shown on the screen. */
async function switchTo(p, lang) {
  await p.evaluate((l) => {
    const select = [...document.querySelectorAll('select[data-language]')].find((s) => s.getClientRects().length);
    select.value = l;
    select.dispatchEvent(new Event('change', { bubbles: true }));
  }, lang);
}

describe('the screens', () => {
let tmp;
let site;
let server;
let STRINGS;

before(async () => {
  tmp = await makeTempDir();
  // The sample's top album has two photos; downloads and a limit show every button.
  site = await buildSite(tmp, { args: ['--quiet', '--downloads', '--selection-limit', '25'] });
  server = await serve(site);
  ({ STRINGS } = await catalogue());
});

after(async () => {
  await server?.close();
  await removeDir(tmp);
});

const fromDisk = () => pathToFileURL(path.join(site, 'index.html')).href;

describe('Chromium', () => {
  let browser;
  before(async () => { browser = await launch('chromium'); });
  after(async () => { await browser?.close(); });
  const open = async (locale, url = server.url) => {
    const p = await browser.newPage({ viewport: { width: 1280, height: 800, locale } });
    await p.goto(url);
    return p;
  };

  for (const lang of LANGUAGES) {
    test(`${lang}: every screen in ${lang}, chosen from the browser's language`, async () => {
      const p = await open(`${lang}-${lang === 'pt' ? 'BR' : lang.toUpperCase()}`);
      try {
        assert.equal(await p.evaluate(() => window.lightproofViewer.language), lang);
        assert.ok(await walk(p, STRINGS, lang) > 60, 'the screens were read');
        assert.deepEqual(p.problems, []);
      } finally {
        await p.close();
      }
    });
  }

  test('from file://, in Dutch', async () => {
    const p = await open('nl-NL', fromDisk());
    try {
      await walk(p, STRINGS, 'nl');
      assert.deepEqual(p.problems, []);
    } finally {
      await p.close();
    }
  });

  test('a language the viewer lacks falls back to English; the first it has wins', async () => {
    for (const [locale, lang] of [['sv-SE', 'en'], ['en-GB', 'en'], ['de-AT', 'de'], ['pt-PT', 'pt']]) {
      const p = await open(locale);
      try {
        assert.equal(await p.evaluate(() => window.lightproofViewer.language), lang, locale);
        assert.equal(await p.evaluate(() => document.documentElement.lang), lang, locale);
      } finally {
        await p.close();
      }
    }
  });

  test('the switch changes the open gallery at once, and lasts through a reload', async () => {
    const p = await open('de-DE');
    try {
      await p.unlock(PASSWORD);
      await p.waitFor(() => document.querySelector('#grid .tile img'));
      await p.click('#grid .tile-heart');
      await p.waitFor(() => document.getElementById('grid-status').textContent !== '');
      await switchTo(p, 'fr');
      assert.equal(await p.evaluate(() => document.documentElement.lang), 'fr');
      const texts = await p.evaluate(visibleTexts);
      assert.deepEqual(leftovers(texts, STRINGS, 'fr', 'de'), [], 'nothing German left');
      assert.deepEqual(leftovers(texts, STRINGS, 'fr'), [], 'nothing English');
      assert.equal(await p.text('#album-summary'), said(STRINGS, 'fr', 'photos.count', { count: 2 }));
      assert.ok((await p.text('#gallery-access')).startsWith('Ouverte') || (await p.text('#gallery-access')).startsWith('Les fichiers'));
      // What the script says from now on is French too: the heart again
      // (no favourite left), then the whole walk on the same page.
      await p.click('#grid .tile-heart');
      assert.match(await p.text('#grid-status'), /retirée de vos favoris \(0\)\.$/);
      await p.click('#lock-button');
      await walk(p, STRINGS, 'fr', { also: ['de'] });
      await p.page.reload();
      await p.waitFor(() => window.lightproofViewer && window.lightproofViewer.ready);
      assert.equal(await p.evaluate(() => window.lightproofViewer.language), 'fr', 'kept for the tab');
      assert.equal(await p.evaluate(() => document.querySelector('#language-lock').value), 'fr');
      assert.deepEqual(p.problems, []);
    } finally {
      await p.close();
    }
  });
});

describe('Firefox', () => {
  let browser;
  before(async () => { browser = await launch('firefox', { firefoxPrefs: { 'intl.accept_languages': 'es-ES, es, en' } }); });
  after(async () => { await browser?.close(); });

  for (const [name, url] of [['HTTP', () => server.url], ['file://', fromDisk]]) {
    test(`Spanish, from the browser's language, over ${name}`, async () => {
      const p = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      try {
        await p.goto(url());
        assert.equal(await p.evaluate(() => window.lightproofViewer.language), 'es');
        await walk(p, STRINGS, 'es');
        assert.deepEqual(p.problems, []);
      } finally {
        await p.close();
      }
    });
  }
});

describe('WebKit', { skip: webkitSkip() }, () => {
  let browser;
  before(async () => { browser = await launch('webkit'); });
  after(async () => { await browser?.close(); });

  for (const [name, url] of [['HTTP', () => server.url], ['file://', fromDisk]]) {
    test(`Italian, from the switch on the lock screen, over ${name}`, async () => {
      const p = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      try {
        await p.goto(url());
        await switchTo(p, 'it');
        await walk(p, STRINGS, 'it');
        assert.deepEqual(p.problems, []);
      } finally {
        await p.close();
      }
    });
  }
});
// A phone's buttons (favourites out of a limit, Send, Download, Lock) keep
// to one row in every language down to 360 px: where the words do not fit,
// Lock shows its padlock and the count "0/25", still named in full, and
// only there. Chromium and Firefox (overlay scrollbars, as on a phone):
// WebKitGTK's MiniBrowser keeps its window at least 447 px wide.
const rowOfButtons = () => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => {
  const lock = document.getElementById('lock-button');
  const ids = ['picks-filter', 'picks-send', 'download-open', 'lock-button'];
  const measure = () => {
    const boxes = ids.map((id) => document.getElementById(id).getBoundingClientRect());
    return { tops: boxes.map((b) => Math.round(b.top)), right: Math.max(...boxes.map((b) => b.right)) };
  };
  const row = measure();
  const compact = lock.parentElement.classList.contains('compact');
  lock.parentElement.classList.remove('compact');
  const wordsWrap = new Set(measure().tops).size > 1;
  lock.parentElement.classList.toggle('compact', compact);
  done({
    ...row, compact, wordsWrap,
    lock: lock.textContent.trim(),
    count: document.getElementById('picks-count').textContent,
    width: document.documentElement.clientWidth,
  });
})));

for (const kind of ['chromium', 'firefox']) {
  describe(`the phone's buttons in ${kind}`, () => {
    let browser;
    before(async () => { browser = await launch(kind, { firefoxPrefs: { 'ui.useOverlayScrollbars': 1 } }); });
    after(async () => { await browser?.close(); });

    for (const width of [360, 390]) {
      test(`${width} px: one row in every language, compact only where the words would wrap`, async () => {
        const p = await browser.newPage({ viewport: { width, height: 800, isMobile: true, hasTouch: true } });
        try {
          await p.goto(server.url);
          await p.unlock(PASSWORD);
          const compactIn = [];
          for (const lang of ['en', ...LANGUAGES]) {
            await switchTo(p, lang);
            await p.waitFor((l) => document.documentElement.lang === l, lang);
            const row = await p.evaluate(rowOfButtons);
            const at = `${lang} at ${width} px`;
            assert.equal(row.width, width, 'the page is as wide as the phone');
            assert.equal(new Set(row.tops).size, 1, `${at}: the buttons share a row (${row.tops})`);
            assert.ok(row.right <= row.width, `${at}: within the screen`);
            assert.equal(row.compact, row.wordsWrap, `${at}: compact exactly where the words would wrap`);
            assert.equal(row.lock, said(STRINGS, lang, 'gallery.lock'), `${at}: Lock is named in its words`);
            assert.equal(row.count, said(STRINGS, lang, 'picks.countOf', { count: 0, limit: 25 }), `${at}: the count in words`);
            if (row.compact) compactIn.push(lang);
          }
          assert.ok(!compactIn.includes('en'), `English keeps its words at ${width} px`);
          if (width === 360) assert.ok(compactIn.length > 0, 'some language needs the compact row at 360 px');
          assert.deepEqual(p.problems, []);
        } finally {
          await p.close();
        }
      });
    }
  });
}
});
