/*
 * browser.js - Debian's chromium (/usr/bin/chromium), driven through
 * playwright-core, for the page's tests: one headless browser per test file,
 * a fresh profile, no network of its own (no sync, no component updates, no
 * QUIC), closed at the end whatever happens. Also where screenshots and
 * other artefacts go ($SCRIBBLE_TEST_BIN/artifacts/local/) and the page-side
 * probes the tests share: status, the canvas the Session keeps, the pixels
 * the visible <canvas> shows, and where a canvas pixel is on the screen.
 */
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch (error) {
  throw new Error(`playwright-core is not installed in tests/node_modules (${error.message}): run scripts/setup`);
}

const CHROMIUM = process.env.SCRIBBLE_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

const DESKTOP = { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 };
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true };

function artifactsDir() {
  const base = process.env.SCRIBBLE_TEST_BIN || path.join(__dirname, '..');
  const dir = path.join(base, 'artifacts', 'local');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/* A file name from a test's and a page's names. */
function artifactName(...parts) {
  return parts.join('-').toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
}

/*
 * The browser. Playwright refuses --user-data-dir in args for launch(): it
 * gives every launch a fresh profile of its own, which it deletes on close;
 * TMPDIR points that (and Chromium's other scratch files) at a directory of
 * this launch, removed by close() too.
 */
async function launchBrowser() {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: scripts/setup installs Debian's chromium`);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'scribble-chromium-'));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    env: { ...process.env, TMPDIR: scratch, HOME: scratch },
    timeout: 60000,
  });
  return new Browser(browser, scratch);
}

class Browser {
  constructor(browser, scratch) {
    this.browser = browser;
    this.scratch = scratch;
    this.pages = [];
  }

  /*
   * A page in a context of its own (its own cookies, storage and connection),
   * as a separate person would have; its uncaught errors and console are kept.
   */
  async newPage(name, device = DESKTOP) {
    const context = await this.browser.newContext({ ...device });
    const page = await context.newPage();
    page.scribbleName = name;
    page.errors = [];
    page.consoleLines = [];
    page.on('pageerror', (error) => page.errors.push(error.stack || String(error)));
    page.on('console', (message) => page.consoleLines.push(`${message.type()}: ${message.text()}`));
    this.pages.push(page);
    return page;
  }

  /* Saves a screenshot of every open page and what each logged, e.g. when a test failed. */
  async saveEvidence(testName) {
    const dir = artifactsDir();
    for (const page of this.pages) {
      if (page.isClosed()) continue;
      const base = path.join(dir, artifactName(testName, page.scribbleName));
      await page.screenshot({ path: `${base}.png`, fullPage: true, timeout: 10000 }).catch(() => {});
      const log = [...page.consoleLines, ...page.errors.map((e) => `pageerror: ${e}`)].join('\n');
      fs.writeFileSync(`${base}.console.txt`, `${log}\n`);
    }
  }

  /* Closes every page's context opened since the last call. */
  async closePages() {
    const pages = this.pages;
    this.pages = [];
    await Promise.all(pages.map((p) => p.context().close().catch(() => {})));
  }

  async close() {
    await this.closePages();
    await this.browser.close().catch(() => {});
    fs.rmSync(this.scratch, { recursive: true, force: true });
  }
}

async function screenshot(page, testName, what, options = {}) {
  const file = path.join(artifactsDir(), `${artifactName(testName, what)}.png`);
  await page.screenshot({ path: file, fullPage: true, ...options });
  return file;
}

/* ---- the page, probed from inside ------------------------------------------ */

/* Loads the page and waits for it to have read config.json and built its canvas. */
async function openScribble(page, url, { timeout = 30000 } = {}) {
  await page.goto(url, { waitUntil: 'load', timeout });
  await page.waitForFunction(() => window.scribble && window.scribble.state, null, { timeout });
}

async function statusOf(page) {
  return page.locator('[data-testid=status]').getAttribute('data-state');
}

async function waitForState(page, state, { timeout = 30000 } = {}) {
  try {
    await page.waitForFunction(
      (want) => document.querySelector('[data-testid=status]').dataset.state === want,
      state, { timeout, polling: 100 });
  } catch (error) {
    const status = await page.locator('[data-testid=status]').textContent().catch(() => '?');
    const message = await page.locator('[data-testid=message]').textContent().catch(() => '?');
    throw new Error(`${page.scribbleName}: status never became "${state}" within ${timeout} ms ` +
                    `(data-state ${await statusOf(page).catch(() => '?')}, "${status}"; message "${message}")`);
  }
}

/*
 * What the page's Session holds: the canvas as colour values (palette
 * indices, or 0xRRGGBB at depth 24), its size, known (every seq up to it
 * received) and the highest seq seen.
 */
async function canvasOf(page) {
  return page.evaluate(() => {
    const s = window.scribble.state;
    return { width: s.width, height: s.height, depth: s.depth, colours: Array.from(s.colours),
             known: s.known, highest: s.highest, gap: s.hasGap() };
  });
}

/*
 * Where the page draws canvas pixel (x, y): the centre of its square in CSS px
 * relative to the viewport, from the page's view (window.scribble.view).
 */
async function pixelCentre(page, x, y) {
  return page.evaluate(([px, py]) => {
    const screen = document.querySelector('[data-testid=canvas]');
    const view = window.scribble.view;
    const rect = screen.getBoundingClientRect();
    return { x: rect.left + view.x + (px + 0.5) * view.scale, y: rect.top + view.y + (py + 0.5) * view.scale,
             scale: view.scale };
  }, [x, y]);
}

/*
 * Compares what the visible <canvas> shows at the centre of every canvas
 * pixel with the colour the Session holds for it (through the palette);
 * returns the pixels that differ (at most `limit`), [] when all agree.
 */
function renderedMismatches(page, limit = 10) {
  return page.evaluate((max) => {
    const P = window.ScribbleProtocol;
    const screen = document.querySelector('[data-testid=canvas]');
    const s = window.scribble.state;
    const dpr = screen.width / screen.clientWidth || 1;
    const view = window.scribble.view;
    const image = screen.getContext('2d').getImageData(0, 0, screen.width, screen.height).data;
    const bad = [];
    for (let y = 0; y < s.height && bad.length < max; y++) {
      for (let x = 0; x < s.width && bad.length < max; x++) {
        const dx = Math.floor(Math.round(view.x * dpr) + (x + 0.5) * view.scale * dpr);
        const dy = Math.floor(Math.round(view.y * dpr) + (y + 0.5) * view.scale * dpr);
        if (dx < 0 || dy < 0 || dx >= screen.width || dy >= screen.height) continue; /* off screen */
        const at = 4 * (dy * screen.width + dx);
        const shown = [image[at], image[at + 1], image[at + 2]];
        const want = P.rgbOf(s.depth, s.colours[y * s.width + x]);
        if (shown.some((c, i) => Math.abs(c - want[i]) > 3)) bad.push({ x, y, shown, want });
      }
    }
    return bad;
  }, limit);
}

/* Waits until the visible canvas shows exactly the Session's canvas. */
async function waitForRendered(page, { timeout = 10000 } = {}) {
  const deadline = Date.now() + timeout;
  let bad;
  for (;;) {
    bad = await renderedMismatches(page);
    if (bad.length === 0) return;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${page.scribbleName}: the <canvas> does not show the page's canvas: ${JSON.stringify(bad)}`);
}

module.exports = {
  launchBrowser, screenshot, artifactsDir, artifactName, openScribble, statusOf, waitForState,
  canvasOf, pixelCentre, renderedMismatches, waitForRendered, DESKTOP, PHONE,
};
