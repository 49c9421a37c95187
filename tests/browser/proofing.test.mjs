// Proofing: favourites with notes and a limit, kept across reloads, sent
// as a selection that `lightproof picks` maps back to the shoot, and that
// it refuses once edited. Notes reach the photographer's terminal: the
// viewer signs them without control or invisible formatting characters.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  BIN, PASSWORD, buildSite, copyShoot, launchBrowser, lightproofEnv, makeTempDir, openPage, removeDir, run, serve, unlock,
  viewerReady,
} from './support.mjs';

let tmp;
let shoot;
let site;
let env;
let server;
let browser;

before(async () => {
  tmp = await makeTempDir('lightproof-proofing-');
  shoot = await copyShoot(tmp);
  env = lightproofEnv(tmp);
  site = await buildSite(tmp, {
    shoot, args: ['--quiet', '--selection-limit', '2', '--photographer-email', 'studio@example.com'],
  });
  server = await serve(site);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
  await removeDir(tmp);
});

describe('proofing', { timeout: 300_000 }, () => {
  test('favourites and notes survive a reload, and the selection reaches picks', async () => {
    const p = await openPage(browser, server.url);
    try {
      const { page } = p;
      await unlock(page, PASSWORD);
      await page.locator('.album-tab', { hasText: 'Mountains' }).click(); // 4 photos
      await page.locator('#grid .tile').first().click();
      await page.waitForFunction(() => document.getElementById('lightbox').open);
      await page.click('#lb-fav');
      await page.click('#lb-note');
      await page.waitForFunction(() => document.getElementById('note-dialog').open);
      assert.equal(await page.evaluate(() => document.activeElement.id), 'note-input', 'the note box has the focus');
      await page.fill('#note-input', '  please   crop tighter ');
      await page.click('#note-save');
      await page.waitForFunction(() => !document.getElementById('lb-note-text').hidden);
      assert.equal(await page.evaluate(() => document.getElementById('note-dialog').open), false);
      assert.equal(await page.evaluate(() => document.activeElement.id), 'lb-note', 'the focus is back on Note');
      await page.click('#lb-next');
      await page.click('#lb-fav');
      await page.click('#lb-next');
      await page.click('#lb-fav'); // a third one is over the limit of 2
      assert.match(await page.textContent('#lb-status'), /already chosen 2/);
      assert.match(await page.textContent('#lb-counter'), /^3 \/ 4$/, 'the counter stays a counter');
      assert.equal(await page.getAttribute('#lb-fav', 'aria-pressed'), 'false');
      // A note would make it a third favourite too: refused, in the dialog.
      await page.click('#lb-note');
      await page.fill('#note-input', 'this one instead?');
      await page.click('#note-save');
      assert.match(await page.textContent('#note-problem'), /already chosen 2/);
      assert.equal(await page.evaluate(() => document.getElementById('note-dialog').open), true);
      await page.click('#note-cancel');
      assert.equal(await page.getAttribute('#lb-fav', 'aria-pressed'), 'false');
      await page.keyboard.press('Escape');
      // Closing the lightbox takes its history entry back: let that finish
      // before reloading, or the reload is aborted by it.
      await page.waitForFunction(() => !document.getElementById('lightbox').open);
      await page.waitForTimeout(500);
      assert.equal(await page.textContent('#picks-count'), '2 of 2');

      await page.reload();
      await viewerReady(page);
      await unlock(page, PASSWORD);
      assert.equal(await page.textContent('#picks-count'), '2 of 2', 'kept across a reload');
      await page.locator('.album-tab', { hasText: 'Mountains' }).click();
      assert.equal(await page.locator('#grid .tile.picked').count(), 2);
      await page.click('#picks-filter');
      assert.equal(await page.locator('#grid .tile').count(), 2, 'the filter shows only favourites');

      await page.click('#picks-send');
      assert.equal(await page.textContent('#send-summary'), 'You chose 2 photos (up to 2).');
      const listed = await page.$$eval('#send-list .send-item', (items) => items.map((i) => i.textContent));
      assert.equal(listed.length, 2);
      assert.equal(listed.filter((t) => t.endsWith('Note: please crop tighter')).length, 1, 'the note is listed with its photo');
      assert.equal(await page.isVisible('#send-text'), false, 'the signed text is tucked away');
      const text = await page.inputValue('#send-text');
      assert.match(text, /^Selection from .*: 2 photos \(up to 2\)\n/);
      assert.match(text, /    note: please crop tighter\n/);
      assert.match(text, /\nlightproof-selection 1 gallery=[0-9a-f]{32} manifest=[a-z2-7]{26} tag=[0-9a-f]{64}\n$/);
      assert.match(await page.getAttribute('#send-mail', 'href'), /^mailto:studio%40example\.com\?subject=/);
      assert.deepEqual(p.problems, []);

      const file = path.join(tmp, 'selection.txt');
      await writeFile(file, text);
      const picked = await run(BIN, ['picks', file, '--shoot', shoot, '--site', site, '--copy-to', path.join(tmp, 'picked')], { env });
      const names = text.split('\n').filter((l) => /^\S+\.jpg$/.test(l));
      assert.equal(picked.stdout.trim(), names.join(', '));
      assert.match(picked.stderr, /please crop tighter/);

      await writeFile(file, text.replace(names[0], 'IMG_9999.jpg'));
      await assert.rejects(run(BIN, ['picks', file, '--shoot', shoot, '--site', site], { env }),
        (e) => e.code === 2 && /changed after the client sent it/.test(e.stderr));
    } finally {
      await p.close();
    }
  });
  test('a tile\'s heart and the F key choose favourites from the grid, said aloud, within the limit', async () => {
    const p = await openPage(browser, server.url);
    try {
      const { page } = p;
      await unlock(page, PASSWORD);
      // Nothing chosen yet: the selection says how to choose, and offers no way to send nothing.
      await page.click('#picks-send');
      assert.match(await page.textContent('#send-summary'), /haven't chosen any photos yet/);
      assert.equal(await page.isVisible('#send-ways'), false);
      assert.equal(await page.isVisible('#send-confirm'), false, 'nothing to confirm');
      await page.click('#send-close');
      await page.locator('.album-tab', { hasText: 'Mountains' }).click(); // 4 photos
      await page.waitForFunction(() => document.querySelectorAll('#grid .tile-heart').length === 4);
      const state = () => page.evaluate(() => ({
        hearts: [...document.querySelectorAll('#grid .tile-heart')].map((h) => h.getAttribute('aria-pressed')),
        picked: [...document.querySelectorAll('#grid .tile')].map((t) => t.classList.contains('picked')),
        count: document.getElementById('picks-count').textContent,
        said: document.getElementById('grid-status').textContent,
      }));
      const names = await page.$$eval('#grid .tile', (tiles) => tiles.map((t) => t.getAttribute('aria-label')));
      // Each heart is named after its photo and comes right after its tile.
      assert.deepEqual(await page.$$eval('#grid .tile-heart', (hs) => hs.map((h) => h.getAttribute('aria-label'))),
        names.map((n) => `Favourite: ${n}`));
      assert.equal(await page.$$eval('#grid .tile', (tiles) => tiles.every((t) => t.nextElementSibling.classList.contains('tile-heart'))), true);

      await page.locator('#grid .tile-heart').first().click();
      let s = await state();
      assert.deepEqual(s.hearts, ['true', 'false', 'false', 'false']);
      assert.deepEqual(s.picked, [true, false, false, false]);
      assert.equal(s.count, '1 of 2');
      assert.equal(s.said, `${names[0]} added to your favourites (1).`);
      assert.equal(await page.evaluate(() => document.getElementById('lightbox').open), false, 'the heart does not open the photo');

      await page.locator('#grid .tile').nth(1).focus();
      await page.keyboard.press('f');
      s = await state();
      assert.deepEqual(s.hearts, ['true', 'true', 'false', 'false']);
      assert.equal(s.said, `${names[1]} added to your favourites (2).`);
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('f'); // a third one is over the limit of 2
      s = await state();
      assert.deepEqual(s.hearts, ['true', 'true', 'false', 'false']);
      assert.equal(s.count, '2 of 2');
      assert.match(s.said, /already chosen 2/);
      await page.keyboard.press('ArrowLeft');
      await page.keyboard.press('f');
      s = await state();
      assert.deepEqual(s.hearts, ['true', 'false', 'false', 'false']);
      assert.equal(s.said, `${names[1]} removed from your favourites (1).`);

      // The lightbox's F is the same choice.
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.getElementById('lightbox').open);
      await page.keyboard.press('f');
      assert.equal(await page.getAttribute('#lb-fav', 'aria-pressed'), 'true');
      await page.keyboard.press('Escape');
      await page.waitForFunction(() => !document.getElementById('lightbox').open);
      assert.deepEqual((await state()).hearts, ['true', 'true', 'false', 'false']);
      assert.deepEqual(p.problems, []);
    } finally {
      await p.close();
    }
  });

  test('with a minimum, the selection can be sent only once enough photos are chosen', async () => {
    const minSite = await buildSite(tmp, { shoot, name: 'site-min', args: ['--quiet', '--selection-min', '2', '--selection-limit', '3'] });
    const minServer = await serve(minSite);
    const p = await openPage(browser, minServer.url);
    try {
      const { page } = p;
      await unlock(page, PASSWORD);
      await page.locator('.album-tab', { hasText: 'Mountains' }).click();
      await page.waitForFunction(() => document.querySelectorAll('#grid .tile-heart').length === 4);
      const panel = async () => {
        await page.click('#picks-send');
        const shown = { summary: await page.textContent('#send-summary'), ways: await page.isVisible('#send-confirm') };
        await page.click('#send-close');
        return shown;
      };
      assert.deepEqual(await panel(), {
        summary: "You haven't chosen any photos yet. Tap the heart on a photo (or press F) to choose it, then come back here. Your photographer asks for at least 2 photos.",
        ways: false,
      });
      await page.locator('#grid .tile-heart').nth(0).click();
      assert.deepEqual(await panel(), {
        summary: 'You chose 1 photo. Your photographer asks for at least 2: choose 1 more to send your selection.',
        ways: false,
      });
      await page.locator('#grid .tile-heart').nth(1).click();
      assert.deepEqual(await panel(), { summary: 'You chose 2 photos (2 to 3).', ways: true });
      assert.deepEqual(p.problems, []);
    } finally {
      await p.close();
      await minServer.close();
    }
  });

  test('a note is signed without control, bidi or invisible characters', async () => {
    // What `lightproof picks` escapes (src/deliver/picks.rs): C0 and C1 controls,
    // bidi overrides and isolates, line separators, invisible formatting.
    const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\u{e0000}-\u{e007f}]/u;
    const typed = 'a\u202egpj.exe\u0007 b\u001b[31mred\r\nline\u2028two\u200bx\u2066 \u00e9t\u00e9\t\u{1F600}';
    const p = await openPage(browser, server.url);
    try {
      const { page } = p;
      await unlock(page, PASSWORD);
      await page.locator('.album-tab', { hasText: 'Mountains' }).click();
      // Start from no favourites (the test above leaves two).
      await page.evaluate(() => {
        for (const k of Object.keys(localStorage)) if (k.startsWith('lightproof-picks:')) localStorage.removeItem(k);
      });
      await page.reload();
      await viewerReady(page);
      await unlock(page, PASSWORD);
      await page.locator('.album-tab', { hasText: 'Mountains' }).click();
      await page.locator('#grid .tile').first().click();
      await page.waitForFunction(() => document.getElementById('lightbox').open);
      await page.click('#lb-note');
      await page.fill('#note-input', typed);
      await page.click('#note-save');
      await page.waitForFunction(() => !document.getElementById('lb-note-text').hidden);
      assert.doesNotMatch(await page.textContent('#lb-note-text'), UNSAFE, 'the note as shown');
      // A note kept by an older viewer, or edited in the browser's storage,
      // is cleaned when the selection is made, too.
      await page.evaluate(() => {
        const k = Object.keys(localStorage).find((k) => k.startsWith('lightproof-picks:'));
        const saved = JSON.parse(localStorage.getItem(k));
        saved[0][1] += '\nfile: IMG_0001.jpg\u202e';
        localStorage.setItem(k, JSON.stringify(saved));
      });
      await page.keyboard.press('Escape');
      await page.waitForFunction(() => !document.getElementById('lightbox').open);
      await page.waitForTimeout(500);
      await page.reload();
      await viewerReady(page);
      await unlock(page, PASSWORD);
      await page.click('#picks-send');
      const text = await page.inputValue('#send-text');
      for (const line of text.split('\n')) assert.doesNotMatch(line, UNSAFE, 'no unsafe character on any line');
      const notes = text.split('\n').filter((l) => l.startsWith('    note: '));
      assert.deepEqual(notes, ['    note: agpj.exe b [31mred line twox \u00e9t\u00e9 \u{1F600} file: IMG_0001.jpg']);

      const file = path.join(tmp, 'selection-notes.txt');
      await writeFile(file, text);
      const picked = await run(BIN, ['picks', file, '--shoot', shoot, '--site', site], { env });
      assert.match(picked.stderr, /agpj\.exe b \[31mred line twox/);
      assert.deepEqual(p.problems, []);
    } finally {
      await p.close();
    }
  });
});
