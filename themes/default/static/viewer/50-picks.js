  // ------------------------------------------------------------- favourites
  // Kept in this browser per gallery (localStorage), by album and file name
  // so they survive a rebuild; "Send selection" exports them, tagged with
  // the grant's key so `lightproof picks` can tell a tampered one.
  const pickKey = (album, photo) => album.name + '\u0000' + photo.file;
  const storageKey = () => 'lightproof-picks:' + session.galleryId;
  function loadPicks() {
    session.picks = new Map();
    session.onlyPicks = false;
    ui.picksFilter.setAttribute('aria-pressed', 'false');
    try {
      const saved = JSON.parse(localStorage.getItem(storageKey()) || '[]');
      if (Array.isArray(saved)) {
        for (const [k, note] of saved) if (typeof k === 'string' && typeof note === 'string') session.picks.set(k, note);
      }
    } catch (e) { /* storage unavailable or damaged: start empty */ }
    showPickCount();
  }
  function savePicks() {
    try { localStorage.setItem(storageKey(), JSON.stringify([...session.picks])); } catch (e) { /* private mode */ }
    showPickCount();
  }
  function showPickCount() {
    const limit = session.manifest && session.manifest.selection_limit;
    ui.picksCount.textContent = limit ? `${session.picks.size} of ${limit}` : String(session.picks.size);
  }
  function showPick(t) {
    const picked = session.picks.has(t.key);
    ui.lbFav.setAttribute('aria-pressed', String(picked));
    ui.lbFav.setAttribute('aria-label', picked ? 'Remove from favourites' : 'Add to favourites');
    const note = session.picks.get(t.key) || '';
    ui.lbNoteText.textContent = note ? 'Note: ' + note : '';
    ui.lbNoteText.hidden = !note;
  }
  function togglePick() {
    const t = session.tiles[lb.index];
    if (!t) return;
    if (session.picks.has(t.key)) {
      session.picks.delete(t.key);
    } else {
      const limit = session.manifest.selection_limit;
      if (limit && session.picks.size >= limit) {
        ui.lbCounter.textContent = `You have already chosen ${limit}. Remove one to choose this.`;
        return;
      }
      session.picks.set(t.key, '');
    }
    t.el.classList.toggle('picked', session.picks.has(t.key));
    savePicks();
    showPick(t);
  }
  function editNote() {
    const t = session.tiles[lb.index];
    if (!t) return;
    const note = window.prompt('A note for the photographer about this photo:', session.picks.get(t.key) || '');
    if (note === null) return;
    session.picks.set(t.key, cleanNote(note));
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
    session.onlyPicks = !session.onlyPicks;
    ui.picksFilter.setAttribute('aria-pressed', String(session.onlyPicks));
    showAlbum(session.albumIndex);
  }
  // The selection: readable (file names, one per line, with album and
  // note), then a footer line with the gallery, the grant and the tag.
  function selectionText() {
    const lines = [];
    for (const album of session.manifest.albums) {
      for (const photo of album.photos) {
        const key = pickKey(album, photo);
        if (!session.picks.has(key)) continue;
        lines.push(photo.file, '    album: ' + album.name);
        const note = cleanNote(session.picks.get(key));
        if (note) lines.push('    note: ' + note);
      }
    }
    const limit = session.manifest.selection_limit ? ` (up to ${session.manifest.selection_limit})` : '';
    const body = [`Selection from ${session.manifest.title}: ${session.picks.size} photo${session.picks.size === 1 ? '' : 's'}${limit}`, '', ...lines].join('\n') + '\n';
    const tag = checked(call('lp_sign_selection', [], new TextEncoder().encode(body)));
    const hex = [...tag].map((b) => b.toString(16).padStart(2, '0')).join('');
    return body + '--\n' + `lightproof-selection 1 gallery=${session.galleryId} manifest=${session.manifestId} tag=${hex}\n`;
  }
  function openSend() {
    const text = selectionText();
    ui.sendText.value = text;
    if (ui.sendDownload.href.startsWith('blob:')) URL.revokeObjectURL(ui.sendDownload.href);
    ui.sendDownload.href = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    const email = session.manifest.photographer_email;
    ui.sendMail.hidden = !email;
    if (email) ui.sendMail.href = `mailto:${encodeURIComponent(email)}?subject=${encodeURIComponent('My selection: ' + session.manifest.title)}&body=${encodeURIComponent(text)}`;
    ui.send.showModal();
  }

  // -------------------------------------------------------------- downloads
  // Originals (grants with downloads only) are decrypted (streamOriginal) as
  // their blob arrives and written out at once: straight to disk where the
  // browser has the File System Access API (Chrome, Edge on a computer), so
  // a 2 GB album never has to fit in memory; elsewhere gathered in memory,
  // up to MEMORY_DOWNLOAD_LIMIT. Nothing is kept unless every byte
  // authenticated: a failed stream is aborted, never saved half-written.
  const MEMORY_DOWNLOAD_LIMIT = 1024 * 1024 * 1024;

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
  function forgetSaved() {
    if (session.savedUrl) URL.revokeObjectURL(session.savedUrl);
    session.savedUrl = null;
  }
  function saveBlob(blob, name) {
    forgetSaved();
    session.savedUrl = URL.createObjectURL(blob);
    const a = el('a');
    a.href = session.savedUrl;
    a.download = name;
    a.hidden = true;
    document.body.append(a);
    a.click();
    a.remove();
  }

  // Streams photo `p`'s original into `sink`: decrypted by WebCrypto in a
  // Worker where the browser has both (55-originals.js), else by the module.
  async function streamOriginal(p, sink, progress) {
    const worker = canDecryptInWorker() ? originalsWorker() : null;
    session.originalsWith = worker ? 'webcrypto' : 'wasm';
    if (worker) return streamWithWorker(worker, p, sink, progress);
    return streamWithModule(p, sink, progress);
  }
  async function streamWithModule(p, sink, progress) {
    checked(call('lp_original_begin', [p.n]));
    let ended = false;
    try {
      for await (const piece of fileChunks(p.original.path)) {
        if (session.download.cancelled) throw lpError('cancelled');
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
    if (session.download) return;
    session.download = { cancelled: false };
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
      session.download = null;
      setDownloading(false);
    }
  }
  function setDownloading(busy) {
    ui.lbDownload.disabled = busy;
    for (const b of [ui.dlAll, ui.dlPicks, ui.dlAlbum]) b.disabled = busy || b.dataset.count === '0';
    ui.dlCancel.hidden = !busy;
  }

  function downloadPhoto() {
    const t = session.tiles[lb.index];
    if (!t || !t.photo.original) return;
    const p = t.photo;
    runDownload(p.file, p.original.type, p.original.bytes,
      (sink, progress) => streamOriginal(p, sink, progress),
      (done, total, message) => {
        ui.lbCounter.textContent = message || `Downloading… ${Math.floor(100 * done / Math.max(1, total))} %`;
      });
  }

  function downloadZip(photos, name) {
    if (session.download) return;
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

  function allPhotos() { return session.manifest.albums.flatMap((a) => a.photos); }
  function pickedPhotos() {
    return session.manifest.albums.flatMap((a) => a.photos.filter((p) => session.picks.has(pickKey(a, p))));
  }
  function openDownloads() {
    const groups = [
      [ui.dlAll, downloadable(allPhotos()), 'All photos'],
      [ui.dlPicks, downloadable(pickedPhotos()), 'My favourites'],
      [ui.dlAlbum, downloadable((session.manifest.albums[session.albumIndex] || { photos: [] }).photos), 'This album'],
    ];
    for (const [button, photos, label] of groups) {
      const bytes = photos.reduce((sum, p) => sum + p.original.bytes, 0);
      button.dataset.count = String(photos.length);
      button.textContent = `${label}: ${photos.length} photo${photos.length === 1 ? '' : 's'}` + (photos.length ? `, ${fileSize(bytes)}` : '');
      button.disabled = Boolean(session.download) || photos.length === 0;
    }
    ui.dlAlbum.hidden = session.manifest.albums.length < 2;
    const stripped = allPhotos().some((p) => p.original && p.original.stripped);
    ui.dlNote.textContent = 'Original files, as a ZIP archive.' + (stripped ? ' Location and camera serial numbers have been removed from them.' : '');
    if (!session.download) { ui.dlProgress.hidden = true; ui.dlStatus.textContent = ''; }
    ui.dl.showModal();
  }

