// lightproof download worker: saves what the gallery's page decrypts (a
// ZIP of originals, or one large original) as an ordinary browser download,
// in browsers without the File System Access API (Firefox, Safari, phones).
//
// The page registers this file for the folder `download/` only, which no
// site has: the worker controls no page and sees no request of the
// gallery. The page hands it a MessagePort with a file name and size; the
// worker answers with a one-time address, download/<random id>/<name>, and
// answers that address once, with a download whose bytes are those sent
// through the port (by the page, or by the Worker the page hands the port
// to, which decrypts the originals). Every other request under download/ gets a
// plain 404. Nothing is cached or stored: the worker keeps only the
// downloads in progress, in memory.
//
// Flow control: the page sends a piece only while fewer than its window of
// bytes are waiting here to be read by the download; the worker tells it
// how far the download has read. Memory stays flat whatever the size.
'use strict';

const ID = /^[0-9a-f]{32}$/;
// The queue's high-water mark: the download reads, the page refills.
const QUEUE_BYTES = 4 * 1024 * 1024;
// An address must be opened soon after it is given, or it is dropped.
const UNOPENED_MS = 60 * 1000;
// A page that sent nothing this long (no piece, no ping) is gone.
const SILENT_MS = 120 * 1000;
const REFUSED = 'This address is not a download of this gallery.\n';

const waiting = new Map(); // id -> { port, name, size, type, timer }: given, not yet opened
const live = new Map(); // id -> when its page was last heard from: downloads under way

self.addEventListener('install', () => self.skipWaiting());

self.addEventListener('message', (event) => {
  const data = event.data;
  if (!data || typeof data !== 'object') return;
  if (data.type === 'ping') {
    // Waking the worker is most of what a ping does; the answer tells the
    // page whether its download is still here.
    const alive = live.has(data.id);
    heard(data.id);
    if (event.ports.length === 1) event.ports[0].postMessage({ alive });
    return;
  }
  if (data.type === 'start' && event.ports.length === 1) offer(event.ports[0], data);
});

self.addEventListener('fetch', (event) => {
  const scope = new URL(self.registration.scope);
  const url = new URL(event.request.url);
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return;
  const id = url.pathname.slice(scope.pathname.length).split('/')[0];
  const entry = event.request.method === 'GET' && ID.test(id) ? waiting.get(id) : undefined;
  if (!entry) {
    event.respondWith(refusal());
    return;
  }
  waiting.delete(id);
  clearTimeout(entry.timer);
  // No waitUntil on the stream: browsers stop a worker whose one event
  // lasts minutes. The page's pings (a message every ten seconds) keep it
  // running instead; Firefox stops an idle worker after 30 seconds.
  event.respondWith(new Response(stream(id, entry), { headers: downloadHeaders(entry) }));
});

// A new download: checked, given an address, kept until it is opened.
function offer(port, data) {
  const name = typeof data.name === 'string' ? data.name : '';
  const ok = name.length > 0 && name.length <= 255 && !/[\u0000-\u001f\u007f/\\]/.test(name) &&
    Number.isSafeInteger(data.size) && data.size >= 0;
  if (!ok) {
    port.postMessage({ type: 'refused' });
    port.close();
    return;
  }
  const id = randomId();
  const type = /^[a-z]+\/[a-z0-9.+-]+$/.test(data.contentType) ? data.contentType : 'application/octet-stream';
  const timer = setTimeout(() => forget(id), UNOPENED_MS);
  waiting.set(id, { port, name, size: data.size, type, timer });
  port.onmessage = ({ data: message }) => { if (message && message.type === 'abort') forget(id); };
  const url = new URL(id + '/' + encodeURIComponent(name), self.registration.scope).href;
  port.postMessage({ type: 'address', id, url });
}

function forget(id) {
  const entry = waiting.get(id);
  if (!entry) return;
  waiting.delete(id);
  clearTimeout(entry.timer);
  entry.port.close();
}

function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function heard(id) {
  if (live.has(id)) live.set(id, Date.now());
}

// The download's body, fed by the page through the entry's port.
function stream(id, entry) {
  const { port } = entry;
  let received = 0;
  let watchdog = 0;
  const end = () => {
    clearInterval(watchdog);
    live.delete(id);
    port.onmessage = null;
    port.close();
  };
  return new ReadableStream({
    start(controller) {
      live.set(id, Date.now());
      port.onmessage = ({ data }) => {
        if (!data || typeof data !== 'object') return;
        heard(id);
        if (data.type === 'piece' && data.bytes instanceof Uint8Array) {
          received += data.bytes.length;
          controller.enqueue(data.bytes);
        } else if (data.type === 'end') {
          controller.close();
          end();
        } else if (data.type === 'abort') {
          controller.error(new Error('the page stopped the download'));
          end();
        }
      };
      watchdog = setInterval(() => {
        if (Date.now() - (live.get(id) || 0) < SILENT_MS) return;
        controller.error(new Error('the page is gone'));
        end();
      }, SILENT_MS / 4);
      port.postMessage({ type: 'started' });
    },
    // Called whenever the download has read and the queue is below its
    // mark: what was received minus what still waits is what was read.
    pull(controller) {
      const queued = Math.max(0, QUEUE_BYTES - controller.desiredSize);
      port.postMessage({ type: 'read', bytes: received - queued });
    },
    // The client cancelled the download in the browser: the page stops.
    cancel() {
      port.postMessage({ type: 'cancelled' });
      end();
    },
  }, new ByteLengthQueuingStrategy({ highWaterMark: QUEUE_BYTES }));
}

function downloadHeaders(entry) {
  const ascii = entry.name.replace(/[^\x20-\x7e]|["%;\\]/g, '_');
  const encoded = encodeURIComponent(entry.name).replace(/['()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  return {
    'Content-Type': entry.type,
    'Content-Length': String(entry.size),
    'Content-Disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; sandbox",
    'Referrer-Policy': 'no-referrer',
  };
}

function refusal() {
  return new Response(REFUSED, {
    status: 404,
    headers: {
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'",
    },
  });
}
