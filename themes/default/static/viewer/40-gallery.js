  // ------------------------------------------------------------- photos
  // Fetches one photo blob and decrypts it, in the Worker when there is one
  // (else here); resolves to the JPEG's bytes. `signal` cancels the fetch.
  async function openPhoto(photo, kind, epoch, signal) {
    const ref = kind === THUMB ? photo.thumb : photo.preview;
    const bytes = await fetchBytes(ref.path, signal ? { signal } : undefined);
    if (epoch !== session.epoch) throw lpError('stale');
    let jpeg;
    try {
      jpeg = await openInWorker(photo.n, kind, bytes);
    } catch (e) {
      if (codeOf(e) !== 'worker' || epoch !== session.epoch) throw e;
      return openPhoto(photo, kind, epoch, signal); // the Worker ended: here, from the start
    }
    if (epoch !== session.epoch) throw lpError('stale');
    return jpeg || checked(call('lp_open_photo', [photo.n, kind], bytes));
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
  const HEART_PX = 44; // a tile's favourite button, square: a finger's size

  // ---------------------------------------------------------------- gallery
  // The album's photos are laid out from the manifest's thumbnail sizes
  // (masonry: each photo goes to the shortest column), so the grid has its
  // whole height at once and any place in it can be scrolled to. Only the
  // tiles within a screen of the viewport are in the page, in photo order:
  // one scroll handler, once a frame, mounts that range of photos and
  // recycles the tiles that left it (their thumbnails' URLs revoked).
  const OVERSCAN = 1; // screens kept mounted above and below the viewport
  const SCRUB_MIN_SCREENS = 4; // albums taller than this get the scrubber
  const SCRUB_THUMB = 48; // px, the scrubber's handle
  const THUMB_JOBS = 8; // thumbnails fetched and decrypted at once
  // Scrolling on faster than this from frame to frame (px/ms, about 4
  // screens a second), the tiles on screen are gone before their
  // thumbnails could arrive: none is started until the scroll slows down
  // or SETTLE_MS pass without a scroll. A single jump (frames more than
  // FRAME_GAP_MS apart) loads at once.
  const FLING_SPEED = 3;
  const SETTLE_MS = 100;
  const FRAME_GAP_MS = 250;
  const number = (n) => new Intl.NumberFormat(language).format(n);

  // One photo of the album on screen (session.tiles[index]).
  class Entry {
    constructor(photo, key, index) {
      this.photo = photo;
      this.key = key;
      this.index = index;
      this.tile = null; // its button, while mounted
      this.heart = null; // its favourite button, while mounted
      this.url = null; // its thumbnail's blob: URL, while shown
      this.job = null; // { controller, cancelled }, while its thumbnail loads
      this.error = null; // why its thumbnail can't be shown
    }
  }

  const grid = {
    cols: [], // per column, the indices of its photos, top to bottom
    colOf: new Int32Array(0), rowOf: new Int32Array(0), // column, and place in it
    top: new Float64Array(0), height: new Float64Array(0), // px in the grid
    width: 0, colWidth: 0, gap: 0, total: 0,
    view: null, // the visible band at the last update (grid px)
    lo: 0, hi: -1, // the mounted photos
    pool: [], // tiles that left the page, for reuse
    hearts: [], // their favourite buttons, likewise
    current: 0, // the photo whose tile is the grid's one tab stop
    frame: 0, lastY: 0, lastT: 0, dir: 1, settle: 0,
    loading: 0, queue: [], // thumbnails loading, and next to load
  };
  const topbar = ui.gallery.querySelector('.topbar');
  const scrub = { box: $('scrubber'), thumb: $('scrubber-thumb'), label: $('scrubber-label'), drag: null, top: 0, span: 0, text: '' };
  const resizeObserver = new ResizeObserver(() => requestAnimationFrame(relayout));
  const actions = [ui.picksFilter, ui.picksSend, ui.downloadOpen, ui.lock];
  const actionsObserver = new ResizeObserver(fitActions);
  for (const e of [topbar, ...actions]) actionsObserver.observe(e);

  // A phone's row of buttons keeps to one row: where the words do not fit
  // (longer words in other languages, a count out of a limit, a 360 px
  // screen), the row goes compact: Lock shows its padlock and the count its
  // short form ("2/20"), each still named in full for screen readers.
  // Measured, not guessed per language: a word's width depends on the font.
  function fitActions() {
    const row = ui.lock.parentElement;
    row.classList.remove('compact');
    const shown = actions.filter((b) => b.offsetParent);
    const wraps = shown.some((b) => b.offsetTop >= shown[0].offsetTop + shown[0].offsetHeight / 2);
    row.classList.toggle('compact', wraps);
  }

  // What this password gives, said where the client sees it, so nobody
  // hunts for a button that is not there: how long the gallery stays open
  // (in the client's own date format) and whether originals come with it.
  function showAccess() {
    const m = session.manifest;
    const parts = [];
    if (m.expires) {
      const [y, month, d] = m.expires.split('-').map(Number);
      const date = (lang) => new Date(y, month - 1, d).toLocaleDateString(lang, { day: 'numeric', month: 'long', year: 'numeric' });
      parts.push(msg('gallery.until', { date }));
    }
    parts.push(msg(m.downloads ? 'gallery.downloads' : 'gallery.noDownloads'));
    say(ui.access, parts.length > 1 ? msg('gallery.access', { first: parts[0], second: parts[1] }) : parts[0]);
  }

  // The album tabs: "All photos" first (a gallery of several albums), then
  // each album. Tab `ALL` shows every photo of every album once, in
  // gallery order; favourites are keyed by each photo's own album.
  const ALL = -1;
  const ALL_PHOTOS = msg('gallery.allPhotos');
  // The name the build gives the photos at the top of a shoot without a
  // title (src/shoot/scan.rs, MAIN_ALBUM_NAME): shown in the client's
  // language, like an album without a name. Other names are the shoot's.
  const MAIN_ALBUM = 'Photos';
  const albumName = (name) => (!name || name === MAIN_ALBUM ? msg('gallery.photos') : name);
  function albumTab(className, name, count, i) {
    const b = el('button', className);
    b.type = 'button';
    b.dataset.album = String(i);
    const label = el('span', 'album-name');
    say(label, name);
    b.append(label, el('span', 'album-count', number(count)));
    b.addEventListener('click', () => showAlbum(i));
    const li = el('li');
    li.append(b);
    return li;
  }

  function showGallery() {
    say(ui.title, session.manifest.title || msg('page.title'));
    ui.albumList.replaceChildren();
    const albums = session.manifest.albums;
    const several = albums.length > 1;
    ui.albums.hidden = !several;
    if (several) {
      const total = albums.reduce((sum, a) => sum + a.photos.length, 0);
      ui.albumList.append(albumTab('album-all', ALL_PHOTOS, total, ALL));
      albums.forEach((album, i) => ui.albumList.append(albumTab('album-tab', albumName(album.name), album.photos.length, i)));
    }
    ui.unlock.hidden = true;
    ui.gallery.hidden = false;
    ui.downloadOpen.hidden = !session.manifest.downloads;
    showShareControl();
    showAccess();
    loadPicks();
    showCover();
    showAlbum(0);
    resizeObserver.observe(ui.grid);
    cover.title.focus({ preventScroll: true });
  }

  // Scrolls the album list sideways to show tab `b`; never the page (the
  // cover above stays where it is).
  function tabIntoView(b) {
    const list = ui.albumList.getBoundingClientRect();
    const tab = b.getBoundingClientRect();
    if (tab.left < list.left) ui.albumList.scrollLeft += tab.left - list.left - 16;
    else if (tab.right > list.right) ui.albumList.scrollLeft += tab.right - list.right + 16;
  }

  // The album shown as tab `i`: its name and [{ album, photo }] in order.
  function albumAt(i) {
    const albums = session.manifest.albums;
    if (i === ALL) return { name: ALL_PHOTOS, items: albums.flatMap((album) => album.photos.map((photo) => ({ album, photo }))) };
    const album = albums[i];
    return album && { name: album.name, items: album.photos.map((photo) => ({ album, photo })) };
  }

  function showAlbum(i) {
    clearTiles();
    session.albumIndex = i;
    const whole = albumAt(i);
    const items = whole && (session.onlyPicks ? whole.items.filter(({ album, photo }) => session.picks.has(pickKey(album, photo))) : whole.items);
    [...ui.albumList.querySelectorAll('.album-tab, .album-all')].forEach((b) => {
      const shown = Number(b.dataset.album) === i;
      b.setAttribute('aria-pressed', String(shown));
      if (shown) tabIntoView(b);
    });
    const count = items ? items.length : 0;
    say(ui.summary, count === 0 ? msg('gallery.empty') : msg('photos.count', { count }));
    if (!items) return;
    session.tiles = items.map(({ album, photo }, index) => new Entry(photo, pickKey(album, photo), index));
    ui.grid.dataset.count = String(count);
    window.scrollTo(0, 0);
    layout(true);
    update();
  }

  // Takes every tile out of the page (on another album, and on Lock).
  function clearTiles() {
    release(grid.lo, grid.hi);
    grid.lo = 0;
    grid.hi = -1;
    grid.queue = [];
    grid.pool = [];
    grid.hearts = [];
    grid.current = 0;
    grid.view = null;
    grid.lastY = 0;
    grid.lastT = 0;
    clearTimeout(grid.settle);
    scrub.text = '';
    session.tiles = [];
    ui.grid.replaceChildren();
    delete ui.grid.dataset.count;
    scrub.box.hidden = true;
  }
  // Lock: the Worker forgets its keys and goes.
  function closeGrid() {
    stopPhotoWorker();
    resizeObserver.disconnect();
  }

  // Masonry: each photo goes to the shortest column; heights come from the
  // manifest, so nothing moves when the thumbnails arrive.
  function layout(force) {
    const width = ui.grid.clientWidth;
    if (!width || (width === grid.width && !force)) return false;
    grid.width = width;
    const n = session.tiles.length;
    const count = width < 560 ? 2 : Math.min(6, Math.max(3, Math.round(width / 280)));
    grid.gap = width < 560 ? 6 : 10;
    grid.colWidth = (width - grid.gap * (count - 1)) / count;
    grid.cols = Array.from({ length: count }, () => []);
    grid.colOf = new Int32Array(n);
    grid.rowOf = new Int32Array(n);
    grid.top = new Float64Array(n);
    grid.height = new Float64Array(n);
    const heights = new Array(count).fill(0);
    for (let i = 0; i < n; i++) {
      const thumb = session.tiles[i].photo.thumb;
      const ratio = Math.min(2, Math.max(0.5, thumb.height / thumb.width)); // as shown
      let c = 0;
      for (let k = 1; k < count; k++) if (heights[k] < heights[c]) c = k;
      grid.colOf[i] = c;
      grid.rowOf[i] = grid.cols[c].length;
      grid.cols[c].push(i);
      grid.top[i] = heights[c];
      grid.height[i] = Math.round(grid.colWidth * ratio);
      heights[c] += grid.height[i] + grid.gap;
    }
    grid.total = Math.max(0, Math.max(...heights) - grid.gap);
    ui.grid.style.height = grid.total + 'px';
    for (let i = grid.lo; i <= grid.hi; i++) place(session.tiles[i]);
    return true;
  }
  // A new width: lay out again, keeping the first photo in view in view.
  function relayout() {
    if (!session.tiles.length || ui.gallery.hidden) return;
    const anchor = grid.view ? firstVisible(grid.view) : -1;
    if (!layout(false)) return;
    if (anchor > 0) window.scrollTo(0, scrollFor(grid.top[anchor]));
    update();
  }

  function place(e) {
    const i = e.index;
    const s = e.tile.style;
    s.left = (grid.colOf[i] * (grid.colWidth + grid.gap)).toFixed(1) + 'px';
    s.top = grid.top[i] + 'px';
    s.width = grid.colWidth.toFixed(1) + 'px';
    s.height = grid.height[i] + 'px';
    if (!e.heart) return;
    e.heart.style.left = (grid.colOf[i] * (grid.colWidth + grid.gap) + grid.colWidth - HEART_PX).toFixed(1) + 'px';
    e.heart.style.top = grid.top[i] + 'px';
  }

  // The part of the grid between the top bar and the bottom of the window,
  // in grid px, and where the grid starts in the page.
  function viewBand() {
    const gridTop = ui.grid.getBoundingClientRect().top;
    const head = Math.max(0, topbar.getBoundingClientRect().bottom);
    return { top: head - gridTop, bottom: window.innerHeight - gridTop, head, offset: gridTop + window.scrollY };
  }
  const screenOf = (view) => Math.max(1, view.bottom - view.top);
  // The window's scroll position that puts grid px `y` just under the top bar.
  const scrollFor = (y) => Math.max(0, y + grid.view.offset - grid.view.head);

  // The first index in `col` (whose tops only grow) for which `test` holds.
  function search(col, test) {
    let a = 0;
    let b = col.length;
    while (a < b) {
      const m = (a + b) >> 1;
      if (test(col[m])) b = m; else a = m + 1;
    }
    return a;
  }
  // The lowest and highest index of the photos between grid px y0 and y1.
  function rangeAt(y0, y1) {
    let lo = Infinity;
    let hi = -1;
    for (const col of grid.cols) {
      const a = search(col, (i) => grid.top[i] + grid.height[i] >= y0);
      const b = search(col, (i) => grid.top[i] > y1) - 1;
      if (a >= col.length || b < a) continue;
      lo = Math.min(lo, col[a]);
      hi = Math.max(hi, col[b]);
    }
    return hi < 0 ? [0, -1] : [lo, hi];
  }
  const firstVisible = (view) => rangeAt(view.top, view.bottom)[0];

  function onScroll() {
    if (!grid.frame) grid.frame = requestAnimationFrame(update);
  }

  // Once a frame while scrolling: reads the geometry first, then mounts,
  // recycles and queues; nothing here makes the browser lay out twice.
  function update() {
    if (grid.frame) cancelAnimationFrame(grid.frame);
    grid.frame = 0;
    if (!session.tiles.length || ui.gallery.hidden) return;
    const view = viewBand();
    grid.view = view;
    const y = window.scrollY;
    const now = performance.now();
    const since = now - grid.lastT;
    const fling = since < FRAME_GAP_MS && Math.abs(y - grid.lastY) / Math.max(1, since) > FLING_SPEED;
    if (y !== grid.lastY) grid.dir = y > grid.lastY ? 1 : -1;
    grid.lastY = y;
    grid.lastT = now;
    const screen = screenOf(view);
    const hadFocus = ui.grid.contains(document.activeElement);
    const [lo, hi] = rangeAt(view.top - screen * OVERSCAN, view.bottom + screen * OVERSCAN);
    remount(lo, hi);
    const stop = syncTabStop(view);
    if (hadFocus && !ui.grid.contains(document.activeElement) && stop) stop.focus({ preventScroll: true });
    clearTimeout(grid.settle);
    if (fling) {
      grid.queue = [];
      grid.settle = setTimeout(update, SETTLE_MS);
    } else {
      queueThumbnails(view);
    }
    showPosition(view);
  }

  // Mounts photos lo..hi, keeping the tiles in photo order in the page.
  function remount(lo, hi) {
    const oldLo = grid.lo;
    const oldHi = grid.hi;
    const overlap = lo <= hi && oldLo <= oldHi && lo <= oldHi && hi >= oldLo;
    if (!overlap) {
      release(oldLo, oldHi);
      if (lo <= hi) ui.grid.append(mountRange(lo, hi));
    } else {
      release(oldLo, lo - 1);
      release(hi + 1, oldHi);
      if (lo < oldLo) ui.grid.prepend(mountRange(lo, oldLo - 1));
      if (hi > oldHi) ui.grid.append(mountRange(oldHi + 1, hi));
    }
    grid.lo = lo;
    grid.hi = hi;
  }
  function mountRange(from, to) {
    const tiles = document.createDocumentFragment();
    for (let i = from; i <= to; i++) tiles.append(mountTile(session.tiles[i]), mountHeart(session.tiles[i]));
    return tiles;
  }
  function release(from, to) {
    for (let i = Math.max(0, from); i <= to && i < session.tiles.length; i++) unmountTile(session.tiles[i]);
  }

  function mountTile(e) {
    const b = grid.pool.pop() || el('button', 'tile');
    b.type = 'button';
    b.dataset.index = String(e.index);
    b.dataset.n = String(e.photo.n);
    b.dataset.blob = e.photo.thumb.path; // public ciphertext name, for tests
    b.dataset.file = e.photo.file; // for tests: the name is no longer the label
    say(b, photoAlt(e.photo), 'aria-label');
    b.tabIndex = e.index === grid.current ? 0 : -1;
    e.tile = b;
    place(e);
    if (e.error !== null) showTileError(e);
    return b;
  }
  // The favourite button over the tile's corner, a sibling of the tile (a
  // button cannot hold another). Not a Tab stop: the keyboard's F
  // favourites the photo in focus; a screen reader reaches it in reading
  // order, right after its photo.
  function mountHeart(e) {
    const h = grid.hearts.pop() || el('button', 'tile-heart');
    h.type = 'button';
    h.tabIndex = -1;
    h.dataset.heart = String(e.index);
    say(h, msg('tile.favourite', { photo: photoAlt(e.photo) }), 'aria-label');
    e.heart = h;
    place(e);
    showTilePick(e);
    return h;
  }
  function unmountTile(e) {
    if (!e.tile) return;
    cancelThumbnail(e);
    revoke(e.url);
    e.url = null;
    const b = e.tile;
    e.tile = null;
    b.remove();
    b.replaceChildren();
    b.classList.remove('has-error', 'picked');
    grid.pool.push(b);
    if (e.heart) {
      e.heart.remove();
      grid.hearts.push(e.heart);
      e.heart = null;
    }
  }
  function showTileError(e) {
    const problem = el('span', 'photo-error');
    say(problem, PHOTO_MESSAGES[e.error] || PHOTO_MESSAGES[5]);
    e.tile.replaceChildren(problem);
    e.tile.classList.add('has-error');
  }
  const indexOf = (target) => (target && target.parentNode === ui.grid && target.classList.contains('tile') && target.dataset.index ? Number(target.dataset.index) : -1);

  // ------------------------------------------------------------ thumbnails
  // What is on screen first (top to bottom), then what comes next in the
  // scroll direction, then the rest of the mounted range. A tile that
  // leaves the page cancels its thumbnail (fetch aborted, result dropped).
  function queueThumbnails(view) {
    const ranked = [];
    for (let i = grid.lo; i <= grid.hi; i++) {
      const e = session.tiles[i];
      if (!e.url && !e.job && e.error === null) ranked.push([rank(i, view), e]);
    }
    ranked.sort((a, b) => a[0] - b[0]);
    grid.queue = ranked.map((r) => r[1]);
    pumpThumbnails();
  }
  function rank(i, view) {
    const top = grid.top[i];
    const bottom = top + grid.height[i];
    if (bottom >= view.top && top <= view.bottom) return top - view.top;
    const below = top > view.bottom;
    const distance = below ? top - view.bottom : view.top - bottom;
    const ahead = below === (grid.dir > 0);
    return (ahead ? 1e7 : 2e7) + distance;
  }
  function pumpThumbnails() {
    while (grid.loading < THUMB_JOBS && grid.queue.length) {
      const e = grid.queue.shift();
      if (e.tile && !e.url && !e.job && e.error === null) loadThumbnail(e);
    }
  }
  async function loadThumbnail(e) {
    const job = { controller: new AbortController(), cancelled: false };
    const epoch = session.epoch;
    e.job = job;
    grid.loading++;
    let url = null;
    try {
      const jpeg = await openPhoto(e.photo, THUMB, epoch, job.controller.signal);
      if (job.cancelled) return;
      url = jpegUrl(jpeg);
      const img = el('img', 'tile-image');
      say(img, photoAlt(e.photo), 'alt');
      img.draggable = false;
      img.src = url;
      await decoded(img); // decoded before it is shown: no half-drawn tile
      if (job.cancelled) return;
      e.url = url;
      url = null;
      e.tile.replaceChildren(img);
    } catch (err) {
      if (job.cancelled || codeOf(err) === 'stale') return;
      e.error = codeOf(err);
      if (e.tile) showTileError(e);
    } finally {
      revoke(url);
      if (e.job === job) e.job = null;
      grid.loading--;
      pumpThumbnails();
    }
  }
  const thumbnailsLoading = () => grid.loading > 0 || grid.queue.length > 0;
  function cancelThumbnail(e) {
    if (!e.job) return;
    e.job.cancelled = true;
    e.job.controller.abort();
    e.job = null;
  }

  // --------------------------------------------------------------- keyboard
  // The grid is one tab stop (the photo last focused, or the first on
  // screen); arrows, Home/End and PageUp/PageDown move through every photo,
  // scrolling as needed; Enter or Space opens it.
  function syncTabStop(view) {
    let i = grid.current;
    const e = session.tiles[i];
    if (!e || !e.tile) {
      i = Math.max(grid.lo, firstVisible(view));
      grid.current = i;
    }
    for (let k = grid.lo; k <= grid.hi; k++) {
      const tile = session.tiles[k].tile;
      const want = k === i ? 0 : -1;
      if (tile.tabIndex !== want) tile.tabIndex = want;
    }
    return session.tiles[i] ? session.tiles[i].tile : null;
  }
  function onGridKey(ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
    const from = indexOf(ev.target);
    if (from < 0) return;
    if (ev.key === 'f') { ev.preventDefault(); toggleTilePick(from); return; }
    const to = keyTarget(from, ev.key);
    if (to === null) return;
    ev.preventDefault();
    focusPhoto(to);
  }
  function keyTarget(i, key) {
    const last = session.tiles.length - 1;
    const col = grid.cols[grid.colOf[i]];
    const row = grid.rowOf[i];
    const page = grid.view ? screenOf(grid.view) : window.innerHeight;
    switch (key) {
      case 'ArrowRight': return Math.min(i + 1, last);
      case 'ArrowLeft': return Math.max(i - 1, 0);
      case 'ArrowDown': return col[Math.min(row + 1, col.length - 1)];
      case 'ArrowUp': return col[Math.max(row - 1, 0)];
      case 'Home': return 0;
      case 'End': return last;
      case 'PageDown': return col[Math.min(Math.max(row + 1, search(col, (k) => grid.top[k] >= grid.top[i] + page)), col.length - 1)];
      case 'PageUp': return col[Math.max(Math.min(row - 1, search(col, (k) => grid.top[k] > grid.top[i] - page)), 0)];
      default: return null;
    }
  }
  // Scrolls photo `i` fully into view, mounts it, and focuses its tile.
  function focusPhoto(i) {
    if (!session.tiles[i]) return;
    grid.current = i;
    const view = viewBand();
    grid.view = view;
    const top = grid.top[i];
    const bottom = top + grid.height[i];
    const margin = grid.gap * 2;
    if (top < view.top) window.scrollTo(0, scrollFor(top - margin));
    else if (bottom > view.bottom) window.scrollTo(0, window.scrollY + bottom - view.bottom + margin);
    update();
    const e = session.tiles[i];
    if (e.tile) e.tile.focus({ preventScroll: true });
  }

  // --------------------------------------------------------------- scrubber
  // For long albums: a handle at the right edge to drag through the whole
  // album at once, labelled with the photo at the top of the screen. It is
  // a slider for assistive technology and the keyboard.
  function showPosition(view) {
    const screen = screenOf(view);
    const long = grid.total > SCRUB_MIN_SCREENS * screen;
    scrub.box.hidden = !long;
    if (!long) return;
    const fraction = Math.min(1, Math.max(0, view.top / Math.max(1, grid.total - screen)));
    scrub.top = view.head;
    scrub.span = Math.max(0, window.innerHeight - view.head - SCRUB_THUMB - 16);
    scrub.box.style.top = view.head + 'px';
    scrub.thumb.style.transform = `translateY(${(8 + fraction * scrub.span).toFixed(1)}px)`;
    const shown = Math.max(0, firstVisible(view)) + 1;
    const count = session.tiles.length;
    const key = `${session.albumIndex} ${shown} ${count}`;
    if (key === scrub.text) return;
    scrub.text = key;
    const album = session.manifest.albums.length > 1 ? albumName(albumAt(session.albumIndex).name) : null;
    scrub.label.textContent = `${album ? paramText(album) + ' · ' : ''}${number(shown)} / ${number(count)}`;
    scrub.thumb.setAttribute('aria-valuemax', String(count));
    scrub.thumb.setAttribute('aria-valuenow', String(shown));
    say(scrub.thumb, album ? msg('gallery.positionInAlbum', { album, shown, count }) : msg('gallery.position', { shown, count }), 'aria-valuetext');
  }
  function scrubTo(fraction) {
    if (!grid.view) return;
    const f = Math.min(1, Math.max(0, fraction));
    window.scrollTo(0, scrollFor(f * Math.max(0, grid.total - screenOf(grid.view))));
  }
  function onScrubDown(ev) {
    if (!ev.isPrimary || (ev.pointerType === 'mouse' && ev.button !== 0)) return;
    ev.preventDefault();
    scrub.thumb.setPointerCapture(ev.pointerId);
    const handleTop = scrub.thumb.getBoundingClientRect().top;
    scrub.drag = { grab: ev.clientY - handleTop };
    scrub.box.classList.add('is-dragging');
  }
  function onScrubMove(ev) {
    if (!scrub.drag) return;
    scrubTo((ev.clientY - scrub.drag.grab - scrub.top - 8) / Math.max(1, scrub.span));
  }
  function onScrubUp() {
    scrub.drag = null;
    scrub.box.classList.remove('is-dragging');
  }
  function onScrubKey(ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey || !grid.view) return;
    const screen = screenOf(grid.view);
    const row = grid.colWidth + grid.gap;
    const by = { ArrowDown: row, ArrowRight: row, ArrowUp: -row, ArrowLeft: -row, PageDown: screen, PageUp: -screen }[ev.key];
    if (by) window.scrollTo(0, window.scrollY + by);
    else if (ev.key === 'Home') scrubTo(0);
    else if (ev.key === 'End') scrubTo(1);
    else return;
    ev.preventDefault();
  }

  // The lightbox's history entry is taken back with history.back(): the
  // browser would then scroll to where the page was when it was pushed, and
  // the tile just focused would leave the page.
  history.scrollRestoration = 'manual';
  window.addEventListener('scroll', onScroll, { passive: true });
  window.addEventListener('resize', onScroll);
  ui.grid.addEventListener('keydown', onGridKey);
  ui.grid.addEventListener('click', (ev) => {
    const heart = ev.target.closest('.tile-heart');
    if (heart) { toggleTilePick(Number(heart.dataset.heart)); return; }
    const i = indexOf(ev.target.closest('.tile'));
    if (i >= 0) openLightbox(i);
  });
  ui.grid.addEventListener('focusin', (ev) => {
    const i = indexOf(ev.target);
    if (i < 0 || i === grid.current) return;
    const old = session.tiles[grid.current];
    if (old && old.tile) old.tile.tabIndex = -1;
    grid.current = i;
    ev.target.tabIndex = 0;
  });
  scrub.thumb.addEventListener('pointerdown', onScrubDown);
  scrub.thumb.addEventListener('pointermove', onScrubMove);
  scrub.thumb.addEventListener('pointerup', onScrubUp);
  scrub.thumb.addEventListener('pointercancel', onScrubUp);
  scrub.thumb.addEventListener('keydown', onScrubKey);

  // --------------------------------------------------------------- lightbox
  // previews: index -> { promise, url, dropped }; pushed: a history entry is
  // ours; backPending: our history.back() has not yet arrived (popstate);
  // pushAfterBack: the lightbox opened again meanwhile, and pushes its
  // entry once it has.
  const lb = { index: 0, dir: 1, token: 0, previews: new Map(), pushed: false, backPending: false, pushAfterBack: false };

  // The phone's Back button then closes the photo instead of the gallery.
  function pushPhotoEntry() {
    try { history.pushState({ lightproof: 'photo' }, ''); lb.pushed = true; } catch (e) { lb.pushed = false; }
  }

  function openLightbox(index) {
    if (!ui.lb.open) {
      ui.lb.showModal();
      // Not while the last close's history.back() is on its way: Chromium
      // would then still go back to the entry before it (and the popstate
      // close this photo), Firefox would drop the back.
      if (lb.backPending) lb.pushAfterBack = true;
      else pushPhotoEntry();
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
    entry.promise = openPhoto(photo, PREVIEW, epoch).then((jpeg) => {
      if (entry.dropped) throw lpError('stale');
      entry.url = jpegUrl(jpeg);
      return entry.url;
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
    resetZoom();
    ui.lbCounter.textContent = number(index + 1) + ' / ' + number(session.tiles.length);
    say(ui.lbSaid, ui.lbCounter.textContent); // read out, as the counter was
    if (!session.download) say(ui.lbStatus, '');
    ui.lbCaption.textContent = p.caption || '';
    ui.lbCaption.hidden = !p.caption;
    ui.lbFile.textContent = p.file;
    showDownloadControl(p);
    showPick(t);
    ui.lbPrev.disabled = index === 0;
    ui.lbNext.disabled = index === session.tiles.length - 1;
    ui.lbError.hidden = true;
    ui.lbStage.classList.remove('is-loaded', 'has-error');
    ui.lbStage.classList.add('is-loading');
    ui.lbImage.removeAttribute('src');
    say(ui.lbImage, photoAlt(p), 'alt');
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
        say(ui.lbError, PHOTO_MESSAGES[codeOf(e)] || PHOTO_MESSAGES[5]);
        ui.lbError.hidden = false;
      })
      .finally(() => {
        if (token === lb.token && ahead >= 0 && ahead < session.tiles.length) preview(ahead).catch(() => {});
      });
  }

  function step(dir) {
    const next = lb.index + dir;
    if (!ui.lb.open) return;
    if (next < 0 || next >= session.tiles.length) { // a clear end, not a wrap
      lbSay(msg(dir > 0 ? 'lb.last' : 'lb.first'));
      return;
    }
    lb.dir = dir;
    showPhoto(next);
    slideStepped();
  }

  function onLightboxClosed() {
    pauseSlides();
    leaveFullScreen();
    resetZoom();
    lb.token++;
    keepPreviews([]);
    ui.lbImage.removeAttribute('src');
    ui.lbPlaceholder.removeAttribute('src');
    document.documentElement.classList.remove('lightbox-open');
    lb.pushAfterBack = false;
    if (lb.pushed) { lb.pushed = false; lb.backPending = true; history.back(); }
    focusPhoto(lb.index); // its tile, scrolled into view
  }

  // Back (the phone's button, or our own history.back() after a close).
  function onHistoryBack() {
    if (lb.backPending) { // our own, after a close: the lightbox may be open again
      lb.backPending = false;
      if (lb.pushAfterBack && ui.lb.open) pushPhotoEntry();
      lb.pushAfterBack = false;
      return;
    }
    if (!ui.lb.open) return;
    lb.pushed = false; // Back already took our entry off
    ui.lb.close();
  }

  // Swipes: left/right to move, down to close.
  function onPointerDown(e) {
    if (!e.isPrimary || (e.pointerType === 'mouse' && e.button !== 0)) return;
    session.swipe = { x: e.clientX, y: e.clientY };
  }
  function onPointerUp(e) {
    if (!session.swipe || !e.isPrimary) return;
    if (!swipeAllowed()) { session.swipe = null; return; }
    const dx = e.clientX - session.swipe.x;
    const dy = e.clientY - session.swipe.y;
    session.swipe = null;
    if (window.visualViewport && window.visualViewport.scale > 1.01) return; // pinch-zoomed: let it pan
    if (Math.abs(dx) > 50 && Math.abs(dx) > 1.5 * Math.abs(dy)) step(dx < 0 ? 1 : -1);
    else if (dy > 90 && dy > 1.5 * Math.abs(dx)) ui.lb.close();
  }

