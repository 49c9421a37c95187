  // --------------------------------------------------------------- viewing
  // Two ways of looking at the photos in the lightbox: a slideshow, and
  // full screen.

  // ------------------------------------------------------------- slideshow
  // Play shows the album's photos one after another, SLIDE_MS each, from
  // the photo in the lightbox; it stops at the last photo and says so.
  // Pause (the same button, or P) stops it; a step by hand (arrows, swipe,
  // the side buttons) starts that photo's time afresh; the note dialog,
  // the lightbox closing or the tab being hidden stop it.
  const SLIDE_MS = (() => {
    // The tests shorten it by setting `window.lightproofTestSlideMs` (ms)
    // before this script runs; it is never lengthened.
    const asked = window.lightproofTestSlideMs;
    return Number.isSafeInteger(asked) && asked > 0 ? Math.min(asked, 4000) : 4000;
  })();
  const slides = { playing: false, timer: 0 };

  function toggleSlides() {
    if (slides.playing) pauseSlides('Slideshow paused.');
    else playSlides();
  }
  function playSlides() {
    if (slides.playing || !ui.lb.open) return;
    slides.playing = true;
    showSlidesState();
    lbSay(`Slideshow: a photo every ${SLIDE_MS / 1000} seconds. P or Pause stops it.`);
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
        pauseSlides('End of the album: the slideshow has stopped.');
        return;
      }
      lb.dir = 1;
      showPhoto(lb.index + 1);
      nextSlideLater();
    }, SLIDE_MS);
  }
  function showSlidesState() {
    ui.lbPlay.setAttribute('aria-pressed', String(slides.playing));
    ui.lbPlay.setAttribute('aria-label', slides.playing ? 'Pause the slideshow' : 'Play a slideshow');
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
    else ui.lbFrame.requestFullscreen().catch(() => lbSay("This browser didn't allow full screen."));
  }
  function leaveFullScreen() {
    if (document.fullscreenElement === ui.lbFrame) document.exitFullscreen().catch(() => {});
  }
  function showFullScreenState() {
    const full = document.fullscreenElement === ui.lbFrame;
    ui.lbFull.setAttribute('aria-pressed', String(full));
    ui.lbFull.setAttribute('aria-label', full ? 'Leave full screen' : 'Full screen');
  }
