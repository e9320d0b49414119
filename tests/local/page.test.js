/*
 * page.test.js - the page (static/) in a real browser against the whole app
 * run by `scribblectl local`: Debian's chromium driven by playwright-core
 * (browser.js), the app started and stopped by local_app.js, and the
 * server's canvas read from /_local/canvas.png and decoded by pngjs. People
 * draw as people do: clicks and taps on the canvas at computed positions,
 * the palette, the keyboard cursor and the Place button. Every wait is on a
 * condition with a deadline.
 *
 * Each test starts its own app (own scribble.ini and data directory, a port
 * the OS gives); the browser is shared. When a test fails, every open page's
 * screenshot and console, and the app's stderr, are saved under
 * $SCRIBBLE_TEST_BIN/artifacts/local/, and the stderr's tail is in the
 * failure message. The layout test saves its screenshots in any case.
 */
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const B = require('./browser');
const L = require('./local_app');

let browser = null;

test.before(async () => {
  browser = await B.launchBrowser();
});

test.after(async () => {
  if (browser) await browser.close();
});

/* ---- a scenario: one app, pages, evidence on failure --------------------------- */

/*
 * Runs body(s) with a scribble.ini for `canvas` and the app started on
 * `port` (0: one the OS gives); `id` names its artefacts. s.start(port)
 * starts it again (after s.app.stop()); s.open(name, device) opens a page
 * and waits until it is live; s.png() and s.pngAtLeast(seq) read the
 * server's canvas.
 */
async function scenario(id, canvas, body, { port = 0 } = {}) {
  const config = L.makeConfig(canvas);
  const s = {
    name: id,
    canvas,
    config,
    app: null,
    apps: [],
    pages: [],
    async start(onPort = port) {
      s.app = await L.LocalApp.start({ ini: config.ini, dataDir: config.dataDir, port: onPort });
      s.apps.push(s.app);
      return s.app;
    },
    async open(name, device = B.DESKTOP) {
      const page = await browser.newPage(name, device);
      s.pages.push(page);
      await B.openScribble(page, s.app.url);
      await B.waitForState(page, 'live', { timeout: 30000 });
      return page;
    },
    png: (options) => s.app.canvasPng(canvas, options),
    pngAtLeast: (seq, options) => s.app.canvasPngAtLeast(canvas, seq, options),
  };
  try {
    await s.start();
    await body(s);
    for (const page of s.pages) {
      assert.deepEqual(page.errors, [], `${page.scribbleName}: uncaught errors in the page`);
      /* The listener sends the CloudFront policy's Content-Security-Policy: the page must keep to it. */
      assert.deepEqual(page.consoleLines.filter((line) => /Content Security Policy/i.test(line)), [],
                       `${page.scribbleName}: the page did something its Content-Security-Policy forbids`);
    }
  } catch (error) {
    await browser.saveEvidence(id).catch(() => {});
    const dir = B.artifactsDir();
    s.apps.forEach((app, i) => {
      fs.writeFileSync(path.join(dir, `${B.artifactName(id, `scribblectl-${i + 1}`)}.stderr.txt`), app.stderrText);
    });
    if (s.app && error && typeof error.message === 'string')
      error.message += `\n${s.app.stderrTail()}\n(screenshots and logs in ${dir})`;
    throw error;
  } finally {
    await browser.closePages();
    /* SIGTERM first, so that it stops what it started (redis-server, the handlers); SIGKILL if it hangs. */
    for (const app of s.apps) await app.stop({ timeout: 20000 }).catch(() => app.kill());
    config.remove();
  }
}

/* ---- what a person does ----------------------------------------------------------- */

const $ = (page, id) => page.locator(`[data-testid=${id}]`);

/* The cursor's pixel, as the position element says it. */
async function cursorOf(page) {
  const text = await $(page, 'position').textContent();
  const match = /^x (\d+), y (\d+)/.exec(text);
  assert.ok(match, `${page.scribbleName}: the position element says "${text}"`);
  return { x: Number(match[1]), y: Number(match[2]) };
}

async function chooseColour(page, colour) {
  const swatch = $(page, `colour-${colour}`);
  await swatch.click();
  assert.equal(await swatch.getAttribute('aria-pressed'), 'true',
               `${page.scribbleName}: colour ${colour} is not shown as chosen after clicking it`);
}

/* Clears the message area, so that the next message is known to be new. */
function clearMessage(page) {
  return page.evaluate(() => {
    const message = document.querySelector('[data-testid=message]');
    message.textContent = '';
    delete message.dataset.kind;
  });
}

/*
 * Waits for the message area to say something new (after clearMessage);
 * returns {text, kind}.
 */
async function nextMessage(page, { timeout = 15000 } = {}) {
  const handle = await page.waitForFunction(() => {
    const message = document.querySelector('[data-testid=message]');
    const text = message.textContent.trim();
    if (!text || /^Placing /.test(text)) return null;
    return { text, kind: message.dataset.kind || 'info' };
  }, null, { timeout, polling: 50 });
  return handle.jsonValue();
}

/* Clicks (or taps) the canvas at pixel (x, y) and checks that the cursor went there. */
async function pressPixel(page, x, y, { touch = false } = {}) {
  const at = await B.pixelCentre(page, x, y);
  if (touch) await page.touchscreen.tap(at.x, at.y);
  else await page.mouse.click(at.x, at.y);
  const cursor = await cursorOf(page);
  assert.deepEqual(cursor, { x, y },
                   `${page.scribbleName}: a ${touch ? 'tap' : 'click'} at (${at.x}, ${at.y}) meant for pixel ` +
                   `(${x}, ${y}) (${at.scale} CSS px per pixel) put the cursor at (${cursor.x}, ${cursor.y})`);
}

/* A placement a person makes: the colour from the palette, a click on the pixel; the page says "Placed". */
async function placeByClick(page, x, y, colour, { touch = false } = {}) {
  if (colour !== undefined) await chooseColour(page, colour);
  await clearMessage(page);
  await pressPixel(page, x, y, { touch });
  await expectPlaced(page, x, y);
}

/*
 * With the keyboard: the arrows move the cursor to (x, y), ] and [ step the
 * colour, then the Place button (or Enter on the canvas) places.
 */
async function placeByKeyboard(page, x, y, colour, { using = 'button' } = {}) {
  const canvas = $(page, 'canvas');
  await canvas.focus();
  const from = await cursorOf(page);
  const moves = [[x - from.x, 'ArrowRight', 'ArrowLeft'], [y - from.y, 'ArrowDown', 'ArrowUp']];
  for (const [delta, plus, minus] of moves)
    for (let i = 0; i < Math.abs(delta); i++) await page.keyboard.press(delta > 0 ? plus : minus);
  assert.deepEqual(await cursorOf(page), { x, y }, `${page.scribbleName}: the arrow keys did not reach (${x}, ${y})`);
  const count = await page.locator('[data-testid^=colour-]').count();
  const chosen = Number(await page.locator('[data-testid^=colour-][aria-pressed=true]').getAttribute('data-colour'));
  for (let i = 0; i < (colour - chosen + count) % count; i++) await page.keyboard.press(']');
  assert.equal(await $(page, `colour-${colour}`).getAttribute('aria-pressed'), 'true',
               `${page.scribbleName}: ] did not step the colour to ${colour}`);
  await clearMessage(page);
  if (using === 'enter') await page.keyboard.press('Enter');
  else await $(page, 'place').click();
  await expectPlaced(page, x, y);
}

async function expectPlaced(page, x, y) {
  const message = await nextMessage(page);
  assert.deepEqual(message, { text: `Placed at x ${x}, y ${y}.`, kind: 'ok' },
                   `${page.scribbleName}: placing at (${x}, ${y})`);
}

/* Placed through the page's Session (window.scribble.session), as one batch; the page says "Placed." */
async function placeBatch(page, pixels, ref) {
  await clearMessage(page);
  const sent = await page.evaluate(([p, r]) => window.scribble.session.place(p, r), [pixels, ref]);
  assert.equal(sent, true, `${page.scribbleName}: the session did not send the batch`);
  assert.deepEqual(await nextMessage(page), { text: 'Placed.', kind: 'ok' }, `${page.scribbleName}: batch ${ref}`);
}

/* Keeps every answer the page's Session gets (placed, error) in window.answers. */
function recordAnswers(page) {
  return page.evaluate(() => {
    const session = window.scribble.session;
    const pass = session.onAnswer;
    window.answers = [];
    session.onAnswer = (message) => {
      window.answers.push(message);
      pass(message);
    };
  });
}

async function answerFor(page, ref, { timeout = 15000 } = {}) {
  const handle = await page.waitForFunction((r) => (window.answers || []).find((a) => a.ref === r) || null,
                                            ref, { timeout, polling: 50 });
  return handle.jsonValue();
}

/* ---- canvases compared ---------------------------------------------------------------- */

function rgbOfPage(canvas) {
  return L.coloursToRgb(canvas.depth, canvas.colours);
}

/* Waits until the page holds `want` (0xRRGGBB per pixel) with no gap in its seqs; returns its canvas. */
async function waitForCanvas(page, width, want, { timeout = 30000, what = 'the expected canvas' } = {}) {
  let last = null;
  await L.waitFor(async () => {
    last = await B.canvasOf(page);
    return !last.gap && L.differences(width, rgbOfPage(last), want) === null;
  }, {
    timeout,
    message: () => `${page.scribbleName} never showed ${what} (known ${last && last.known}, highest ` +
                   `${last && last.highest}): ${last ? L.differences(width, rgbOfPage(last), want) || 'a gap in its seqs' : 'no canvas'}`,
  });
  return last;
}

function expectedCanvas(canvas, placements) {
  const colours = new Array(canvas.width * canvas.height).fill(0);
  for (const p of placements) colours[p.y * canvas.width + p.x] = p.colour;
  return L.coloursToRgb(canvas.depth, colours);
}

function assertSameCanvas(width, got, want, what) {
  const diff = L.differences(width, got, want);
  assert.equal(diff, null, `${what}: ${diff}`);
}

/* A small deterministic generator, so that a failing run can be repeated. */
function random(seed) {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.floor((s / 2 ** 32) * n);
  };
}

/* ---- the tests ------------------------------------------------------------------------ */

test('pixels one page places appear on a second page and on a page that joins late',
     { timeout: 180000 }, () => scenario('draw-and-see', { width: 16, height: 12, depth: 4, cooldown: 0, max_batch: 100 }, async (s) => {
  const { canvas } = s;
  const a = await s.open('drawer');
  const b = await s.open('watcher');
  const start = await B.canvasOf(a);
  assert.deepEqual(start.colours, new Array(16 * 12).fill(0), 'a new canvas is blank');
  const startPng = await s.png();
  assert.equal(start.known, startPng.seq, 'the page caught up to the server\'s seq');

  const placements = [
    { x: 0, y: 0, colour: 5, how: 'click' },
    { x: 15, y: 11, colour: 13, how: 'click' },
    { x: 7, y: 5, colour: 10, how: 'click' },
    { x: 8, y: 5, colour: 3, how: 'button' },
    { x: 8, y: 7, colour: 8, how: 'enter' },
    { x: 7, y: 5, colour: 14, how: 'click' }, /* over an earlier one */
    { x: 3, y: 9, colour: 1, how: 'click' },
  ];
  for (const p of placements) {
    if (p.how === 'click') await placeByClick(a, p.x, p.y, p.colour);
    else await placeByKeyboard(a, p.x, p.y, p.colour, { using: p.how });
  }
  const want = expectedCanvas(canvas, placements);

  const drawer = await waitForCanvas(a, canvas.width, want, { what: 'its own placements' });
  const watcher = await waitForCanvas(b, canvas.width, want, { what: 'the drawer\'s placements' });
  assert.equal(drawer.known, start.known + placements.length, 'every placement got one seq, in a row');
  assert.equal(watcher.known, drawer.known);

  const png = await s.pngAtLeast(drawer.known);
  assert.equal(png.seq, drawer.known, 'X-Scribble-Seq is the last placement');
  assertSameCanvas(canvas.width, png.rgb, want, '/_local/canvas.png against the placements');

  const late = await s.open('latecomer');
  const joined = await waitForCanvas(late, canvas.width, want, { what: 'the canvas so far' });
  assert.equal(joined.known, png.seq, 'the late page caught up to the server\'s seq');

  for (const page of [a, b, late]) await B.waitForRendered(page);
  await B.screenshot(late, s.name, 'latecomer');
}));

test('four pages drawing at once all end with the server\'s canvas',
     { timeout: 240000 }, () => scenario('together', { width: 24, height: 16, depth: 8, cooldown: 0, max_batch: 100 }, async (s) => {
  const { canvas } = s;
  const pages = [];
  for (let i = 1; i <= 4; i++) pages.push(await s.open(`artist-${i}`));
  const before = await s.png();
  const BATCH = 5, CLICKS = 8;
  const placed = []; /* {x, y, colour} of every accepted placement, any order */

  await Promise.all(pages.map(async (page, i) => {
    const next = random(1000 + i);
    /* Half the clicks land in a 4x4 corner every page draws in, so pages overwrite each other. */
    const pixel = () => (next(2) ? { x: next(4), y: next(4) } : { x: next(canvas.width), y: next(canvas.height) });
    const batch = [];
    const taken = new Set();
    while (batch.length < BATCH) {
      const { x, y } = pixel();
      if (taken.has(`${x},${y}`)) continue;
      taken.add(`${x},${y}`);
      batch.push([x, y, next(256)]);
    }
    await placeBatch(page, batch, `batch-${i + 1}`);
    placed.push(...batch.map(([x, y, colour]) => ({ x, y, colour })));
    for (let k = 0; k < CLICKS; k++) {
      const { x, y } = pixel();
      const colour = next(256);
      await placeByClick(page, x, y, colour);
      placed.push({ x, y, colour });
    }
  }));

  const total = pages.length * (BATCH + CLICKS);
  const png = await s.pngAtLeast(before.seq + total);
  assert.equal(png.seq, before.seq + total, `${total} placements, one seq each`);
  for (const page of pages) {
    const got = await waitForCanvas(page, canvas.width, png.rgb, { what: '/_local/canvas.png' });
    assert.equal(got.known, png.seq, `${page.scribbleName} has every seq up to the server's`);
  }
  /* The server's canvas itself: a placed pixel has one of the colours placed there, the rest are blank. */
  const options = new Map();
  for (const p of placed) {
    const i = p.y * canvas.width + p.x;
    if (!options.has(i)) options.set(i, new Set());
    options.get(i).add(L.coloursToRgb(canvas.depth, [p.colour])[0]);
  }
  const blank = L.coloursToRgb(canvas.depth, [0])[0];
  png.rgb.forEach((rgb, i) => {
    const where = `(${i % canvas.width}, ${Math.floor(i / canvas.width)})`;
    if (options.has(i)) assert.ok(options.get(i).has(rgb), `${where} has a colour nobody placed there`);
    else assert.equal(rgb, blank, `${where} was never placed but is not blank`);
  });
  for (const page of pages) await B.waitForRendered(page);
}));

test('after scribblectl local restarts, an open page reconnects by itself and shows the same canvas',
     { timeout: 240000 }, async () => {
  const port = await L.freePort();
  await scenario('restart', { width: 10, height: 8, depth: 24, cooldown: 0, max_batch: 100 }, async (s) => {
    const { canvas } = s;
    assert.equal(s.app.port, port, 'it listens on the port given');
    const page = await s.open('stayer');
    const colours = ['#ff0000', '#00ff00', '#123456', '#fedcba'];
    const spots = [[0, 0], [9, 7], [4, 3], [5, 3]];
    for (let i = 0; i < spots.length; i++) {
      await $(page, 'colour-input').fill(colours[i]);
      await placeByClick(page, spots[i][0], spots[i][1]);
    }
    const want = expectedCanvas(canvas, spots.map(([x, y], i) => ({ x, y, colour: parseInt(colours[i].slice(1), 16) })));
    const drawn = await waitForCanvas(page, canvas.width, want, { what: 'its placements' });
    const saved = await s.pngAtLeast(drawn.known);
    assertSameCanvas(canvas.width, saved.rgb, want, '/_local/canvas.png before the restart');

    const stopped = await s.app.stop({ signal: 'SIGTERM' });
    assert.deepEqual(stopped, { code: 0, signal: null, leftovers: [] },
                     'SIGTERM: a clean exit with status 0, nothing of it left running');
    await page.waitForFunction(() => document.querySelector('[data-testid=status]').dataset.state !== 'live',
                               null, { timeout: 15000, polling: 100 });

    await s.start(port);
    await B.waitForState(page, 'live', { timeout: 60000 });
    assert.equal(await $(page, 'status').textContent(), 'Live');
    await waitForCanvas(page, canvas.width, want, { what: 'the canvas from before the restart' });
    const restored = await s.png();
    assertSameCanvas(canvas.width, restored.rgb, want, '/_local/canvas.png after the restart');

    /* The reconnected page still draws, and a new page sees all of it. */
    await $(page, 'colour-input').fill('#0000ff');
    await placeByClick(page, 1, 1);
    want[1 * canvas.width + 1] = 0x0000ff;
    const after = await waitForCanvas(page, canvas.width, want, { what: 'its placement after the restart' });
    const fresh = await s.open('newcomer');
    await waitForCanvas(fresh, canvas.width, want, { what: 'the canvas after the restart' });
    const png = await s.pngAtLeast(after.known);
    assertSameCanvas(canvas.width, png.rgb, want, '/_local/canvas.png after placing again');
    await B.waitForRendered(page);
    await B.waitForRendered(fresh);
  }, { port });
});

test('refused placements are shown to the person: cooldown, and pixels or colours out of range',
     { timeout: 180000 }, () => scenario('refused', { width: 8, height: 8, depth: 1, cooldown: 30, max_batch: 100 }, async (s) => {
  const { canvas } = s;
  const a = await s.open('cooler');
  await recordAnswers(a);
  assert.equal(await $(a, 'countdown').textContent(), 'Ready to place');
  await placeByClick(a, 2, 2, 1);
  const countdown = await a.waitForFunction(() => {
    const el = document.querySelector('[data-testid=countdown]');
    const m = /^Next pixel in (\d+) s$/.exec(el.textContent);
    return m && el.dataset.cooling === 'true' ? Number(m[1]) : null;
  }, null, { timeout: 5000, polling: 50 });
  const left = await countdown.jsonValue();
  assert.ok(left >= 25 && left <= 30, `the countdown says ${left} s after a placement with a 30 s cooldown`);
  const first = await s.png();

  /* A second click is refused by the page itself, which says why. */
  await clearMessage(a);
  await pressPixel(a, 3, 3);
  const refused = await nextMessage(a);
  assert.equal(refused.kind, 'error');
  assert.match(refused.text, /^Wait \d+ s before placing again\.$/);

  /*
   * The server's own refusal: a page that does not know its cooldown (as
   * after a clock jump) sends the pixel; the answer is shown.
   */
  await a.evaluate(() => { window.scribble.session.cooldownUntil = 0; });
  await a.waitForFunction(() => document.querySelector('[data-testid=countdown]').textContent === 'Ready to place',
                          null, { timeout: 5000, polling: 50 });
  await clearMessage(a);
  await pressPixel(a, 3, 3);
  const answer = await nextMessage(a);
  assert.equal(answer.kind, 'error', `the server's refusal is shown as an error: "${answer.text}"`);
  assert.match(answer.text, /^The pixel at x 3, y 3 was not placed: .+ \(Cooldown\)\.$/);
  const cooldown = (await a.evaluate(() => window.answers)).find((m) => m.type === 'error');
  assert.equal(cooldown.code, 'Cooldown');
  assert.ok(cooldown.retryAfterMs > 0 && cooldown.retryAfterMs <= 30000, `retryAfterMs ${cooldown.retryAfterMs}`);
  await a.waitForFunction(() => {
    const el = document.querySelector('[data-testid=countdown]');
    return el.dataset.cooling === 'true' && /^Next pixel in \d+ s$/.test(el.textContent);
  }, null, { timeout: 5000, polling: 50 });
  const stillFirst = await s.png();
  assert.equal(stillFirst.seq, first.seq, 'a refused placement takes no seq');
  assertSameCanvas(canvas.width, stillFirst.rgb, first.rgb, 'a refused placement changes nothing');
  await B.screenshot(a, s.name, 'cooldown');

  /* Out of range, through the page's Session: each answered with its error, shown, and nothing placed. */
  const b = await s.open('stray');
  await recordAnswers(b);
  for (const [pixels, ref, code] of [
    [[[canvas.width, 0, 1]], 'outside', 'PixelOutOfRange'],
    [[[0, canvas.height, 1]], 'below', 'PixelOutOfRange'],
    [[[0, 0, 2]], 'no-such-colour', 'ColourOutOfRange'],
  ]) {
    await clearMessage(b);
    assert.equal(await b.evaluate(([p, r]) => window.scribble.session.place(p, r), [pixels, ref]), true);
    const got = await answerFor(b, ref);
    assert.equal(got.type, 'error', `${JSON.stringify(pixels)}: ${JSON.stringify(got)}`);
    assert.equal(got.code, code, `${JSON.stringify(pixels)}: ${JSON.stringify(got)}`);
    const shown = await nextMessage(b);
    assert.equal(shown.kind, 'error');
    assert.ok(shown.text.startsWith(`${code}: `), `the page shows "${shown.text}" for ${code}`);
  }
  assert.equal((await s.png()).seq, first.seq, 'nothing out of range was placed');
  /* Refused messages start no cooldown: the next real placement goes through. */
  await placeByClick(b, 5, 5, 1);
  const last = await s.pngAtLeast(first.seq + 1);
  assert.equal(last.seq, first.seq + 1);
  await waitForCanvas(a, canvas.width, last.rgb, { what: 'the other page\'s placement' });
}));

test('the page fits a phone and a desktop screen: canvas, palette and controls',
     { timeout: 180000 }, () => scenario('layout', { width: 32, height: 24, depth: 8, cooldown: 0, max_batch: 100 }, async (s) => {
  const { canvas } = s;
  const devices = [['desktop', B.DESKTOP, false, [3, 4, 196]], ['phone', B.PHONE, true, [28, 20, 46]]];
  const pages = [];
  for (const [name, device, touch, [x, y, colour]] of devices) {
    const page = await s.open(name, device);
    pages.push(page);
    const { width } = device.viewport;
    const layout = await page.evaluate(() => {
      const box = (el) => { const r = el.getBoundingClientRect(); return { left: r.left, right: r.right, top: r.top, width: r.width, height: r.height }; };
      const q = (id) => document.querySelector(`[data-testid=${id}]`);
      return {
        scrollWidth: document.documentElement.scrollWidth,
        canvas: box(q('canvas')),
        palette: box(q('palette')),
        place: box(q('place')),
        status: box(q('status')),
        swatches: [...document.querySelectorAll('[data-testid^=colour-]')].map(box),
      };
    });
    assert.ok(layout.scrollWidth <= width, `${name}: the page is ${layout.scrollWidth} px wide on a ${width} px screen`);
    for (const what of ['canvas', 'palette', 'place', 'status']) {
      const b = layout[what];
      assert.ok(b.width > 0 && b.height > 0, `${name}: the ${what} is not shown (${JSON.stringify(b)})`);
      assert.ok(b.left >= 0 && b.right <= width, `${name}: the ${what} is off the screen (${JSON.stringify(b)})`);
    }
    assert.ok(layout.canvas.width >= Math.min(width, 1000) * 0.5,
              `${name}: the canvas is only ${layout.canvas.width} px wide on a ${width} px screen`);
    assert.equal(layout.swatches.length, 256, `${name}: depth 8 has 256 colours`);
    layout.swatches.forEach((b, i) => {
      assert.ok(b.width >= 12 && b.height >= 12, `${name}: colour ${i} is ${b.width}x${b.height} px`);
      assert.ok(b.left >= 0 && b.right <= width, `${name}: colour ${i} is off the screen (${JSON.stringify(b)})`);
    });
    const scale = (await B.pixelCentre(page, 0, 0)).scale;
    assert.ok(scale >= 4, `${name}: ${scale} CSS px per canvas pixel is too small to aim at`);
    await placeByClick(page, x, y, colour, { touch });
  }
  const placements = devices.map(([, , , [x, y, colour]]) => ({ x, y, colour }));
  const want = expectedCanvas(canvas, placements);
  for (const page of pages) {
    await waitForCanvas(page, canvas.width, want, { what: 'both placements' });
    await B.waitForRendered(page);
    await B.screenshot(page, s.name, page.scribbleName);
  }
}));
