  // ---------------------------------------------------- decrypting originals
  // An original's chunks are decrypted by WebCrypto's AES-256-GCM, which has
  // the processor's AES instructions (hundreds of MB/s, against about 10 in
  // the module), in a Worker that checks every byte with its own instance of
  // the module, which holds no key: the blob's length, the order and number
  // of its chunks, the padding, the CRC-32 and the SHA-256 the manifest pins
  // (wasm-viewer/src/check.rs). Where the manifest also pins the blob's
  // segment hash (docs/FORMAT.md), the Worker hashes each 1 MiB segment
  // with WebCrypto's SHA-256, which has the processor's SHA instructions,
  // and the module checks the digests instead of hashing every byte itself
  // (the slowest step of a download before). The page's instance checks
  // the blob's key commitment and derives its chunk key; WebCrypto imports that at once as
  // a non-extractable key, and both copies of the raw bytes are wiped in the
  // same task (docs/SECURITY.md, "Key material in the browser"). Blob keys
  // never leave the module. Over http(s), to the client's file or the
  // download worker, the Worker also fetches the blob and writes the file
  // (handToWorker, below); for an offline copy, or a download gathered in
  // memory, the page reads the blob and takes the plaintext back
  // (streamWithWorker). Without WebCrypto or Workers the module decrypts
  // (streamWithModule), checking the same things.
  const BLOB_PREFIX = 56; // salt and key commitment (docs/FORMAT.md)
  const PINS_LEN = 52; // pins without a segment hash (wasm-viewer/src/check.rs)
  // Ciphertext handed to the Worker and not yet back as plaintext: bounds
  // the memory a download takes whatever the file's size.
  const IN_FLIGHT = 8 * 1024 * 1024;
  // A ZIP's originals reuse one Worker; it ends this long after the last.
  const WORKER_IDLE_MS = 2000;

  const ORIGINALS_WORKER_SOURCE = `'use strict';
const PREFIX = 56, TAG = 16, CHUNK = 16384, RECORD = CHUNK + TAG;
const SCRATCH = 1 << 20; // of the instance's memory, to pass bytes in
const POST = 1 << 20; // plaintext posted back at once
const SEGMENT = 1 << 20; // bytes of blob per digest of its segment hash
const PINS_WITH_SEGMENTS = 84; // bytes of pins that carry a segment hash
const DIGESTS_AHEAD = 8; // segments being hashed before the checks wait
let ex = null, scratch = 0, ready = null, job = null;
let out = null; // this Worker's own output, where the page handed it one
const keyWaits = new Map(); // job id -> what takes the page's answer to its blob's first bytes

function call(name, bytes) {
  new Uint8Array(ex.memory.buffer, scratch, bytes.length).set(bytes);
  return ex[name](scratch, bytes.length) >>> 0;
}
// Counted, and hashed in the module unless the pins carry a segment hash.
function hash(bytes) {
  for (let at = 0; at < bytes.length; at += SCRATCH) {
    const status = call('lp_check_ciphertext', bytes.subarray(at, at + SCRATCH));
    if (status) return status;
  }
  return 0;
}
// base_nonce XOR be96(index) (docs/FORMAT.md, Cobblestone-256).
function nonce(base, index) {
  const iv = base.slice();
  const v = new DataView(iv.buffer);
  v.setUint32(4, v.getUint32(4) ^ Math.floor(index / 0x100000000));
  v.setUint32(8, v.getUint32(8) ^ (index >>> 0));
  return iv;
}
function forget() {
  if (job) { job.key = null; job.record.fill(0); }
  job = null;
  ex.lp_lock();
  new Uint8Array(ex.memory.buffer, scratch, SCRATCH).fill(0);
}
function end(j, status) {
  if (j !== job) return;
  if (status === 0 && j.out.length) post(j);
  forget();
  wakeReader(j);
  if (!out) { postMessage({ id: j.id, done: true, status }); return; }
  const o = out;
  queueOut(() => {}).then(() => postMessage({ id: j.id, done: true, status: status || o.failed }));
}
function wakeReader(j) {
  const wake = j.wakeReader;
  j.wakeReader = null;
  if (wake) wake();
}

function begin(m) {
  forget();
  const pins = new DataView(m.pins.buffer, m.pins.byteOffset, m.pins.byteLength);
  const body = pins.getUint32(0) * 0x100000000 + pins.getUint32(4) - PREFIX;
  job = {
    id: m.id, key: m.key, nonce: m.nonce, full: Math.floor(body / RECORD), last: body % RECORD,
    seen: 0, index: 0, drained: 0, record: new Uint8Array(RECORD), filled: 0,
    queue: [], out: [], outBytes: 0, ended: false, draining: false,
    segment: m.pins.length === PINS_WITH_SEGMENTS ? new Uint8Array(SEGMENT) : null,
    segmentFilled: 0, digests: [], digestsDone: 0, writtenUpTo: 0, wakeReader: null,
  };
  const status = call('lp_check_begin', m.pins);
  if (status) end(job, status);
}
// The blob's next bytes: hashed, then framed into records (from the pinned
// size) that WebCrypto opens, record i with nonce i.
function take(m) {
  const j = job;
  if (!j || j.id !== m.id) return;
  const status = hash(m.bytes);
  if (status) { end(j, status); return; }
  if (j.segment) segmentTake(j, m.bytes);
  let bytes = m.bytes.subarray(Math.min(Math.max(PREFIX - j.seen, 0), m.bytes.length));
  j.seen += m.bytes.length - bytes.length;
  while (bytes.length && j.index <= j.full) {
    const want = j.index < j.full ? RECORD : j.last;
    const n = Math.min(want - j.filled, bytes.length);
    if (j.filled === 0 && n === want) {
      decrypt(j, bytes.subarray(0, want));
    } else {
      j.record.set(bytes.subarray(0, n), j.filled);
      j.filled += n;
      if (j.filled === want) { decrypt(j, j.record.subarray(0, want)); j.filled = 0; }
    }
    j.seen += n;
    bytes = bytes.subarray(n);
  }
}
// The blob's bytes in 1 MiB segments, each hashed by WebCrypto as it fills.
function segmentTake(j, bytes) {
  while (bytes.length) {
    const n = Math.min(SEGMENT - j.segmentFilled, bytes.length);
    j.segment.set(bytes.subarray(0, n), j.segmentFilled);
    j.segmentFilled += n;
    bytes = bytes.subarray(n);
    if (j.segmentFilled === SEGMENT) segmentEnd(j);
  }
}
function segmentEnd(j) {
  // WebCrypto copies its input before it returns: the buffer can be reused.
  const digest = crypto.subtle.digest('SHA-256', j.segment.subarray(0, j.segmentFilled));
  digest.then(() => { j.digestsDone += 1; }, () => {}); // failures seen by finish
  j.digests.push(digest);
  j.segmentFilled = 0;
}
// The end of the blob: its segment digests, in order, to the module, then
// the module's last checks.
async function finish(j) {
  if (j.segment) {
    if (j.segmentFilled) segmentEnd(j);
    let digests;
    try { digests = await Promise.all(j.digests); } catch (e) { end(j, 5); return; }
    if (j !== job) return;
    const all = new Uint8Array(digests.length * 32);
    digests.forEach((d, i) => all.set(new Uint8Array(d), i * 32));
    for (let at = 0; at < all.length; at += SCRATCH) {
      const status = call('lp_check_segments', all.subarray(at, at + SCRATCH));
      if (status) { end(j, status); return; }
    }
  }
  end(j, ex.lp_check_finish() >>> 0);
}
function decrypt(j, record) {
  // WebCrypto copies 'record' before it returns: the buffer can be reused.
  const opened = crypto.subtle.decrypt({ name: 'AES-GCM', iv: nonce(j.nonce, j.index), tagLength: 128 }, j.key, record);
  opened.catch(() => {}); // seen in order by drain
  j.index += 1;
  j.queue.push(opened);
  drain(j);
}
// Checks the decrypted chunks in order and posts the file's bytes back.
async function drain(j) {
  if (j.draining) return;
  j.draining = true;
  try {
    while (j === job && j.queue.length) {
      // Hashing that falls behind holds the file's bytes back, and so the
      // page's reading: memory stays bounded.
      if (j.digests.length - j.digestsDone > DIGESTS_AHEAD) {
        try { await j.digests[j.digests.length - DIGESTS_AHEAD - 1]; } catch (e) { end(j, 5); return; }
        if (j !== job) return;
      }
      let plain;
      try { plain = new Uint8Array(await j.queue[0]); } catch (e) { end(j, 5); return; }
      if (j !== job) return;
      j.queue.shift();
      const status = call('lp_check_chunk', plain);
      new Uint8Array(ex.memory.buffer, scratch, plain.length).fill(0);
      if (status) { plain.fill(0); end(j, status); return; }
      const content = new DataView(ex.memory.buffer, ex.lp_out_ptr() >>> 0, 4).getUint32(0, true);
      j.out.push(plain.subarray(0, content));
      j.outBytes += content;
      j.drained += 1;
      if (j.outBytes >= POST || !j.queue.length) post(j);
    }
    if (j === job && j.ended && !j.queue.length) await finish(j);
  } catch (e) {
    end(j, 7);
  } finally {
    j.draining = false;
  }
}
function post(j) {
  const plain = new Uint8Array(j.outBytes);
  let at = 0;
  for (const part of j.out) {
    plain.set(part, at);
    at += part.length;
    new Uint8Array(part.buffer).fill(0);
  }
  j.out = [];
  j.outBytes = 0;
  const upTo = PREFIX + j.drained * RECORD;
  if (!out) {
    postMessage({ id: j.id, plain, upTo }, [plain.buffer]);
    return;
  }
  const size = plain.length;
  queueOut((target) => target.write(plain)).then(() => {
    j.writtenUpTo = upTo;
    if (out && out.failed) end(j, out.failed);
    else postMessage({ id: j.id, wrote: size });
    wakeReader(j);
  });
}

function handle(m) {
  try {
    if (m.type === 'begin') begin(m);
    else if (m.type === 'bytes') take(m);
    else if (m.type === 'end' && job && job.id === m.id) { job.ended = true; drain(job); }
    else if (m.type === 'out') out = { target: m.port ? portTarget(m.port, m.window) : fileTarget(m.handle), chain: Promise.resolve(), failed: 0 };
    else if (m.type === 'write' && out) queueOut((target) => target.write(m.bytes));
    else if (m.type === 'fetch') fetchOriginal(m);
    else if (m.type === 'key' && keyWaits.has(m.id)) answerKey(m.id, m);
    else if (m.type === 'fail' && out) failOut(m.status);
    else if (m.type === 'close' || m.type === 'abort') closeOut(m.type);
  } catch (e) {
    if (job) end(job, 7);
  }
}

// ---- The Worker's own output. Over http(s) the page hands the Worker the
// download's target (the file the client chose, or the port of the site's
// download worker), sends only the ZIP's headers ('write') and each
// original's address ('fetch') and key, and the Worker fetches, decrypts,
// checks and writes every byte itself: none passes through the page.
function fileTarget(handle) {
  let writable = null;
  const open = async () => (writable = writable || await handle.createWritable());
  return {
    failure: 'disk',
    write: async (bytes) => { await (await open()).write(bytes); bytes.fill(0); },
    close: async () => (await open()).close(),
    abort: async () => { if (writable) await writable.abort(); },
    fail: () => {},
  };
}
// The download worker's stream: a piece is sent only while fewer than
// 'windowBytes' bytes wait there to be read by the browser's download.
function portTarget(port, windowBytes) {
  const flow = { sent: 0, read: 0, ended: 0, wake: null };
  const nudge = () => { const wake = flow.wake; flow.wake = null; if (wake) wake(); };
  port.onmessage = ({ data }) => {
    if (!data || typeof data !== 'object') return;
    if (data.type === 'read' && Number.isSafeInteger(data.bytes)) flow.read = Math.max(flow.read, data.bytes);
    else if (data.type === 'cancelled') flow.ended = 'cancelled';
    else if (data.type === 'refused') flow.ended = 7;
    nudge();
  };
  return {
    failure: 'network',
    write: async (bytes) => {
      while (!flow.ended && flow.sent - flow.read >= windowBytes) await new Promise((resolve) => { flow.wake = resolve; });
      if (flow.ended) throw flow.ended;
      flow.sent += bytes.length;
      port.postMessage({ type: 'piece', bytes }, [bytes.buffer]);
    },
    close: async () => { port.postMessage({ type: 'end' }); port.onmessage = null; },
    abort: async () => { port.postMessage({ type: 'abort' }); port.onmessage = null; },
    fail: (status) => { flow.ended = flow.ended || status; nudge(); },
  };
}
// Runs 'step' after every earlier write; the first failure is kept and
// the writes after it are skipped.
function queueOut(step) {
  const o = out;
  o.chain = o.chain.then(async () => {
    if (o.failed) return;
    try { await step(o.target); } catch (e) { o.failed = typeof e === 'string' || typeof e === 'number' ? e : o.target.failure; }
  });
  return o.chain;
}
function failOut(status) {
  out.failed = out.failed || status;
  out.target.fail(status);
  if (job) end(job, status);
}
// 'close' once every write is done; 'abort' at once. The page hears how it went.
function closeOut(type) {
  const o = out;
  out = null;
  for (const [id, answer] of keyWaits) { keyWaits.delete(id); answer(null); }
  if (!o) { postMessage({ id: 'out', status: type === 'close' ? 7 : 0 }); return; }
  if (type === 'abort') {
    if (job) { const j = job; forget(); wakeReader(j); }
    o.failed = o.failed || 'cancelled';
    o.target.fail('cancelled');
    o.chain.then(() => o.target.abort()).catch(() => {}).then(() => postMessage({ id: 'out', status: 0 }));
    return;
  }
  o.chain.then(async () => {
    if (!o.failed) { try { await o.target.close(); } catch (e) { o.failed = o.target.failure; } }
    if (o.failed) await o.target.abort().catch(() => {});
    postMessage({ id: 'out', status: o.failed });
  });
}

// Fetches original 'm.url', asks the page for its key once the blob's
// first bytes are here (the page's module checks the key commitment), and
// takes the blob as if the page had sent it, never more than 'm.inFlight'
// bytes ahead of what has been written out.
async function fetchOriginal(m) {
  const fail = (status) => postMessage({ id: m.id, done: true, status });
  let res;
  try { res = await fetch(m.url, { credentials: 'same-origin', cache: 'no-store' }); } catch (e) { fail('network'); return; }
  if (!res.ok) { fail(res.status === 404 || res.status === 410 ? 'missing' : 'network'); return; }
  const reader = res.body.getReader();
  try {
    const held = [];
    let heldBytes = 0;
    let j = null;
    for (;;) {
      let r;
      try { r = await reader.read(); } catch (e) { if (j) end(j, 'network'); else fail('network'); return; }
      if (j && j !== job) return;
      if (r.done) break;
      if (j) {
        take({ id: m.id, bytes: r.value });
      } else {
        held.push(r.value);
        heldBytes += r.value.length;
        if (heldBytes < PREFIX) continue;
        const first = joined(held, heldBytes);
        const answer = await new Promise((resolve) => {
          keyWaits.set(m.id, resolve);
          postMessage({ id: m.id, prefix: first.slice(0, PREFIX) });
        });
        if (!answer) return;
        begin({ id: m.id, key: answer.key, nonce: answer.nonce, pins: m.pins });
        if (!job || job.id !== m.id) return;
        j = job;
        take({ id: m.id, bytes: first });
      }
      while (j === job && j.seen - j.writtenUpTo > m.inFlight) await new Promise((resolve) => { j.wakeReader = resolve; });
    }
    if (!j) fail(5); // shorter than its key commitment
    else if (j === job) { j.ended = true; drain(j); }
  } finally {
    reader.cancel().catch(() => {});
  }
}
function answerKey(id, m) {
  const answer = keyWaits.get(id);
  keyWaits.delete(id);
  answer(m.key ? m : null);
}
function joined(pieces, size) {
  if (pieces.length === 1) return pieces[0];
  const all = new Uint8Array(size);
  let at = 0;
  for (const piece of pieces) { all.set(piece, at); at += piece.length; }
  return all;
}
onmessage = (event) => {
  const m = event.data;
  if (!ready) {
    ready = WebAssembly.instantiate(m.module, {}).then((made) => {
      ex = (made.instance || made).exports;
      scratch = ex.lp_alloc(SCRATCH) >>> 0;
    });
  }
  ready.then(() => handle(m), () => postMessage({ id: m.id, done: true, status: 7 }));
};
`;

  // Decrypting in a Worker needs WebCrypto (a secure context) and Workers.
  function canDecryptInWorker() {
    return Boolean(globalThis.crypto && globalThis.crypto.subtle && typeof Worker === 'function' && session.wasmModule);
  }

  // The Worker, started on first use; null if this browser cannot start it.
  function originalsWorker() {
    const running = session.originals;
    if (running) { clearTimeout(running.idle); return running; }
    let url = null;
    let worker;
    try {
      url = URL.createObjectURL(new Blob([ORIGINALS_WORKER_SOURCE], { type: 'text/javascript' }));
      worker = new Worker(url);
      worker.postMessage({ type: 'module', module: session.wasmModule });
    } catch (e) {
      if (worker) worker.terminate();
      if (url) URL.revokeObjectURL(url);
      return null;
    }
    const w = { worker, url, job: 0, inbox: null, outbox: null, idle: 0 };
    worker.onmessage = (ev) => {
      const m = ev.data;
      if (!m) return;
      if (m.id === 'out' && w.outbox) w.outbox.push(m);
      else if (w.inbox && m.id === w.job) w.inbox.push(m);
    };
    worker.onerror = (ev) => {
      if (ev && ev.preventDefault) ev.preventDefault();
      if (w.inbox) w.inbox.push({ id: w.job, done: true, status: 7 });
      if (w.outbox) w.outbox.push({ id: 'out', status: 7 });
    };
    session.originals = w;
    return w;
  }
  function retireWorker(w) {
    clearTimeout(w.idle);
    w.worker.terminate();
    URL.revokeObjectURL(w.url);
    if (session.originals === w) session.originals = null;
  }
  function restWorker(w) {
    w.inbox = null;
    w.idle = setTimeout(() => retireWorker(w), WORKER_IDLE_MS);
  }

  // Messages from the Worker, taken in order.
  function inbox() {
    const items = [];
    let wake = null;
    return {
      push(m) { items.push(m); if (wake) { wake(true); wake = null; } },
      get size() { return items.length; },
      // The next message; null if none came within `ms` (if given).
      async next(ms) {
        while (!items.length) {
          const woke = await new Promise((resolve) => {
            wake = resolve;
            if (ms) setTimeout(() => resolve(false), ms);
          });
          if (woke === false && !items.length) return null;
        }
        return items.shift();
      },
    };
  }

  // Photo `n`'s chunk key, imported as a non-extractable CryptoKey, once the
  // blob's first 56 bytes carry the right key commitment. The raw key is in
  // the module's output buffer and in one copy here only until importKey
  // has taken its own copy (it does so before returning).
  function originalKey(n, prefix) {
    const r = call('lp_original_key', [n], prefix);
    try {
      const bytes = checked(r); // key[32] || base nonce[12]
      const importing = crypto.subtle.importKey('raw', bytes.subarray(0, 32), 'AES-GCM', false, ['decrypt']);
      return { importing: importing.catch(() => { throw lpError(7); }), nonce: bytes.slice(32, 44) };
    } finally {
      r.out.fill(0);
      session.wasm.lp_out_clear();
    }
  }

  // What the manifest pins of photo `p`'s blob (wasm-viewer/src/check.rs).
  // The tests set `window.lightproofTestWholePin` to check originals as in
  // a gallery written before segment hashes: by the SHA-256 of the whole
  // blob, hashed in the module.
  function originalPins(p) {
    const pinned = checked(call('lp_original_pins', [p.n]));
    const pins = window.lightproofTestWholePin === true ? pinned.slice(0, PINS_LEN) : pinned;
    session.originalsHashed = pins.length > PINS_LEN ? 'segments' : 'whole';
    return pins;
  }

  // Streams photo `p`'s original through the Worker `w` into `sink`.
  async function streamWithWorker(w, p, sink, progress) {
    const id = ++w.job;
    const box = (w.inbox = inbox());
    let sent = 0;
    let upTo = 0;
    let ok = false;
    const send = (bytes) => { w.worker.postMessage({ type: 'bytes', id, bytes }, [bytes.buffer]); sent += bytes.length; };
    // Writes what the Worker sent; true once it says the file is whole.
    const receive = async () => {
      const m = await box.next();
      if (session.download.cancelled) throw lpError('cancelled');
      if (m.done) {
        if (m.status !== 0) throw lpError(m.status);
        return true;
      }
      upTo = m.upTo;
      await put(sink, m.plain, progress);
      return false;
    };
    try {
      const pins = originalPins(p);
      let held = [];
      let heldBytes = 0;
      for await (const piece of fileChunks(p.original.path)) {
        if (session.download.cancelled) throw lpError('cancelled');
        const bytes = ownBuffer(piece);
        if (held) {
          held.push(bytes);
          heldBytes += bytes.length;
          if (heldBytes < BLOB_PREFIX) continue;
          const first = held.length === 1 ? held[0] : joinAll(held);
          held = null;
          const { importing, nonce } = originalKey(p.n, first.subarray(0, BLOB_PREFIX));
          w.worker.postMessage({ type: 'begin', id, key: await importing, nonce, pins });
          send(first);
        } else {
          send(bytes);
        }
        while (box.size || sent - upTo > IN_FLIGHT) {
          if (await receive()) throw lpError(7); // whole before its end
        }
      }
      if (held) throw lpError(5); // shorter than its key commitment
      w.worker.postMessage({ type: 'end', id });
      while (!(await receive()));
      ok = true;
    } finally {
      if (ok) restWorker(w);
      else retireWorker(w);
    }
  }

  // ------------------------------------- downloads the Worker writes itself
  // Over http(s), a download to the client's file or to the download worker
  // is written by the Worker: the page hands it the target, sends the ZIP's
  // headers and, for each original, its address, pins and key; the Worker
  // fetches, decrypts, checks and writes every byte. No byte of a download
  // passes through the page's thread, which bounded the speed when it did
  // (docs/PERFORMANCE.md). Offline copies are read by the page and go
  // through streamWithWorker. `sink.handOver()` gives the target, or the
  // sink has none (memory). The tests set `window.lightproofTestPageFed` to
  // keep the page reading the blobs, as before.
  const OUT_ANSWER_MS = 5000; // for an abort: how long the Worker has to abort its target
  const CANCEL_CHECK_MS = 500;

  function handToWorker(sink) {
    if (FROM_DISK || BUNDLE || !sink.handOver || !canDecryptInWorker() || window.lightproofTestPageFed === true) return sink;
    const w = originalsWorker();
    if (!w) return sink;
    const { message, transfer } = sink.handOver((status) => w.worker.postMessage({ type: 'fail', status }));
    try {
      w.worker.postMessage({ type: 'out', ...message }, transfer);
    } catch (e) {
      return sink; // a target that cannot be posted (a stand-in for the save dialog): the page writes
    }
    const box = (w.outbox = inbox());
    const release = () => { w.outbox = null; restWorker(w); };
    return {
      path: sink.path,
      worker: w,
      write: async (bytes) => {
        const piece = ownBuffer(bytes);
        w.worker.postMessage({ type: 'write', bytes: piece }, [piece.buffer]);
      },
      close: async () => {
        w.worker.postMessage({ type: 'close' });
        const m = await box.next();
        if (m.status) throw lpError(m.status); // then aborted: the file is removed
        release();
        await sink.closed();
      },
      // The Worker aborts its target first (a file's writes are then
      // discarded), and is ended either way, with the key it held.
      abort: async () => {
        w.worker.postMessage({ type: 'abort' });
        await box.next(OUT_ANSWER_MS);
        retireWorker(w);
        await sink.abort();
      },
    };
  }

  // Photo `p`'s original, fetched, decrypted and written by the Worker that
  // holds the download's target.
  async function streamInWorker(w, p, progress) {
    const id = ++w.job;
    const box = (w.inbox = inbox());
    const pins = originalPins(p);
    w.worker.postMessage({ type: 'fetch', id, url: new URL(p.original.path, location.href).href, pins, inFlight: IN_FLIGHT });
    for (;;) {
      const m = await box.next(CANCEL_CHECK_MS);
      if (session.download.cancelled) throw lpError('cancelled');
      if (!m) continue;
      if (m.done) {
        if (m.status) throw lpError(m.status);
        return;
      }
      if (m.wrote) progress(m.wrote);
      else if (m.prefix) {
        const { importing, nonce } = originalKey(p.n, m.prefix);
        w.worker.postMessage({ type: 'key', id, key: await importing, nonce });
      }
    }
  }
