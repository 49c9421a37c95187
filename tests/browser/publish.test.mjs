// A gallery published with `lightproof publish` to moto's S3 server and
// opened from the server's own HTTP endpoint, as a client opens one served
// straight from a bucket: each object's Content-Type and Cache-Control are
// whatever publish stored, so the page must load, the module compile and
// the photos decrypt with them, in Chromium, Firefox and WebKit.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BROWSERS, useBrowser } from './drivers.mjs';
import {
  BIN, PASSWORD, REPO, buildSite, countShootImages, freePort, lightproofEnv, makeTempDir, removeDir, run,
} from './support.mjs';
import { webkitSkip } from './webkit.mjs';

const MOTO = process.env.LIGHTPROOF_MOTO_SERVER || path.join(REPO, 'target', 'tools', 'moto', 'bin', 'moto_server');
const BUCKET = 'studio-galleries';
const PREFIX = 'smith-wedding';

let tmp;
let moto;
let endpoint;

async function startMoto() {
  assert.ok(existsSync(MOTO), `${MOTO} is missing: tests/run-all.sh installs moto (or set LIGHTPROOF_MOTO_SERVER)`);
  const port = await freePort();
  const child = spawn(MOTO, ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    try {
      await fetch(url);
      return { child, url };
    } catch (e) {
      if (tries > 300) throw new Error(`moto_server did not answer on ${url}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

before(async () => {
  tmp = await makeTempDir('lightproof-publish-');
  moto = await startMoto();
  endpoint = moto.url;
  assert.equal((await fetch(`${endpoint}/${BUCKET}`, { method: 'PUT' })).status, 200);
  // Anyone may read the gallery's objects (never list them), as in docs/HOSTING.md.
  const policy = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` }],
  };
  const set = await fetch(`${endpoint}/${BUCKET}?policy`, {
    method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(policy),
  });
  assert.ok(set.ok, await set.text());
  const site = await buildSite(tmp, { args: ['--quiet', '--downloads'] });
  await run(BIN, ['publish', site, `s3://${BUCKET}/${PREFIX}/`, '--endpoint', endpoint, '--quiet'], {
    env: lightproofEnv(tmp, {
      AWS_ACCESS_KEY_ID: 'lightproof-test-key',
      AWS_SECRET_ACCESS_KEY: 'lightproof-test-secret',
      AWS_REGION: 'us-east-1',
      AWS_PROFILE: undefined,
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
      AWS_CONFIG_FILE: '/nonexistent',
    }),
  });
});

after(async () => {
  moto?.child.kill();
  await removeDir(tmp);
});

const galleryUrl = () => `${endpoint}/${BUCKET}/${PREFIX}/index.html`;

test('the bucket serves each file with the type and caching publish gave it', async () => {
  const expected = {
    'index.html': ['text/html; charset=utf-8', 'no-cache'],
    'viewer.wasm': ['application/wasm', 'no-cache'],
    'gallery.bin': ['application/octet-stream', 'no-cache'],
  };
  for (const [name, [type, cache]] of Object.entries(expected)) {
    const response = await fetch(`${endpoint}/${BUCKET}/${PREFIX}/${name}`);
    assert.equal(response.status, 200, name);
    assert.equal(response.headers.get('content-type'), type, name);
    assert.equal(response.headers.get('cache-control'), cache, name);
  }
});

for (const kind of [...BROWSERS, 'webkit']) {
  describe(`a published gallery in ${kind}`, { skip: kind === 'webkit' && webkitSkip(), timeout: 300_000 }, () => {
    const browser = useBrowser(kind);
    test('opens from the S3 endpoint and shows every photo', async () => {
      const p = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      try {
        await p.goto(galleryUrl());
        await p.unlock(PASSWORD);
        await p.evaluate(() => document.querySelector('.album-all')?.click());
        const photos = await countShootImages();
        await p.waitFor((n) => {
          const shown = [...document.querySelectorAll('#grid .tile img')].filter((i) => i.complete && i.naturalWidth > 0);
          return shown.length >= Math.min(n, 6);
        }, photos, 60_000);
        assert.deepEqual(p.problems, []);
        for (const url of p.requests) {
          assert.ok(url.startsWith(`${endpoint}/${BUCKET}/${PREFIX}/`) || url.startsWith('blob:') || url.startsWith('data:'), url);
        }
      } finally {
        await p.close();
      }
    });
  });
}
