  // ---------------------------------------------------------- job limiter
  // Fetch + decrypt jobs, at most MAX_JOBS at once; urgent ones jump the queue.
  const queue = [];
  function schedule(job, urgent) {
    return new Promise((resolve, reject) => {
      const task = () => job().then(resolve, reject);
      if (urgent) queue.unshift(task); else queue.push(task);
      pump();
    });
  }
  function pump() {
    while (session.running < MAX_JOBS && queue.length) {
      const task = queue.shift();
      session.running++;
      task().finally(() => { session.running--; pump(); });
    }
  }

  // Fetches and decrypts one photo blob; resolves to a blob: URL of the JPEG.
  async function decryptPhoto(photo, kind, epoch) {
    const ref = kind === THUMB ? photo.thumb : photo.preview;
    const bytes = await fetchBytes(ref.path);
    if (epoch !== session.epoch) throw lpError('stale');
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
  const tileOf = new WeakMap();
  // Tiles within about a screen of the viewport get their thumbnail...
  const nearObserver = new IntersectionObserver(onNear, { rootMargin: '100% 0px' });
  // ...and lose it again (blob URL revoked) once they are far away.
  const farObserver = new IntersectionObserver(onFar, { rootMargin: '300% 0px' });
  const resizeObserver = new ResizeObserver(() => requestAnimationFrame(layout));

  function showGallery() {
    ui.title.textContent = session.manifest.title || 'Private gallery';
    ui.albumList.replaceChildren();
    const several = session.manifest.albums.length > 1;
    ui.albums.hidden = !several;
    if (several) {
      session.manifest.albums.forEach((album, i) => {
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
    ui.downloadOpen.hidden = !session.manifest.downloads;
    loadPicks();
    showAlbum(0);
    resizeObserver.observe(ui.grid);
    ui.title.focus({ preventScroll: true });
  }

  function showAlbum(i) {
    clearTiles();
    session.albumIndex = i;
    const whole = session.manifest.albums[i];
    const album = whole && {
      name: whole.name,
      photos: session.onlyPicks ? whole.photos.filter((p) => session.picks.has(pickKey(whole, p))) : whole.photos,
    };
    [...ui.albumList.querySelectorAll('.album-tab')].forEach((b, j) => {
      b.setAttribute('aria-pressed', String(j === i));
      if (j === i) b.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    });
    const count = album ? album.photos.length : 0;
    ui.summary.textContent = count === 0 ? 'There are no photos here yet.' : count + (count === 1 ? ' photo' : ' photos');
    if (!album) return;
    session.tiles = album.photos.map((photo, index) => {
      const b = el('button', 'tile');
      b.type = 'button';
      b.dataset.n = String(photo.n);
      b.dataset.blob = photo.thumb.path; // public ciphertext name, for tests
      b.setAttribute('aria-label', photoLabel(photo));
      b.addEventListener('click', () => openLightbox(index));
      const key = pickKey(album, photo);
      b.classList.toggle('picked', session.picks.has(key));
      const t = { photo, key, el: b, url: null, state: 'idle', near: false, gen: 0 };
      tileOf.set(b, t);
      return t;
    });
    ui.grid.replaceChildren(...session.tiles.map((t) => t.el));
    session.lastWidth = 0;
    layout();
    window.scrollTo(0, 0);
    for (const t of session.tiles) { nearObserver.observe(t.el); farObserver.observe(t.el); }
  }

  function clearTiles() {
    for (const t of session.tiles) {
      nearObserver.unobserve(t.el);
      farObserver.unobserve(t.el);
      unloadTile(t);
    }
    session.tiles = [];
    ui.grid.replaceChildren();
  }

  // Masonry: each tile goes to the shortest column; heights come from the
  // manifest, so nothing moves when the thumbnails arrive.
  function layout() {
    const width = ui.grid.clientWidth;
    if (!width || (width === session.lastWidth && session.tiles.length)) return;
    session.lastWidth = width;
    const cols = width < 560 ? 2 : Math.min(6, Math.max(3, Math.round(width / 280)));
    const gap = width < 560 ? 6 : 10;
    const colWidth = (width - gap * (cols - 1)) / cols;
    const heights = new Array(cols).fill(0);
    for (const t of session.tiles) {
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
    const epoch = session.epoch;
    const gen = ++t.gen; // an unload, or a newer load, makes this one stale
    const stale = () => epoch !== session.epoch || gen !== t.gen || !t.el.isConnected;
    schedule(async () => {
      if (stale() || !t.near) {
        if (gen === t.gen) t.state = 'idle';
        return;
      }
      t.state = 'loading';
      let url = null;
      try {
        url = await decryptPhoto(t.photo, THUMB, epoch);
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
    const epoch = session.epoch;
    const photo = session.tiles[index].photo;
    entry = { url: null, dropped: false, promise: null };
    entry.promise = schedule(() => decryptPhoto(photo, PREVIEW, epoch), true).then((url) => {
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
    const t = session.tiles[index];
    if (!t) return;
    lb.index = index;
    const token = ++lb.token;
    const p = t.photo;
    ui.lbCounter.textContent = (index + 1) + ' / ' + session.tiles.length;
    ui.lbCaption.textContent = p.caption || '';
    ui.lbCaption.hidden = !p.caption;
    ui.lbFile.textContent = p.file;
    ui.lbDownload.hidden = !p.original;
    if (p.original) ui.lbDownload.setAttribute('aria-label', `Download the original (${fileSize(p.original.bytes)})`);
    showPick(t);
    ui.lbPrev.disabled = index === 0;
    ui.lbNext.disabled = index === session.tiles.length - 1;
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
        if (token === lb.token && ahead >= 0 && ahead < session.tiles.length) preview(ahead).catch(() => {});
      });
  }

  function step(dir) {
    const next = lb.index + dir;
    if (!ui.lb.open || next < 0 || next >= session.tiles.length) return;
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
    const t = session.tiles[lb.index];
    if (t && t.el.isConnected) {
      t.el.scrollIntoView({ block: 'nearest' });
      t.el.focus({ preventScroll: true });
    }
  }

  // Swipes: left/right to move, down to close.
  function onPointerDown(e) {
    if (!e.isPrimary || (e.pointerType === 'mouse' && e.button !== 0)) return;
    session.swipe = { x: e.clientX, y: e.clientY };
  }
  function onPointerUp(e) {
    if (!session.swipe || !e.isPrimary) return;
    const dx = e.clientX - session.swipe.x;
    const dy = e.clientY - session.swipe.y;
    session.swipe = null;
    if (window.visualViewport && window.visualViewport.scale > 1.01) return; // pinch-zoomed: let it pan
    if (Math.abs(dx) > 50 && Math.abs(dx) > 1.5 * Math.abs(dy)) step(dx < 0 ? 1 : -1);
    else if (dy > 90 && dy > 1.5 * Math.abs(dx)) ui.lb.close();
  }

