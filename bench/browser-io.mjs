// What a browser on this machine does with a download's bytes when there
// is nothing to decrypt: the ceiling of any viewer's download speed.
// Printed (not asserted), one JSON line per browser and way, in headless
// Chromium and Firefox, each way run in a dedicated Worker (where the
// viewer's originals Worker does the same work) over HTTP from the bench's
// own static server (bench/site-server.mjs):
//   fetch        fetch every file and read its body, keeping nothing;
//   write        write the same number of bytes, 1 MiB at a time, into a
//                file of the origin-private file system;
//   fetch+write  both: each file's body written to that file as it comes
//                (what a download to the client's file is, less the
//                decryption and the checks);
//   fetch+stream (Firefox) each file's body sent to the site's download
//                worker (themes/default/static/download-worker.js) and
//                saved by the browser as one ordinary download, with the
//                viewer's window (what the viewer does where there is no
//                File System Access API, less the decryption and the
//                checks); Firefox started by hand, with no automation
//                attached, as in bench/unattended.mjs; timed until the
//                whole file is in the downloads folder.
// The files: FILE_MB (default 12, a camera's JPEG) of random bytes each,
// MB (default 300) in all. WAYS (a comma list) runs only some ways.
//
//   (cd tests/browser && npm ci) && node bench/browser-io.mjs
//   MB=1000 BROWSERS=chromium ROUNDS=3 node bench/browser-io.mjs
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { launch } from '../tests/browser/drivers.mjs';
import { REPO, makeTempDir, removeDir } from '../tests/browser/support.mjs';
import { serveSite } from './site-server.mjs';
import { savedBytes, startFirefoxByHand } from './unattended.mjs';

const TOTAL_BYTES = Number(process.env.MB || 300) * 1e6;
const FILE_BYTES = Number(process.env.FILE_MB || 12) * 1e6;
const BROWSER_KINDS = (process.env.BROWSERS || 'chromium,firefox').split(',');
const ROUNDS = Number(process.env.ROUNDS || 2);
const WAYS = (process.env.WAYS || 'fetch,write,fetch+write,fetch+stream').split(',');
const STREAM_WINDOW = 8 * 1024 * 1024; // as the viewer's (55-download-sinks.js)
const BENCH_PATH = '/__bench/';

// Runs in the Worker: one way over `files`; answers { seconds, bytes }.
const WORKER_SOURCE = `onmessage = async ({ data: { files, way, total } }) => {
  const started = performance.now();
  let bytes = 0;
  const dir = way === 'fetch' ? null : await navigator.storage.getDirectory();
  const file = dir ? await (await dir.getFileHandle('io-' + Math.random().toString(36).slice(2), { create: true })).createWritable() : null;
  if (way === 'write') {
    const piece = new Uint8Array(1 << 20);
    for (; bytes < total; bytes += piece.length) await file.write(piece);
  } else {
    for (const url of files) {
      const reader = (await fetch(url)).body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.length;
        if (file) await file.write(value);
      }
    }
  }
  if (file) await file.close();
  postMessage({ seconds: (performance.now() - started) / 1000, bytes });
};`;

// Runs in a Worker: every file's body sent through 'port' to the download
// worker, never more than 'window' bytes ahead of what the download read.
const STREAM_SOURCE = `onmessage = async ({ data: { files, port, window } }) => {
  let sent = 0, read = 0, wake = null;
  port.onmessage = ({ data }) => { if (data && data.type === 'read') { read = data.bytes; if (wake) wake(); } };
  for (const url of files) {
    const reader = (await fetch(url)).body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      while (sent - read >= window) await new Promise((resolve) => { wake = resolve; });
      const piece = value.byteOffset === 0 && value.byteLength === value.buffer.byteLength ? value : value.slice();
      sent += piece.length;
      port.postMessage({ type: 'piece', bytes: piece }, [piece.buffer]);
    }
  }
  port.postMessage({ type: 'end' });
  postMessage({ bytes: sent });
};`;

async function makeFiles(dir) {
  const names = [];
  await mkdir(path.join(dir, 'f'));
  for (let total = 0, i = 0; total < TOTAL_BYTES; i++, total += FILE_BYTES) {
    const name = `f/${String(i).padStart(4, '0')}.bin`;
    await writeFile(path.join(dir, name), randomBytes(Math.min(FILE_BYTES, TOTAL_BYTES - total)));
    names.push(name);
  }
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>io</title>');
  await copyFile(path.join(REPO, 'themes', 'default', 'static', 'download-worker.js'), path.join(dir, 'download-worker.js'));
  return names;
}

async function runWay(page, files, way) {
  return page.evaluate(({ source, files, way, total }) => new Promise((resolve, reject) => {
    const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
    worker.onmessage = ({ data }) => { worker.terminate(); resolve(data); };
    worker.onerror = (e) => { worker.terminate(); reject(new Error(e.message)); };
    worker.postMessage({ files, way, total });
  }), { source: WORKER_SOURCE, files, way, total: TOTAL_BYTES });
}

// The page of the fetch+stream way, run by a Firefox with no automation
// attached (bench/unattended.mjs says why): starts a download through the
// download worker, fed by a Worker, and tells the bench when it started.
function streamPage({ files, total, window, source, benchPath }) {
  const tell = (event, detail) => fetch(benchPath + event, { method: 'POST', body: JSON.stringify(detail || {}) });
  (async () => {
    const registration = await navigator.serviceWorker.register('download-worker.js', { scope: 'download/' });
    // Its scope holds no page: wait for the worker itself, not for 'ready'.
    while (!registration.active) await new Promise((resolve) => setTimeout(resolve, 20));
    const worker = registration.active;
    const channel = new MessageChannel();
    const address = new Promise((resolve) => { channel.port1.onmessage = ({ data }) => { if (data.type === 'address') resolve(data); }; });
    worker.postMessage({ type: 'start', name: 'io.bin', contentType: 'application/octet-stream', size: total }, [channel.port2]);
    const { url, id } = await address;
    const frame = document.createElement('iframe');
    frame.hidden = true;
    frame.src = url;
    document.body.append(frame);
    // As the viewer does: Firefox stops a worker that heard nothing for 30 s.
    setInterval(() => { const answer = new MessageChannel(); worker.postMessage({ type: 'ping', id }, [answer.port2]); }, 10_000);
    const feeder = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
    // A Worker from a blob: address resolves no relative URL.
    const addresses = files.map((file) => new URL(file, location.href).href);
    feeder.postMessage({ files: addresses, port: channel.port1, window }, [channel.port1]);
    await tell('started');
  })().catch((e) => tell('failed', { message: String(e) }));
}

// One fetch+stream run in a Firefox started by hand: seconds from the
// page's start to the whole file in its downloads folder.
async function runStreamByHand(origin, work, events) {
  events.clear();
  const browser = await startFirefoxByHand(`${origin}/stream.html`, work);
  try {
    const deadline = Date.now() + 600_000;
    let saved = null;
    while (Date.now() < deadline && !events.has('failed')) {
      if (events.has('started') && (saved = await savedBytes(browser.downloads)) !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (saved === null) throw new Error(`fetch+stream: no whole download (${JSON.stringify([...events])})`);
    return { seconds: (Date.now() - events.get('started').at) / 1000, bytes: saved };
  } finally {
    await browser.close();
  }
}

const tmp = await makeTempDir('lightproof-bench-io-');
try {
  const names = await makeFiles(tmp);
  const events = new Map();
  const config = { files: names.map((name) => `/${name}`), total: TOTAL_BYTES, window: STREAM_WINDOW, source: STREAM_SOURCE, benchPath: BENCH_PATH };
  const server = await serveSite(tmp, {
    extras: {
      '/stream.html': '<!doctype html><title>io</title><script src="stream.js"></script>',
      '/stream.js': `(${streamPage})(${JSON.stringify(config)});\n`,
    },
    handlers: {
      [BENCH_PATH]: (req, res, event) => {
        let body = '';
        req.on('data', (d) => { body += d; });
        req.on('end', () => { res.writeHead(204).end(); events.set(event, { at: Date.now(), detail: body && JSON.parse(body) }); });
      },
    },
  });
  const files = names.map((name) => `${server.origin}/${name}`);
  try {
    for (const kind of BROWSER_KINDS) {
      const browser = await launch(kind);
      try {
        for (let round = 1; round <= ROUNDS; round++) {
          for (const way of WAYS.filter((w) => w !== 'fetch+stream' || kind === 'firefox')) {
            let r;
            if (way === 'fetch+stream') {
              const work = path.join(tmp, `firefox-${round}`);
              r = await runStreamByHand(server.origin, work, events);
              await removeDir(work);
            } else {
              const page = await browser.newPage({});
              await page.page.goto(server.url); // a plain page: not the viewer the wrapper waits for
              r = await runWay(page, files, way);
              await page.close();
            }
            console.log(JSON.stringify({
              browser: kind, way, round, MB: Math.round(r.bytes / 1e6), seconds: Number(r.seconds.toFixed(2)),
              MBps: Number((r.bytes / 1e6 / r.seconds).toFixed(1)), load: Number(os.loadavg()[0].toFixed(2)),
            }));
          }
        }
      } finally {
        await browser.close();
      }
    }
  } finally {
    await server.close();
  }
} finally {
  await removeDir(tmp);
}
