// lightproof viewer: glue between the page and viewer.wasm, which does all the
// cryptography. Every string from the manifest is untrusted: it only ever
// reaches the page through textContent and properties, never as markup.
(function () {
  'use strict';

  // ---------------------------------------------------------------- messages
  const NEWER = "This gallery's files are damaged or were made by a newer version of lightproof.";
  const MESSAGES = {
    1: NEWER, 2: NEWER, 3: NEWER,
    4: 'That password does not open this gallery. Check it and try again.',
    5: "This gallery's files are damaged and can't be opened.",
    6: 'Something went wrong. Reload the page and try again.',
    7: 'Something went wrong. Reload the page and try again.',
    network: "Couldn't load the gallery. Check your connection and try again.",
    missing: 'Some of the files of this gallery are missing from the server.',
    nowasm: "This browser can't open the gallery. Try an up-to-date browser.",
    webonly: 'This copy of the gallery opens only from its web address, not from a disk. Ask the photographer for the link.',
    empty: 'Enter the password to open the gallery.',
    badlink: 'This link does not open the gallery (it may be old or cut short). Enter the password, or ask the photographer for a new link.',
    twofactor: 'This link needs the gallery password too.',
    expired: 'This gallery has expired. Please contact the photographer if you still need the photos.',
  };
  const DOWNLOAD_MESSAGES = {
    5: 'This file is damaged on the server, so nothing was saved. Please tell the photographer.',
    missing: 'This file is missing from the server, so nothing was saved. Please tell the photographer.',
    network: 'The download stopped (connection lost), so nothing was saved. Try again.',
    toolarge: 'This is too large to download in this browser (over 1 GB at once). Use Chrome or Edge on a computer, or download favourites in smaller groups.',
    disk: "The file couldn't be saved (is the disk full?). Nothing was kept.",
    6: 'Something went wrong. Reload the page and try again.',
    7: 'Something went wrong. Reload the page and try again.',
  };
  const PHOTO_MESSAGES = {
    5: "Damaged — can't be shown",
    missing: "Missing — can't be shown",
    network: "Couldn't be loaded",
    decode: "Damaged — can't be shown",
  };
  const WRONG_PASSWORD = 4;
  const THUMB = 0;
  const PREVIEW = 1;
  const MAX_JOBS = 4;
  const BLOB_PATH = /^b\/[A-Za-z0-9]{16,64}$/;

  function lpError(code) {
    const e = new Error('lightproof: ' + code);
    e.code = code;
    return e;
  }
  function codeOf(e) {
    return e && e.code !== undefined ? e.code : 7;
  }

  // ------------------------------------------------------------------- DOM
  const $ = (id) => document.getElementById(id);
  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  const ui = {
    unlock: $('unlock'), form: $('unlock-form'), fields: $('unlock-fields'),
    password: $('password'), reveal: $('reveal'),
    status: $('unlock-status'), error: $('unlock-error'),
    gallery: $('gallery'), title: $('gallery-title'), lock: $('lock-button'),
    albums: $('albums'), albumList: $('album-list'), summary: $('album-summary'), grid: $('grid'),
    lb: $('lightbox'), lbCounter: $('lb-counter'), lbClose: $('lb-close'), lbStage: $('lb-stage'),
    lbImage: $('lb-image'), lbPlaceholder: $('lb-placeholder'), lbError: $('lb-error'),
    lbCaption: $('lb-caption'), lbFile: $('lb-file'), lbPrev: $('lb-prev'), lbNext: $('lb-next'),
    lbFav: $('lb-fav'), lbNote: $('lb-note'), lbNoteText: $('lb-note-text'),
    picksFilter: $('picks-filter'), picksCount: $('picks-count'), picksSend: $('picks-send'),
    send: $('send-dialog'), sendText: $('send-text'), sendCopy: $('send-copy'),
    sendDownload: $('send-download'), sendMail: $('send-mail'), sendClose: $('send-close'),
    lbDownload: $('lb-download'), downloadOpen: $('download-open'), dl: $('download-dialog'),
    dlAll: $('download-all'), dlPicks: $('download-picks'), dlAlbum: $('download-album'),
    dlNote: $('download-note'), dlProgress: $('download-progress'), dlStatus: $('download-status'),
    dlCancel: $('download-cancel'), dlClose: $('download-close'), rememberNote: $('remember-note'),
  };

  // -------------------------------------------------------------- blob URLs
  const liveUrls = new Set();
  function jpegUrl(bytes) {
    const url = URL.createObjectURL(new Blob([bytes], { type: 'image/jpeg' }));
    liveUrls.add(url);
    return url;
  }
  function revoke(url) {
    if (url && liveUrls.delete(url)) URL.revokeObjectURL(url);
  }

  // -------------------------------------------------------------- key links
  // `#k=<secret>` opens a grant; `#k2=<secret>` opens it with the password.
  // The fragment never reaches the server; it leaves the address bar (and
  // the history entry) at once, and the secret stays in memory only.
  const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
  function base32Decode(text) {
    const out = [];
    let buffer = 0;
    let bits = 0;
    for (const c of text) {
      const v = BASE32.indexOf(c);
      if (v < 0) return null;
      buffer = (buffer << 5) | v;
      bits += 5;
      if (bits >= 8) {
        bits -= 8;
        out.push((buffer >>> bits) & 0xff);
      }
    }
    // One spelling per secret (docs/FORMAT.md): the unused final bits are zero.
    if ((buffer & ((1 << bits) - 1)) !== 0) return null;
    return Uint8Array.from(out);
  }
  function takeLinkFromAddress() {
    const m = /^#(k2?)=([a-z2-7]+)$/.exec(location.hash);
    if (!/^#k2?=/.test(location.hash)) return null;
    history.replaceState(history.state, '', location.pathname + location.search);
    const bytes = m && m[2].length === 52 ? base32Decode(m[2]) : null;
    return { twoFactor: Boolean(m && m[1] === 'k2'), bytes: bytes && bytes.length === 32 ? bytes : null };
  }
  let link = takeLinkFromAddress();
  function forgetLink() {
    if (link && link.bytes) link.bytes.fill(0);
    link = null;
  }

  // ------------------------------------------------------------ wasm bridge
  const EXPORTS = ['memory', 'lp_alloc', 'lp_free', 'lp_out_ptr', 'lp_out_len', 'lp_open_header',
    'lp_derive_password_key', 'lp_unlock_key', 'lp_unlock_password', 'lp_unlock_link', 'lp_unlock_two_factor',
    'lp_unlock_two_factor_password', 'lp_sign_selection', 'lp_open_manifest', 'lp_open_photo', 'lp_lock',
    'lp_original_begin', 'lp_original_push', 'lp_original_finish', 'lp_zip_begin', 'lp_zip_entry', 'lp_zip_finish'];
  let wasm = null;
  let wasmModule = null; // compiled once; a Worker instantiates its own copy for Argon2id

  // Calls an export with `args` then (ptr, len) of `input`, if any. Returns the
  // status and a copy of the output buffer. Secret inputs are wiped in place.
  function call(name, args, input, secret) {
    const ex = wasm;
    let ptr = 0;
    let cap = 0;
    const len = input ? input.length : 0;
    if (input) {
      cap = Math.max(len, 1); // never hand the module a null pointer
      ptr = ex.lp_alloc(cap) >>> 0;
      if (!ptr) throw lpError(7);
      new Uint8Array(ex.memory.buffer, ptr, len).set(input);
    }
    let status;
    try {
      status = input ? ex[name](...args, ptr, len) : ex[name](...args);
    } catch (e) {
      throw lpError(7); // a trap inside the module
    } finally {
      if (input) {
        try {
          if (secret) new Uint8Array(ex.memory.buffer, ptr, len).fill(0);
          ex.lp_free(ptr, cap);
        } catch (e) { /* nothing more to do */ }
      }
    }
    const outPtr = ex.lp_out_ptr() >>> 0;
    const outLen = ex.lp_out_len() >>> 0;
    return { status: status >>> 0, out: new Uint8Array(ex.memory.buffer, outPtr, outLen).slice() };
  }
  function json(bytes) {
    try { return JSON.parse(new TextDecoder().decode(bytes)); } catch (e) { throw lpError(5); }
  }
  function checked(r) {
    if (r.status !== 0) throw lpError(r.status);
    return r.out;
  }

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
    MESSAGES.missing = DOWNLOAD_MESSAGES.missing = 'Some files of this gallery are missing from this folder. Copy the whole folder again.';
    PHOTO_MESSAGES.missing = "Missing from this folder";
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
  let headerBytes = null;
  let galleryId = '';
  let manifestId = ''; // of the open grant, for the selection's footer
  let kdf = null; // { alg: 'pbkdf2', iterations, salt } | { alg: 'argon2id' }
  let initPromise = null;
  let markReady;
  const ready = new Promise((resolve) => { markReady = resolve; });

  function openHeader() {
    const h = json(checked(call('lp_open_header', [], headerBytes)));
    if (h.kdf === 'argon2id') {
      kdf = { alg: 'argon2id' };
    } else {
      if (h.kdf !== 'pbkdf2' || !Number.isInteger(h.iterations) || h.iterations < 1 || typeof h.salt !== 'string') throw lpError(3);
      let salt;
      try { salt = Uint8Array.from(atob(h.salt), (c) => c.charCodeAt(0)); } catch (e) { throw lpError(3); }
      kdf = { alg: 'pbkdf2', iterations: h.iterations, salt };
    }
    galleryId = typeof h.gallery === 'string' ? h.gallery : '';
  }

  function init() {
    if (initPromise) return initPromise;
    initPromise = (async () => {
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
        wasmModule = await WebAssembly.compile(code);
        instance = await WebAssembly.instantiate(wasmModule, {});
      } catch (e) { throw lpError('nowasm'); }
      if (!EXPORTS.every((name) => name in instance.exports)) throw lpError('nowasm');
      wasm = instance.exports;
      headerBytes = header;
      openHeader();
    })();
    initPromise.then(() => markReady(true), () => { initPromise = null; markReady(false); });
    return initPromise;
  }

  // ------------------------------------------------------------- unlocking
  let state = 'locked'; // 'locked' | 'unlocking' | 'open'
  let session = 0; // bumped on lock: late results of an old session are dropped
  let manifest = null;
  let unlockedWith = null; // 'webcrypto' | 'worker' | 'wasm' | 'link' | 'remembered': how, for the tests

  function nextPaint() {
    return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  }

  // ------------------------------------------------- Argon2id in a Worker
  // Argon2id takes a second or more (seconds on a phone), so it runs in a
  // Worker with its own instance of the module and the page keeps painting.
  // The Worker comes from a Blob URL made from this string, so it works over
  // http(s), from a disk and in a single-file bundle alike; it gets the
  // compiled module, the header and the password, and gives back only the
  // 32-byte password key.
  const WORKER_SOURCE = `'use strict';
onmessage = async (event) => {
  const { module, header, password } = event.data;
  let status = 7;
  let bits = null;
  try {
    const made = await WebAssembly.instantiate(module, {});
    const ex = (made.instance || made).exports;
    const put = (bytes) => {
      const ptr = ex.lp_alloc(Math.max(bytes.length, 1)) >>> 0;
      new Uint8Array(ex.memory.buffer, ptr, bytes.length).set(bytes);
      return ptr;
    };
    const h = put(header);
    status = ex.lp_open_header(h, header.length) >>> 0;
    ex.lp_free(h, Math.max(header.length, 1));
    if (status === 0) {
      const p = put(password);
      status = ex.lp_derive_password_key(p, password.length) >>> 0;
      new Uint8Array(ex.memory.buffer, p, password.length).fill(0);
      ex.lp_free(p, Math.max(password.length, 1));
      if (status === 0) bits = new Uint8Array(ex.memory.buffer, ex.lp_out_ptr() >>> 0, ex.lp_out_len() >>> 0).slice();
      ex.lp_lock();
    }
  } catch (e) {
    status = 7;
  }
  password.fill(0);
  postMessage({ status, bits }, bits ? [bits.buffer] : []);
  close();
};
`;
  let derivations = 0; // Argon2id runs started, for the tests

  // Resolves to the password key, or null when this browser cannot run a
  // Worker (the page then derives it itself).
  function deriveInWorker(pw) {
    let worker;
    let url;
    try {
      url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
      worker = new Worker(url);
    } catch (e) {
      if (url) URL.revokeObjectURL(url);
      return Promise.resolve(null);
    }
    derivations += 1;
    return new Promise((resolve, reject) => {
      const end = () => { worker.terminate(); URL.revokeObjectURL(url); };
      worker.onmessage = (ev) => {
        end();
        const { status, bits } = ev.data || {};
        if (status === 0 && bits instanceof Uint8Array && bits.length === 32) resolve(bits);
        else reject(lpError(status === 0 || !status ? 7 : status));
      };
      worker.onerror = (ev) => { if (ev && ev.preventDefault) ev.preventDefault(); end(); resolve(null); };
      const password = pw.slice();
      try {
        worker.postMessage({ module: wasmModule, header: headerBytes.slice(), password }, [password.buffer]);
      } catch (e) {
        password.fill(0);
        end();
        resolve(null);
      }
    });
  }

  // What the unlock form shows while the key is derived: the time so far,
  // with an indeterminate bar that the browser animates.
  function showProgress(text) {
    const started = performance.now();
    const bar = el('progress', 'unlock-progress');
    bar.setAttribute('aria-label', 'Unlocking');
    ui.status.after(bar);
    const tick = () => {
      const seconds = Math.floor((performance.now() - started) / 1000);
      setStatus(seconds >= 1 ? text + ' (' + seconds + ' s)' : text);
    };
    tick();
    const timer = setInterval(tick, 250);
    return () => { clearInterval(timer); bar.remove(); };
  }

  // The password key by Argon2id: in a Worker, else (no Worker) here.
  async function argon2Key(pw) {
    const done = showProgress('Unlocking… this takes a few seconds on a phone');
    try {
      const bits = await deriveInWorker(pw);
      if (bits) return { bits, how: 'worker' };
      await nextPaint();
      derivations += 1;
      return { bits: checked(call('lp_derive_password_key', [], pw, true)), how: 'wasm' };
    } finally {
      done();
    }
  }

  // The password key by PBKDF2 in WebCrypto, or null where there is none.
  async function pbkdf2Key(pw) {
    const subtle = globalThis.crypto && globalThis.crypto.subtle;
    if (!subtle) return null;
    try {
      const key = await subtle.importKey('raw', pw, 'PBKDF2', false, ['deriveBits']);
      const bits = new Uint8Array(await subtle.deriveBits(
        { name: 'PBKDF2', hash: 'SHA-256', salt: kdf.salt, iterations: kdf.iterations }, key, 256));
      return { bits, how: 'webcrypto' };
    } catch (e) {
      return null; // fall back to the module's own PBKDF2
    }
  }

  async function unlockWith(password) {
    openHeader(); // a lock (or a failed attempt) forgets it in the module
    const pw = new TextEncoder().encode(password.normalize('NFC'));
    try {
      let r = null;
      const derived = kdf.alg === 'argon2id' ? await argon2Key(pw) : await pbkdf2Key(pw);
      if (derived) {
        const bits = derived.bits;
        const twoFactor = link && link.twoFactor && link.bytes;
        if (!twoFactor) { forgetRememberCandidate(); rememberCandidate = bits.slice(); }
        const input = twoFactor ? concat(bits, link.bytes) : bits;
        try {
          r = call(twoFactor ? 'lp_unlock_two_factor' : 'lp_unlock_key', [], input, true);
        } finally {
          bits.fill(0);
          input.fill(0);
        }
        unlockedWith = derived.how;
      }
      if (!r) {
        // No WebCrypto (e.g. a plain-HTTP origin): the module derives the key
        // itself, which blocks this page for a while. Let the message show first.
        setStatus('Unlocking… This browser is slower at it: it can take up to a minute.');
        await nextPaint();
        if (link && link.twoFactor && link.bytes) {
          const input = concat(link.bytes, pw);
          try { r = call('lp_unlock_two_factor_password', [], input, true); } finally { input.fill(0); }
        } else {
          r = call('lp_unlock_password', [], pw, true);
        }
        unlockedWith = 'wasm';
      }
      const path = json(checked(r)).manifest;
      if (typeof path !== 'string' || !BLOB_PATH.test(path)) throw lpError(5);
      return path;
    } finally {
      pw.fill(0);
    }
  }
  function concat(a, b) {
    const out = new Uint8Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
  }

  // Opens the grant of a `#k=` link; on failure the password form stays.
  async function unlockWithLink() {
    if (!link.bytes) throw lpError('badlink');
    const r = call('lp_unlock_link', [], link.bytes, true);
    if (r.status === WRONG_PASSWORD) throw lpError('badlink');
    const path = json(checked(r)).manifest;
    if (typeof path !== 'string' || !BLOB_PATH.test(path)) throw lpError(5);
    unlockedWith = 'link';
    return path;
  }

  // ----------------------------------------------------------- remember me
  // When the photographer allowed it (`--remember`), the password's derived
  // key (never the password) is kept so that a reload of the same tab, for
  // REMEMBER_HOURS after the password was typed, opens the gallery again.
  // It is sealed (AES-GCM, its expiry as associated data) under a
  // non-extractable key that lives in IndexedDB under a random id per tab;
  // the id, the expiry and the sealed key are in sessionStorage.
  // Browsers restore sessionStorage with the tab when they reopen a session
  // (Chromium and Firefox alike), so it is used only when this page load is
  // a reload: a restored tab, Back and Forward load as 'back_forward'. Any
  // other load, an expired or altered seal, and Lock forget it.
  const REMEMBER_HOURS = 12;
  const REMEMBER_MS = REMEMBER_HOURS * 3600 * 1000;
  MESSAGES.forgotten = `Enter the password again: a gallery stays open only when this tab is reloaded, for ${REMEMBER_HOURS} hours.`;
  let rememberCandidate = null;
  function forgetRememberCandidate() {
    if (rememberCandidate) rememberCandidate.fill(0);
    rememberCandidate = null;
  }
  const rememberSlot = () => 'lightproof-remember:' + galleryId;
  const sealContext = (entry) => new TextEncoder().encode(`lightproof remember 1 ${galleryId} ${entry.id} ${entry.expires}`);
  function keyStore(mode, action) {
    return new Promise((resolve, reject) => {
      const open = indexedDB.open('lightproof', 1);
      open.onupgradeneeded = () => open.result.createObjectStore('keys');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const tx = open.result.transaction('keys', mode);
        const req = action(tx.objectStore('keys'));
        tx.oncomplete = () => { open.result.close(); resolve(req && req.result); };
        tx.onerror = () => { open.result.close(); reject(tx.error); };
      };
    });
  }
  const isReload = () => {
    const nav = performance.getEntriesByType && performance.getEntriesByType('navigation')[0];
    return Boolean(nav && nav.type === 'reload');
  };
  function storedEntry() {
    try {
      const entry = JSON.parse(sessionStorage.getItem(rememberSlot()) || 'null');
      const ok = entry && typeof entry.id === 'string' && /^[0-9a-f]{32}$/.test(entry.id) &&
        Number.isSafeInteger(entry.expires) && typeof entry.sealed === 'string';
      return ok ? entry : null;
    } catch (e) { return null; }
  }
  async function remember(bits) {
    try {
      forgetRemembered();
      const subtle = crypto.subtle;
      const id = [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
      const entry = { id, expires: Date.now() + REMEMBER_MS, sealed: '' };
      const key = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
      await keyStore('readwrite', (s) => s.put({ key, expires: entry.expires }, id));
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const sealed = new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv, additionalData: sealContext(entry) }, key, bits));
      entry.sealed = btoa(String.fromCharCode(...concat(iv, sealed)));
      sessionStorage.setItem(rememberSlot(), JSON.stringify(entry));
      showRememberNote(entry.expires);
    } catch (e) { /* no storage: simply not remembered */ }
  }
  // The remembered key, if this load may use it; else forgets what is kept
  // and says why on the lock screen.
  async function recall() {
    sweepExpiredKeys();
    const entry = storedEntry();
    if (!entry) {
      forgetRemembered(); // nothing, or something this viewer did not write
      return null;
    }
    const now = Date.now();
    if (!isReload() || now >= entry.expires || entry.expires > now + REMEMBER_MS) {
      forgetRemembered();
      setStatus(MESSAGES.forgotten);
      return null;
    }
    try {
      const record = await keyStore('readonly', (s) => s.get(entry.id));
      if (!record || !record.key) throw lpError(5);
      const bytes = Uint8Array.from(atob(entry.sealed), (c) => c.charCodeAt(0));
      const bits = new Uint8Array(await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: bytes.slice(0, 12), additionalData: sealContext(entry) }, record.key, bytes.slice(12)));
      rememberedUntil = entry.expires;
      return bits;
    } catch (e) {
      forgetRemembered();
      setStatus(MESSAGES.forgotten);
      return null;
    }
  }
  let rememberedUntil = 0;
  function forgetRemembered() {
    let entry = null;
    try {
      entry = storedEntry();
      sessionStorage.removeItem(rememberSlot());
    } catch (e) { /* nothing kept */ }
    if (entry) keyStore('readwrite', (s) => s.delete(entry.id)).catch(() => {});
    rememberedUntil = 0;
    showRememberNote(0);
  }
  // Keys whose time is up, of any tab (a closed tab cannot delete its own).
  function sweepExpiredKeys() {
    const now = Date.now();
    keyStore('readwrite', (s) => {
      const req = s.openCursor();
      req.onsuccess = () => {
        const cursor = req.result;
        if (!cursor) return;
        const v = cursor.value;
        if (!v || !Number.isSafeInteger(v.expires) || v.expires <= now) cursor.delete();
        cursor.continue();
      };
      return null;
    }).catch(() => {});
  }
  function showRememberNote(expires) {
    if (!ui.rememberNote) return;
    ui.rememberNote.hidden = !expires;
    ui.rememberNote.textContent = expires
      ? `Reloading this tab keeps the gallery open for ${REMEMBER_HOURS} hours after the password was typed (until ${new Date(expires).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}), or until you press Lock.`
      : '';
  }
  async function unlockRemembered(bits) {
    let r;
    try { r = call('lp_unlock_key', [], bits, true); } finally { bits.fill(0); }
    if (r.status === WRONG_PASSWORD) { forgetRemembered(); throw lpError(WRONG_PASSWORD); }
    const path = json(checked(r)).manifest;
    if (typeof path !== 'string' || !BLOB_PATH.test(path)) throw lpError(5);
    unlockedWith = 'remembered';
    showRememberNote(rememberedUntil);
    return path;
  }

  function setStatus(text) { ui.status.textContent = text; }
  function setError(text) { ui.error.textContent = text; }
  function setBusy(busy) {
    ui.fields.disabled = busy;
    ui.form.setAttribute('aria-busy', String(busy));
  }

  async function onSubmit(ev) {
    ev.preventDefault();
    if (state !== 'locked') return;
    const password = ui.password.value;
    if (!password) {
      setError(MESSAGES.empty);
      ui.password.focus();
      return;
    }
    await openGallery(() => unlockWith(password));
  }

  // Unlocks with `getManifestPath` (password or link), then shows the gallery.
  async function openGallery(getManifestPath) {
    state = 'unlocking';
    setError('');
    setStatus('Unlocking…');
    setBusy(true);
    try {
      await init();
      const manifestPath = await getManifestPath();
      manifestId = manifestPath.slice(2);
      if (link && !link.twoFactor) forgetLink();
      setStatus('Opening the gallery…');
      const blob = await fetchBytes(manifestPath);
      manifest = validateManifest(json(checked(call('lp_open_manifest', [], blob))));
      if (hasExpired(manifest.expires)) {
        manifest = null;
        throw lpError('expired');
      }
      if (manifest.remember && rememberCandidate) await remember(rememberCandidate);
      forgetRememberCandidate();
      ui.password.value = '';
      setStatus('');
      setBusy(false);
      state = 'open';
      showGallery();
    } catch (e) {
      const code = codeOf(e);
      forgetRememberCandidate();
      try { if (wasm) wasm.lp_lock(); } catch (e2) { /* nothing to clear */ }
      if (code === 'badlink') forgetLink();
      if (code === 'expired') forgetRemembered();
      state = 'locked';
      setStatus(link && link.twoFactor ? MESSAGES.twofactor : '');
      setBusy(false);
      setError(MESSAGES[code] || MESSAGES[7]);
      ui.password.focus();
      if (code === WRONG_PASSWORD) ui.password.select();
    }
  }

  // Expiry is the end of the given day in the viewer's local time. Advisory:
  // whoever has the password and the files can still decrypt them.
  function hasExpired(date) {
    if (date === undefined || date === null) return false;
    const [y, m, d] = date.split('-').map(Number);
    return Date.now() >= new Date(y, m - 1, d + 1).getTime();
  }

  // Checks the shape of the manifest; anything unexpected counts as damage.
  function validateManifest(m) {
    const str = (v) => typeof v === 'string';
    const dim = (v) => Number.isFinite(v) && v > 0;
    const blob = (b) => b && typeof b === 'object' && str(b.path) && BLOB_PATH.test(b.path) && dim(b.width) && dim(b.height);
    const original = (o) => o === null || o === undefined || (typeof o === 'object' && str(o.path) &&
      BLOB_PATH.test(o.path) && Number.isSafeInteger(o.bytes) && o.bytes >= 0 && str(o.type) && typeof o.stripped === 'boolean');
    const photo = (p) => p && typeof p === 'object' && Number.isInteger(p.n) && p.n >= 0 && str(p.file) &&
      (p.caption === null || p.caption === undefined || str(p.caption)) &&
      dim(p.width) && dim(p.height) && blob(p.thumb) && blob(p.preview) && original(p.original);
    const album = (a) => a && typeof a === 'object' && str(a.name) && Array.isArray(a.photos) && a.photos.every(photo);
    const limit = m && (m.selection_limit === null || m.selection_limit === undefined || (Number.isInteger(m.selection_limit) && m.selection_limit > 0));
    const email = m && (m.photographer_email === null || m.photographer_email === undefined || str(m.photographer_email));
    const rememberOk = m && (m.remember === undefined || typeof m.remember === 'boolean');
    const expires = m && (m.expires === null || m.expires === undefined || (str(m.expires) && /^\d{4}-\d{2}-\d{2}$/.test(m.expires)));
    if (!m || typeof m !== 'object' || !str(m.title) || !expires || !limit || !email || !rememberOk || !Array.isArray(m.albums) || !m.albums.every(album)) {
      throw lpError(5);
    }
    return m;
  }

  // ---------------------------------------------------------- job limiter
  // Fetch + decrypt jobs, at most MAX_JOBS at once; urgent ones jump the queue.
  const queue = [];
  let running = 0;
  function schedule(job, urgent) {
    return new Promise((resolve, reject) => {
      const task = () => job().then(resolve, reject);
      if (urgent) queue.unshift(task); else queue.push(task);
      pump();
    });
  }
  function pump() {
    while (running < MAX_JOBS && queue.length) {
      const task = queue.shift();
      running++;
      task().finally(() => { running--; pump(); });
    }
  }

  // Fetches and decrypts one photo blob; resolves to a blob: URL of the JPEG.
  async function decryptPhoto(photo, kind, s) {
    const ref = kind === THUMB ? photo.thumb : photo.preview;
    const bytes = await fetchBytes(ref.path);
    if (s !== session) throw lpError('stale');
    const jpeg = checked(call('lp_open_photo', [photo.n, kind], bytes));
    return jpegUrl(jpeg);
  }
  // Resolves once `img` is decoded; rejects if the bytes are not a picture.
  async function decoded(img) {
    try {
      await img.decode();
    } catch (e) {
      if (!(img.complete && img.naturalWidth > 0)) throw lpError('decode');
    }
  }
  const photoLabel = (p) => (p.caption && p.caption.trim()) || p.file;

  // ---------------------------------------------------------------- gallery
  let tiles = []; // of the album on screen: { photo, el, url, state, near, gen }
  const tileOf = new WeakMap();
  // Tiles within about a screen of the viewport get their thumbnail...
  const nearObserver = new IntersectionObserver(onNear, { rootMargin: '100% 0px' });
  // ...and lose it again (blob URL revoked) once they are far away.
  const farObserver = new IntersectionObserver(onFar, { rootMargin: '300% 0px' });
  const resizeObserver = new ResizeObserver(() => requestAnimationFrame(layout));
  let lastWidth = 0;

  function showGallery() {
    ui.title.textContent = manifest.title || 'Private gallery';
    ui.albumList.replaceChildren();
    const several = manifest.albums.length > 1;
    ui.albums.hidden = !several;
    if (several) {
      manifest.albums.forEach((album, i) => {
        const b = el('button', 'album-tab');
        b.type = 'button';
        b.append(el('span', 'album-name', album.name || 'Photos'), el('span', 'album-count', String(album.photos.length)));
        b.addEventListener('click', () => showAlbum(i));
        const li = el('li');
        li.append(b);
        ui.albumList.append(li);
      });
    }
    ui.unlock.hidden = true;
    ui.gallery.hidden = false;
    ui.downloadOpen.hidden = !manifest.downloads;
    loadPicks();
    showAlbum(0);
    resizeObserver.observe(ui.grid);
    ui.title.focus({ preventScroll: true });
  }

  function showAlbum(i) {
    clearTiles();
    albumIndex = i;
    const whole = manifest.albums[i];
    const album = whole && {
      name: whole.name,
      photos: onlyPicks ? whole.photos.filter((p) => picks.has(pickKey(whole, p))) : whole.photos,
    };
    [...ui.albumList.querySelectorAll('.album-tab')].forEach((b, j) => {
      b.setAttribute('aria-pressed', String(j === i));
      if (j === i) b.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    });
    const count = album ? album.photos.length : 0;
    ui.summary.textContent = count === 0 ? 'There are no photos here yet.' : count + (count === 1 ? ' photo' : ' photos');
    if (!album) return;
    tiles = album.photos.map((photo, index) => {
      const b = el('button', 'tile');
      b.type = 'button';
      b.dataset.n = String(photo.n);
      b.dataset.blob = photo.thumb.path; // public ciphertext name, for tests
      b.setAttribute('aria-label', photoLabel(photo));
      b.addEventListener('click', () => openLightbox(index));
      const key = pickKey(album, photo);
      b.classList.toggle('picked', picks.has(key));
      const t = { photo, key, el: b, url: null, state: 'idle', near: false, gen: 0 };
      tileOf.set(b, t);
      return t;
    });
    ui.grid.replaceChildren(...tiles.map((t) => t.el));
    lastWidth = 0;
    layout();
    window.scrollTo(0, 0);
    for (const t of tiles) { nearObserver.observe(t.el); farObserver.observe(t.el); }
  }

  function clearTiles() {
    for (const t of tiles) {
      nearObserver.unobserve(t.el);
      farObserver.unobserve(t.el);
      unloadTile(t);
    }
    tiles = [];
    ui.grid.replaceChildren();
  }

  // ------------------------------------------------------------- favourites
  // Kept in this browser per gallery (localStorage), by album and file name
  // so they survive a rebuild; "Send selection" exports them, tagged with
  // the grant's key so `lightproof picks` can tell a tampered one.
  let picks = new Map(); // key -> note
  let onlyPicks = false;
  let albumIndex = 0;
  const pickKey = (album, photo) => album.name + '\u0000' + photo.file;
  const storageKey = () => 'lightproof-picks:' + galleryId;
  function loadPicks() {
    picks = new Map();
    onlyPicks = false;
    ui.picksFilter.setAttribute('aria-pressed', 'false');
    try {
      const saved = JSON.parse(localStorage.getItem(storageKey()) || '[]');
      if (Array.isArray(saved)) {
        for (const [k, note] of saved) if (typeof k === 'string' && typeof note === 'string') picks.set(k, note);
      }
    } catch (e) { /* storage unavailable or damaged: start empty */ }
    showPickCount();
  }
  function savePicks() {
    try { localStorage.setItem(storageKey(), JSON.stringify([...picks])); } catch (e) { /* private mode */ }
    showPickCount();
  }
  function showPickCount() {
    const limit = manifest && manifest.selection_limit;
    ui.picksCount.textContent = limit ? `${picks.size} of ${limit}` : String(picks.size);
  }
  function showPick(t) {
    const picked = picks.has(t.key);
    ui.lbFav.setAttribute('aria-pressed', String(picked));
    ui.lbFav.setAttribute('aria-label', picked ? 'Remove from favourites' : 'Add to favourites');
    const note = picks.get(t.key) || '';
    ui.lbNoteText.textContent = note ? 'Note: ' + note : '';
    ui.lbNoteText.hidden = !note;
  }
  function togglePick() {
    const t = tiles[lb.index];
    if (!t) return;
    if (picks.has(t.key)) {
      picks.delete(t.key);
    } else {
      const limit = manifest.selection_limit;
      if (limit && picks.size >= limit) {
        ui.lbCounter.textContent = `You have already chosen ${limit}. Remove one to choose this.`;
        return;
      }
      picks.set(t.key, '');
    }
    t.el.classList.toggle('picked', picks.has(t.key));
    savePicks();
    showPick(t);
  }
  function editNote() {
    const t = tiles[lb.index];
    if (!t) return;
    const note = window.prompt('A note for the photographer about this photo:', picks.get(t.key) || '');
    if (note === null) return;
    picks.set(t.key, cleanNote(note));
    t.el.classList.add('picked');
    savePicks();
    showPick(t);
  }
  // A note is one line of plain text (docs/FORMAT.md, "Selections"), and
  // `lightproof picks` shows it in the photographer's terminal: line breaks
  // and other spacing become one space; control characters, bidirectional
  // overrides and isolates (U+202E turns "gpj.exe" around) and invisible
  // formatting characters go. The same set `lightproof picks` escapes.
  const NOTE_SPACES = /[\s\u0000-\u001f\u007f-\u009f]+/gu;
  const NOTE_INVISIBLE = /[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\u{e0000}-\u{e007f}]/gu;
  const NOTE_LENGTH = 500; // characters
  function cleanNote(note) {
    const text = String(note || '').replace(NOTE_INVISIBLE, '').replace(NOTE_SPACES, ' ').trim();
    return Array.from(text).slice(0, NOTE_LENGTH).join('').trim();
  }
  function toggleOnlyPicks() {
    onlyPicks = !onlyPicks;
    ui.picksFilter.setAttribute('aria-pressed', String(onlyPicks));
    showAlbum(albumIndex);
  }
  // The selection: readable (file names, one per line, with album and
  // note), then a footer line with the gallery, the grant and the tag.
  function selectionText() {
    const lines = [];
    for (const album of manifest.albums) {
      for (const photo of album.photos) {
        const key = pickKey(album, photo);
        if (!picks.has(key)) continue;
        lines.push(photo.file, '    album: ' + album.name);
        const note = cleanNote(picks.get(key));
        if (note) lines.push('    note: ' + note);
      }
    }
    const limit = manifest.selection_limit ? ` (up to ${manifest.selection_limit})` : '';
    const body = [`Selection from ${manifest.title}: ${picks.size} photo${picks.size === 1 ? '' : 's'}${limit}`, '', ...lines].join('\n') + '\n';
    const tag = checked(call('lp_sign_selection', [], new TextEncoder().encode(body)));
    const hex = [...tag].map((b) => b.toString(16).padStart(2, '0')).join('');
    return body + '--\n' + `lightproof-selection 1 gallery=${galleryId} manifest=${manifestId} tag=${hex}\n`;
  }
  function openSend() {
    const text = selectionText();
    ui.sendText.value = text;
    if (ui.sendDownload.href.startsWith('blob:')) URL.revokeObjectURL(ui.sendDownload.href);
    ui.sendDownload.href = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    const email = manifest.photographer_email;
    ui.sendMail.hidden = !email;
    if (email) ui.sendMail.href = `mailto:${encodeURIComponent(email)}?subject=${encodeURIComponent('My selection: ' + manifest.title)}&body=${encodeURIComponent(text)}`;
    ui.send.showModal();
  }

  // -------------------------------------------------------------- downloads
  // Originals (grants with downloads only) are decrypted by the module as
  // their blob arrives and written out at once: straight to disk where the
  // browser has the File System Access API (Chrome, Edge on a computer), so
  // a 2 GB album never has to fit in memory; elsewhere gathered in memory,
  // up to MEMORY_DOWNLOAD_LIMIT. Nothing is kept unless every byte
  // authenticated: a failed stream is aborted, never saved half-written.
  const MEMORY_DOWNLOAD_LIMIT = 1024 * 1024 * 1024;
  let download = null; // { cancelled } while one runs

  const fileSize = (n) => n >= 1e9 ? (n / 1e9).toFixed(1) + ' GB' : n >= 1e6 ? (n / 1e6).toFixed(1) + ' MB' : Math.max(1, Math.round(n / 1e3)) + ' kB';
  const safeFileName = (name) => name.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_').replace(/^[.\s]+/, '').trim().slice(0, 120) || 'photos';
  const downloadable = (photos) => photos.filter((p) => p.original);

  // Where the bytes go. Must be called before any `await` in a click
  // handler: the save dialog needs the click's user activation.
  async function openSink(name, type, bytes) {
    if (typeof window.showSaveFilePicker === 'function') {
      let handle = null;
      try {
        handle = await window.showSaveFilePicker({ suggestedName: name });
      } catch (e) {
        if (e && e.name === 'AbortError') throw lpError('cancelled');
      }
      if (handle) {
        const writable = await handle.createWritable();
        return {
          streamed: true,
          write: (b) => writable.write(b).catch(() => { throw lpError('disk'); }),
          close: () => writable.close().catch(() => { throw lpError('disk'); }),
          // A file the client chose is created empty: take it away again.
          abort: async () => {
            await writable.abort().catch(() => {});
            if (typeof handle.remove === 'function') await handle.remove().catch(() => {});
          },
        };
      }
    }
    if (bytes > MEMORY_DOWNLOAD_LIMIT) throw lpError('toolarge');
    // Gathered here and handed to the browser whole at the end. (Folding
    // the pieces into blobs as they came cut memory by a quarter, but
    // Chromium then cancelled the save of a 1 GB ZIP: bench/downloads.mjs.)
    let parts = [];
    return {
      streamed: false,
      write: async (b) => { parts.push(b); },
      close: async () => { const blob = new Blob(parts, { type }); parts = []; saveBlob(blob, name); },
      abort: async () => { parts = []; },
    };
  }
  // The browser reads the blob while it saves it, which for a large one
  // outlasts any fixed delay: revoking the URL early cancels the save. It
  // is kept until the next download or Lock.
  let savedUrl = null;
  function forgetSaved() {
    if (savedUrl) URL.revokeObjectURL(savedUrl);
    savedUrl = null;
  }
  function saveBlob(blob, name) {
    forgetSaved();
    savedUrl = URL.createObjectURL(blob);
    const a = el('a');
    a.href = savedUrl;
    a.download = name;
    a.hidden = true;
    document.body.append(a);
    a.click();
    a.remove();
  }

  // Streams photo `p`'s original through the module into `sink`.
  async function streamOriginal(p, sink, progress) {
    checked(call('lp_original_begin', [p.n]));
    let ended = false;
    try {
      for await (const piece of fileChunks(p.original.path)) {
        if (download.cancelled) throw lpError('cancelled');
        const bytes = checked(call('lp_original_push', [], piece));
        if (bytes.length) { await sink.write(bytes); progress(bytes.length); }
      }
      ended = true;
      const tail = checked(call('lp_original_finish', []));
      if (tail.length) { await sink.write(tail); progress(tail.length); }
    } finally {
      if (!ended) { try { call('lp_original_finish', []); } catch (e) { /* already ended */ } }
    }
  }

  // Runs one download (a photo or a ZIP) with progress and a clear ending.
  async function runDownload(name, type, bytes, body, report) {
    if (download) return;
    download = { cancelled: false };
    setDownloading(true);
    let sink = null;
    let done = 0;
    const progress = (n) => { done += n; report(done, bytes); };
    try {
      sink = await openSink(name, type, bytes);
      report(0, bytes);
      await body(sink, progress);
      await sink.close();
      report(bytes, bytes, 'Saved ' + name + (sink.streamed ? '.' : ' to your downloads.'));
    } catch (e) {
      if (sink) await sink.abort();
      const code = codeOf(e);
      report(done, bytes, code === 'cancelled' ? 'Cancelled. Nothing was saved.' : DOWNLOAD_MESSAGES[code] || DOWNLOAD_MESSAGES[7]);
    } finally {
      download = null;
      setDownloading(false);
    }
  }
  function setDownloading(busy) {
    ui.lbDownload.disabled = busy;
    for (const b of [ui.dlAll, ui.dlPicks, ui.dlAlbum]) b.disabled = busy || b.dataset.count === '0';
    ui.dlCancel.hidden = !busy;
  }

  function downloadPhoto() {
    const t = tiles[lb.index];
    if (!t || !t.photo.original) return;
    const p = t.photo;
    runDownload(p.file, p.original.type, p.original.bytes,
      (sink, progress) => streamOriginal(p, sink, progress),
      (done, total, message) => {
        ui.lbCounter.textContent = message || `Downloading… ${Math.floor(100 * done / Math.max(1, total))} %`;
      });
  }

  function downloadZip(photos, name) {
    if (download) return;
    const ns = new TextEncoder().encode(JSON.stringify(photos.map((p) => p.n)));
    let plan;
    try { plan = json(checked(call('lp_zip_begin', [], ns))); } catch (e) { showDownloadStatus(0, 0, DOWNLOAD_MESSAGES[codeOf(e)] || DOWNLOAD_MESSAGES[7]); return; }
    runDownload(name, 'application/zip', plan.bytes, async (sink, progress) => {
      for (const p of photos) {
        const header = checked(call('lp_zip_entry', [p.n]));
        await sink.write(header);
        progress(header.length);
        await streamOriginal(p, sink, progress);
      }
      const end = checked(call('lp_zip_finish', []));
      await sink.write(end);
      progress(end.length);
    }, showDownloadStatus);
  }
  function showDownloadStatus(done, total, message) {
    ui.dlProgress.hidden = false;
    ui.dlProgress.max = Math.max(1, total);
    ui.dlProgress.value = done;
    ui.dlStatus.textContent = message || `${fileSize(done)} of ${fileSize(total)}`;
  }

  function allPhotos() { return manifest.albums.flatMap((a) => a.photos); }
  function pickedPhotos() {
    return manifest.albums.flatMap((a) => a.photos.filter((p) => picks.has(pickKey(a, p))));
  }
  function openDownloads() {
    const groups = [
      [ui.dlAll, downloadable(allPhotos()), 'All photos'],
      [ui.dlPicks, downloadable(pickedPhotos()), 'My favourites'],
      [ui.dlAlbum, downloadable((manifest.albums[albumIndex] || { photos: [] }).photos), 'This album'],
    ];
    for (const [button, photos, label] of groups) {
      const bytes = photos.reduce((sum, p) => sum + p.original.bytes, 0);
      button.dataset.count = String(photos.length);
      button.textContent = `${label}: ${photos.length} photo${photos.length === 1 ? '' : 's'}` + (photos.length ? `, ${fileSize(bytes)}` : '');
      button.disabled = Boolean(download) || photos.length === 0;
    }
    ui.dlAlbum.hidden = manifest.albums.length < 2;
    const stripped = allPhotos().some((p) => p.original && p.original.stripped);
    ui.dlNote.textContent = 'Original files, as a ZIP archive.' + (stripped ? ' Location and camera serial numbers have been removed from them.' : '');
    if (!download) { ui.dlProgress.hidden = true; ui.dlStatus.textContent = ''; }
    ui.dl.showModal();
  }

  // Masonry: each tile goes to the shortest column; heights come from the
  // manifest, so nothing moves when the thumbnails arrive.
  function layout() {
    const width = ui.grid.clientWidth;
    if (!width || (width === lastWidth && tiles.length)) return;
    lastWidth = width;
    const cols = width < 560 ? 2 : Math.min(6, Math.max(3, Math.round(width / 280)));
    const gap = width < 560 ? 6 : 10;
    const colWidth = (width - gap * (cols - 1)) / cols;
    const heights = new Array(cols).fill(0);
    for (const t of tiles) {
      const ratio = Math.min(2, Math.max(0.5, t.photo.thumb.height / t.photo.thumb.width)); // as shown
      const c = heights.indexOf(Math.min(...heights));
      const h = Math.round(colWidth * ratio);
      const s = t.el.style;
      s.left = (c * (colWidth + gap)).toFixed(1) + 'px';
      s.top = heights[c] + 'px';
      s.width = colWidth.toFixed(1) + 'px';
      s.height = h + 'px';
      heights[c] += h + gap;
    }
    ui.grid.style.height = Math.max(0, Math.max(...heights) - gap) + 'px';
  }

  function onNear(entries) {
    for (const entry of entries) {
      const t = tileOf.get(entry.target);
      if (!t) continue;
      t.near = entry.isIntersecting;
      if (t.near && t.state === 'idle') loadTile(t);
    }
  }
  function onFar(entries) {
    for (const entry of entries) {
      const t = tileOf.get(entry.target);
      if (t && !entry.isIntersecting && t.state !== 'idle') unloadTile(t);
    }
  }

  function loadTile(t) {
    t.state = 'queued';
    const s = session;
    const gen = ++t.gen; // an unload, or a newer load, makes this one stale
    const stale = () => s !== session || gen !== t.gen || !t.el.isConnected;
    schedule(async () => {
      if (stale() || !t.near) {
        if (gen === t.gen) t.state = 'idle';
        return;
      }
      t.state = 'loading';
      let url = null;
      try {
        url = await decryptPhoto(t.photo, THUMB, s);
        const img = el('img', 'tile-image');
        img.alt = photoLabel(t.photo);
        img.draggable = false;
        img.src = url;
        await decoded(img);
        if (stale()) { revoke(url); return; }
        t.url = url;
        t.state = 'shown';
        t.el.replaceChildren(img);
        t.el.classList.remove('has-error');
      } catch (e) {
        revoke(url);
        if (stale()) return;
        t.state = 'error';
        t.el.replaceChildren(el('span', 'photo-error', PHOTO_MESSAGES[codeOf(e)] || PHOTO_MESSAGES[5]));
        t.el.classList.add('has-error');
      }
    }).catch(() => {});
  }

  function unloadTile(t) {
    revoke(t.url);
    t.url = null;
    t.gen++; // in-flight loads see this and drop their result
    t.state = 'idle';
    t.el.replaceChildren();
    t.el.classList.remove('has-error');
  }

  // --------------------------------------------------------------- lightbox
  // previews: index -> { promise, url, dropped }; pushed: a history entry is ours
  const lb = { index: 0, dir: 1, token: 0, previews: new Map(), pushed: false };

  function openLightbox(index) {
    if (!ui.lb.open) {
      ui.lb.showModal();
      // The phone's Back button then closes the photo instead of the gallery.
      try { history.pushState({ lightproof: 'photo' }, ''); lb.pushed = true; } catch (e) { lb.pushed = false; }
    }
    document.documentElement.classList.add('lightbox-open');
    showPhoto(index);
    ui.lbClose.focus();
  }

  function preview(index) {
    let entry = lb.previews.get(index);
    if (entry) return entry.promise;
    const s = session;
    const photo = tiles[index].photo;
    entry = { url: null, dropped: false, promise: null };
    entry.promise = schedule(() => decryptPhoto(photo, PREVIEW, s), true).then((url) => {
      if (entry.dropped) { revoke(url); throw lpError('stale'); }
      entry.url = url;
      return url;
    });
    entry.promise.catch(() => {});
    lb.previews.set(index, entry);
    return entry.promise;
  }
  function keepPreviews(keep) {
    for (const [index, entry] of lb.previews) {
      if (keep.includes(index)) continue;
      entry.dropped = true;
      revoke(entry.url);
      lb.previews.delete(index);
    }
  }

  function showPhoto(index) {
    const t = tiles[index];
    if (!t) return;
    lb.index = index;
    const token = ++lb.token;
    const p = t.photo;
    ui.lbCounter.textContent = (index + 1) + ' / ' + tiles.length;
    ui.lbCaption.textContent = p.caption || '';
    ui.lbCaption.hidden = !p.caption;
    ui.lbFile.textContent = p.file;
    ui.lbDownload.hidden = !p.original;
    if (p.original) ui.lbDownload.setAttribute('aria-label', `Download the original (${fileSize(p.original.bytes)})`);
    showPick(t);
    ui.lbPrev.disabled = index === 0;
    ui.lbNext.disabled = index === tiles.length - 1;
    ui.lbError.hidden = true;
    ui.lbStage.classList.remove('is-loaded', 'has-error');
    ui.lbStage.classList.add('is-loading');
    ui.lbImage.removeAttribute('src');
    ui.lbImage.alt = photoLabel(p);
    if (t.url) ui.lbPlaceholder.src = t.url; // the thumbnail, scaled up, while we wait
    else ui.lbPlaceholder.removeAttribute('src');

    const ahead = index + lb.dir;
    keepPreviews([index, ahead]);
    preview(index)
      .then((url) => {
        if (token !== lb.token) return;
        ui.lbImage.src = url;
        return decoded(ui.lbImage).then(() => {
          if (token !== lb.token) return;
          ui.lbStage.classList.remove('is-loading');
          ui.lbStage.classList.add('is-loaded');
        });
      })
      .catch((e) => {
        if (token !== lb.token || codeOf(e) === 'stale') return;
        ui.lbStage.classList.remove('is-loading');
        ui.lbStage.classList.add('has-error');
        ui.lbImage.removeAttribute('src');
        ui.lbPlaceholder.removeAttribute('src');
        ui.lbError.textContent = PHOTO_MESSAGES[codeOf(e)] || PHOTO_MESSAGES[5];
        ui.lbError.hidden = false;
      })
      .finally(() => {
        if (token === lb.token && ahead >= 0 && ahead < tiles.length) preview(ahead).catch(() => {});
      });
  }

  function step(dir) {
    const next = lb.index + dir;
    if (!ui.lb.open || next < 0 || next >= tiles.length) return;
    lb.dir = dir;
    showPhoto(next);
  }

  function onLightboxClosed() {
    lb.token++;
    keepPreviews([]);
    ui.lbImage.removeAttribute('src');
    ui.lbPlaceholder.removeAttribute('src');
    document.documentElement.classList.remove('lightbox-open');
    if (lb.pushed) { lb.pushed = false; history.back(); }
    const t = tiles[lb.index];
    if (t && t.el.isConnected) {
      t.el.scrollIntoView({ block: 'nearest' });
      t.el.focus({ preventScroll: true });
    }
  }

  // Swipes: left/right to move, down to close.
  let swipe = null;
  function onPointerDown(e) {
    if (!e.isPrimary || (e.pointerType === 'mouse' && e.button !== 0)) return;
    swipe = { x: e.clientX, y: e.clientY };
  }
  function onPointerUp(e) {
    if (!swipe || !e.isPrimary) return;
    const dx = e.clientX - swipe.x;
    const dy = e.clientY - swipe.y;
    swipe = null;
    if (window.visualViewport && window.visualViewport.scale > 1.01) return; // pinch-zoomed: let it pan
    if (Math.abs(dx) > 50 && Math.abs(dx) > 1.5 * Math.abs(dy)) step(dx < 0 ? 1 : -1);
    else if (dy > 90 && dy > 1.5 * Math.abs(dx)) ui.lb.close();
  }

  // ------------------------------------------------------------------- lock
  function lock() {
    session++;
    if (download) download.cancelled = true;
    if (ui.dl.open) ui.dl.close();
    forgetSaved();
    if (ui.lb.open) ui.lb.close();
    keepPreviews([]);
    resizeObserver.disconnect();
    clearTiles();
    try { if (wasm) wasm.lp_lock(); } catch (e) { /* keys are gone with the page anyway */ }
    forgetLink();
    forgetRemembered();
    if (ui.send.open) ui.send.close();
    ui.sendText.value = '';
    picks = new Map();
    manifest = null;
    for (const url of liveUrls) revoke(url);
    ui.title.textContent = '';
    ui.albumList.replaceChildren();
    ui.summary.textContent = '';
    ui.grid.style.height = '';
    ui.gallery.hidden = true;
    ui.unlock.hidden = false;
    state = 'locked';
    setError('');
    setStatus('The gallery is locked.');
    window.scrollTo(0, 0);
    ui.password.focus();
  }

  // ------------------------------------------------------------------ wiring
  ui.form.addEventListener('submit', onSubmit);
  ui.reveal.addEventListener('click', () => {
    const show = ui.password.type === 'password';
    ui.password.type = show ? 'text' : 'password';
    ui.reveal.setAttribute('aria-pressed', String(show));
    ui.reveal.textContent = show ? 'Hide' : 'Show';
  });
  ui.lock.addEventListener('click', lock);
  ui.lbFav.addEventListener('click', togglePick);
  ui.lbDownload.addEventListener('click', downloadPhoto);
  ui.downloadOpen.addEventListener('click', openDownloads);
  const zipName = (suffix) => safeFileName(manifest.title + suffix) + '.zip';
  ui.dlAll.addEventListener('click', () => downloadZip(downloadable(allPhotos()), zipName('')));
  ui.dlPicks.addEventListener('click', () => downloadZip(downloadable(pickedPhotos()), zipName(' - favourites')));
  ui.dlAlbum.addEventListener('click', () => {
    const album = manifest.albums[albumIndex];
    downloadZip(downloadable(album.photos), zipName(' - ' + album.name));
  });
  ui.dlCancel.addEventListener('click', () => { if (download) download.cancelled = true; });
  ui.dlClose.addEventListener('click', () => ui.dl.close());
  ui.lbNote.addEventListener('click', editNote);
  ui.picksFilter.addEventListener('click', toggleOnlyPicks);
  ui.picksSend.addEventListener('click', openSend);
  ui.sendClose.addEventListener('click', () => ui.send.close());
  ui.sendCopy.addEventListener('click', () => {
    ui.sendText.select();
    if (navigator.clipboard) navigator.clipboard.writeText(ui.sendText.value).catch(() => {});
  });
  ui.lbClose.addEventListener('click', () => ui.lb.close());
  ui.lbPrev.addEventListener('click', () => step(-1));
  ui.lbNext.addEventListener('click', () => step(1));
  ui.lb.addEventListener('close', onLightboxClosed);
  window.addEventListener('popstate', () => {
    if (!ui.lb.open) return;
    lb.pushed = false; // Back already took our entry off
    ui.lb.close();
  });
  ui.lb.addEventListener('keydown', (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === 'ArrowLeft') { e.preventDefault(); step(-1); }
    else if (e.key === 'ArrowRight') { e.preventDefault(); step(1); }
  });
  // Back or Forward to this page may show it from the browser's memory as it
  // was left: that is not a reload of the tab, so it locks.
  window.addEventListener('pageshow', (e) => { if (e.persisted && state === 'open') lock(); });
  ui.lbStage.addEventListener('pointerdown', onPointerDown);
  ui.lbStage.addEventListener('pointerup', onPointerUp);
  ui.lbStage.addEventListener('pointercancel', () => { swipe = null; });

  // Start loading the module and the header before the password is typed;
  // a key link opens the gallery straight away.
  if (link && !link.twoFactor) {
    openGallery(unlockWithLink);
  } else {
    if (link) setStatus(link.bytes ? MESSAGES.twofactor : '');
    if (link && !link.bytes) { setError(MESSAGES.badlink); forgetLink(); }
    init().then(async () => {
      const bits = state === 'locked' && !link ? await recall() : null;
      if (bits && state === 'locked') {
        await openGallery(() => unlockRemembered(bits));
        if (state !== 'open') setError('');
      }
    }, (e) => {
      if (state === 'locked' && !ui.error.textContent) setError(MESSAGES[codeOf(e)] || MESSAGES[7]);
    });
  }

  // Read-only hooks for the browser tests: no keys, no plaintext.
  Object.defineProperty(window, 'lightproofViewer', {
    value: Object.freeze({
      ready,
      get state() { return state; },
      get liveBlobUrls() { return liveUrls.size; },
      get unlockedWith() { return unlockedWith; },
      get derivations() { return derivations; },
    }),
  });
})();
