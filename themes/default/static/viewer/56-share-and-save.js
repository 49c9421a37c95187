  // ------------------------------------------------------ share and save
  // Sharing the gallery's address, and saving one photo at web size or as
  // its original, from the lightbox's Download menu.

  // ----------------------------------------------------------------- share
  // The gallery's own address (no fragment) is what is shared. A key link's
  // `#k=` fragment opens the gallery without a password, so it is shared
  // only when the client opened the gallery with one, chooses to share it,
  // and accepts a warning. Only over http(s): a gallery opened from a disk
  // has no address another person could open. The installed app's marker
  // ("?app", its start_url) is not part of it: the person it is sent to
  // opens the gallery in a browser tab.
  const galleryAddress = () => location.origin + location.pathname + (location.search === '?app' ? '' : location.search);
  function canShareLink() {
    if (typeof navigator.share !== 'function') return false;
    if (typeof navigator.canShare !== 'function') return true;
    try { return navigator.canShare({ url: galleryAddress() }); } catch (e) { return false; }
  }
  function showShareControl() {
    ui.shareOpen.hidden = !/^https?:$/.test(location.protocol);
    const sharing = canShareLink();
    say(ui.shareOpenLabel, msg(sharing ? 'share.open' : 'share.copy'));
    say(ui.shareOpen, msg(sharing ? 'share.openName' : 'share.copyName'), 'aria-label');
  }

  // The secret of the key link the gallery was opened with, kept (as bytes,
  // zeroed at Lock) only so that the client may choose to share it.
  function keepOpeningLink() {
    forgetOpeningLink();
    if (session.link && session.link.secret) {
      session.openingLink = { twoFactor: session.link.twoFactor, secret: session.link.secret.slice() };
    }
  }
  function forgetOpeningLink() {
    if (session.openingLink) session.openingLink.secret.fill(0);
    session.openingLink = null;
  }
  function openingLinkAddress() {
    const l = session.openingLink;
    return `${galleryAddress()}#${l.twoFactor ? 'k2' : 'k'}=${new TextDecoder().decode(l.secret)}`;
  }

  function openShare() {
    const sharing = canShareLink();
    const l = session.openingLink;
    say(ui.shareIntro, msg(!l ? 'share.introAddress' : l.twoFactor ? 'share.introOnTwoFactorLink' : 'share.introOnLink'));
    say(ui.shareAddress, msg(sharing ? 'share.shareAddress' : 'share.copyAddress'));
    say(ui.shareKey, msg(sharing ? 'share.shareKey' : 'share.copyKey'));
    ui.shareKey.hidden = !l;
    ui.shareKey.setAttribute('aria-expanded', 'false');
    ui.shareWarning.hidden = true;
    say(ui.shareWarningText, msg(l && l.twoFactor ? 'share.warningTwoFactor' : 'share.warning'));
    say(ui.shareKeyConfirm, msg(sharing ? 'share.confirmShare' : 'share.confirmCopy'));
    hideCopyField();
    say(ui.shareStatus, '');
    ui.share.showModal();
  }
  function showShareWarning() {
    ui.shareWarning.hidden = false;
    ui.shareKey.setAttribute('aria-expanded', 'true');
    ui.shareKeyConfirm.focus();
  }
  // Hands `address` to the share sheet, else to the clipboard, else shows
  // it selected for copying by hand.
  async function shareAddress(address) {
    hideCopyField();
    say(ui.shareStatus, '');
    if (canShareLink()) {
      try {
        await navigator.share({ title: tr('page.title'), url: address });
        say(ui.shareStatus, msg('share.shared'));
        return;
      } catch (e) {
        if (e && e.name === 'AbortError') { say(ui.shareStatus, msg('share.notShared')); return; }
      }
    }
    try {
      await navigator.clipboard.writeText(address);
      say(ui.shareStatus, msg('share.copied'));
    } catch (e) {
      ui.shareCopyField.value = address;
      ui.shareCopyField.hidden = false;
      ui.shareCopyLabel.hidden = false;
      ui.shareCopyField.select();
      say(ui.shareStatus, msg('share.copyByHand'));
    }
  }
  function hideCopyField() {
    ui.shareCopyField.value = '';
    ui.shareCopyField.hidden = true;
    ui.shareCopyLabel.hidden = true;
  }

  // ------------------------------------------------------- save one photo
  // The lightbox's Download button opens a small menu: "Web size" (the
  // preview the lightbox shows, as a JPEG named `<name>-web.jpg`) and
  // "Original" (55-originals.js, as the button did before). Both are
  // offered exactly where the grant gives the photo's original
  // (`download = true`): a grant without downloads offers neither, so the
  // web size is not a way around the photographer's choice.
  const webSizeAllowed = (p) => Boolean(p && p.original);
  function webSizeName(file) {
    const base = file.replace(/\.[^.]*$/, '');
    return `${base || 'photo'}-web.jpg`;
  }
  function showDownloadControl(p) {
    closeDownloadMenu();
    ui.lbDownload.hidden = !webSizeAllowed(p);
  }
  function toggleDownloadMenu() {
    if (ui.lbMenu.hidden) openDownloadMenu();
    else closeDownloadMenu();
  }
  function openDownloadMenu() {
    const t = session.tiles[lb.index];
    if (!t || !webSizeAllowed(t.photo)) return;
    const p = t.photo;
    say(ui.lbGetWebDetail, msg('save.webDetail', { width: String(p.preview.width), height: String(p.preview.height) }));
    say(ui.lbGetOriginalDetail, msg('save.originalDetail', { size: fileSize(p.original.bytes) }));
    ui.lbMenu.hidden = false;
    ui.lbDownload.setAttribute('aria-expanded', 'true');
    ui.lbGetWeb.focus();
  }
  function closeDownloadMenu({ refocus = false } = {}) {
    if (ui.lbMenu.hidden) return false;
    ui.lbMenu.hidden = true;
    ui.lbDownload.setAttribute('aria-expanded', 'false');
    if (refocus) ui.lbDownload.focus();
    return true;
  }
  function downloadChosenOriginal() {
    closeDownloadMenu({ refocus: true });
    downloadPhoto();
  }
  async function downloadWebSize() {
    closeDownloadMenu({ refocus: true });
    const t = session.tiles[lb.index];
    if (!t || !webSizeAllowed(t.photo) || session.download) return;
    const p = t.photo;
    const name = webSizeName(p.file);
    const ready = session.webReady;
    session.webReady = null;
    if (ready && ready.file.name === name) { shareAgain(ready.file, (done, total, message) => lbSay(message)); return; }
    lbSay(msg('save.preparing', { file: name }));
    try {
      const jpeg = await openPhoto(p, PREVIEW, session.epoch);
      const file = new File([jpeg], name, { type: 'image/jpeg' });
      const said = await shareOrSave(file, p.n);
      // A share sheet that needs a second tap: kept for this button, not
      // for the original's.
      if (session.shareReady && session.shareReady.file === file) {
        session.webReady = session.shareReady;
        session.shareReady = null;
      }
      lbSay(said);
    } catch (e) {
      lbSay(codeOf(e) === 'notshared' ? DOWNLOAD_MESSAGES.notshared : msg('save.failed'));
    }
  }

  // -------------------------------------------------------------- alt text
  // What a screen reader says for a photo (its tile, its picture in the
  // grid and in the lightbox): the caption when it has one, else where it
  // is ("Photo 3 of 25, " and the album's name); a file name tells a
  // listener nothing. (No example album name here: the leak test would
  // find the sample shoot's in this public file.)
  const photoPlaces = { manifest: null, places: new Map() };
  function photoAlt(p) {
    const caption = p.caption && p.caption.trim();
    if (caption) return caption;
    if (photoPlaces.manifest !== session.manifest) {
      photoPlaces.manifest = session.manifest;
      photoPlaces.places = new Map();
      const albums = session.manifest ? session.manifest.albums : [];
      for (const album of albums) {
        album.photos.forEach((photo, i) => photoPlaces.places.set(photo, { number: i + 1, total: album.photos.length, album: albumName(album.name) }));
      }
    }
    const place = photoPlaces.places.get(p);
    if (!place) return p.file;
    const { number, total, album } = place;
    return album ? msg('photo.placeInAlbum', { number, total, album }) : msg('photo.place', { number, total });
  }
