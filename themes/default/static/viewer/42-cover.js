  // ------------------------------------------------------------------ cover
  // The first screen after unlocking: the cover photo (its preview), the
  // title, the day of the shoot and the studio, and "View gallery" (or a
  // swipe up, or the wheel), which uncovers the gallery and moves the focus
  // to its title; the gallery under the cover is inert until then. The
  // studio's accent colour, logo and font come from the manifest: the logo
  // and the font are encrypted blobs (kinds 2 and 3 of lp_open_photo), the
  // font is loaded with the FontFace API from the decrypted bytes, so no
  // file of the studio is ever public (docs/THEMES.md).
  const STUDIO_LOGO = 2;
  const STUDIO_FONT = 3;
  const TITLE_FONT = 'lightproof-studio'; // the family the decrypted font is registered as
  const cover = {
    box: $('cover'), photo: $('cover-photo'), logo: $('cover-logo'), studio: $('cover-studio'),
    title: $('cover-title'), date: $('cover-date'), view: $('cover-view'),
    font: null, // the FontFace added to document.fonts
  };

  // The cover photo: the manifest's `cover`, else the first photo.
  function coverPhoto(m) {
    const photos = m.albums.flatMap((a) => a.photos);
    return photos.find((p) => p.n === m.cover) || photos[0] || null;
  }
  // "14 June 2024", in the language's way of writing dates: a parameter
  // of a message (07-language.js); null without a date.
  function coverDate(iso) {
    if (typeof iso !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(iso)) return null;
    const [y, month, d] = iso.split('-').map(Number);
    return (lang) => new Date(y, month - 1, d).toLocaleDateString(lang, { day: 'numeric', month: 'long', year: 'numeric' });
  }

  function showCover() {
    const m = session.manifest;
    cover.box.hidden = false;
    document.documentElement.classList.add('cover-open');
    for (const part of galleryParts()) part.inert = true;
    const studio = m.studio && typeof m.studio === 'object' ? m.studio : {};
    say(cover.title, m.title || msg('page.title'));
    const count = m.albums.reduce((sum, a) => sum + a.photos.length, 0);
    const photos = msg('photos.count', { count });
    const date = coverDate(m.date);
    say(cover.date, date ? msg('cover.line', { date, photos }) : photos);
    const name = typeof studio.name === 'string' ? studio.name : '';
    cover.studio.textContent = name;
    cover.studio.hidden = !name;
    applyAccent(studio.accent);
    const epoch = session.epoch;
    const photo = coverPhoto(m);
    if (photo) {
      cover.photo.dataset.n = String(photo.n);
      openPhoto(photo, PREVIEW, epoch)
        .then(async (jpeg) => {
          const url = jpegUrl(jpeg);
          cover.photo.src = url;
          await decoded(cover.photo);
          if (epoch === session.epoch) cover.photo.classList.add('shown');
        })
        .catch(() => { /* the cover stays its dark colour; the title says enough */ });
    }
    loadStudioFile(studio.logo, STUDIO_LOGO, epoch, showLogo);
    loadStudioFile(studio.font, STUDIO_FONT, epoch, useFont);
  }

  // Fetches and decrypts a studio file, then hands its bytes to `use`.
  function loadStudioFile(file, kind, epoch, use) {
    if (!file || typeof file.path !== 'string' || !BLOB_PATH.test(file.path) || typeof file.type !== 'string') return;
    fetchBytes(file.path)
      .then(async (bytes) => {
        if (epoch !== session.epoch) return;
        const plain = (await openInWorker(0, kind, bytes)) || checked(call('lp_open_photo', [0, kind], bytes));
        if (epoch === session.epoch) await use(plain, file.type, epoch);
      })
      .catch(() => { /* the gallery shows without it */ });
  }

  function showLogo(bytes, type, epoch) {
    const url = URL.createObjectURL(new Blob([bytes], { type }));
    liveUrls.add(url);
    cover.logo.src = url;
    say(cover.logo, cover.studio.textContent ? '' : msg('cover.logo'), 'alt');
    cover.logo.hidden = epoch !== session.epoch;
  }

  async function useFont(bytes, type, epoch) {
    const face = new FontFace(TITLE_FONT, bytes);
    await face.load();
    if (epoch !== session.epoch) return;
    document.fonts.add(face);
    cover.font = face;
    document.documentElement.style.setProperty('--title-font', `"${TITLE_FONT}", Georgia, serif`);
  }

  // The accent colour, with black or white text on it, whichever has the
  // higher contrast (WCAG 2 relative luminance).
  function applyAccent(accent) {
    const root = document.documentElement.style;
    if (typeof accent !== 'string' || !/^#[0-9a-f]{6}$/.test(accent)) {
      root.removeProperty('--accent');
      root.removeProperty('--accent-text');
      return;
    }
    root.setProperty('--accent', accent);
    root.setProperty('--accent-text', accentText(accent));
  }
  function accentText(hex) {
    const channel = (i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    const l = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
    return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? '#000000' : '#ffffff';
  }

  // The parts of the gallery under the cover.
  const galleryParts = () => [ui.gallery.querySelector('.topbar'), ui.gallery.querySelector('.gallery-main')];

  // "View gallery": the gallery, its title focused.
  function viewGallery() {
    if (cover.box.hidden) return;
    cover.box.hidden = true;
    document.documentElement.classList.remove('cover-open');
    for (const part of galleryParts()) part.inert = false;
    ui.title.focus({ preventScroll: true });
  }

  // Lock: nothing of the gallery or the studio stays in the page.
  function clearCover() {
    viewGallery();
    cover.photo.classList.remove('shown');
    cover.photo.removeAttribute('src');
    delete cover.photo.dataset.n;
    cover.logo.removeAttribute('src');
    cover.logo.hidden = true;
    say(cover.title, '');
    say(cover.date, '');
    cover.studio.textContent = '';
    cover.studio.hidden = true;
    if (cover.font) document.fonts.delete(cover.font);
    cover.font = null;
    const root = document.documentElement.style;
    for (const name of ['--title-font', '--accent', '--accent-text']) root.removeProperty(name);
  }

  cover.view.addEventListener('click', viewGallery);
  // Scrolling down, or swiping up, on the cover means "show me the photos".
  cover.box.addEventListener('wheel', (e) => { if (e.deltaY > 0) viewGallery(); }, { passive: true });
  let swipeFrom = null;
  cover.box.addEventListener('touchstart', (e) => { swipeFrom = e.touches.length === 1 ? e.touches[0].clientY : null; }, { passive: true });
  cover.box.addEventListener('touchend', (e) => {
    const to = e.changedTouches[0];
    if (swipeFrom !== null && to && swipeFrom - to.clientY > 40) viewGallery();
    swipeFrom = null;
  }, { passive: true });

  // The studio on the lock screen, when the photographer opted in
  // (lock_screen = "studio"): its logo is in the page as base64, shown
  // from a blob: URL (the CSP allows no data: image). Kept across Lock.
  (function showLockLogo() {
    const data = $('lock-logo-data');
    const img = $('lock-logo');
    const type = data && data.dataset.type;
    if (!img || !/^image\/(png|jpeg|webp|svg\+xml)$/.test(type || '')) return;
    try {
      const bytes = Uint8Array.from(atob(data.textContent.trim()), (c) => c.charCodeAt(0));
      img.src = URL.createObjectURL(new Blob([bytes], { type }));
      img.hidden = false;
    } catch (e) { /* the name says who it is */ }
  })();
