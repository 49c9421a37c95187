  // --------------------------------------------------------------- viewing
  // Ways of looking at the photos in the lightbox: a slideshow, full
  // screen, and zoom.

  // ------------------------------------------------------------- slideshow
  // Play shows the album's photos one after another, SLIDE_MS each, from
  // the photo in the lightbox; it stops at the last photo and says so.
  // Pause (the same button, or P) stops it; a step by hand (arrows, swipe,
  // the side buttons) starts that photo's time afresh; the note dialog,
  // the lightbox closing or the tab being hidden stop it.
  const SLIDE_MS = testLowered('lightproofTestSlideMs', 4000); // the tests shorten it
  const slides = { playing: false, timer: 0 };

  function toggleSlides() {
    if (slides.playing) pauseSlides(msg('slides.paused'));
    else playSlides();
  }
  function playSlides() {
    if (slides.playing || !ui.lb.open) return;
    slides.playing = true;
    showSlidesState();
    lbSay(msg('slides.playing', { seconds: SLIDE_MS / 1000 }));
    nextSlideLater();
  }
  function pauseSlides(message) {
    clearTimeout(slides.timer);
    if (!slides.playing) return;
    slides.playing = false;
    showSlidesState();
    if (message) lbSay(message);
  }
  // After a step by hand: the new photo gets its whole time.
  function slideStepped() {
    if (slides.playing) nextSlideLater();
  }
  function nextSlideLater() {
    clearTimeout(slides.timer);
    slides.timer = setTimeout(() => {
      if (!slides.playing || !ui.lb.open) return;
      if (lb.index >= session.tiles.length - 1) {
        pauseSlides(msg('slides.ended'));
        return;
      }
      lb.dir = 1;
      showPhoto(lb.index + 1);
      nextSlideLater();
    }, SLIDE_MS);
  }
  function showSlidesState() {
    ui.lbPlay.setAttribute('aria-pressed', String(slides.playing));
    say(ui.lbPlay, msg(slides.playing ? 'lb.pause' : 'lb.play'), 'aria-label');
    ui.lbPlayIcon.setAttribute('d', slides.playing ? 'M8 5v14M16 5v14' : 'M8 5l11 7-11 7z');
  }

  // ----------------------------------------------------------- full screen
  // The lightbox's content fills the screen (a dialog itself cannot go
  // full screen), where the browser allows it: not on an iPhone, whose
  // Safari has no full screen for a page's elements; the button is hidden
  // there. Leaving the lightbox leaves full screen too.
  function canFillScreen() {
    return document.fullscreenEnabled === true && typeof ui.lbFrame.requestFullscreen === 'function';
  }
  function toggleFullScreen() {
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    else ui.lbFrame.requestFullscreen().catch(() => lbSay(msg('lb.noFullScreen')));
  }
  function leaveFullScreen() {
    if (document.fullscreenElement === ui.lbFrame) document.exitFullscreen().catch(() => {});
  }
  function showFullScreenState() {
    const full = document.fullscreenElement === ui.lbFrame;
    ui.lbFull.setAttribute('aria-pressed', String(full));
    say(ui.lbFull, msg(full ? 'lb.leaveFullScreen' : 'lb.fullScreen'), 'aria-label');
  }

  // ------------------------------------------------------------------ zoom
  // The photo alone zooms, never the page around it: double-click or the
  // wheel on a computer (around the pointer), two fingers on a phone
  // (around their middle), + and - and 0 on the keyboard. Zoomed, a drag
  // moves the photo instead of swiping to the next. A new photo, and
  // closing the lightbox, start again from the whole photo.
  const ZOOM_MAX = 4;
  const ZOOM_STEP = 2.5; // a double-click's zoom
  const zoom = { scale: 1, x: 0, y: 0, pointers: new Map(), drag: null, pinch: null };

  const isZoomed = () => zoom.scale > 1;
  function resetZoom() {
    zoom.scale = 1;
    zoom.x = 0;
    zoom.y = 0;
    zoom.drag = null;
    zoom.pinch = null;
    showZoom();
  }
  function showZoom() {
    ui.lbImage.style.transform = isZoomed() ? `translate(${zoom.x}px, ${zoom.y}px) scale(${zoom.scale})` : '';
    ui.lbStage.classList.toggle('is-zoomed', isZoomed());
  }
  // A point of the stage (client coordinates) from its centre, which is the
  // photo's centre before zooming.
  function fromCentre(clientX, clientY) {
    const r = ui.lbStage.getBoundingClientRect();
    return { x: clientX - r.left - r.width / 2, y: clientY - r.top - r.height / 2 };
  }
  // Zooms to `scale`, keeping the photo's point under `at` where it is.
  function zoomAt(scale, at) {
    const next = Math.min(ZOOM_MAX, Math.max(1, scale));
    const k = next / zoom.scale;
    zoom.x = at.x - k * (at.x - zoom.x);
    zoom.y = at.y - k * (at.y - zoom.y);
    zoom.scale = next;
    keepInView();
    showZoom();
  }
  // No pan further than the zoomed photo's edges (it is shown contained).
  function keepInView() {
    if (!isZoomed()) { zoom.x = 0; zoom.y = 0; return; }
    const r = ui.lbStage.getBoundingClientRect();
    const img = ui.lbImage;
    const ratio = img.naturalWidth && img.naturalHeight ? img.naturalWidth / img.naturalHeight : r.width / r.height;
    const shownW = Math.min(r.width, r.height * ratio);
    const shownH = Math.min(r.height, r.width / ratio);
    const limitX = Math.max(0, (shownW * zoom.scale - r.width) / 2);
    const limitY = Math.max(0, (shownH * zoom.scale - r.height) / 2);
    zoom.x = Math.min(limitX, Math.max(-limitX, zoom.x));
    zoom.y = Math.min(limitY, Math.max(-limitY, zoom.y));
  }
  function onZoomDoubleClick(e) {
    if (isZoomed()) resetZoom();
    else zoomAt(ZOOM_STEP, fromCentre(e.clientX, e.clientY));
  }
  function onZoomWheel(e) {
    e.preventDefault();
    zoomAt(zoom.scale * Math.exp(-e.deltaY * 0.002), fromCentre(e.clientX, e.clientY));
  }
  function onZoomKey(e) {
    if (e.key === '+' || e.key === '=') zoomAt(zoom.scale * 1.5, { x: 0, y: 0 });
    else if (e.key === '-') zoomAt(zoom.scale / 1.5, { x: 0, y: 0 });
    else if (e.key === '0') resetZoom();
    else return false;
    e.preventDefault();
    return true;
  }
  // Pointers on the stage: two make a pinch; one, zoomed, drags.
  function onZoomPointerDown(e) {
    zoom.pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (zoom.pointers.size === 2) {
      const [a, b] = [...zoom.pointers.values()];
      zoom.pinch = { distance: Math.hypot(a.x - b.x, a.y - b.y) || 1, scale: zoom.scale };
      zoom.drag = null;
    } else if (zoom.pointers.size === 1 && isZoomed()) {
      zoom.drag = { x: e.clientX - zoom.x, y: e.clientY - zoom.y };
    }
  }
  function onZoomPointerMove(e) {
    if (!zoom.pointers.has(e.pointerId)) return;
    zoom.pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (zoom.pinch && zoom.pointers.size === 2) {
      const [a, b] = [...zoom.pointers.values()];
      const distance = Math.hypot(a.x - b.x, a.y - b.y);
      zoomAt(zoom.pinch.scale * distance / zoom.pinch.distance, fromCentre((a.x + b.x) / 2, (a.y + b.y) / 2));
    } else if (zoom.drag) {
      zoom.x = e.clientX - zoom.drag.x;
      zoom.y = e.clientY - zoom.drag.y;
      keepInView();
      showZoom();
    }
  }
  function onZoomPointerUp(e) {
    zoom.pointers.delete(e.pointerId);
    if (zoom.pointers.size < 2) zoom.pinch = null;
    if (zoom.pointers.size === 0) zoom.drag = null;
  }
  // A swipe counts only on the whole photo, with one finger.
  const swipeAllowed = () => !isZoomed() && zoom.pointers.size <= 1 && !zoom.pinch;
