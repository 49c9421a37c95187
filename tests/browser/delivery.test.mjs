// Delivery anywhere: the same gallery opened three ways, in Chromium and in
// Firefox, passes the same checks. The ways are a folder served over HTTP,
// the same folder opened from disk (file://, through its offline copies), and
// the single-file bundle opened from disk and served over HTTP. The checks: a wrong password is
// refused, every thumbnail of every album decodes, the lightbox, a favourite,
// an original downloaded byte for byte, no request outside the delivery, and
// a damaged or missing thumbnail fails in its own tile only.
import assert from 'node:assert/strict';
import { cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { BROWSERS, useBrowser } from './drivers.mjs';
import { BIN, CAPTURE_SAVES, PASSWORD, SHOOT, WRONG_PASSWORD, buildSite, makeTempDir, removeDir, run, serve, shootFile, sweep } from './support.mjs';

let tmp;
let site;
let server;
let bundleServer;
let deliveries;


before(async () => {
  tmp = await makeTempDir();
  site = await buildSite(tmp, { args: ['--downloads', '--original-metadata', 'keep'] });
  // Its own folder, as index.html, so that it can be served alone too.
  const bundle = path.join(tmp, 'single', 'index.html');
  await mkdir(path.dirname(bundle));
  await run(BIN, ['bundle', site, '--out', bundle]);
  server = await serve(site);
  bundleServer = await serve(path.dirname(bundle));
  deliveries = [
    { name: 'a folder over HTTP', url: server.url, within: (u) => u.startsWith(server.origin + '/'), root: site, kind: 'http' },
    { name: 'a folder from disk', url: pathToFileURL(path.join(site, 'index.html')).href, within: (u) => u.startsWith(pathToFileURL(site).href + '/'), root: site, kind: 'folder' },
    { name: 'a single file from disk', url: pathToFileURL(bundle).href, within: (u) => u === pathToFileURL(bundle).href, root: bundle, kind: 'bundle' },
    { name: 'a single file over HTTP', url: bundleServer.url, within: (u) => u === bundleServer.url, root: bundle, kind: 'bundle' },
  ];
});

after(async () => {
  await server?.close();
  await bundleServer?.close();
  await removeDir(tmp);
});

/** A copy of the delivery with `flip`'s bytes damaged and `drop` gone. */
async function tamperedCopy(delivery, flip, drop) {
  const damage = (bytes) => { bytes[bytes.length >> 1] ^= 0x01; return bytes; };
  const copy = path.join(tmp, `tampered-${delivery.kind}-${Date.now()}`);
  if (delivery.kind === 'bundle') {
    let html = await readFile(delivery.root, 'utf8');
    const element = (name) => new RegExp(`<script type="application/x-lightproof" data-file="${name}">([^<]*)</script>\n`);
    const [whole, data] = html.match(element(flip));
    html = html.replace(whole, whole.replace(data, damage(Buffer.from(data, 'base64')).toString('base64')));
    html = html.replace(element(drop), '');
    await writeFile(copy + '.html', html);
    return pathToFileURL(copy + '.html').href;
  }
  await cp(delivery.root, copy, { recursive: true });
  if (delivery.kind === 'folder') {
    const script = path.join(copy, flip + '.js');
    const text = await readFile(script, 'utf8');
    const data = text.match(/,"([A-Za-z0-9+/=]*)"\);\n$/)[1];
    await writeFile(script, text.replace(data, damage(Buffer.from(data, 'base64')).toString('base64')));
    await rm(path.join(copy, drop + '.js'));
    return pathToFileURL(path.join(copy, 'index.html')).href;
  }
  const file = path.join(copy, flip);
  await writeFile(file, damage(await readFile(file)));
  await rm(path.join(copy, drop));
  const bad = await serve(copy);
  tamperedServers.push(bad);
  return bad.url;
}
const tamperedServers = [];
after(() => Promise.all(tamperedServers.map((s) => s.close())));

for (const kind of BROWSERS) {
  describe(`${kind}`, { timeout: 600_000 }, () => {
    const browser = useBrowser(kind);

    const NAMES = ['HTTP', 'file:// folder', 'file:// single file', 'HTTP single file'];
    // Per delivery, its thumbnails' blobs in the grid's order, as the
    // unlock test's sweep saw them: the tamper test damages two of them.
    const blobsSeen = [];
    for (const index of [0, 1, 2, 3]) {
      test(`${NAMES[index]}: a wrong password is refused; then unlock, browse, lightbox, favourite, download`, async () => {
        const delivery = deliveries[index];
        const p = await browser.newPage({ init: CAPTURE_SAVES });
        try {
          await p.goto(delivery.url);
          await p.unlock(WRONG_PASSWORD);
          assert.match(await p.text('#unlock-error'), /does not open this gallery/);
          assert.equal(await p.evaluate(() => document.getElementById('gallery').hidden), true);
          await p.unlock(PASSWORD);
          assert.equal(await p.text('#unlock-error'), '');
          const tiles = await sweep(p);
          assert.equal(tiles.size, 9, 'every photo of the sample has a tile');
          blobsSeen[index] = [...tiles.keys()];
          for (const [blob, t] of tiles) {
            assert.equal(t.error, null, `${blob}: no error`);
            assert.ok(t.width > 0, `${blob}: decoded`);
          }

          await p.click('#grid .tile');
          await p.waitFor(() => document.querySelector('#lightbox[open] #lb-stage.is-loaded') && document.getElementById('lb-image').naturalWidth > 0);
          const preview = await p.evaluate(() => document.getElementById('lb-image').naturalWidth);
          assert.ok(preview > Math.max(...[...tiles.values()].map((t) => t.width)) / 2, 'the lightbox shows the preview');
          await p.click('#lb-fav');
          assert.equal(await p.evaluate(() => document.getElementById('lb-fav').getAttribute('aria-pressed')), 'true');

          const name = await p.text('#lb-file');
          await p.click('#lb-download').then(() => p.click('#lb-get-original'));
          await p.waitFor((n) => window.__saved[n] !== undefined, name);
          const saved = Buffer.from(await p.evaluate((n) => window.__saved[n], name), 'base64');
          assert.ok(saved.equals(await readFile(await shootFile(name))), `${name} downloads byte for byte`);
          await p.evaluate(() => document.getElementById('lb-close').click());
          await p.waitFor(() => !document.getElementById('lightbox').open);
          assert.match(await p.text('#picks-count'), /^1\b/);

          const outside = p.requests.filter((u) => !delivery.within(u) && !/^(blob|data):/.test(u));
          assert.deepEqual(outside, [], 'no request outside the delivery');
          assert.deepEqual(p.problems, []);
        } finally {
          await p.close();
        }
      });

      if (index === 3) continue; // the same bytes as from disk, tampered above
      test(`${NAMES[index]}: a damaged or missing thumbnail fails in its tile only`, async () => {
        const delivery = deliveries[index];
        const blobs = blobsSeen[index];
        assert.ok(blobs, 'the blobs were seen by the unlock test before');
        const [flipped, missing] = [blobs[0], blobs[blobs.length - 1]];
        const p = await browser.newPage();
        try {
          await p.goto(await tamperedCopy(delivery, flipped, missing));
          await p.unlock(PASSWORD);
          const tiles = await sweep(p);
          assert.equal(tiles.size, 9);
          for (const [blob, t] of tiles) {
            if (blob === flipped) assert.match(t.error ?? '', /^Damaged/, 'the damaged thumbnail says so');
            else if (blob === missing) assert.match(t.error ?? '', /^Missing/, 'the missing thumbnail says so');
            else assert.ok(t.width > 0 && t.error === null, `${blob} still decodes`);
          }
        } finally {
          await p.close();
        }
      });
    }

    test('file:// of a --web-only build says it opens only from its web address', async () => {
      const webOnly = await buildSite(tmp, { args: ['--web-only'], name: `web-only-${kind}` });
      const names = await readdir(path.join(webOnly, 'b'));
      assert.equal(names.filter((n) => n.endsWith('.js')).length, 0, 'no offline copies');
      const p = await browser.newPage();
      try {
        await p.page.goto(pathToFileURL(path.join(webOnly, 'index.html')).href);
        await p.unlock(PASSWORD);
        assert.match(await p.text('#unlock-error'), /opens only from its web address/);
      } finally {
        await p.close();
      }
    });
  });
}
