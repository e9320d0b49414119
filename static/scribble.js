/*
 * scribble.js - the page: reads config.json, shows the canvas that the
 * Session (protocol.js) keeps, and turns mouse, touch and keyboard input
 * into placements. It owns the view (zoom, pan, the cursor), the palette and
 * everything the page says. It must not interpret the protocol: seqs,
 * catch-up, gaps and reconnecting are the Session's; the page renders what
 * onChange reports and shows what onStatus and onAnswer say.
 *
 * The canvas is kept at one image pixel per canvas pixel in an offscreen
 * canvas (only changed pixels are rewritten) and drawn scaled, without
 * smoothing, onto the visible canvas, which fills its box at the screen's
 * own resolution: pixels stay crisp at every zoom.
 */
'use strict';

(() => {
  const P = globalThis.ScribbleProtocol;

  const ZOOM_STEP = 1.5;
  const MAX_PIXEL_SIZE = 64;      /* CSS px per canvas pixel, at most */
  const KEY_PAN = 64;             /* CSS px per Shift+arrow */
  const EDGE = 32;                /* CSS px of canvas kept on screen when panning */
  const ANSWER_WAIT_MS = 10000;   /* a placement unanswered this long no longer blocks the next */
  const TICK_MS = 250;
  const ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  const STATUS_TEXT = {
    loading: 'Loading…',
    connecting: 'Connecting…',
    'catching-up': 'Catching up…',
    live: 'Live',
    offline: 'Offline',
    unconfigured: 'Not connected',
  };

  const page = {
    config: null,
    state: null,
    session: null,
    width: 0,
    height: 0,
    depth: 0,
    picture: null,            /* the offscreen canvas: {canvas, context, image, words, wordOf} */
    screen: null,             /* the visible canvas and its 2D context */
    screenContext: null,
    dpr: 1,
    view: { scale: 1, x: 0, y: 0, fitted: false },   /* screen = view.x + pixel * view.scale (CSS px) */
    cursor: { x: 0, y: 0 },
    hover: null,
    colour: 0,
    status: { state: 'loading' },
    statusAt: 0,
    pending: null,            /* the placement awaiting its answer: {ref, x, y, at} */
    nextRef: 1,
    drawQueued: false,
  };

  const gesture = { pointers: new Map(), tap: null };

  /* For tests and the console: view is live (screen = view.x + pixel * view.scale, CSS px). */
  const exposed = { state: null, session: null, config: null, ready: null, view: page.view };
  window.scribble = exposed;

  const $ = (id) => document.getElementById(id);

  /* ---- starting ----------------------------------------------------------- */

  async function boot() {
    if (!P) throw new Error('protocol.js did not load.');
    const config = checkConfig(await loadConfig());
    exposed.config = page.config = config;
    ({ width: page.width, height: page.height, depth: page.depth } = config.canvas);
    exposed.state = page.state = new P.CanvasState(page.width, page.height, page.depth);
    page.cursor = { x: Math.floor(page.width / 2), y: Math.floor(page.height / 2) };
    setUpPicture();
    setUpScreen();
    buildPalette();
    bindInput();
    updatePosition();
    setInterval(tick, TICK_MS);
    if (!config.websocketUrl) {
      setStatus({ state: 'unconfigured' });
      showNotice('This deployment has no WebSocket API yet (websocketUrl is null in config.json), ' +
                 'so the canvas cannot be loaded or drawn on. Try again once the stack is fully up.',
                 'Drawing is off: this deployment has no WebSocket API yet.');
      return;
    }
    startSession(config.websocketUrl);
  }

  async function loadConfig() {
    let response;
    try {
      response = await fetch('config.json', { cache: 'no-store' });
    } catch (error) {
      throw new Error(`config.json could not be fetched (${error.message}).`);
    }
    if (!response.ok) throw new Error(`config.json could not be fetched (HTTP ${response.status}).`);
    try {
      return await response.json();
    } catch {
      throw new Error('config.json is not valid JSON.');
    }
  }

  function checkConfig(config) {
    const canvas = config && config.canvas;
    const whole = (n) => Number.isInteger(n) && n >= 1;
    if (!canvas || !whole(canvas.width) || !whole(canvas.height))
      throw new Error('config.json has no canvas width and height.');
    if (![1, 2, 4, 8, 24].includes(canvas.depth))
      throw new Error(`config.json's canvas depth ${canvas.depth} is not 1, 2, 4, 8 or 24.`);
    if (config.websocketUrl !== null && typeof config.websocketUrl !== 'string')
      throw new Error('config.json has no websocketUrl.');
    return config;
  }

  function startSession(websocketUrl) {
    exposed.session = page.session = new P.Session({
      websocketUrl,
      state: page.state,
      fetchSnapshot,
      onChange,
      onStatus: setStatus,
      onAnswer,
    });
    page.session.start();
  }

  function showFatal(error) {
    setStatus({ state: 'offline' });
    showNotice(`Scribble cannot start: ${error.message}`);
  }

  /* The notice over the canvas says it in full; the message area (aria-live) says it too, maybe shorter. */
  function showNotice(text, short = text) {
    const notice = $('notice');
    notice.textContent = text;
    notice.hidden = false;
    say(short, 'error');
  }

  /* ---- snapshots ---------------------------------------------------------- */

  /*
   * The Session's fetchSnapshot: url is relative to the page. decodePng reads
   * the palette indices from the PNG itself; a decoded <img> gives RGB, which
   * cannot tell apart the depth-8 palette entries that share a colour
   * (xterm's 0 and 16 are both black).
   */
  async function fetchSnapshot(url) {
    const href = new URL(url, document.baseURI).href;
    const response = await fetch(href);
    if (!response.ok) throw new Error(`snapshot ${href}: HTTP ${response.status}`);
    const png = await P.decodePng(new Uint8Array(await response.arrayBuffer()));
    checkSnapshotSize(href, png.width, png.height);
    return png.colours;
  }

  function checkSnapshotSize(href, width, height) {
    if (width !== page.width || height !== page.height)
      throw new Error(`snapshot ${href} is ${width}x${height}, the canvas ${page.width}x${page.height}`);
  }

  /* ---- the picture: one image pixel per canvas pixel ------------------------ */

  function setUpPicture() {
    const canvas = document.createElement('canvas');
    canvas.width = page.width;
    canvas.height = page.height;
    const context = canvas.getContext('2d');
    const image = context.createImageData(page.width, page.height);
    page.picture = {
      canvas,
      context,
      image,
      words: new Uint32Array(image.data.buffer),
      wordOf: wordMaker(page.depth),
    };
    paintAll();
  }

  /* ImageData's bytes are R, G, B, A; written as one 32-bit word, their order depends on the machine. */
  const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

  function packRgb(r, g, b) {
    return (LITTLE_ENDIAN ? (255 << 24) | (b << 16) | (g << 8) | r : (r << 24) | (g << 16) | (b << 8) | 255) >>> 0;
  }

  /* colour -> the ImageData word showing it; a table for the palette depths. */
  function wordMaker(depth) {
    const palette = P.palette(depth);
    if (!palette) return (colour) => packRgb((colour >> 16) & 255, (colour >> 8) & 255, colour & 255);
    const table = Uint32Array.from(palette, ([r, g, b]) => packRgb(r, g, b));
    return (colour) => (colour < table.length ? table[colour] : table[0]);
  }

  function onChange(indices) {
    if (indices === null) paintAll();
    else paintSome(indices);
    updatePosition();
  }

  function paintAll() {
    const { words, wordOf, context, image } = page.picture;
    const colours = page.state.colours;
    for (let i = 0; i < colours.length; i++) words[i] = wordOf(colours[i]);
    context.putImageData(image, 0, 0);
    requestDraw();
  }

  /* Rewrites the changed pixels and puts back only the rectangle around them. */
  function paintSome(indices) {
    const { words, wordOf, context, image } = page.picture;
    const colours = page.state.colours;
    let left = page.width, top = page.height, right = -1, bottom = -1;
    for (const i of indices) {
      words[i] = wordOf(colours[i]);
      const x = i % page.width, y = (i - x) / page.width;
      left = Math.min(left, x);
      right = Math.max(right, x);
      top = Math.min(top, y);
      bottom = Math.max(bottom, y);
    }
    if (right < 0) return;
    context.putImageData(image, 0, 0, left, top, right - left + 1, bottom - top + 1);
    requestDraw();
  }

  /* ---- the screen: the picture scaled, the cursor on top --------------------- */

  function setUpScreen() {
    page.screen = $('canvas');
    page.screenContext = page.screen.getContext('2d');
    page.screen.setAttribute('aria-label',
      `Canvas, ${page.width} by ${page.height} pixels. Arrow keys move the cursor, Enter or Space places.`);
    new ResizeObserver(resizeScreen).observe($('stage'));
    window.addEventListener('resize', resizeScreen);
    resizeScreen();
  }

  /* Matches the visible canvas's backing store to its box, keeping the view's centre. */
  function resizeScreen() {
    const screen = page.screen;
    const dpr = window.devicePixelRatio || 1;
    const width = Math.round(screen.clientWidth * dpr), height = Math.round(screen.clientHeight * dpr);
    if (width === screen.width && height === screen.height && dpr === page.dpr) return;
    const before = { width: screen.width / page.dpr, height: screen.height / page.dpr };
    screen.width = width;
    screen.height = height;
    page.dpr = dpr;
    if (!page.view.fitted) {
      fitView();
    } else {
      page.view.x += (screen.clientWidth - before.width) / 2;
      page.view.y += (screen.clientHeight - before.height) / 2;
      clampView();
    }
    draw();
  }

  function requestDraw() {
    if (page.drawQueued || !page.screen) return;
    page.drawQueued = true;
    requestAnimationFrame(draw);
  }

  function draw() {
    page.drawQueued = false;
    const context = page.screenContext, dpr = page.dpr, { scale, x, y } = page.view;
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, page.screen.width, page.screen.height);
    context.imageSmoothingEnabled = false;
    context.setTransform(scale * dpr, 0, 0, scale * dpr, Math.round(x * dpr), Math.round(y * dpr));
    context.drawImage(page.picture.canvas, 0, 0);
    context.setTransform(1, 0, 0, 1, 0, 0);
    if (page.hover) drawFrame(page.hover, 'rgba(255, 255, 255, 0.7)', 'rgba(0, 0, 0, 0.5)');
    drawFrame(page.cursor, '#ffffff', document.activeElement === page.screen ? '#0a58ca' : '#000000');
  }

  /* A two-tone frame around one pixel, visible on any colour and at any zoom. */
  function drawFrame(pixel, outer, inner) {
    const context = page.screenContext, dpr = page.dpr, { scale, x, y } = page.view;
    const size = Math.max(scale, 6);
    const left = (x + pixel.x * scale + (scale - size) / 2) * dpr;
    const top = (y + pixel.y * scale + (scale - size) / 2) * dpr;
    context.lineWidth = 2 * dpr;
    context.strokeStyle = outer;
    context.strokeRect(left - 2 * dpr, top - 2 * dpr, size * dpr + 4 * dpr, size * dpr + 4 * dpr);
    context.strokeStyle = inner;
    context.strokeRect(left, top, size * dpr, size * dpr);
  }

  /* ---- the view: zoom and pan ------------------------------------------------ */

  /* The scale showing the whole canvas; whole CSS px per pixel when that is at least 1. */
  function fitScale() {
    const fit = Math.min(page.screen.clientWidth / page.width, page.screen.clientHeight / page.height) * 0.95;
    return fit >= 1 ? Math.floor(fit) : fit;
  }

  function scaleLimits() {
    const fit = fitScale();
    return { min: fit / 2, max: Math.max(MAX_PIXEL_SIZE, fit) };
  }

  function fitView() {
    const view = page.view, screen = page.screen;
    if (!screen.clientWidth || !screen.clientHeight) return;
    view.scale = fitScale();
    view.x = Math.round((screen.clientWidth - page.width * view.scale) / 2);
    view.y = Math.round((screen.clientHeight - page.height * view.scale) / 2);
    view.fitted = true;
    requestDraw();
  }

  /* Zooms by factor keeping the canvas point under (sx, sy) (CSS px in the screen) in place. */
  function zoomAt(factor, sx, sy) {
    const view = page.view, { min, max } = scaleLimits();
    const scale = Math.min(max, Math.max(min, view.scale * factor));
    view.x = sx - ((sx - view.x) * scale) / view.scale;
    view.y = sy - ((sy - view.y) * scale) / view.scale;
    view.scale = scale;
    clampView();
    requestDraw();
  }

  function zoomAtCentre(factor) {
    zoomAt(factor, page.screen.clientWidth / 2, page.screen.clientHeight / 2);
  }

  function zoomAtCursor(factor) {
    const { scale, x, y } = page.view;
    zoomAt(factor, x + (page.cursor.x + 0.5) * scale, y + (page.cursor.y + 0.5) * scale);
  }

  function panBy(dx, dy) {
    page.view.x += dx;
    page.view.y += dy;
    clampView();
    requestDraw();
  }

  /* Keeps at least EDGE px of the canvas on screen. */
  function clampView() {
    const view = page.view, screen = page.screen;
    const clamp = (value, low, high) => Math.min(high, Math.max(low, value));
    view.x = clamp(view.x, EDGE - page.width * view.scale, screen.clientWidth - EDGE);
    view.y = clamp(view.y, EDGE - page.height * view.scale, screen.clientHeight - EDGE);
  }

  /* Pans so that the cursor's pixel is on screen, away from the edges. */
  function keepCursorVisible() {
    const view = page.view, screen = page.screen;
    const follow = (offset, pixel, length) => {
      const margin = Math.min(EDGE, length / 4);
      const start = offset + pixel * view.scale, end = start + view.scale;
      if (start < margin) return offset + margin - start;
      if (end > length - margin) return offset - (end - (length - margin));
      return offset;
    };
    view.x = follow(view.x, page.cursor.x, screen.clientWidth);
    view.y = follow(view.y, page.cursor.y, screen.clientHeight);
    requestDraw();
  }

  /* The canvas pixel at a point of the screen (CSS px), or null outside the canvas. */
  function pixelAt(point) {
    const { scale, x, y } = page.view;
    const px = Math.floor((point.x - x) / scale), py = Math.floor((point.y - y) / scale);
    if (px < 0 || py < 0 || px >= page.width || py >= page.height) return null;
    return { x: px, y: py };
  }

  /* ---- input: pointer (mouse, touch, pen), wheel, keys, buttons ---------------- */

  function bindInput() {
    const screen = page.screen;
    screen.addEventListener('pointerdown', onPointerDown);
    screen.addEventListener('pointermove', onPointerMove);
    screen.addEventListener('pointerup', onPointerUp);
    screen.addEventListener('pointercancel', onPointerCancel);
    screen.addEventListener('pointerleave', onPointerLeave);
    screen.addEventListener('wheel', onWheel, { passive: false });
    screen.addEventListener('keydown', onCanvasKey);
    screen.addEventListener('focus', requestDraw);
    screen.addEventListener('blur', requestDraw);
    $('zoom-in').addEventListener('click', () => zoomAtCentre(ZOOM_STEP));
    $('zoom-out').addEventListener('click', () => zoomAtCentre(1 / ZOOM_STEP));
    $('zoom-reset').addEventListener('click', fitView);
    $('place').addEventListener('click', () => placeAt(page.cursor.x, page.cursor.y));
  }

  function localPoint(event) {
    const rect = page.screen.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  }

  const distance = (a, b) => Math.hypot(a.x - b.x, a.y - b.y);

  /* How far a press may move and still be a tap rather than a drag. */
  const tapSlop = (event) => (event.pointerType === 'mouse' ? 4 : 10);

  function onPointerDown(event) {
    if (event.pointerType === 'mouse' && event.button !== 0) return;
    page.screen.setPointerCapture(event.pointerId);
    const point = localPoint(event);
    gesture.pointers.set(event.pointerId, point);
    gesture.tap = gesture.pointers.size === 1 ? { ...point, moved: false } : null;
    if (gesture.pointers.size > 1) page.screen.classList.add('dragging');
  }

  function onPointerMove(event) {
    const last = gesture.pointers.get(event.pointerId);
    const point = localPoint(event);
    if (!last) return hoverAt(event.pointerType === 'mouse' ? point : null);
    if (gesture.pointers.size === 1) {
      const tap = gesture.tap;
      if (tap && !tap.moved) {
        if (distance(tap, point) < tapSlop(event)) return;
        tap.moved = true;
        page.screen.classList.add('dragging');
      }
      panBy(point.x - last.x, point.y - last.y);
      gesture.pointers.set(event.pointerId, point);
    } else if (gesture.pointers.size === 2) {
      pinch(event.pointerId, point);
    }
  }

  /* Two pointers: the midpoint pans, the change of distance zooms around it. */
  function pinch(pointerId, point) {
    const measure = () => {
      const [a, b] = [...gesture.pointers.values()];
      return { mid: { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 }, span: distance(a, b) };
    };
    const before = measure();
    gesture.pointers.set(pointerId, point);
    const after = measure();
    panBy(after.mid.x - before.mid.x, after.mid.y - before.mid.y);
    if (before.span > 0 && after.span > 0) zoomAt(after.span / before.span, after.mid.x, after.mid.y);
  }

  function onPointerUp(event) {
    if (!gesture.pointers.has(event.pointerId)) return;
    const tap = gesture.pointers.size === 1 && gesture.tap && !gesture.tap.moved ? gesture.tap : null;
    endPointer(event.pointerId);
    if (!tap) return;
    const pixel = pixelAt(tap);
    if (!pixel) return;
    setCursor(pixel.x, pixel.y, false); /* the view stays put under a pointer */
    placeAt(pixel.x, pixel.y);
  }

  function onPointerCancel(event) {
    endPointer(event.pointerId);
  }

  function endPointer(pointerId) {
    gesture.pointers.delete(pointerId);
    gesture.tap = null; /* a finger left after a pinch pans, it does not tap */
    if (gesture.pointers.size === 0) page.screen.classList.remove('dragging');
  }

  function onPointerLeave(event) {
    if (event.pointerType === 'mouse') hoverAt(null);
  }

  function hoverAt(point) {
    const pixel = point && pixelAt(point);
    const same = pixel && page.hover ? pixel.x === page.hover.x && pixel.y === page.hover.y : pixel === page.hover;
    if (same) return;
    page.hover = pixel;
    requestDraw();
  }

  function onWheel(event) {
    event.preventDefault();
    const unit = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? 400 : 1; /* lines, pages */
    const point = localPoint(event);
    zoomAt(Math.exp(-event.deltaY * unit * 0.0015), point.x, point.y);
  }

  function onCanvasKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const arrow = ARROWS[event.key];
    if (arrow) {
      event.preventDefault();
      if (event.shiftKey) panBy(-arrow[0] * KEY_PAN, -arrow[1] * KEY_PAN);
      else setCursor(page.cursor.x + arrow[0], page.cursor.y + arrow[1]);
      return;
    }
    const action = {
      '+': () => zoomAtCursor(ZOOM_STEP),
      '=': () => zoomAtCursor(ZOOM_STEP),
      '-': () => zoomAtCursor(1 / ZOOM_STEP),
      _: () => zoomAtCursor(1 / ZOOM_STEP),
      0: fitView,
      Enter: () => placeAt(page.cursor.x, page.cursor.y),
      ' ': () => placeAt(page.cursor.x, page.cursor.y),
      '[': () => stepColour(-1),
      ']': () => stepColour(1),
    }[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  }

  function setCursor(x, y, follow = true) {
    page.cursor = {
      x: Math.min(page.width - 1, Math.max(0, x)),
      y: Math.min(page.height - 1, Math.max(0, y)),
    };
    if (follow) keepCursorVisible();
    else requestDraw();
    updatePosition();
  }

  function updatePosition() {
    const { x, y } = page.cursor;
    const colour = page.state.colourAt(x, y);
    setText($('position'), `x ${x}, y ${y} · ${colourName(colour)}`);
  }

  /* ---- the palette ----------------------------------------------------------- */

  function buildPalette() {
    const box = $('palette');
    const palette = P.palette(page.depth);
    if (!palette) return buildColourInput(box);
    box.classList.add(palette.length > 16 ? 'palette-grid' : 'palette-row');
    palette.forEach((rgb, colour) => box.append(swatch(rgb, colour)));
    box.addEventListener('click', onPaletteClick);
    box.addEventListener('keydown', onPaletteKey);
    selectColour(contrastingColour(palette));
  }

  function swatch(rgb, colour) {
    const button = document.createElement('button');
    const label = `colour ${colour}: ${hex(rgb)}`;
    button.type = 'button';
    button.className = 'swatch';
    button.style.backgroundColor = hex(rgb);
    button.dataset.colour = colour;
    button.dataset.testid = `colour-${colour}`;
    button.setAttribute('aria-label', label);
    button.setAttribute('aria-pressed', 'false');
    button.title = label;
    button.tabIndex = -1;
    return button;
  }

  /* 24-bit: any colour, from the browser's colour input. */
  function buildColourInput(box) {
    box.classList.add('palette-free');
    const label = document.createElement('label');
    const input = document.createElement('input');
    input.type = 'color';
    input.id = 'colour-input';
    input.dataset.testid = 'colour-input';
    input.value = '#ffffff';
    input.addEventListener('input', () => selectColour(parseInt(input.value.slice(1), 16)));
    label.append('Colour ', input);
    box.append(label);
    selectColour(0xffffff);
  }

  function onPaletteClick(event) {
    const button = event.target.closest('.swatch');
    if (button) selectColour(Number(button.dataset.colour));
  }

  /* Arrow keys, Home and End move the focus through the swatches (one tab stop for all of them). */
  function onPaletteKey(event) {
    const buttons = swatches();
    const at = buttons.indexOf(document.activeElement);
    if (at < 0) return;
    const columns = buttons.filter((b) => b.offsetTop === buttons[0].offsetTop).length || 1;
    const moves = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -columns, ArrowDown: columns };
    let target;
    if (event.key in moves) target = at + moves[event.key];
    else if (event.key === 'Home') target = 0;
    else if (event.key === 'End') target = buttons.length - 1;
    else return;
    event.preventDefault();
    focusSwatch(buttons[Math.min(buttons.length - 1, Math.max(0, target))]);
  }

  function focusSwatch(button) {
    for (const b of swatches()) b.tabIndex = b === button ? 0 : -1;
    button.focus();
  }

  function swatches() {
    return [...$('palette').querySelectorAll('.swatch')];
  }

  function selectColour(colour) {
    page.colour = colour;
    for (const button of swatches()) {
      const chosen = Number(button.dataset.colour) === colour;
      button.setAttribute('aria-pressed', String(chosen));
      button.tabIndex = chosen ? 0 : -1;
    }
    $('chosen').style.backgroundColor = hex(P.rgbOf(page.depth, colour));
    $('place').setAttribute('aria-label', `Place ${colourName(colour)} at the cursor`);
  }

  /* [ and ] on the canvas: the previous or next palette colour. */
  function stepColour(step) {
    const count = swatches().length;
    if (!count) return;
    const colour = (page.colour + step + count) % count;
    selectColour(colour);
    say(`Selected ${colourName(colour)}.`);
  }

  /* The default colour: the palette entry farthest from colour 0, the blank canvas. */
  function contrastingColour(palette) {
    const gap = ([r, g, b]) => (r - palette[0][0]) ** 2 + (g - palette[0][1]) ** 2 + (b - palette[0][2]) ** 2;
    return palette.reduce((best, rgb, colour) => (gap(rgb) > gap(palette[best]) ? colour : best), 0);
  }

  function hex(rgb) {
    return `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('').toUpperCase()}`;
  }

  function colourName(colour) {
    const rgb = hex(P.rgbOf(page.depth, colour));
    return page.depth === 24 ? rgb : `colour ${colour} (${rgb})`;
  }

  /* ---- placing ------------------------------------------------------------- */

  function placeAt(x, y) {
    const blocked = placeBlocker();
    if (blocked) return say(blocked, 'error');
    const ref = page.nextRef++;
    if (!page.session.place([[x, y, page.colour]], ref))
      return say('Not connected: the pixel was not sent. Try again once the page is live.', 'error');
    page.pending = { ref, x, y, at: Date.now() };
    say(`Placing ${colourName(page.colour)} at x ${x}, y ${y}…`);
    updateControls();
  }

  /* Why a placement cannot be made now, or null. */
  function placeBlocker() {
    if (!page.session) return 'Drawing is off: this deployment has no WebSocket API yet.';
    const state = page.status.state;
    if (state !== 'live' && state !== 'catching-up') return `Not connected (${statusText().toLowerCase()}).`;
    if (page.pending) return 'Waiting for the server to answer the last pixel.';
    const left = cooldownLeft();
    if (left > 0) return `Wait ${seconds(left)} s before placing again.`;
    return null;
  }

  function cooldownLeft() {
    return page.session ? Math.max(0, page.session.cooldownUntil - Date.now()) : 0;
  }

  function onAnswer(message) {
    const pending = page.pending;
    const ours = pending && (message.ref === pending.ref || (message.type === 'error' && message.ref === undefined));
    if (ours) page.pending = null;
    if (message.type === 'placed') {
      say(pending && ours ? `Placed at x ${pending.x}, y ${pending.y}.` : 'Placed.', 'ok');
    } else if (message.type === 'error') {
      const reason = message.message || 'no reason given';
      say(ours ? `The pixel at x ${pending.x}, y ${pending.y} was not placed: ${reason} (${message.code}).`
               : `${message.code}: ${reason}.`, 'error');
    }
    updateControls();
  }

  /* An answer that never comes (a lost connection) must not block placing for ever. */
  function expirePending() {
    if (!page.pending || Date.now() - page.pending.at < ANSWER_WAIT_MS) return;
    page.pending = null;
    say('No answer from the server for the last pixel; it may not have been placed.', 'error');
  }

  /* ---- what the page says ----------------------------------------------------- */

  function setStatus(status) {
    const before = page.status.state;
    page.status = status;
    page.statusAt = Date.now();
    if (page.pending && !['live', 'catching-up'].includes(status.state)) {
      page.pending = null;
      say('The connection dropped before the server answered; the last pixel may not have been placed.', 'error');
    }
    if (before !== status.state) $('status').dataset.state = status.state;
    updateControls();
  }

  function statusText() {
    const status = page.status;
    if (status.state !== 'reconnecting') return STATUS_TEXT[status.state] || status.state;
    const left = (status.retryInMs || 0) - (Date.now() - page.statusAt);
    const attempt = status.attempt > 1 ? ` (attempt ${status.attempt})` : '';
    return (left > 0 ? `Reconnecting in ${seconds(left)} s` : 'Reconnecting…') + attempt;
  }

  function tick() {
    expirePending();
    updateControls();
  }

  function updateControls() {
    setText($('status'), statusText());
    const left = cooldownLeft();
    const countdown = $('countdown');
    setText(countdown, !page.session ? '' : left > 0 ? `Next pixel in ${seconds(left)} s` : 'Ready to place');
    countdown.dataset.cooling = String(left > 0);
    const blocked = placeBlocker() !== null;
    $('place').setAttribute('aria-disabled', String(blocked));
    document.body.classList.toggle('blocked', blocked);
  }

  function say(text, kind = 'info') {
    const message = $('message');
    message.textContent = text;
    message.dataset.kind = kind;
  }

  function setText(element, text) {
    if (element.textContent !== text) element.textContent = text;
  }

  const seconds = (ms) => Math.ceil(ms / 1000);

  exposed.ready = boot().then(() => exposed);
  exposed.ready.catch(showFatal);
})();
