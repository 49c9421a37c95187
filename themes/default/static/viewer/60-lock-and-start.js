  // ------------------------------------------------------------------- lock
  function lock() {
    session.epoch++;
    if (session.download) session.download.cancelled = true;
    if (ui.dl.open) ui.dl.close();
    forgetDownloads();
    if (ui.lb.open) ui.lb.close();
    keepPreviews([]);
    closeGrid();
    clearTiles();
    lockModule();
    forgetLink();
    forgetOpeningLink();
    if (ui.share.open) ui.share.close();
    forgetRemembered();
    if (ui.send.open) ui.send.close();
    ui.sendText.value = '';
    ui.picksNotice.hidden = true;
    session.picks = new Map();
    session.manifest = null;
    for (const url of liveUrls) revoke(url);
    clearCover();
    ui.albumList.replaceChildren();
    // What the gallery said (names of photos among it) goes too, so that
    // a language switch on the lock screen brings none of it back.
    for (const said of [ui.title, ui.summary, ui.access, ui.gridStatus, ui.lbStatus, ui.lbSaid, ui.lbNoteText,
      ui.notePhoto, ui.noteProblem, ui.sendSummary, ui.dlNote, ui.dlStatus]) say(said, '');
    ui.grid.style.height = '';
    ui.gallery.hidden = true;
    ui.unlock.hidden = false;
    session.state = 'locked';
    setError('');
    setStatus(msg('unlock.locked'));
    window.scrollTo(0, 0);
    ui.password.focus();
  }

  // ------------------------------------------------------------------ wiring
  ui.form.addEventListener('submit', onSubmit);
  ui.reveal.addEventListener('click', () => {
    const show = ui.password.type === 'password';
    ui.password.type = show ? 'text' : 'password';
    ui.reveal.setAttribute('aria-pressed', String(show));
    say(ui.reveal, msg(show ? 'unlock.hide' : 'unlock.show'));
  });
  ui.lock.addEventListener('click', lock);
  ui.lbFav.addEventListener('click', togglePick);
  ui.lbDownload.addEventListener('click', toggleDownloadMenu);
  ui.lbGetWeb.addEventListener('click', downloadWebSize);
  ui.lbGetOriginal.addEventListener('click', downloadChosenOriginal);
  // Escape closes the Download menu first, then the lightbox.
  ui.lb.addEventListener('cancel', (e) => { if (closeDownloadMenu({ refocus: true })) e.preventDefault(); });
  ui.lbStage.addEventListener('pointerdown', () => closeDownloadMenu()); // a tap on the photo closes it too
  ui.shareOpen.addEventListener('click', openShare);
  ui.shareAddress.addEventListener('click', () => shareAddress(galleryAddress()));
  ui.shareKey.addEventListener('click', showShareWarning);
  ui.shareKeyConfirm.addEventListener('click', () => { if (session.openingLink) shareAddress(openingLinkAddress()); });
  ui.shareClose.addEventListener('click', () => ui.share.close());
  ui.share.addEventListener('close', () => { hideCopyField(); ui.shareOpen.focus(); });
  ui.downloadOpen.addEventListener('click', openDownloads);
  const zipName = (suffix) => safeFileName(session.manifest.title + suffix) + '.zip';
  ui.dlAll.addEventListener('click', () => downloadZip(downloadable(allPhotos()), zipName('')));
  ui.dlPicks.addEventListener('click', () => downloadZip(downloadable(pickedPhotos()), safeFileName(tr('download.favouritesName', { title: session.manifest.title })) + '.zip'));
  ui.dlAlbum.addEventListener('click', () => {
    const album = albumAt(session.albumIndex);
    downloadZip(downloadable(album.items.map((item) => item.photo)), zipName(' - ' + paramText(albumName(album.name))));
  });
  ui.dlCancel.addEventListener('click', () => { if (session.download) session.download.cancelled = true; });
  ui.dlClose.addEventListener('click', () => ui.dl.close());
  ui.lbNote.addEventListener('click', editNote);
  ui.picksFilter.addEventListener('click', toggleOnlyPicks);
  ui.picksSend.addEventListener('click', openSend);
  ui.sendClose.addEventListener('click', () => ui.send.close());
  ui.sendCancel.addEventListener('click', () => ui.send.close());
  ui.sendFinish.addEventListener('click', () => ui.send.close());
  ui.sendConfirm.addEventListener('click', confirmSend);
  ui.sendAgain.addEventListener('click', confirmSend);
  ui.sendBack.addEventListener('click', () => { showSendStep('review'); ui.sendConfirm.focus(); });
  // The link's own action (the email app, the download) goes first.
  ui.sendMail.addEventListener('click', () => setTimeout(() => sentBy('mail'), 0));
  ui.sendDownload.addEventListener('click', () => setTimeout(() => sentBy('file'), 0));
  ui.send.addEventListener('close', forgetSendThumbs);
  ui.noteSave.addEventListener('click', () => saveNote(ui.noteInput.value));
  ui.noteRemove.addEventListener('click', () => saveNote(''));
  ui.noteCancel.addEventListener('click', () => ui.note.close());
  ui.note.addEventListener('close', () => { noteTile = null; ui.lbNote.focus(); });
  ui.sendCopy.addEventListener('click', copySelection);
  ui.lbClose.addEventListener('click', () => ui.lb.close());
  ui.lbPlay.addEventListener('click', toggleSlides);
  ui.lbFull.hidden = !canFillScreen();
  ui.lbFull.addEventListener('click', toggleFullScreen);
  document.addEventListener('fullscreenchange', showFullScreenState);
  document.addEventListener('visibilitychange', () => { if (document.hidden) pauseSlides(msg('slides.paused')); });
  ui.lbPrev.addEventListener('click', () => step(-1));
  ui.lbNext.addEventListener('click', () => step(1));
  ui.lb.addEventListener('close', onLightboxClosed);
  window.addEventListener('popstate', onHistoryBack);
  ui.lb.addEventListener('keydown', (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    if (onZoomKey(e)) return;
    if (e.key === 'ArrowLeft') { e.preventDefault(); step(-1); }
    else if (e.key === 'ArrowRight') { e.preventDefault(); step(1); }
    else if (e.key === 'f' && !e.shiftKey) { e.preventDefault(); togglePick(); }
    else if (e.key === 'p' && !e.shiftKey) { e.preventDefault(); toggleSlides(); }
  });
  // Back or Forward to this page may show it from the browser's memory as it
  // was left: that is not a reload of the tab, so it locks.
  window.addEventListener('pageshow', (e) => { if (e.persisted && session.state === 'open') lock(); });
  ui.lbStage.addEventListener('dblclick', onZoomDoubleClick);
  ui.lbStage.addEventListener('wheel', onZoomWheel, { passive: false });
  ui.lbStage.addEventListener('pointerdown', onZoomPointerDown);
  ui.lbStage.addEventListener('pointermove', onZoomPointerMove);
  for (const type of ['pointerup', 'pointercancel', 'pointerleave']) ui.lbStage.addEventListener(type, onZoomPointerUp);
  ui.lbStage.addEventListener('pointerdown', onPointerDown);
  ui.lbStage.addEventListener('pointerup', onPointerUp);
  ui.lbStage.addEventListener('pointercancel', () => { session.swipe = null; });

  fillLanguageSwitches();
  translatePage();

  // Start loading the module and the header before the password is typed;
  // a key link opens the gallery straight away.
  if (session.link && !session.link.twoFactor) {
    openGallery(unlockWithLink);
  } else {
    if (session.link) setStatus(session.link.secret ? MESSAGES.twofactor : '');
    if (session.link && !session.link.secret) { setError(MESSAGES.badlink); forgetLink(); }
    init().then(async () => {
      const bits = session.state === 'locked' && !session.link ? await recall() : null;
      if (bits && session.state === 'locked') {
        await openGallery(() => unlockRemembered(bits));
        if (session.state !== 'open') setError('');
      }
    }, (e) => {
      if (session.state === 'locked' && !ui.error.textContent) setError(MESSAGES[codeOf(e)] || MESSAGES[7]);
    });
  }

  // Read-only hooks for the browser tests: no keys, no plaintext.
  Object.defineProperty(window, 'lightproofViewer', {
    value: Object.freeze({
      ready,
      get state() { return session.state; },
      get liveBlobUrls() { return liveUrls.size; },
      get unlockedWith() { return session.unlockedWith; },
      get derivations() { return session.derivations; },
      get lastDownload() { return session.lastDownload; },
      get originalsWith() { return session.originalsWith; },
      get originalsHashed() { return session.originalsHashed; },
      get originalsFetchedBy() { return session.originalsFetchedBy; },
      get language() { return language; },
    }),
  });
