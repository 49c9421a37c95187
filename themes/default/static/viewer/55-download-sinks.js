  // ---------------------------------------------------- where downloads go
  // Originals (grants with downloads only) are decrypted by the module as
  // their blob arrives and written out at once. Where the bytes go, best
  // first:
  // - the File System Access API (Chrome, Edge on a computer): straight
  //   into the file the client chose;
  // - over http(s), the site's download worker (download-worker.js): an
  //   ordinary browser download that is fed as the browser writes it,
  //   never more than STREAM_WINDOW bytes ahead (Firefox, Safari, phones),
  //   so memory stays flat whatever the size;
  // Both are handed to the originals Worker where it runs (handToWorker in
  // 55-originals.js), which then writes them itself.
  // - gathered in memory and handed to the browser whole, at most
  //   MEMORY_LIMIT bytes at a time: one photo, or a ZIP in numbered parts
  //   that are each a whole ZIP (file://, a single-file bundle, a browser
  //   without service workers).
  // A photo can go to the system's share sheet instead (Save to Photos on
  // a phone). Nothing is kept unless every byte authenticated: a failed
  // download is aborted (a streamed one fails in the browser's list, which
  // deletes what it had), never saved half-written.
  const GIB = 1024 * 1024 * 1024;
  // The browser tests lower this (window.lightproofTestMemoryLimit, bytes)
  // so that a small album is split into parts.
  const MEMORY_LIMIT = testLowered('lightproofTestMemoryLimit', GIB);
  // Upper bounds of a ZIP's bytes besides the files (wasm-viewer/src/zip):
  // an entry's two headers with a name of at most 200 bytes and their
  // extra fields, and the end records.
  const ZIP_ENTRY_OVERHEAD = 1024;
  const ZIP_END_OVERHEAD = 1024;
  const WORKER_FILE = 'download-worker.js';
  const WORKER_SCOPE = 'download/';
  const STREAM_WINDOW = 8 * 1024 * 1024; // sent to the worker, not yet read by the download
  const WORKER_ANSWER_MS = 15 * 1000;
  const PING_MS = 10 * 1000;

  // A size in the language's words and digits (1.5 GB, 1,5 Go): a
  // parameter of a message (07-language.js).
  const fileSize = (n) => (lang) => {
    const [unit, value, digits] = n >= 1e9 ? ['gigabyte', n / 1e9, 1] : n >= 1e6 ? ['megabyte', n / 1e6, 1] : ['kilobyte', Math.max(1, Math.round(n / 1e3)), 0];
    return new Intl.NumberFormat(lang, { style: 'unit', unit, unitDisplay: 'short', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
  };
  const safeFileName = (name) => name.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_').replace(/^[.\s]+/, '').trim().slice(0, 120) || 'photos';
  const downloadable = (photos) => photos.filter((p) => p.original);
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // The file the client chooses, or null without the API. Must be called
  // before any `await` in a click handler: the save dialog needs the
  // click's user activation.
  async function openDiskSink(name) {
    if (typeof window.showSaveFilePicker !== 'function') return null;
    let handle = null;
    try {
      handle = await window.showSaveFilePicker({ suggestedName: name });
    } catch (e) {
      if (e && e.name === 'AbortError') throw lpError('cancelled');
      return null;
    }
    // Opened on the first write: a sink handed to the originals Worker
    // opens its own.
    let writable = null;
    const open = async () => {
      try { writable = writable || await handle.createWritable(); } catch (e) { throw lpError('disk'); }
      return writable;
    };
    return {
      path: 'disk',
      write: async (b) => (await open()).write(b).catch(() => { throw lpError('disk'); }),
      close: async () => (await open()).close().catch(() => { throw lpError('disk'); }),
      // A file the client chose is created empty: take it away again.
      abort: async () => {
        if (writable) await writable.abort().catch(() => {});
        if (typeof handle.remove === 'function') await handle.remove().catch(() => {});
      },
      handOver: () => ({ message: { handle }, transfer: [] }),
      closed: async () => {},
    };
  }

  // Writes `bytes` (if any) into `sink` and counts them. A sink may take a
  // whole buffer over (the stream sink hands it to the download worker),
  // so the length is read first.
  async function put(sink, bytes, progress) {
    const size = bytes.length;
    if (!size) return;
    await sink.write(bytes);
    progress(size);
  }

  // Gathered here, then handed to `deliver` as one File. (Folding the
  // pieces into blobs as they came cut memory by a quarter, but Chromium
  // then cancelled the save of a 1 GB ZIP: bench/downloads.mjs.)
  function memorySink(name, type, deliver) {
    let pieces = [];
    return {
      path: 'memory',
      write: async (b) => { pieces.push(b); },
      close: async () => { const file = new File(pieces, name, { type }); pieces = []; await deliver(file); },
      abort: async () => { pieces = []; },
    };
  }

  // The browser reads the blob while it saves it, which for a large one
  // outlasts any fixed delay: revoking the URL early cancels the save. It
  // is kept until the next part, the next download or Lock.
  function forgetSaved() {
    if (session.savedUrl) URL.revokeObjectURL(session.savedUrl);
    session.savedUrl = null;
  }
  function saveBlob(blob, name) {
    forgetSaved();
    session.savedUrl = URL.createObjectURL(blob);
    session.savedAt = Date.now();
    session.savedBytes = blob.size;
    const a = el('a');
    a.href = session.savedUrl;
    a.download = name;
    a.hidden = true;
    document.body.append(a);
    a.click();
    a.remove();
  }
  // Lets the last saved part go, once the browser has had time to read it
  // (2 s, and 10 ms per MB: a disk writes faster than 100 MB/s).
  async function releaseSaved() {
    const wait = (session.savedAt || 0) + 2000 + (session.savedBytes || 0) / 1e5 - Date.now();
    if (wait > 0) await sleep(wait);
    forgetSaved();
  }
  function forgetDownloadFrames() {
    for (const frame of session.downloadFrames) frame.remove();
    session.downloadFrames = [];
  }

  // ---------------------------------------------------- the download worker
  // Registered for the folder download/ only, which no site has, so it
  // controls no page and sees no request of the gallery. null where
  // service workers do not run (file://, a bundle, plain http except on
  // localhost) or the host does not serve the file as a script.
  function downloadWorker() {
    if (FROM_DISK || BUNDLE || !window.isSecureContext || !('serviceWorker' in navigator)) return Promise.resolve(null);
    if (!session.worker) {
      session.worker = navigator.serviceWorker
        .register(WORKER_FILE, { scope: WORKER_SCOPE, updateViaCache: 'none' })
        .then(untilActive, () => null);
      session.worker.then((registration) => { if (!registration) session.worker = null; });
    }
    return session.worker;
  }
  // The registration once its worker runs, or null.
  function untilActive(registration) {
    const next = registration.installing || registration.waiting;
    if (registration.active || !next) return registration.active ? registration : null;
    return new Promise((resolve) => {
      const done = () => resolve(registration.active ? registration : null);
      const timer = setTimeout(done, WORKER_ANSWER_MS);
      next.addEventListener('statechange', () => {
        if (next.state === 'activated' || next.state === 'redundant') { clearTimeout(timer); done(); }
      });
    });
  }

  // A download through the worker, or null if the worker is not there or
  // does not answer (the caller then gathers in memory). The worker gives
  // a one-time address; a hidden frame opens it, and the browser's
  // download reads what `write` sends, STREAM_WINDOW bytes ahead at most.
  async function openStreamSink(name, type, bytes) {
    const registration = await downloadWorker();
    const worker = registration && registration.active;
    if (!worker) return null;
    const channel = new MessageChannel();
    const port = channel.port1;
    const flow = { id: '', url: '', started: false, sent: 0, read: 0, ended: null, wake: null };
    port.onmessage = ({ data }) => {
      if (!data || typeof data !== 'object') return;
      if (data.type === 'address' && typeof data.url === 'string' && typeof data.id === 'string') {
        flow.id = data.id;
        flow.url = data.url;
      } else if (data.type === 'started') flow.started = true;
      else if (data.type === 'read' && Number.isSafeInteger(data.bytes)) flow.read = Math.max(flow.read, data.bytes);
      else if (data.type === 'cancelled') flow.ended = 'cancelled';
      else if (data.type === 'refused') flow.ended = 7;
      if (flow.ended === 'cancelled' && session.download) session.download.cancelled = true;
      nudge();
    };
    const nudge = () => {
      const wake = flow.wake;
      flow.wake = null;
      if (wake) wake();
    };
    const until = (ready, ms) => new Promise((resolve) => {
      const timer = setTimeout(() => { flow.wake = null; resolve(false); }, ms);
      const check = () => { if (ready()) { clearTimeout(timer); resolve(true); } else flow.wake = check; };
      check();
    });
    // The worker closes the channel once it has the last message.
    const stop = () => { clearInterval(session.downloadPing); port.onmessage = null; };
    worker.postMessage({ type: 'start', name, contentType: type, size: bytes }, [channel.port2]);
    const scope = new URL(WORKER_SCOPE, location.href).href;
    if (!await until(() => flow.url || flow.ended, WORKER_ANSWER_MS) || !flow.url.startsWith(scope)) {
      port.postMessage({ type: 'abort' });
      stop();
      return null;
    }
    const frame = el('iframe');
    frame.hidden = true;
    frame.src = flow.url;
    document.body.append(frame);
    session.downloadFrames.push(frame);
    if (!await until(() => flow.started || flow.ended, WORKER_ANSWER_MS) || flow.ended) {
      port.postMessage({ type: 'abort' });
      stop();
      return null;
    }
    // Firefox stops a worker that heard nothing for 30 seconds, download
    // or not: a ping keeps it running, and its answer tells whether the
    // download is still there (a stopped worker is started afresh, without it).
    let lost = () => { flow.ended = 'network'; nudge(); };
    session.downloadPing = setInterval(() => {
      const answer = new MessageChannel();
      answer.port1.onmessage = ({ data }) => {
        answer.port1.close();
        if (data && data.alive === false && !flow.ended) lost();
      };
      worker.postMessage({ type: 'ping', id: flow.id }, [answer.port2]);
    }, PING_MS);
    let handedOver = false;
    return {
      path: 'stream',
      // The port goes to the originals Worker, which then writes the
      // pieces and keeps the window itself; the pings stay here and tell it
      // (through `tell`) if the download is lost.
      handOver: (tell) => {
        handedOver = true;
        port.onmessage = null;
        lost = () => { flow.ended = 'network'; tell('network'); };
        return { message: { port, window: STREAM_WINDOW }, transfer: [port] };
      },
      closed: async () => stop(),
      write: async (b) => {
        while (!flow.ended && flow.sent - flow.read >= STREAM_WINDOW) {
          if (session.download.cancelled) throw lpError('cancelled');
          await until(() => flow.ended || flow.sent - flow.read < STREAM_WINDOW, 1000);
        }
        if (flow.ended) throw lpError(flow.ended);
        // A whole buffer is handed over, not copied (the caller is done
        // with it): each copy was garbage the page's process held until its
        // next collection, hundreds of MB in Firefox at download speed.
        const size = b.length;
        const piece = ownBuffer(b);
        port.postMessage({ type: 'piece', bytes: piece }, [piece.buffer]);
        flow.sent += size;
      },
      close: async () => { port.postMessage({ type: 'end' }); stop(); },
      abort: async () => { if (!handedOver) port.postMessage({ type: 'abort' }); stop(); },
    };
  }
