  // ------------------------------------------------------- sending: words
  // The steps' titles and what each way of sending says once used
  // (catalogue keys, 05-strings.js: plain, and with the notes).
  const SEND_TITLES = { review: 'send.title', ways: 'send.titleWays', done: 'send.titleDone' };
  const SENT = {
    mail: ['send.doneMail', 'send.doneMailNotes'],
    file: ['send.doneFile', 'send.doneFileNotes'],
    copy: ['send.doneCopy', 'send.doneCopyNotes'],
  };
  // The email's text, in the client's language; the sealed code (or the
  // file, when it is too long) is what the photographer's lightproof reads.
  function mailBody(count, code, notesApart) {
    return [
      tr('mail.hello'), '',
      tr('mail.count', { count }),
      ...(code ? ['', code, '', tr('mail.codeNote')] : ['', tr('mail.tooLong')]),
      ...(notesApart && code ? ['', tr('mail.notesApart')] : []),
      '', tr('mail.thanks'),
    ].join('\n');
  }

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
    const count = session.picks.size;
    say(ui.picksCount, limit ? msg('picks.countOf', { count, limit }) : number(count));
    ui.picksCountShort.textContent = limit ? `${number(count)}/${number(limit)}` : number(count);
    say(ui.picksFilterLabel, msg('picks.filter', { count }));
  }
  function showPick(t) {
    const picked = session.picks.has(t.key);
    ui.lbFav.setAttribute('aria-pressed', String(picked));
    say(ui.lbFav, msg(picked ? 'lb.removeFavourite' : 'lb.addFavourite'), 'aria-label');
    const note = session.picks.get(t.key) || '';
    say(ui.lbNoteText, note ? msg('note.shown', { note }) : '');
    ui.lbNoteText.hidden = !note;
  }
  // Tile `t`'s photo in or out of the favourites; false, with the reason
  // given to `tell`, when the photographer's limit is reached.
  function flipPick(t, tell) {
    if (session.picks.has(t.key)) {
      session.picks.delete(t.key);
    } else {
      const limit = limitReached(t);
      if (limit) {
        tell(msg('picks.limit', { limit }));
        return false;
      }
      session.picks.set(t.key, '');
    }
    savePicks();
    showTilePick(t);
    return true;
  }
  // The photographer's limit, if it keeps tile `t`'s photo out of the
  // favourites (it is not one yet and the limit is reached); else 0.
  function limitReached(t) {
    const limit = session.manifest.selection_limit;
    return limit && !session.picks.has(t.key) && session.picks.size >= limit ? limit : 0;
  }
  function togglePick() {
    const t = session.tiles[lb.index];
    if (t && flipPick(t, lbSay)) showPick(t);
  }
  // From the grid: a tile's heart, or F on the photo in focus; said aloud.
  function toggleTilePick(i) {
    const t = session.tiles[i];
    if (!t || !flipPick(t, (text) => { announce(text); showPicksNotice(text); })) return;
    const count = session.picks.size;
    announce(msg(session.picks.has(t.key) ? 'picks.added' : 'picks.removed', { photo: photoAlt(t.photo), count }));
  }
  function announce(m) {
    say(ui.gridStatus, m);
  }
  // Shown for a few seconds over the grid (read out by `announce`).
  const NOTICE_MS = 4000;
  let noticeTimer = 0;
  function showPicksNotice(text) {
    say(ui.picksNotice, text);
    ui.picksNotice.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => { ui.picksNotice.hidden = true; }, NOTICE_MS);
  }
  // The lightbox's status line over the photo (a limit reached, a
  // download's progress and end), apart from its "3 / 12" counter; read
  // out unless `shownOnly`. Cleared when the photo changes.
  function lbSay(m, { shownOnly = false } = {}) {
    say(ui.lbStatus, m);
    if (!shownOnly) say(ui.lbSaid, m);
  }
  // A tile and its heart, for whether its photo is a favourite (the
  // heart, right after the tile, says the state to a screen reader).
  function showTilePick(t) {
    const picked = session.picks.has(t.key);
    if (t.tile) t.tile.classList.toggle('picked', picked);
    if (t.heart) {
      t.heart.setAttribute('aria-pressed', String(picked));
      t.heart.textContent = picked ? '\u2665' : '\u2661';
    }
  }
  // Notes are written in the page's own dialog (over the lightbox), not
  // in the browser's prompt(). Saving one makes the photo a favourite, so
  // it counts against the photographer's limit like a heart.
  let noteTile = null;
  function editNote() {
    const t = session.tiles[lb.index];
    if (!t) return;
    noteTile = t;
    pauseSlides();
    const note = session.picks.get(t.key) || '';
    say(ui.notePhoto, photoLabel(t.photo));
    ui.noteInput.value = note;
    say(ui.noteProblem, '');
    ui.noteRemove.hidden = !note;
    ui.note.showModal();
    ui.noteInput.focus();
  }
  function saveNote(text) {
    const t = noteTile;
    if (!t) return;
    const limit = limitReached(t);
    if (limit) {
      say(ui.noteProblem, msg('note.limit', { limit }));
      return;
    }
    session.picks.set(t.key, cleanNote(text));
    savePicks();
    showTilePick(t);
    showPick(t);
    ui.note.close();
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
  // The favourites in the gallery's order: [{ album, photo, note }].
  function chosenPhotos() {
    const chosen = [];
    for (const album of session.manifest.albums) {
      for (const photo of album.photos) {
        const key = pickKey(album, photo);
        if (session.picks.has(key)) chosen.push({ album, photo, note: cleanNote(session.picks.get(key)) });
      }
    }
    return chosen;
  }
  function selectionText() {
    const lines = [];
    for (const { album, photo, note } of chosenPhotos()) {
      lines.push(photo.file, '    album: ' + album.name);
      if (note) lines.push('    note: ' + note);
    }
    const limit = session.manifest.selection_limit ? ` (up to ${session.manifest.selection_limit})` : '';
    const body = [`Selection from ${session.manifest.title}: ${session.picks.size} photo${session.picks.size === 1 ? '' : 's'}${limit}`, '', ...lines].join('\n') + '\n';
    const tag = checked(call('lp_sign_selection', [], new TextEncoder().encode(body)));
    const hex = [...tag].map((b) => b.toString(16).padStart(2, '0')).join('');
    return body + '--\n' + `lightproof-selection 1 gallery=${session.galleryId} manifest=${session.manifestId} tag=${hex}\n`;
  }
  // "Your selection" in three steps: review (what was chosen, with
  // thumbnails), then, once confirmed, the ways to send it, then what was
  // done and what the photographer gets. Closing at any step keeps every
  // favourite and note.
  function openSend() {
    const chosen = chosenPhotos();
    const count = chosen.length;
    const enough = count > 0 && count >= (session.manifest.selection_min || 0);
    say(ui.sendSummary, selectionSummary(count));
    forgetSendThumbs();
    ui.sendList.replaceChildren(...chosen.map(chosenItem));
    ui.sendList.hidden = count === 0;
    ui.sendConfirm.hidden = !enough;
    say(ui.sendCopy, msg('send.copy'));
    if (enough) fillSendWays(chosen);
    showSendStep('review');
    ui.send.showModal();
    (enough ? ui.sendConfirm : ui.sendClose).focus();
    watchSendThumbs(chosen);
  }
  // Shows one step of the dialog: 'review', 'ways' or 'done'.
  function showSendStep(step) {
    ui.sendReview.hidden = step !== 'review';
    ui.sendWays.hidden = step !== 'ways';
    ui.sendDone.hidden = step !== 'done';
    say(ui.sendTitle, msg(SEND_TITLES[step]));
    ui.send.dataset.step = step;
  }
  function confirmSend() {
    showSendStep('ways');
    (ui.sendMail.hidden ? ui.sendDownload : ui.sendMail).focus();
  }
  // After a way was used: what happened and what the photographer gets.
  function sentBy(way) {
    const { count, notes, notesInMail } = session.sending;
    const withNotes = way === 'mail' ? notes && notesInMail : notes;
    let said = msg(SENT[way][withNotes ? 1 : 0], { count });
    if (way === 'mail' && notes && !notesInMail) said = msg('text.two', { first: said, second: msg('send.notesApart') });
    if (way === 'mail' && !session.sending.code) said = msg('text.two', { first: said, second: msg('send.codeApart') });
    say(ui.sendDoneText, said);
    showSendStep('done');
    ui.sendFinish.focus();
  }
  // What was chosen against what the photographer asks: at least
  // `selection_min` (then the selection can be sent), at most `selection_limit`.
  function selectionSummary(count) {
    const { selection_min: min, selection_limit: limit } = session.manifest;
    const chosen = msg('photos.count', { count });
    if (count === 0) return min ? msg('send.noneAsked', { min: msg('photos.count', { count: min }) }) : msg('send.none');
    if (min && count < min) return msg('send.tooFew', { chosen, min, more: min - count });
    const asked = min && limit ? 'send.choseRange' : min ? 'send.choseAtLeast' : limit ? 'send.choseUpTo' : 'send.chose';
    return msg(asked, { chosen, min, limit });
  }
  function chosenItem({ album, photo, note }) {
    const item = el('li', 'send-item');
    const thumb = el('span', 'send-thumb');
    thumb.dataset.n = String(photo.n);
    const words = el('span', 'send-item-words');
    words.append(el('span', 'send-item-name', photoLabel(photo)));
    const name = paramText(albumName(album.name));
    const where = photo.caption && photo.caption.trim() ? `${photo.file}, ${name}` : name;
    words.append(el('span', 'send-item-where', where));
    if (note) {
      const shown = el('span', 'send-item-note');
      say(shown, msg('note.shown', { note }));
      words.append(shown);
    }
    item.append(thumb, words);
    return item;
  }
  // The email, the file and the copied text; the email carries the short
  // sealed code (with the notes when the link stays short enough).
  function fillSendWays(chosen) {
    const text = selectionText();
    const notes = chosen.filter((c) => c.note).length;
    ui.sendText.value = text;
    if (ui.sendDownload.href.startsWith('blob:')) URL.revokeObjectURL(ui.sendDownload.href);
    ui.sendDownload.href = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    const email = session.manifest.photographer_email;
    ui.sendMail.hidden = !email;
    session.sending = { count: chosen.length, notes, notesInMail: notes === 0, code: '' };
    if (email) ui.sendMail.href = mailLink(email, chosen);
    say(ui.sendIntro, msg(email ? 'send.introMail' : 'send.introNoMail'));
  }
  // The `mailto:` link: with the notes in the code if the whole link stays
  // under MAILTO_LIMIT characters, else without them (the email then says
  // the notes come with the file), else with no code at all.
  const MAILTO_LIMIT = 1800; // links break past about 2,000 characters
  function mailLink(email, chosen) {
    const notes = chosen.filter((c) => c.note).map((c) => [c.photo.n, c.note]);
    const picks = chosen.map((c) => c.photo.n);
    const link = (code, notesApart) => `mailto:${encodeURIComponent(email)}?subject=${encodeURIComponent(tr('send.subject', { title: session.manifest.title }))}` +
      `&body=${encodeURIComponent(mailBody(chosen.length, code, notesApart))}`;
    const tries = notes.length ? [[notes, false], [[], true]] : [[[], false]];
    for (const [withNotes, notesApart] of tries) {
      let code;
      try { code = selectionCode(picks, withNotes, notesApart); } catch (e) { break; } // then the file carries it
      const url = link(code, notesApart);
      if (url.length <= MAILTO_LIMIT) {
        Object.assign(session.sending, { code, notesInMail: !notesApart });
        return url;
      }
    }
    return link('', true);
  }
  // The short sealed code (docs/FORMAT.md, "Selection codes").
  function selectionCode(picks, notes, notesLeftOut) {
    const input = new TextEncoder().encode(JSON.stringify({ picks, notes, notes_left_out: notesLeftOut }));
    return new TextDecoder().decode(checked(call('lp_selection_code', [], input)));
  }
  function copySelection() {
    const done = () => sentBy('copy');
    ui.sendText.select();
    const fallback = () => {
      let copied = false;
      try { copied = document.execCommand('copy'); } catch (e) { /* not allowed */ }
      if (copied) done();
      else { say(ui.sendCopy, msg('send.copyByHand')); ui.sendText.closest('details').open = true; ui.sendText.focus(); ui.sendText.select(); }
    };
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(ui.sendText.value).then(done, fallback);
    else fallback();
  }

  // Thumbnails of the chosen photos, loaded as they scroll into the list
  // (and let go when they leave it), a few at a time: memory stays bounded
  // for hundreds of picks. A thumbnail the grid already shows is reused,
  // not decrypted again.
  const SEND_THUMB_JOBS = 4;
  const sendThumbs = { observer: null, queue: [], loading: 0, owned: new Map(), photos: new Map(), tiles: new Map() };
  function watchSendThumbs(chosen) {
    sendThumbs.photos = new Map(chosen.map((c) => [c.photo.n, c.photo]));
    sendThumbs.tiles = new Map(session.tiles.map((t) => [t.photo.n, t]));
    if (typeof IntersectionObserver !== 'function') return;
    sendThumbs.observer = new IntersectionObserver(onSendThumbsSeen, { root: ui.sendList, rootMargin: '300px 0px' });
    for (const thumb of ui.sendList.querySelectorAll('.send-thumb')) sendThumbs.observer.observe(thumb);
  }
  function onSendThumbsSeen(entries) {
    if (ui.sendReview.hidden) return; // another step: the list is only hidden
    for (const { target, isIntersecting } of entries) {
      if (isIntersecting) {
        if (!target.firstChild && !sendThumbs.queue.includes(target)) sendThumbs.queue.push(target);
      } else {
        sendThumbs.queue = sendThumbs.queue.filter((t) => t !== target);
        dropSendThumb(target);
      }
    }
    pumpSendThumbs();
  }
  function pumpSendThumbs() {
    while (sendThumbs.loading < SEND_THUMB_JOBS && sendThumbs.queue.length) loadSendThumb(sendThumbs.queue.shift());
  }
  async function loadSendThumb(target) {
    const n = Number(target.dataset.n);
    const shown = sendThumbs.tiles.get(n);
    if (shown && shown.url) { showSendThumb(target, shown.url); return; }
    const photo = sendThumbs.photos.get(n);
    const epoch = session.epoch;
    sendThumbs.loading++;
    try {
      const url = jpegUrl(await openPhoto(photo, THUMB, epoch));
      if (epoch !== session.epoch || !target.isConnected || !sendThumbs.observer) { revoke(url); return; }
      sendThumbs.owned.set(target, url);
      showSendThumb(target, url);
    } catch (e) {
      target.classList.add('has-error');
    } finally {
      sendThumbs.loading--;
      pumpSendThumbs();
    }
  }
  function showSendThumb(target, url) {
    const img = el('img', 'send-thumb-image');
    img.alt = '';
    img.src = url;
    target.replaceChildren(img);
  }
  function dropSendThumb(target) {
    const url = sendThumbs.owned.get(target);
    if (url) { sendThumbs.owned.delete(target); revoke(url); }
    target.replaceChildren();
  }
  // At the dialog's close (and before it is filled again).
  function forgetSendThumbs() {
    if (sendThumbs.observer) sendThumbs.observer.disconnect();
    sendThumbs.observer = null;
    sendThumbs.queue = [];
    for (const url of sendThumbs.owned.values()) revoke(url);
    sendThumbs.owned.clear();
  }

  // -------------------------------------------------------------- downloads
  // What to save and how it ends; where the bytes go is 55-download-sinks.js.

  // Streams photo `p`'s original into `sink`: decrypted by WebCrypto in a
  // Worker where the browser has both (55-originals.js), else by the module.
  // A sink the Worker writes itself (handToWorker) has it fetch the blob too.
  async function streamOriginal(p, sink, progress) {
    const worker = sink.worker || (canDecryptInWorker() ? originalsWorker() : null);
    session.originalsWith = worker ? 'webcrypto' : 'wasm';
    session.originalsFetchedBy = sink.worker ? 'worker' : 'page';
    if (sink.worker) return streamInWorker(sink.worker, p, progress);
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
        await put(sink, bytes, progress);
      }
      ended = true;
      const tail = checked(call('lp_original_finish', []));
      await put(sink, tail, progress);
    } finally {
      if (!ended) { try { call('lp_original_finish', []); } catch (e) { /* already ended */ } }
    }
  }

  // Runs one download with progress and a clear ending: `save(progress)`
  // does the work and returns what to say at the end.
  async function runDownload(total, report, save) {
    if (session.download) return;
    session.download = { cancelled: false, partsSaved: 0, parts: 0 };
    setDownloading(true);
    let done = 0;
    const progress = (n) => { done += n; report(done, total); };
    try {
      report(0, total);
      report(total, total, await save(progress));
    } catch (e) {
      report(done, total, failureMessage(e));
    } finally {
      session.download = null;
      setDownloading(false);
    }
  }
  function failureMessage(e) {
    const code = codeOf(e);
    const message = code === 'cancelled' ? msg('download.cancelled') : DOWNLOAD_MESSAGES[code] || DOWNLOAD_MESSAGES[7];
    const { partsSaved, parts } = session.download;
    if (!partsSaved) return message;
    return msg('download.partsSaved', { message, saved: partsSaved, parts });
  }
  // Writes `body` into `sink`: closed when all of it went, aborted otherwise.
  async function fill(sink, body) {
    try {
      await body(sink);
      await sink.close();
    } catch (e) {
      await sink.abort();
      throw e;
    }
  }
  function setDownloading(busy) {
    ui.lbDownload.disabled = busy;
    for (const b of [ui.dlAll, ui.dlPicks, ui.dlAlbum]) b.disabled = busy || b.dataset.count === '0';
    ui.dlCancel.hidden = !busy;
    if (!busy) ui.dlNext.hidden = true;
  }

  // ------------------------------------------------------------ one photo
  function downloadPhoto() {
    const t = session.tiles[lb.index];
    if (!t || !t.photo.original) return;
    const p = t.photo;
    // The percentage is shown, not read out; the start and the end are both.
    const report = (done, total, message) => {
      if (message) lbSay(message);
      else if (done === 0) lbSay(msg('download.photoProgress', { file: p.file, percent: 0 }));
      else lbSay(msg('download.photoProgress', { file: p.file, percent: Math.floor(100 * done / Math.max(1, total)) }), { shownOnly: true });
    };
    const ready = session.shareReady;
    session.shareReady = null;
    if (ready && ready.n === p.n && !session.download) { shareAgain(ready.file, report); return; }
    runDownload(p.original.bytes, report, async (progress) => {
      const sink = await openPhotoSink(p);
      await fill(sink, (s) => streamOriginal(p, s, progress));
      if (sink.message) return sink.message;
      session.lastDownload = sink.path;
      return msg(sink.path === 'disk' ? 'download.saved' : 'download.savedToDownloads', { file: p.file });
    });
  }
  // The client's file, else memory (and the share sheet), else the worker.
  async function openPhotoSink(p) {
    const { bytes, type } = p.original;
    const disk = await openDiskSink(p.file);
    if (disk) return handToWorker(disk);
    if (bytes <= MEMORY_LIMIT) {
      const sink = memorySink(p.file, type, async (file) => { sink.message = await shareOrSave(file, p.n); });
      return sink;
    }
    const stream = await openStreamSink(p.file, type, bytes);
    if (!stream) throw lpError('toolarge');
    return handToWorker(stream);
  }
  // On a phone the share sheet saves to the photo library ("Save Image");
  // elsewhere, or if sharing fails, an ordinary download.
  async function shareOrSave(file, n) {
    if (canShareFile(file)) {
      try {
        await navigator.share({ files: [file] });
        session.lastDownload = 'share';
        return msg('download.shared', { file: file.name });
      } catch (e) {
        if (e && e.name === 'AbortError') throw lpError('notshared');
        // The tap's permission ran out while the photo was decrypted: the
        // next tap on the same photo shares it at once.
        if (e && e.name === 'NotAllowedError') {
          session.shareReady = { n, file };
          return msg('download.shareReady', { file: file.name });
        }
      }
    }
    saveBlob(file, file.name);
    session.lastDownload = 'memory';
    return msg('download.savedToDownloads', { file: file.name });
  }
  function canShareFile(file) {
    if (typeof navigator.share !== 'function' || typeof navigator.canShare !== 'function') return false;
    try { return navigator.canShare({ files: [file] }); } catch (e) { return false; }
  }
  function shareAgain(file, report) {
    navigator.share({ files: [file] }).then(() => {
      session.lastDownload = 'share';
      report(1, 1, msg('download.shared', { file: file.name }));
    }, (e) => {
      if (e && e.name === 'AbortError') { report(0, 1, DOWNLOAD_MESSAGES.notshared); return; }
      saveBlob(file, file.name);
      session.lastDownload = 'memory';
      report(1, 1, msg('download.savedToDownloads', { file: file.name }));
    });
  }

  // ----------------------------------------------------------------- ZIPs
  const photoNumbers = (photos) => new TextEncoder().encode(JSON.stringify(photos.map((p) => p.n)));
  const zipPlan = (photos) => json(checked(call('lp_zip_begin', [], photoNumbers(photos))));

  function downloadZip(photos, name) {
    if (session.download) return;
    let plan;
    try { plan = zipPlan(photos); } catch (e) { showDownloadStatus(0, 0, DOWNLOAD_MESSAGES[codeOf(e)] || DOWNLOAD_MESSAGES[7]); return; }
    runDownload(plan.bytes, showDownloadStatus, async (progress) => {
      const target = (await openDiskSink(name)) || (await openStreamSink(name, 'application/zip', plan.bytes));
      if (!target) return saveZipInParts(photos, name, progress);
      const sink = handToWorker(target);
      await fill(sink, (s) => writeZip(photos, s, progress));
      session.lastDownload = sink.path;
      return msg(sink.path === 'disk' ? 'download.saved' : 'download.savedToDownloads', { file: name });
    });
  }
  // One whole ZIP of `photos` into `sink`: each entry's header, then its
  // original, then the central directory.
  async function writeZip(photos, sink, progress) {
    checked(call('lp_zip_begin', [], photoNumbers(photos)));
    for (const p of photos) {
      const header = checked(call('lp_zip_entry', [p.n]));
      await put(sink, header, progress);
      await streamOriginal(p, sink, progress);
    }
    const end = checked(call('lp_zip_finish', []));
    await put(sink, end, progress);
  }

  // Without a way to stream, the photos come as numbered ZIPs of at most
  // MEMORY_LIMIT bytes, each whole and holding some of the photos in
  // order (no photo is split). Each part after the first is saved on a
  // click, since browsers let a page start one download per click; a
  // part's memory is let go before the next one is gathered.
  async function saveZipInParts(photos, name, progress) {
    const parts = splitIntoParts(photos);
    if (parts.some((part) => zipPlan(part).bytes > MEMORY_LIMIT)) throw lpError('toolarge');
    const names = parts.map((_, i) => parts.length === 1 ? name : partName(name, i + 1, parts.length));
    session.lastDownload = 'parts';
    session.download.parts = parts.length;
    if (parts.length > 1) {
      say(ui.dlNote, msg('download.partsNote', { parts: parts.length, size: fileSize(MEMORY_LIMIT) }));
    }
    for (let i = 0; i < parts.length; i++) {
      if (i > 0) await releaseSaved();
      session.download.part = parts.length > 1 ? i + 1 : 0;
      const sink = memorySink(names[i], 'application/zip', async (file) => {
        if (i > 0) await askToSave(i + 1, parts.length);
        saveBlob(file, names[i]);
      });
      await fill(sink, (s) => writeZip(parts[i], s, progress));
      session.download.partsSaved = i + 1;
    }
    if (parts.length === 1) return msg('download.savedToDownloads', { file: name });
    return msg('download.savedParts', { parts: parts.length, first: names[0], last: names[parts.length - 1], count: photos.length });
  }
  function splitIntoParts(photos) {
    const parts = [];
    let part = [];
    let bytes = ZIP_END_OVERHEAD;
    for (const p of photos) {
      const more = p.original.bytes + ZIP_ENTRY_OVERHEAD;
      if (part.length && bytes + more > MEMORY_LIMIT) {
        parts.push(part);
        part = [];
        bytes = ZIP_END_OVERHEAD;
      }
      part.push(p);
      bytes += more;
    }
    if (part.length) parts.push(part);
    return parts;
  }
  const partName = (name, part, parts) => tr('download.partName', { name: name.replace(/\.zip$/, ''), part, parts }) + '.zip';
  // Waits for the client's click on "Save part i of n", or for Cancel or Lock.
  function askToSave(part, count) {
    const button = ui.dlNext;
    say(button, msg('download.savePart', { part, parts: count }));
    button.hidden = false;
    say(ui.dlStatus, msg('download.partReady', { part, parts: count }));
    return new Promise((resolve, reject) => {
      const watch = setInterval(() => {
        if (!session.download || session.download.cancelled) finish(lpError('cancelled'));
      }, 250);
      const finish = (error) => {
        clearInterval(watch);
        button.hidden = true;
        button.onclick = null;
        if (error) reject(error); else resolve();
      };
      button.onclick = () => finish(null);
    });
  }
  function showDownloadStatus(done, total, message) {
    ui.dlProgress.hidden = false;
    ui.dlProgress.max = Math.max(1, total);
    ui.dlProgress.value = done;
    const part = session.download && session.download.part;
    const sizes = { done: fileSize(done), total: fileSize(total) };
    say(ui.dlStatus, message || (part ? msg('download.progressPart', { part, parts: session.download.parts, ...sizes }) : msg('download.progress', sizes)));
  }

  function allPhotos() { return session.manifest.albums.flatMap((a) => a.photos); }
  function pickedPhotos() {
    return session.manifest.albums.flatMap((a) => a.photos.filter((p) => session.picks.has(pickKey(a, p))));
  }
  function openDownloads() {
    const groups = [
      [ui.dlAll, downloadable(allPhotos()), msg('download.all')],
      [ui.dlPicks, downloadable(pickedPhotos()), msg('download.picks')],
      [ui.dlAlbum, downloadable((session.manifest.albums[session.albumIndex] || { photos: [] }).photos), msg('download.album')],
    ];
    for (const [button, photos, label] of groups) {
      const bytes = photos.reduce((sum, p) => sum + p.original.bytes, 0);
      button.dataset.count = String(photos.length);
      const count = photos.length;
      say(button, count ? msg('download.choice', { label, count, size: fileSize(bytes) }) : msg('download.choiceNone', { label }));
      button.disabled = Boolean(session.download) || photos.length === 0;
    }
    ui.dlAlbum.hidden = session.manifest.albums.length < 2 || session.albumIndex === ALL;
    const stripped = allPhotos().some((p) => p.original && p.original.stripped);
    say(ui.dlNote, msg(stripped ? 'download.noteStripped' : 'download.note'));
    if (!session.download) { ui.dlProgress.hidden = true; say(ui.dlStatus, ''); }
    // Ready by the time a button is clicked (the download must start soon
    // after the click for the browser to allow it).
    if (typeof window.showSaveFilePicker !== 'function') downloadWorker();
    ui.dl.showModal();
  }
  // Everything a download leaves behind, at Lock.
  function forgetDownloads() {
    forgetSaved();
    forgetDownloadFrames();
    session.shareReady = null;
  }
