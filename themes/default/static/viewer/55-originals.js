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
  // never leave the module. Without WebCrypto or Workers the module decrypts
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
  postMessage({ id: j.id, done: true, status });
  forget();
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
    segmentFilled: 0, digests: [], digestsDone: 0,
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
  postMessage({ id: j.id, plain, upTo: PREFIX + j.drained * RECORD }, [plain.buffer]);
}

function handle(m) {
  try {
    if (m.type === 'begin') begin(m);
    else if (m.type === 'bytes') take(m);
    else if (m.type === 'end' && job && job.id === m.id) { job.ended = true; drain(job); }
  } catch (e) {
    if (job) end(job, 7);
  }
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
    const w = { worker, url, job: 0, inbox: null, idle: 0 };
    worker.onmessage = (ev) => { if (w.inbox && ev.data && ev.data.id === w.job) w.inbox.push(ev.data); };
    worker.onerror = (ev) => {
      if (ev && ev.preventDefault) ev.preventDefault();
      if (w.inbox) w.inbox.push({ id: w.job, done: true, status: 7 });
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
      push(m) { items.push(m); if (wake) { wake(); wake = null; } },
      get size() { return items.length; },
      async next() {
        while (!items.length) await new Promise((resolve) => { wake = resolve; });
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

  // A piece of the blob whose buffer can be handed over to the Worker.
  const ownBuffer = (bytes) => (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice());

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
      const pinned = checked(call('lp_original_pins', [p.n]));
      // The tests set `window.lightproofTestWholePin` to check originals as
      // in a gallery written before segment hashes: by the SHA-256 of the
      // whole blob, hashed in the module.
      const pins = window.lightproofTestWholePin === true ? pinned.slice(0, PINS_LEN) : pinned;
      session.originalsHashed = pins.length > PINS_LEN ? 'segments' : 'whole';
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

