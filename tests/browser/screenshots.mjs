// Writes docs/screenshots/: each screen a client meets, on a phone
// (390×844) and a desktop (1440×900), from the sample shoot built by this
// tree's binary and unlocked in headless Chromium. Not a test: run it after
// changing what the viewer looks like, look at the pictures, commit them.
//
//   cd tests/browser && LIGHTPROOF_BIN=../../target/debug/lightproof node screenshots.mjs
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  PASSWORD, REPO, buildSite, copyShoot, launchBrowser, makeTempDir, openPage, removeDir, serve, unlock,
} from './support.mjs';

const OUT = path.join(REPO, 'docs', 'screenshots');
const DEVICES = {
  phone: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true },
  desktop: { viewport: { width: 1440, height: 900 } },
};
const CONFIG = `[gallery]
title = "Anna & Ben"
studio = "Lumen Studio"
accent = "#8a3b12"
font = "serif"
cover = "Mountains/DSC03301.jpg"
photographer_email = "studio@example.com"
selection_limit = 20
downloads = true
`;

/** JPEG at quality 90: the photos make a PNG of a screen 1.5 MB. */
async function screenshot(page, name) {
  await page.screenshot({ path: path.join(OUT, `${name}.jpg`), type: 'jpeg', quality: 90 });
  console.log(`${name}.jpg`);
}

const isOpen = (id) => document.getElementById(id).open;

/** The screens, in the order a client meets them: [name, how to get there]. */
const SCREENS = [
  ['lock', async () => {}],
  ['cover', async (page) => {
    await unlock(page, PASSWORD, { cover: true });
    await page.waitForFunction(() => !document.getElementById('cover').hidden && document.getElementById('cover-photo').complete);
    await page.waitForTimeout(500);
  }],
  ['grid', async (page) => {
    await page.click('#cover-view');
    await page.waitForFunction(() => [...document.querySelectorAll('#grid .tile img')].filter((i) => i.complete && i.naturalWidth).length >= 2);
    await page.locator('#grid .tile-heart').nth(1).click();
    await page.locator('#grid .tile-heart').nth(0).click();
    await page.waitForTimeout(300);
  }],
  ['lightbox', async (page) => {
    await page.locator('#grid .tile').nth(1).click();
    await page.waitForFunction(() => document.getElementById('lightbox').open && document.getElementById('lb-image').complete);
    await page.waitForTimeout(400);
  }],
  ['selection', async (page) => {
    await page.keyboard.press('Escape');
    await page.click('#picks-send');
    await page.waitForFunction(isOpen, 'send-dialog');
    await page.waitForTimeout(600);
  }],
  ['downloads', async (page) => {
    await page.click('#send-close');
    await page.click('#download-open');
    await page.waitForFunction(isOpen, 'download-dialog');
  }],
];

const tmp = await makeTempDir('lightproof-screenshots-');
const shoot = await copyShoot(tmp);
await writeFile(path.join(shoot, 'lightproof.toml'), CONFIG);
const server = await serve(await buildSite(tmp, { shoot, args: ['--quiet'] }));
const expiredShoot = await copyShoot(path.join(tmp, 'expired'));
await writeFile(path.join(expiredShoot, 'lightproof.toml'), CONFIG.replace('[gallery]\n', '[gallery]\nexpires = "2020-01-01"\n'));
const expired = await serve(await buildSite(path.join(tmp, 'expired'), { shoot: expiredShoot, args: ['--quiet'] }));
const browser = await launchBrowser();
await mkdir(OUT, { recursive: true });
try {
  for (const [device, context] of Object.entries(DEVICES)) {
    for (const scheme of ['light', 'dark']) {
      if (scheme === 'dark' && device === 'desktop') continue;
      const suffix = scheme === 'dark' ? '-dark' : '';
      const { page, problems, close } = await openPage(browser, server.url, { context: { ...context, colorScheme: scheme } });
      for (const [name, reach] of SCREENS) {
        await reach(page);
        await screenshot(page, `${device}-${name}${suffix}`);
      }
      await close();
      if (problems.length) throw new Error(problems.join('\n'));
      const e = await openPage(browser, expired.url, { context: { ...context, colorScheme: scheme } });
      await unlock(e.page, PASSWORD);
      await screenshot(e.page, `${device}-expired${suffix}`);
      await e.close();
    }
  }
} finally {
  await browser.close();
  await server.close();
  await expired.close();
  await removeDir(tmp);
}
