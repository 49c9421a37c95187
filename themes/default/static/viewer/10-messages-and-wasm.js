  // ---------------------------------------------------------------- messages
  // What each failure says: message objects (07-language.js) by the
  // module's status code or the viewer's own code.
  const NEWER = msg('error.newer');
  const UNEXPECTED = msg('error.unexpected');
  const MESSAGES = {
    1: NEWER, 2: NEWER, 3: NEWER,
    4: msg('error.password'),
    5: msg('error.damaged'),
    6: UNEXPECTED,
    7: UNEXPECTED,
    network: msg('error.network'),
    missing: msg('error.missing'),
    nowasm: msg('error.nowasm'),
    webonly: msg('error.webonly'),
    empty: msg('error.empty'),
    badlink: msg('error.badlink'),
    twofactor: msg('error.twofactor'),
    expired: msg('error.expired'),
  };
  const DOWNLOAD_MESSAGES = {
    5: msg('download.damaged'),
    missing: msg('download.missing'),
    network: msg('download.network'),
    toolarge: msg('download.tooLarge'),
    notshared: msg('download.notShared'),
    disk: msg('download.disk'),
    6: UNEXPECTED,
    7: UNEXPECTED,
  };
  const PHOTO_MESSAGES = {
    5: msg('photo.damaged'),
    missing: msg('photo.missing'),
    network: msg('photo.network'),
    decode: msg('photo.damaged'),
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

  // ---------------------------------------------------------------- session
  // Everything the viewer changes as it runs, in one place.
  const session = {
    link: null, // the key link taken from the address: { twoFactor, secret } | null
    wasm: null, // the module's exports
    wasmModule: null, // compiled once; a Worker instantiates its own copy for Argon2id
    headerBytes: null,
    galleryId: '',
    manifestId: '', // of the open grant, for the selection's footer
    kdf: null, // { alg: 'pbkdf2', iterations, salt } | { alg: 'argon2id' }
    initPromise: null,
    markReady: null, // settles `ready`
    state: 'locked', // 'locked' | 'unlocking' | 'open'
    epoch: 0, // bumped on lock: late results of an earlier epoch are dropped
    manifest: null,
    unlockedWith: null, // 'webcrypto' | 'worker' | 'wasm' | 'link' | 'remembered': how, for the tests
    derivations: 0, // Argon2id runs started, for the tests
    rememberCandidate: null, // the password key, until the manifest says whether to keep it
    rememberedUntil: 0,
    tiles: [], // the photos of the album on screen, as Entry (40-gallery.js)
    picks: new Map(), // key -> note
    onlyPicks: false,
    albumIndex: 0,
    download: null, // { cancelled, parts, partsSaved, part } while one runs
    lastDownload: null, // 'disk' | 'stream' | 'memory' | 'parts' | 'share': the way the last one went, for the tests
    originals: null, // the Worker that decrypts originals (55-originals.js), while downloads run
    originalsWith: null, // 'webcrypto' | 'wasm': how the last original was decrypted, for the tests
    originalsHashed: null, // 'segments' | 'whole': how the Worker checked the last one's hash pin, for the tests
    originalsFetchedBy: null, // 'worker' | 'page': who read the last original's blob, for the tests
    savedUrl: null, // of the last download gathered in memory
    savedAt: 0, // when it was handed to the browser
    savedBytes: 0,
    worker: null, // the download worker's registration (a promise), once asked for
    downloadFrames: [], // the hidden frames that opened streamed downloads
    downloadPing: 0, // the timer that keeps the download worker awake
    shareReady: null, // { n, file }: a photo decrypted for the share sheet, waiting for a second tap
    swipe: null, // where a pointer went down on the lightbox
  };

  // A setting the browser tests may lower (never raise) by setting
  // `window[name]` before this script runs: a positive integer, at most
  // `value`.
  function testLowered(name, value) {
    const asked = window[name];
    return Number.isSafeInteger(asked) && asked > 0 ? Math.min(asked, value) : value;
  }
  // `bytes` on a buffer of its own, which a message can hand over (it
  // carries a view's whole buffer): the view itself when it is the whole
  // buffer, else a copy of it.
  const ownBuffer = (bytes) => (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice());

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
    lb: $('lightbox'), lbCounter: $('lb-counter'), lbStatus: $('lb-status'), lbSaid: $('lb-said'), lbClose: $('lb-close'), lbStage: $('lb-stage'),
    lbImage: $('lb-image'), lbPlaceholder: $('lb-placeholder'), lbError: $('lb-error'),
    lbCaption: $('lb-caption'), lbFile: $('lb-file'), lbPrev: $('lb-prev'), lbNext: $('lb-next'),
    lbFrame: $('lb-frame'), lbFull: $('lb-full'), lbPlay: $('lb-play'), lbPlayIcon: $('lb-play-icon'), lbFav: $('lb-fav'), lbNote: $('lb-note'), lbNoteText: $('lb-note-text'),
    note: $('note-dialog'), notePhoto: $('note-photo'), noteInput: $('note-input'), noteProblem: $('note-problem'),
    noteSave: $('note-save'), noteRemove: $('note-remove'), noteCancel: $('note-cancel'),
    access: $('gallery-access'), picksFilter: $('picks-filter'), picksCount: $('picks-count'), picksCountShort: $('picks-count-short'), picksSend: $('picks-send'), gridStatus: $('grid-status'), picksNotice: $('picks-notice'),
    send: $('send-dialog'), sendText: $('send-text'), sendCopy: $('send-copy'),
    sendSummary: $('send-summary'), sendList: $('send-list'), sendWays: $('send-ways'),
    sendDownload: $('send-download'), sendMail: $('send-mail'), sendClose: $('send-close'),
    sendTitle: $('send-title'), sendReview: $('send-review'), sendConfirm: $('send-confirm'), sendIntro: $('send-intro'),
    sendBack: $('send-back'), sendCancel: $('send-cancel'), sendDone: $('send-done'), sendDoneText: $('send-done-text'),
    sendFinish: $('send-finish'), sendAgain: $('send-again'),
    lbDownload: $('lb-download'), downloadOpen: $('download-open'), dl: $('download-dialog'),
    dlAll: $('download-all'), dlPicks: $('download-picks'), dlAlbum: $('download-album'),
    dlNote: $('download-note'), dlProgress: $('download-progress'), dlStatus: $('download-status'),
    dlCancel: $('download-cancel'), dlNext: $('download-next'), dlClose: $('download-close'), rememberNote: $('remember-note'),
    picksFilterLabel: $('picks-filter-label'),
    shareOpen: $('share-open'), shareOpenLabel: $('share-open-label'), share: $('share-dialog'), shareIntro: $('share-intro'),
    shareAddress: $('share-address'), shareKey: $('share-key'), shareWarning: $('share-warning'), shareWarningText: $('share-warning-text'),
    shareKeyConfirm: $('share-key-confirm'), shareCopyField: $('share-copy-field'), shareCopyLabel: $('share-copy-label'),
    shareStatus: $('share-status'), shareClose: $('share-close'), lbMenu: $('lb-download-menu'), lbGetWeb: $('lb-get-web'),
    lbGetWebDetail: $('lb-get-web-detail'), lbGetOriginal: $('lb-get-original'), lbGetOriginalDetail: $('lb-get-original-detail'),
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
  // The module decodes the secret; here it is only checked to be spelled
  // the one way docs/FORMAT.md allows (52 base32 characters, the last one's
  // 4 unused bits zero: a or q), so that a damaged link says so at once.
  const WELL_FORMED_SECRET = /^[a-z2-7]{51}[aq]$/;
  function takeLinkFromAddress() {
    const m = /^#(k2?)=([a-z2-7]+)$/.exec(location.hash);
    if (!/^#k2?=/.test(location.hash)) return null;
    history.replaceState(history.state, '', location.pathname + location.search);
    const secret = m && WELL_FORMED_SECRET.test(m[2]) ? new TextEncoder().encode(m[2]) : null;
    return { twoFactor: Boolean(m && m[1] === 'k2'), secret };
  }
  session.link = takeLinkFromAddress();
  function forgetLink() {
    if (session.link && session.link.secret) session.link.secret.fill(0);
    session.link = null;
  }

  // ------------------------------------------------------------ wasm bridge
  const EXPORTS = ['memory', 'lp_alloc', 'lp_free', 'lp_out_ptr', 'lp_out_len', 'lp_open_header',
    'lp_derive_password_key', 'lp_unlock_key', 'lp_unlock_password', 'lp_unlock_link', 'lp_unlock_two_factor',
    'lp_unlock_two_factor_password', 'lp_sign_selection', 'lp_selection_code', 'lp_open_manifest', 'lp_open_photo', 'lp_lock',
    'lp_original_begin', 'lp_original_push', 'lp_original_finish', 'lp_zip_begin', 'lp_zip_entry', 'lp_zip_finish',
    'lp_out_clear', 'lp_original_pins', 'lp_original_key', 'lp_check_begin', 'lp_check_ciphertext', 'lp_check_chunk',
    'lp_check_segments', 'lp_check_finish'];

  // Calls an export with `args` then (ptr, len) of `input`, if any. Returns the
  // status and a copy of the output buffer. Secret inputs are wiped in place.
  function call(name, args, input, secret) {
    if (pageManifest.blob && MANIFEST_CALLS.has(name)) openPageManifest();
    const status = invoke(name, args, input, secret);
    const ex = session.wasm;
    const outPtr = ex.lp_out_ptr() >>> 0;
    const outLen = ex.lp_out_len() >>> 0;
    return { status, out: new Uint8Array(ex.memory.buffer, outPtr, outLen).slice() };
  }
  // `call` without the copy of the output: the status alone.
  function invoke(name, args, input, secret) {
    const ex = session.wasm;
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
    return status >>> 0;
  }
  // JSON from the module: its output bytes, or the text the Worker sent.
  function json(data) {
    try { return JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data)); } catch (e) { throw lpError(5); }
  }
  function checked(r) {
    if (r.status !== 0) throw lpError(r.status);
    return r.out;
  }

  // ------------------------------------------ the manifest in the page
  // With the photos Worker, the Worker opens the manifest and the gallery
  // is shown from the display JSON it sends back; the page's instance opens
  // the same blob later, since decrypting and parsing it is one task of
  // about 200 ms for 3,000 photos (docs/PERFORMANCE.md): in idle time once
  // the first screen is in (30-unlock.js), or at once when a call needs it.
  // A selection's text is tagged with the slot's key alone; its short
  // code names photos by position, so it needs the manifest.
  const MANIFEST_CALLS = new Set(['lp_open_photo', 'lp_original_begin', 'lp_original_push', 'lp_original_finish',
    'lp_original_pins', 'lp_original_key', 'lp_zip_begin', 'lp_zip_entry', 'lp_zip_finish', 'lp_selection_code']);
  const pageManifest = { blob: null }; // the manifest blob the page's instance has yet to open

  // Opens the pending manifest in the page's instance; kept pending if that
  // fails, so that the call which needs it fails with the module's reason.
  function openPageManifest() {
    const blob = pageManifest.blob;
    if (!blob) return;
    const status = invoke('lp_open_manifest', [], blob);
    session.wasm.lp_out_clear(); // the display JSON: the page has it already
    if (status !== 0) throw lpError(status);
    if (pageManifest.blob === blob) pageManifest.blob = null;
  }
  // The page's instance forgets every key (and the manifest still to open).
  function lockModule() {
    pageManifest.blob = null;
    try { if (session.wasm) session.wasm.lp_lock(); } catch (e) { /* keys are gone with the page anyway */ }
  }


  // ------------------------------------------------ photos in a Worker
  // Thumbnails and previews are decrypted by a second instance of the
  // module in a Worker, so scrolling never waits for the cryptography. The
  // Worker comes from a Blob URL made from this string (as Argon2id's
  // does), unlocks with a copy of what unlocked the page (wiped there once
  // used), opens the manifest and sends back its display JSON (what the
  // gallery shows: no keys), then answers one photo blob at a time with
  // its JPEG. The page fetches the blobs (over http(s), from offline parts
  // or from a bundle) and hands their bytes over. On Lock it forgets every
  // key (lp_lock) and is terminated (docs/SECURITY.md).
  const PHOTO_WORKER_SOURCE = `'use strict';
let ex = null;
let locked = false;
const size = (bytes) => Math.max(bytes.length, 1);
function run(name, args, bytes, secret) {
  const ptr = ex.lp_alloc(size(bytes)) >>> 0;
  new Uint8Array(ex.memory.buffer, ptr, bytes.length).set(bytes);
  try {
    return ex[name](...args, ptr, bytes.length) >>> 0;
  } finally {
    if (secret) new Uint8Array(ex.memory.buffer, ptr, bytes.length).fill(0);
    ex.lp_free(ptr, size(bytes));
  }
}
const output = () => new Uint8Array(ex.memory.buffer, ex.lp_out_ptr() >>> 0, ex.lp_out_len() >>> 0).slice();
async function open({ module, header, unlock, manifest }) {
  const made = await WebAssembly.instantiate(module, {});
  if (locked) return 6;
  ex = (made.instance || made).exports;
  let status = run('lp_open_header', [], header);
  if (status === 0) status = run(unlock.name, [], unlock.bytes, true);
  unlock.bytes.fill(0);
  if (status === 0) status = run('lp_open_manifest', [], manifest);
  return status;
}
function photo({ id, n, kind, bytes }) {
  let status = 6;
  let jpeg = null;
  try {
    if (ex && !locked) status = run('lp_open_photo', [n, kind], bytes);
    if (status === 0) jpeg = output();
  } catch (e) {
    status = 7;
  }
  postMessage({ type: 'photo', id, status, jpeg }, jpeg ? [jpeg.buffer] : []);
}
onmessage = async (event) => {
  const m = event.data;
  if (m.type === 'photo') { photo(m); return; }
  if (m.type === 'open') {
    let status = 7;
    let view = null;
    try {
      status = await open(m);
      if (status === 0) view = new TextDecoder().decode(output());
      if (ex) ex.lp_out_clear();
    } catch (e) {
      status = 7;
    }
    m.unlock.bytes.fill(0);
    postMessage({ type: 'opened', status, view: status === 0 ? view : null });
    return;
  }
  locked = true;
  try { if (ex) ex.lp_lock(); } catch (e) { /* its memory goes with it */ }
  ex = null;
  postMessage({ type: 'locked' });
  close();
};
`;
  const WORKER_UNLOCKS = new Set(['lp_unlock_key', 'lp_unlock_link', 'lp_unlock_two_factor']);
  const LOCK_GRACE_MS = 2000; // a busy Worker is terminated after this
  const photoWorker = { unlock: null, current: null };

  // Unlocks the page's module and keeps a copy of `input` for the Worker,
  // until the manifest is fetched (startPhotoWorker) or the unlock fails
  // (forgetWorkerUnlock).
  function unlockCall(name, input) {
    forgetWorkerUnlock();
    if (WORKER_UNLOCKS.has(name)) photoWorker.unlock = { name, bytes: input.slice() };
    return call(name, [], input, true);
  }
  function forgetWorkerUnlock() {
    if (photoWorker.unlock) photoWorker.unlock.bytes.fill(0);
    photoWorker.unlock = null;
  }

  // Starts the Worker for the gallery being opened: it opens the manifest
  // blob `manifestBlob` and resolves to its display JSON (text). Resolves to
  // null without a Worker (none in this browser, or the page was unlocked
  // by the module's own KDF) or when it fails: the page then opens the
  // manifest itself, and the photos in the page.
  function startPhotoWorker(manifestBlob) {
    const unlock = photoWorker.unlock;
    photoWorker.unlock = null;
    if (photoWorker.current) endPhotoWorker(photoWorker.current);
    if (!unlock) return Promise.resolve(null);
    let url = null;
    let worker;
    try {
      url = URL.createObjectURL(new Blob([PHOTO_WORKER_SOURCE], { type: 'text/javascript' }));
      worker = new Worker(url, { name: 'photos' });
    } catch (e) {
      if (url) URL.revokeObjectURL(url);
      unlock.bytes.fill(0);
      return Promise.resolve(null);
    }
    const w = { worker, url, jobs: new Map(), next: 1, opened: null, ready: null, view: null };
    w.ready = new Promise((resolve) => { w.opened = resolve; });
    worker.onmessage = (ev) => onPhotoWorkerMessage(w, ev.data || {});
    worker.onerror = (ev) => { if (ev && ev.preventDefault) ev.preventDefault(); endPhotoWorker(w); };
    photoWorker.current = w;
    const manifest = manifestBlob.slice();
    try {
      worker.postMessage({ type: 'open', module: session.wasmModule, header: session.headerBytes.slice(), unlock, manifest },
        [unlock.bytes.buffer, manifest.buffer]);
    } catch (e) {
      unlock.bytes.fill(0);
      endPhotoWorker(w);
    }
    return w.ready.then((ok) => {
      const view = w.view;
      w.view = null;
      return ok ? view : null;
    });
  }

  function onPhotoWorkerMessage(w, m) {
    if (m.type === 'opened') {
      URL.revokeObjectURL(w.url);
      if (m.status === 0 && typeof m.view === 'string' && w === photoWorker.current) {
        w.view = m.view;
        w.opened(true);
      } else {
        endPhotoWorker(w);
      }
    } else if (m.type === 'photo') {
      const job = w.jobs.get(m.id);
      if (!job) return;
      w.jobs.delete(m.id);
      if (m.status === 0 && m.jpeg instanceof Uint8Array) job.resolve(m.jpeg);
      else job.reject(lpError(m.status || 7));
    } else if (m.type === 'locked') {
      w.worker.terminate();
    }
  }

  // Ends `w`: its jobs fail (code 'worker': the page may open them
  // itself), and it forgets its keys, then goes.
  function endPhotoWorker(w) {
    if (photoWorker.current === w) photoWorker.current = null;
    w.opened(false);
    for (const job of w.jobs.values()) job.reject(lpError('worker'));
    w.jobs.clear();
    try { w.worker.postMessage({ type: 'lock' }); } catch (e) { /* already gone */ }
    setTimeout(() => { w.worker.terminate(); URL.revokeObjectURL(w.url); }, LOCK_GRACE_MS);
  }
  function stopPhotoWorker() {
    forgetWorkerUnlock();
    if (photoWorker.current) endPhotoWorker(photoWorker.current);
  }

  // The JPEG of photo blob `bytes` (transferred), from the Worker; null
  // when there is no Worker, so the page opens it itself.
  async function openInWorker(n, kind, bytes) {
    const w = photoWorker.current;
    if (!w || !(await w.ready) || w !== photoWorker.current) return null;
    return new Promise((resolve, reject) => {
      const id = w.next++;
      w.jobs.set(id, { resolve, reject });
      try {
        w.worker.postMessage({ type: 'photo', id, n, kind, bytes }, [bytes.buffer]);
      } catch (e) {
        w.jobs.delete(id);
        reject(lpError(7));
      }
    });
  }
