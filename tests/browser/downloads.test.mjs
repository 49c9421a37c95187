// Downloads of originals: only grants with `download = true` get them, a
// view-only grant has no button (and no key: see tests/cli/originals.rs),
// single originals and ZIPs stream through the File System Access API or,
// without it, through an in-memory download, and a damaged blob saves
// nothing. The saved files are compared with the shoot's sources: byte for
// byte with --original-metadata keep; without location and serial numbers
// (checked with exiftool), and with the same image data, by default.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  MAIN_ALBUM, buildSite, copyShoot, launchBrowser, makeTempDir, openPage, removeDir, run, serve, unlock,
} from './support.mjs';

const VIEW = 'quartz meadow lantern, view only';
const FAMILY = 'ember willow castle, downloads';
const KEEP = 'violet harbour tempo, exact files';
const TAGGED = path.join('Ceremony', 'IMG_0201.jpg'); // gets GPS and serial numbers

let tmp;
let shoot;
let stripSite;
let keepSite;
let stripServer;
let keepServer;
let browser;

// Saves through a real FileSystemWritableFileStream: the origin-private
// file system stands in for the save dialog, which headless Chromium
// cannot show.
const OPFS_PICKER = () => {
  window.showSaveFilePicker = async ({ suggestedName }) => {
    const dir = await navigator.storage.getDirectory();
    return dir.getFileHandle(suggestedName, { create: true });
  };
};
const NO_PICKER = () => { delete window.showSaveFilePicker; };

async function readOpfs(page, name) {
  const base64 = await page.evaluate(async (name) => {
    const dir = await navigator.storage.getDirectory();
    const file = await (await dir.getFileHandle(name)).getFile();
    const bytes = new Uint8Array(await file.arrayBuffer());
    let text = '';
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(text);
  }, name);
  return Buffer.from(base64, 'base64');
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** The bytes of a JPEG from its first SOS marker on: the image data. */
function scanData(jpeg) {
  for (let i = 2; i + 4 <= jpeg.length;) {
    if (jpeg[i] !== 0xff) throw new Error('not a JPEG marker');
    if (jpeg[i + 1] === 0xda) return jpeg.subarray(i);
    i += 2 + jpeg.readUInt16BE(i + 2);
  }
  throw new Error('no SOS marker');
}

async function exif(file) {
  const { stdout } = await run('exiftool', ['-j', '-a', '-G1', '-n', file]);
  return JSON.parse(stdout)[0];
}

async function shootFiles(dir, prefix = '') {
  const out = new Map();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) for (const [k, v] of await shootFiles(path.join(dir, entry.name), rel)) out.set(k, v);
    else if (/\.jpe?g$/i.test(entry.name)) out.set(rel, path.join(dir, entry.name));
  }
  return out;
}

async function openLightbox(page, album) {
  if (album) await page.locator('.album-tab', { hasText: album }).click();
  await page.locator('#grid .tile').first().click();
  await page.waitForFunction(() => document.getElementById('lightbox').open);
}

before(async () => {
  tmp = await makeTempDir('lightproof-downloads-');
  shoot = await copyShoot(tmp);
  await run('exiftool', ['-overwrite_original', '-GPSLatitude=48.8584', '-GPSLatitudeRef=N',
    '-GPSLongitude=2.2945', '-GPSLongitudeRef=E', '-SerialNumber=SN-4242-TEST', '-LensSerialNumber=LS-77',
    '-Copyright=Studio North', path.join(shoot, TAGGED)]);
  const config = path.join(tmp, 'grants.toml');
  await writeFile(config, [
    '[[grant]]\nname = "viewer"\n',
    '[[grant]]\nname = "family"\nalbums = ["Ceremony"]\ndownload = true\n',
  ].join('\n'));
  const env = { LIGHTPROOF_PASSWORD_VIEWER: VIEW, LIGHTPROOF_PASSWORD_FAMILY: FAMILY, LIGHTPROOF_PASSWORD: KEEP };
  stripSite = await buildSite(tmp, { shoot, env, name: 'strip-site', args: ['--config', config, '--quiet'] });
  keepSite = await buildSite(tmp, {
    shoot, env, name: 'keep-site', args: ['--downloads', '--original-metadata', 'keep', '--quiet'],
  });
  [stripServer, keepServer] = await Promise.all([serve(stripSite), serve(keepSite)]);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stripServer?.close();
  await keepServer?.close();
  await removeDir(tmp);
});

describe('downloads', { timeout: 300_000 }, () => {
  test('a view-only grant shows no download button anywhere', async () => {
    const p = await openPage(browser, stripServer.url);
    try {
      await unlock(p.page, VIEW);
      assert.equal(await p.page.isHidden('#download-open'), true);
      assert.equal(await p.page.textContent('#gallery-access'), 'Downloads not included', 'says so, where the client looks');
      await openLightbox(p.page, 'Ceremony');
      assert.equal(await p.page.isHidden('#lb-download'), true);
      assert.deepEqual(p.problems, []);
    } finally {
      await p.close();
    }
  });

  test('a streamed original has no location or serial numbers and the same image data', async () => {
    const p = await openPage(browser, stripServer.url, { initScript: OPFS_PICKER });
    try {
      const { page } = p;
      await unlock(page, FAMILY);
      assert.equal(await page.isVisible('#download-open'), true);
      assert.equal(await page.textContent('#gallery-access'), 'Original files can be downloaded');
      await openLightbox(page, null); // the family grant has one album: Ceremony
      assert.equal(await page.textContent('#lb-file'), 'IMG_0201.jpg');
      // What a screen reader hears (the status region), kept as it changes.
      await page.evaluate(() => {
        window.__said = [];
        const said = document.getElementById('lb-said');
        new MutationObserver(() => window.__said.push(said.textContent)).observe(said, { childList: true, characterData: true, subtree: true });
      });
      await page.click('#lb-download').then(() => page.click('#lb-get-original'));
      await page.waitForFunction(() => /Saved|nothing was saved/.test(document.getElementById('lb-status').textContent));
      assert.match(await page.textContent('#lb-status'), /^Saved IMG_0201\.jpg\.$/);
      assert.deepEqual(await page.evaluate(() => window.__said), ['Downloading IMG_0201.jpg… 0 %', 'Saved IMG_0201.jpg.'],
        'the start and the end are read out, not every percentage');
      assert.match(await page.textContent('#lb-counter'), /^1 \/ \d+$/, 'the counter stays a counter');
      const saved = await readOpfs(page, 'IMG_0201.jpg');
      const source = await readFile(path.join(shoot, TAGGED));
      assert.ok(scanData(saved).equals(scanData(source)), 'the image data is untouched');
      const file = path.join(tmp, 'streamed.jpg');
      await writeFile(file, saved);
      const [before, after] = await Promise.all([exif(path.join(shoot, TAGGED)), exif(file)]);
      assert.equal(before['GPS:GPSLatitude'], 48.8584, 'the fixture carries a location');
      assert.equal(before['ExifIFD:SerialNumber'], 'SN-4242-TEST');
      const leaked = Object.keys(after).filter((k) => /GPS|Serial/i.test(k));
      assert.deepEqual(leaked, [], 'no location or serial number left');
      for (const kept of ['IFD0:Make', 'IFD0:Model', 'IFD0:Copyright', 'ExifIFD:DateTimeOriginal']) {
        assert.equal(after[kept], before[kept], `${kept} is kept`);
      }
      assert.deepEqual(p.problems, []);
    } finally {
      await p.close();
    }
  });

  test('without the File System Access API a download is byte-identical with metadata kept', async () => {
    const p = await openPage(browser, keepServer.url, { initScript: NO_PICKER, context: { acceptDownloads: true } });
    try {
      const { page } = p;
      await unlock(page, KEEP);
      await openLightbox(page, 'Mountains');
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#lb-download').then(() => page.click('#lb-get-original'))]);
      const file = path.join(tmp, 'fallback-' + download.suggestedFilename());
      await download.saveAs(file);
      const name = await page.textContent('#lb-file');
      assert.equal(download.suggestedFilename(), name);
      assert.equal(sha256(await readFile(file)), sha256(await readFile(path.join(shoot, 'Mountains', name))));
      assert.equal(await page.evaluate(() => window.lightproofViewer.liveBlobUrls >= 0), true);
      assert.deepEqual(p.problems, []);
    } finally {
      await p.close();
    }
  });

  test('"All photos" streams a ZIP whose every entry is byte-identical to the shoot', async () => {
    const p = await openPage(browser, keepServer.url, { initScript: OPFS_PICKER });
    try {
      const { page } = p;
      await unlock(page, KEEP);
      await page.click('#download-open');
      assert.match(await page.textContent('#download-all'), /^All photos: 9 photos, [\d.]+ MB$/);
      await page.click('#download-all');
      await page.waitForFunction(() => /Saved|nothing was saved/.test(document.getElementById('download-status').textContent));
      const title = await page.textContent('#gallery-title');
      assert.equal(await page.textContent('#download-status'), `Saved ${title}.zip.`);
      const zip = path.join(tmp, 'all.zip');
      await writeFile(zip, await readOpfs(page, `${title}.zip`));
      const out = path.join(tmp, 'unzipped');
      await mkdir(out);
      await run('python3', ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; z.extractall(sys.argv[2])', zip, out]);
      const sources = await shootFiles(shoot);
      const entries = await shootFiles(out);
      assert.equal(entries.size, 9);
      for (const [entry, file] of entries) {
        const [album, name] = entry.split('/');
        const rel = album === MAIN_ALBUM ? name : `${album}/${name}`;
        assert.ok(sources.has(rel), `${entry} comes from the shoot`);
        assert.equal(sha256(await readFile(file)), sha256(await readFile(sources.get(rel))), entry);
      }
      assert.deepEqual(p.problems, []);
    } finally {
      await p.close();
    }
  });

  test('a damaged original saves nothing and says so', async () => {
    const site = path.join(tmp, 'damaged-site');
    await cp(keepSite, site, { recursive: true });
    const server = await serve(site);
    const p = await openPage(browser, server.url, { initScript: NO_PICKER, context: { acceptDownloads: true } });
    try {
      const { page } = p;
      await unlock(page, KEEP);
      await openLightbox(page, 'Ceremony');
      // Damage every blob but the manifest (a few kB) near its end, after
      // the first chunks of an original have been released to the page.
      for (const name of await readdir(path.join(site, 'b'))) {
        const file = path.join(site, 'b', name);
        const bytes = await readFile(file);
        if (bytes.length < 20_000) continue;
        bytes[bytes.length - 20] ^= 0x01;
        await writeFile(file, bytes);
      }
      let downloads = 0;
      page.on('download', () => { downloads += 1; });
      await page.click('#lb-download').then(() => page.click('#lb-get-original'));
      await page.waitForFunction(() => /Saved|nothing was saved/.test(document.getElementById('lb-status').textContent));
      assert.match(await page.textContent('#lb-status'), /damaged on the server, so nothing was saved/);
      await page.waitForTimeout(300);
      assert.equal(downloads, 0, 'no file was handed to the browser');

      // Streamed to disk: the half-written file is aborted and removed.
      const streamed = await openPage(browser, server.url, { initScript: OPFS_PICKER });
      try {
        await unlock(streamed.page, KEEP);
        await openLightbox(streamed.page, 'Ceremony');
        const name = await streamed.page.textContent('#lb-file');
        await streamed.page.click('#lb-download').then(() => streamed.page.click('#lb-get-original'));
        await streamed.page.waitForFunction(() => /Saved|nothing was saved/.test(document.getElementById('lb-status').textContent));
        assert.match(await streamed.page.textContent('#lb-status'), /damaged on the server, so nothing was saved/);
        const left = await streamed.page.evaluate(async (name) => {
          const dir = await navigator.storage.getDirectory();
          return dir.getFileHandle(name).then(() => true, () => false);
        }, name);
        assert.equal(left, false, 'no empty or partial file is left behind');
      } finally {
        await streamed.close();
      }
    } finally {
      await p.close();
      await server.close();
    }
  });
});
