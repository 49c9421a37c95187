  // ------------------------------------------------------------- unlocking
  function nextPaint() {
    return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  }

  // ------------------------------------------- the module's KDF in a Worker
  // Argon2id takes a second or more (seconds on a phone), and so does PBKDF2
  // where WebCrypto is missing (a plain-HTTP origin), so the module runs
  // them in a Worker with its own instance and the page keeps painting.
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
    session.derivations += 1;
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
        worker.postMessage({ module: session.wasmModule, header: session.headerBytes.slice(), password }, [password.buffer]);
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
    say(bar, msg('unlock.progress'), 'aria-label');
    ui.status.after(bar);
    const tick = () => {
      const seconds = Math.floor((performance.now() - started) / 1000);
      setStatus(seconds >= 1 ? msg('unlock.seconds', { text, seconds }) : text);
    };
    tick();
    const timer = setInterval(tick, 250);
    return () => { clearInterval(timer); bar.remove(); };
  }

  const ARGON2_PROGRESS = msg('unlock.argon2');
  const SLOW_PBKDF2_PROGRESS = msg('unlock.slow');

  // The password key by the header's KDF in the module (Argon2id, or
  // PBKDF2 without WebCrypto): in a Worker, else (no Worker) here.
  async function moduleKey(pw, text) {
    const done = showProgress(text);
    try {
      const bits = await deriveInWorker(pw);
      if (bits) return { bits, how: 'worker' };
      await nextPaint();
      session.derivations += 1;
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
        { name: 'PBKDF2', hash: 'SHA-256', salt: session.kdf.salt, iterations: session.kdf.iterations }, key, 256));
      return { bits, how: 'webcrypto' };
    } catch (e) {
      return null; // fall back to the module's own PBKDF2
    }
  }

  async function unlockWith(password) {
    openHeader(); // a lock (or a failed attempt) forgets it in the module
    const pw = new TextEncoder().encode(password.normalize('NFC'));
    try {
      let r;
      // Without WebCrypto (e.g. a plain-HTTP origin) the module runs PBKDF2.
      const derived = session.kdf.alg === 'argon2id'
        ? await moduleKey(pw, ARGON2_PROGRESS)
        : (await pbkdf2Key(pw)) || await moduleKey(pw, SLOW_PBKDF2_PROGRESS);
      const bits = derived.bits;
      const twoFactor = session.link && session.link.twoFactor && session.link.secret;
      if (!twoFactor) { forgetRememberCandidate(); session.rememberCandidate = bits.slice(); }
      const input = twoFactor ? concat(bits, session.link.secret) : bits;
      try {
        r = unlockCall(twoFactor ? 'lp_unlock_two_factor' : 'lp_unlock_key', input);
      } finally {
        bits.fill(0);
        input.fill(0);
      }
      session.unlockedWith = derived.how;
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
    if (!session.link.secret) throw lpError('badlink');
    const r = unlockCall('lp_unlock_link', session.link.secret);
    if (r.status === WRONG_PASSWORD) throw lpError('badlink');
    const path = json(checked(r)).manifest;
    if (typeof path !== 'string' || !BLOB_PATH.test(path)) throw lpError(5);
    session.unlockedWith = 'link';
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
  // The installed app (added to the home screen) opens each launch in a new
  // window, with an empty sessionStorage: there the entry, sealed the same
  // way, is kept in localStorage and used by any load of the app, until the
  // same expiry. Only the app writes or reads it; a browser tab never does.
  const REMEMBER_HOURS = 12;
  const REMEMBER_MS = REMEMBER_HOURS * 3600 * 1000;
  // The app is started at the manifest's start_url, "./?app" (a marker that
  // every engine can be tested with); home-screen windows also say so
  // through display-mode (and iOS through navigator.standalone).
  const IN_APP = /^\?app$/.test(location.search) ||
    navigator.standalone === true ||
    Boolean(window.matchMedia && matchMedia('(display-mode: standalone)').matches);
  MESSAGES.forgotten = msg(IN_APP ? 'error.forgottenApp' : 'error.forgotten', { hours: REMEMBER_HOURS });
  function forgetRememberCandidate() {
    if (session.rememberCandidate) session.rememberCandidate.fill(0);
    session.rememberCandidate = null;
  }
  const APP_SLOT_PREFIX = 'lightproof-remember-app:';
  const rememberSlot = () => (IN_APP ? APP_SLOT_PREFIX : 'lightproof-remember:') + session.galleryId;
  const rememberStorage = () => (IN_APP ? localStorage : sessionStorage);
  const sealContext = (entry) => new TextEncoder().encode(`lightproof remember 1 ${session.galleryId} ${entry.id} ${entry.expires}`);
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
  // A tab's entry serves only a reload; the app's, any launch of the app.
  const mayRecall = () => IN_APP || isReload();
  function parsedEntry(text) {
    try {
      const entry = JSON.parse(text || 'null');
      const ok = entry && typeof entry.id === 'string' && /^[0-9a-f]{32}$/.test(entry.id) &&
        Number.isSafeInteger(entry.expires) && typeof entry.sealed === 'string';
      return ok ? entry : null;
    } catch (e) { return null; }
  }
  function storedEntry() {
    try { return parsedEntry(rememberStorage().getItem(rememberSlot())); } catch (e) { return null; }
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
      rememberStorage().setItem(rememberSlot(), JSON.stringify(entry));
      showRememberNote(entry.expires);
    } catch (e) { /* no storage: simply not remembered */ }
  }
  // The remembered key, if this load may use it; else forgets what is kept
  // and says why on the lock screen.
  async function recall() {
    const entry = storedEntry(); // before the sweep, which may delete it
    sweepExpiredKeys();
    if (!entry) {
      forgetRemembered(); // nothing, or something this viewer did not write
      return null;
    }
    const now = Date.now();
    if (!mayRecall() || now >= entry.expires || entry.expires > now + REMEMBER_MS) {
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
      session.rememberedUntil = entry.expires;
      return bits;
    } catch (e) {
      forgetRemembered();
      setStatus(MESSAGES.forgotten);
      return null;
    }
  }
  function forgetRemembered() {
    let entry = null;
    try {
      entry = storedEntry();
      rememberStorage().removeItem(rememberSlot());
    } catch (e) { /* nothing kept */ }
    if (entry) keyStore('readwrite', (s) => s.delete(entry.id)).catch(() => {});
    session.rememberedUntil = 0;
    showRememberNote(0);
  }
  // Keys whose time is up, of any tab (a closed tab cannot delete its own),
  // and the app's entries whose time is up, of any gallery on this site.
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
    if (IN_APP) sweepExpiredAppEntries(now);
  }
  function sweepExpiredAppEntries(now) {
    try {
      const slots = Object.keys(localStorage).filter((k) => k.startsWith(APP_SLOT_PREFIX));
      for (const slot of slots) {
        const entry = parsedEntry(localStorage.getItem(slot));
        if (!entry || entry.expires <= now) localStorage.removeItem(slot);
      }
    } catch (e) { /* no storage */ }
  }
  function showRememberNote(expires) {
    if (!ui.rememberNote) return;
    ui.rememberNote.hidden = !expires;
    const time = (lang) => new Date(expires).toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });
    say(ui.rememberNote, expires ? msg(IN_APP ? 'remember.noteApp' : 'remember.note', { hours: REMEMBER_HOURS, time }) : '');
  }
  async function unlockRemembered(bits) {
    let r;
    try { r = unlockCall('lp_unlock_key', bits); } finally { bits.fill(0); }
    if (r.status === WRONG_PASSWORD) { forgetRemembered(); throw lpError(WRONG_PASSWORD); }
    const path = json(checked(r)).manifest;
    if (typeof path !== 'string' || !BLOB_PATH.test(path)) throw lpError(5);
    session.unlockedWith = 'remembered';
    showRememberNote(session.rememberedUntil);
    return path;
  }

  // The lock screen's lines: a message (07-language.js), or '' to clear.
  function setStatus(m) { say(ui.status, m); }
  function setError(m) { say(ui.error, m); }
  function setBusy(busy) {
    ui.fields.disabled = busy;
    ui.form.setAttribute('aria-busy', String(busy));
  }

  async function onSubmit(ev) {
    ev.preventDefault();
    if (session.state !== 'locked') return;
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
    session.state = 'unlocking';
    setError('');
    setStatus(msg('unlock.unlocking'));
    setBusy(true);
    try {
      await init();
      const manifestPath = await getManifestPath();
      session.manifestId = manifestPath.slice(2);
      keepOpeningLink();
      if (session.link && !session.link.twoFactor) forgetLink();
      setStatus(msg('unlock.opening'));
      const blob = await fetchBytes(manifestPath);
      // The photos Worker opens the manifest; without it, the page does.
      const view = await startPhotoWorker(blob);
      session.manifest = validateManifest(json(view !== null ? view : checked(call('lp_open_manifest', [], blob))));
      if (hasExpired(session.manifest.expires)) {
        const expired = lpError('expired');
        expired.contact = session.manifest.photographer_email || '';
        session.manifest = null;
        throw expired;
      }
      if (session.manifest.remember && session.rememberCandidate) await remember(session.rememberCandidate);
      forgetRememberCandidate();
      if (view !== null) pageManifest.blob = blob;
      ui.password.value = '';
      setStatus('');
      setBusy(false);
      session.state = 'open';
      showGallery();
      openManifestWhenIdle();
    } catch (e) {
      const code = codeOf(e);
      forgetRememberCandidate();
      stopPhotoWorker();
      lockModule();
      if (code === 'badlink') forgetLink();
      if (code === 'expired') forgetRemembered();
      session.state = 'locked';
      setStatus(session.link && session.link.twoFactor ? MESSAGES.twofactor : '');
      setBusy(false);
      if (code === 'expired') showExpired(e.contact);
      else setError(MESSAGES[code] || MESSAGES[7]);
      ui.password.focus();
      if (code === WRONG_PASSWORD) ui.password.select();
    }
  }

  // The page's instance opens the manifest the Worker opened (see
  // openPageManifest) once the page is idle and the thumbnails in the page
  // are in, or after IDLE_WAIT_MS whatever is loading: it is one long task,
  // better taken before the client clicks Download than after.
  const IDLE_WAIT_MS = 5000;
  function openManifestWhenIdle() {
    const blob = pageManifest.blob;
    if (!blob) return;
    const until = performance.now() + IDLE_WAIT_MS;
    const attempt = () => {
      if (pageManifest.blob !== blob) return; // opened already, or locked
      if (thumbnailsLoading() && performance.now() < until) { whenIdle(attempt); return; }
      try { openPageManifest(); } catch (e) { /* the call that needs it says why */ }
    };
    whenIdle(attempt);
  }
  function whenIdle(fn) {
    if (typeof requestIdleCallback === 'function') requestIdleCallback(fn, { timeout: 1000 });
    else setTimeout(fn, 100);
  }

  // With the studio's address, as an email link, where the grant has one
  // (its manifest did open: the password was right).
  function showExpired(email) {
    if (!email) { setError(MESSAGES.expired); return; }
    const link = el('a', 'unlock-error-link', email);
    link.href = 'mailto:' + encodeURIComponent(email);
    setError(msg('error.expiredContact', { email: link }));
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
    const count = (v) => v === null || v === undefined || (Number.isInteger(v) && v > 0);
    const limit = m && count(m.selection_limit) && count(m.selection_min) &&
      !(Number.isInteger(m.selection_min) && Number.isInteger(m.selection_limit) && m.selection_min > m.selection_limit);
    const email = m && (m.photographer_email === null || m.photographer_email === undefined || str(m.photographer_email));
    const rememberOk = m && (m.remember === undefined || typeof m.remember === 'boolean');
    const expires = m && (m.expires === null || m.expires === undefined || (str(m.expires) && /^\d{4}-\d{2}-\d{2}$/.test(m.expires)));
    if (!m || typeof m !== 'object' || !str(m.title) || !expires || !limit || !email || !rememberOk || !Array.isArray(m.albums) || !m.albums.every(album)) {
      throw lpError(5);
    }
    return m;
  }

