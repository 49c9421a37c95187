  // ------------------------------------------------------ the site's files
  // Over http(s) the viewer fetches its files. A page opened from a disk
  // (file://) may not fetch its neighbours, so there every file also has an
  // offline copy: scripts that hand its bytes over part by part through
  // lightproofPart (docs/FORMAT.md, "Offline copies"). A single-file bundle
  // carries every file in a <script type="application/x-lightproof"> element.
  // The bytes are ciphertext either way; the module authenticates them.
  const FROM_DISK = location.protocol === 'file:';
  const bundled = new Map();
  for (const e of document.querySelectorAll('script[type="application/x-lightproof"][data-file]')) {
    bundled.set(e.getAttribute('data-file'), e);
  }
  const BUNDLE = bundled.size > 0;
  if (FROM_DISK && !BUNDLE) {
    MESSAGES.missing = DOWNLOAD_MESSAGES.missing = msg('error.missingFolder');
    PHOTO_MESSAGES.missing = msg('photo.missingFolder');
  }

  function fromBase64(text) {
    try {
      if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(text);
      const s = atob(text);
      const out = new Uint8Array(s.length);
      for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
      return out;
    } catch (e) { throw lpError(5); }
  }
  function joinAll(pieces) {
    const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of pieces) { out.set(p, at); at += p.length; }
    return out;
  }

  const partFile = (name, index) => (index === 0 ? name + '.js' : name + '.' + index + '.js');
  // Offline parts are scripts, and a copy on a disk can be written to by
  // anyone who holds it: a script planted in front of a genuine part runs
  // with this page's powers (only `lightproof verify` can tell). What the
  // viewer controls is whose bytes it takes: a part counts only when its
  // one call comes from the very script element inserted for it, as the
  // browser reports it through the `currentScript` getter taken before any
  // part ran (a script can redefine `document.currentScript`, not this
  // copy). A second call from that script makes the part damaged.
  const nativeCurrentScript = Object.getOwnPropertyDescriptor(Document.prototype, 'currentScript').get;
  const nativeApply = Reflect.apply;
  const awaited = []; // { script, name, index, calls, part } of the parts being loaded
  function awaitedPart(script) {
    for (let i = 0; i < awaited.length; i++) if (awaited[i].script === script) return awaited[i];
    return null;
  }
  Object.defineProperty(window, 'lightproofPart', {
    value(name, index, count, data) {
      const entry = awaitedPart(nativeApply(nativeCurrentScript, document, []));
      if (!entry) return;
      entry.calls += 1;
      const valid = entry.calls === 1 && name === entry.name && index === entry.index &&
        Number.isInteger(count) && index < count && typeof data === 'string';
      entry.part = valid ? { count, data } : null;
    },
  });
  function loadPart(name, index) {
    return new Promise((resolve, reject) => {
      const script = document.createElement('script');
      const entry = { script, name, index, calls: 0, part: null };
      const done = () => {
        const at = awaited.indexOf(entry);
        if (at >= 0) awaited.splice(at, 1);
        script.remove();
      };
      awaited.push(entry);
      script.onload = () => {
        done();
        if (!entry.part || entry.calls !== 1) { reject(lpError(5)); return; }
        resolve({ count: entry.part.count, bytes: fromBase64(entry.part.data) });
      };
      script.onerror = () => { done(); reject(lpError('missing')); };
      script.src = partFile(name, index);
      document.head.append(script);
    });
  }

  // Yields the file at `path` in pieces (originals can be gigabytes).
  async function* fileChunks(path, options) {
    if (BUNDLE) { yield bundledFile(path); return; }
    if (FROM_DISK) {
      let count = 1;
      for (let index = 0; index < count; index++) {
        const part = await loadPart(path, index);
        if (index === 0) count = part.count;
        else if (part.count !== count) throw lpError(5);
        yield part.bytes;
      }
      return;
    }
    let res;
    try { res = await fetch(path, options); } catch (e) { throw lpError('network'); }
    if (!res.ok) throw lpError(res.status === 404 || res.status === 410 ? 'missing' : 'network');
    const reader = res.body.getReader();
    try {
      for (;;) {
        let r;
        try { r = await reader.read(); } catch (e) { throw lpError('network'); }
        if (r.done) return;
        yield r.value;
      }
    } finally {
      reader.cancel().catch(() => {});
    }
  }
  function bundledFile(path) {
    const e = bundled.get(path);
    if (!e) throw lpError('missing');
    return fromBase64(e.textContent);
  }
  async function fetchBytes(path, options) {
    if (BUNDLE) return bundledFile(path);
    if (!FROM_DISK) {
      let res;
      try { res = await fetch(path, options); } catch (e) { throw lpError('network'); }
      if (!res.ok) throw lpError(res.status === 404 || res.status === 410 ? 'missing' : 'network');
      try { return new Uint8Array(await res.arrayBuffer()); } catch (e) { throw lpError('network'); }
    }
    const pieces = [];
    for await (const piece of fileChunks(path)) pieces.push(piece);
    return pieces.length === 1 ? pieces[0] : joinAll(pieces);
  }

  // --------------------------------------------------- loading the module
  const ready = new Promise((resolve) => { session.markReady = resolve; });

  function openHeader() {
    const h = json(checked(call('lp_open_header', [], session.headerBytes)));
    if (h.kdf === 'argon2id') {
      session.kdf = { alg: 'argon2id' };
    } else {
      if (h.kdf !== 'pbkdf2' || !Number.isInteger(h.iterations) || h.iterations < 1 || typeof h.salt !== 'string') throw lpError(3);
      let salt;
      try { salt = Uint8Array.from(atob(h.salt), (c) => c.charCodeAt(0)); } catch (e) { throw lpError(3); }
      session.kdf = { alg: 'pbkdf2', iterations: h.iterations, salt };
    }
    session.galleryId = typeof h.gallery === 'string' ? h.gallery : '';
  }

  function init() {
    if (session.initPromise) return session.initPromise;
    session.initPromise = (async () => {
      if (typeof WebAssembly !== 'object') throw lpError('nowasm');
      // Both load at once; the module's failure is reported first, since a
      // folder without offline copies lacks both.
      const loadingHeader = fetchBytes('gallery.bin', { cache: 'no-cache' });
      loadingHeader.catch(() => {});
      const code = await fetchBytes('viewer.wasm').catch((e) => {
        throw FROM_DISK && !BUNDLE && codeOf(e) === 'missing' ? lpError('webonly') : e;
      });
      const header = await loadingHeader;
      let instance;
      try {
        session.wasmModule = await WebAssembly.compile(code);
        instance = await WebAssembly.instantiate(session.wasmModule, {});
      } catch (e) { throw lpError('nowasm'); }
      if (!EXPORTS.every((name) => name in instance.exports)) throw lpError('nowasm');
      session.wasm = instance.exports;
      session.headerBytes = header;
      openHeader();
    })();
    session.initPromise.then(() => session.markReady(true), () => { session.initPromise = null; session.markReady(false); });
    return session.initPromise;
  }

