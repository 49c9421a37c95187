  // ------------------------------------------------------- sending: words
  // What "Your selection" says, in one place (for the translations).
  const SEND_TEXT = {
    titles: { review: 'Your selection', ways: 'Send your selection', done: 'Selection on its way' },
    intro: 'How would you like to send it? By email (your email app opens with the message ready), as a file, or copied into a message.',
    introNoMail: 'How would you like to send it? Save it as a file or copy it, then send it to your photographer by email or a message.',
    copy: 'Copy',
    copyByHand: 'Select the text below and copy it',
    subject: (title) => `My selection: ${title}`,
    mailBody: (count, code, notesApart) => [
      'Hello,', '',
      `Here is my selection: ${count} photo${count === 1 ? '' : 's'}.`,
      ...(code ? ['', code, '', '(This sealed code tells you which photos I chose.)'] :
        ['', 'It is too long for an email link, so I am sending it as a file too.']),
      ...(notesApart && code ? ['', 'I also wrote notes on some photos; they come with the selection file.'] : []),
      '', 'Thank you!',
    ].join('\n'),
    done: {
      mail: (n, notes) => `Your email app should now show a message to your photographer with your selection of ${n} photo${n === 1 ? '' : 's'}${notes ? ' and your notes' : ''} in it: press Send there. If no email app opened, save the file or copy the text instead.`,
      file: (n, notes) => `Saved as "selection.txt" in your downloads. Attach it to an email or a message to your photographer: they get the list of your ${n} photo${n === 1 ? '' : 's'}${notes ? ' with your notes' : ''}.`,
      copy: (n, notes) => `Copied. Paste it into an email or a message to your photographer: they get the list of your ${n} photo${n === 1 ? '' : 's'}${notes ? ' with your notes' : ''}.`,
    },
    notesApart: 'Your notes were too long for the email: please also save the file and send it to your photographer.',
    codeApart: 'Your selection is too long for an email link: please also save the file and attach it to the email.',
  };

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
  // Tile `t`'s photo in or out of the favourites; false, with the reason
  // given to `tell`, when the photographer's limit is reached.
  function flipPick(t, tell) {
    if (session.picks.has(t.key)) {
      session.picks.delete(t.key);
    } else {
      const limit = limitReached(t);
      if (limit) {
        tell(`You have already chosen ${limit}. Remove one to choose this.`);
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
    announce(session.picks.has(t.key)
      ? `${photoAlt(t.photo)} added to your favourites (${count}).`
      : `${photoAlt(t.photo)} removed from your favourites (${count}).`);
  }
  function announce(text) {
    ui.gridStatus.textContent = text;
  }
  // Shown for a few seconds over the grid (read out by `announce`).
  const NOTICE_MS = 4000;
  let noticeTimer = 0;
  function showPicksNotice(text) {
    ui.picksNotice.textContent = text;
    ui.picksNotice.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => { ui.picksNotice.hidden = true; }, NOTICE_MS);
  }
  // The lightbox's status line over the photo (a limit reached, a
  // download's progress and end), apart from its "3 / 12" counter; read
  // out unless `shownOnly`. Cleared when the photo changes.
  function lbSay(text, { shownOnly = false } = {}) {
    ui.lbStatus.textContent = text;
    if (!shownOnly) ui.lbSaid.textContent = text;
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
    ui.notePhoto.textContent = photoLabel(t.photo);
    ui.noteInput.value = note;
    ui.noteProblem.textContent = '';
    ui.noteRemove.hidden = !note;
    ui.note.showModal();
    ui.noteInput.focus();
  }
  function saveNote(text) {
    const t = noteTile;
    if (!t) return;
    const limit = limitReached(t);
    if (limit) {
      ui.noteProblem.textContent = `You have already chosen ${limit}. Remove a favourite to add a note to this photo.`;
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
    ui.sendSummary.textContent = selectionSummary(count);
    forgetSendThumbs();
    ui.sendList.replaceChildren(...chosen.map(chosenItem));
    ui.sendList.hidden = count === 0;
    ui.sendConfirm.hidden = !enough;
    ui.sendCopy.textContent = SEND_TEXT.copy;
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
    ui.sendTitle.textContent = SEND_TEXT.titles[step];
    ui.send.dataset.step = step;
  }
  function confirmSend() {
    showSendStep('ways');
    (ui.sendMail.hidden ? ui.sendDownload : ui.sendMail).focus();
  }
  // After a way was used: what happened and what the photographer gets.
  function sentBy(way) {
    const { count, notes, notesInMail } = session.sending;
    let text = SEND_TEXT.done[way](count, way === 'mail' ? notes && notesInMail : notes);
    if (way === 'mail' && notes && !notesInMail) text += ' ' + SEND_TEXT.notesApart;
    if (way === 'mail' && !session.sending.code) text += ' ' + SEND_TEXT.codeApart;
    ui.sendDoneText.textContent = text;
    showSendStep('done');
    ui.sendFinish.focus();
  }
  // What was chosen against what the photographer asks: at least
  // `selection_min` (then the selection can be sent), at most `selection_limit`.
  function selectionSummary(count) {
    const { selection_min: min, selection_limit: limit } = session.manifest;
    const photos = (n) => `${n} photo${n === 1 ? '' : 's'}`;
    const asked = min && limit ? ` (${min} to ${limit})` : min ? ` (at least ${min})` : limit ? ` (up to ${limit})` : '';
    if (count === 0) {
      return "You haven't chosen any photos yet. Tap the heart on a photo (or press F) to choose it, then come back here." +
        (min ? ` Your photographer asks for at least ${photos(min)}.` : '');
    }
    if (min && count < min) return `You chose ${photos(count)}. Your photographer asks for at least ${min}: choose ${min - count} more to send your selection.`;
    return `You chose ${photos(count)}${asked}.`;
  }
  function chosenItem({ album, photo, note }) {
    const item = el('li', 'send-item');
    const thumb = el('span', 'send-thumb');
    thumb.dataset.n = String(photo.n);
    const words = el('span', 'send-item-words');
    words.append(el('span', 'send-item-name', photoLabel(photo)));
    const where = photo.caption && photo.caption.trim() ? `${photo.file}, ${album.name}` : album.name;
    words.append(el('span', 'send-item-where', where));
    if (note) words.append(el('span', 'send-item-note', 'Note: ' + note));
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
    ui.sendIntro.textContent = email ? SEND_TEXT.intro : SEND_TEXT.introNoMail;
  }
  // The `mailto:` link: with the notes in the code if the whole link stays
  // under MAILTO_LIMIT characters, else without them (the email then says
  // the notes come with the file), else with no code at all.
  const MAILTO_LIMIT = 1800; // links break past about 2,000 characters
  function mailLink(email, chosen) {
    const notes = chosen.filter((c) => c.note).map((c) => [c.photo.n, c.note]);
    const picks = chosen.map((c) => c.photo.n);
    const link = (code, notesApart) => `mailto:${encodeURIComponent(email)}?subject=${encodeURIComponent(SEND_TEXT.subject(session.manifest.title))}` +
      `&body=${encodeURIComponent(SEND_TEXT.mailBody(chosen.length, code, notesApart))}`;
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
      else { ui.sendCopy.textContent = SEND_TEXT.copyByHand; ui.sendText.closest('details').open = true; ui.sendText.focus(); ui.sendText.select(); }
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
    const text = code === 'cancelled' ? 'Cancelled. Nothing was saved.' : DOWNLOAD_MESSAGES[code] || DOWNLOAD_MESSAGES[7];
    const { partsSaved, parts } = session.download;
    if (!partsSaved) return text;
    return text + ` (The first ${partsSaved} of the ${parts} parts were saved before this, and each is a complete ZIP.)`;
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
      else if (done === 0) lbSay(`Downloading ${p.file}… 0 %`);
      else lbSay(`Downloading ${p.file}… ${Math.floor(100 * done / Math.max(1, total))} %`, { shownOnly: true });
    };
    const ready = session.shareReady;
    session.shareReady = null;
    if (ready && ready.n === p.n && !session.download) { shareAgain(ready.file, report); return; }
    runDownload(p.original.bytes, report, async (progress) => {
      const sink = await openPhotoSink(p);
      await fill(sink, (s) => streamOriginal(p, s, progress));
      if (sink.message) return sink.message;
      session.lastDownload = sink.path;
      return sink.path === 'disk' ? `Saved ${p.file}.` : `Saved ${p.file} to your downloads.`;
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
        return `Shared ${file.name}.`;
      } catch (e) {
        if (e && e.name === 'AbortError') throw lpError('notshared');
        // The tap's permission ran out while the photo was decrypted: the
        // next tap on the same photo shares it at once.
        if (e && e.name === 'NotAllowedError') {
          session.shareReady = { n, file };
          return `${file.name} is ready: tap Download again to save it.`;
        }
      }
    }
    saveBlob(file, file.name);
    session.lastDownload = 'memory';
    return `Saved ${file.name} to your downloads.`;
  }
  function canShareFile(file) {
    if (typeof navigator.share !== 'function' || typeof navigator.canShare !== 'function') return false;
    try { return navigator.canShare({ files: [file] }); } catch (e) { return false; }
  }
  function shareAgain(file, report) {
    navigator.share({ files: [file] }).then(() => {
      session.lastDownload = 'share';
      report(1, 1, `Shared ${file.name}.`);
    }, (e) => {
      if (e && e.name === 'AbortError') { report(0, 1, DOWNLOAD_MESSAGES.notshared); return; }
      saveBlob(file, file.name);
      session.lastDownload = 'memory';
      report(1, 1, `Saved ${file.name} to your downloads.`);
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
      return sink.path === 'disk' ? `Saved ${name}.` : `Saved ${name} to your downloads.`;
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
      ui.dlNote.textContent = `This browser can't save one large file from here, so the photos come as ${parts.length} ZIP files ` +
        `of up to ${fileSize(MEMORY_LIMIT)}, each complete on its own. Save each part when it is ready.`;
    }
    for (let i = 0; i < parts.length; i++) {
      if (i > 0) await releaseSaved();
      session.download.partLabel = parts.length > 1 ? `Part ${i + 1} of ${parts.length}: ` : '';
      const sink = memorySink(names[i], 'application/zip', async (file) => {
        if (i > 0) await askToSave(i + 1, parts.length);
        saveBlob(file, names[i]);
      });
      await fill(sink, (s) => writeZip(parts[i], s, progress));
      session.download.partsSaved = i + 1;
    }
    if (parts.length === 1) return `Saved ${name} to your downloads.`;
    return `Saved ${parts.length} ZIP files to your downloads, "${names[0]}" to "${names[parts.length - 1]}": ` +
      `each is complete on its own, and together they hold all ${photos.length} photos.`;
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
  const partName = (name, i, count) => `${name.replace(/\.zip$/, '')} - part ${i} of ${count}.zip`;
  // Waits for the client's click on "Save part i of n", or for Cancel or Lock.
  function askToSave(part, count) {
    const button = ui.dlNext;
    button.textContent = `Save part ${part} of ${count}`;
    button.hidden = false;
    ui.dlStatus.textContent = `Part ${part} of ${count} is ready.`;
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
    const label = (session.download && session.download.partLabel) || '';
    ui.dlStatus.textContent = message || `${label}${fileSize(done)} of ${fileSize(total)}`;
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
    ui.dlAlbum.hidden = session.manifest.albums.length < 2 || session.albumIndex === ALL;
    const stripped = allPhotos().some((p) => p.original && p.original.stripped);
    ui.dlNote.textContent = 'Original files, as a ZIP archive.' + (stripped ? ' Location and camera serial numbers have been removed from them.' : '');
    if (!session.download) { ui.dlProgress.hidden = true; ui.dlStatus.textContent = ''; }
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
