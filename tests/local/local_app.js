/*
 * local_app.js - `scribblectl local` for the page's tests: a scribble.ini of
 * the test's own (the repository's, with the canvas and [local] settings
 * changed) in a temporary directory, the app started on a port the OS gives
 * (or one given, for a restart), its "Scribble is running at URL" line read
 * against a deadline, its stderr kept for failure messages, and the process
 * always ended: stop() sends SIGTERM, waits for a clean exit and reports any
 * process it had started that outlived it; kill() and the exit of the test
 * process end it and everything it started (found through /proc) with
 * SIGKILL. Also the server's canvas, /_local/canvas.png,
 * decoded by pngjs, a decoder independent of the page's and the runtime's.
 */
'use strict';

const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const { PNG } = require('pngjs');

const SOURCE_DIR = process.env.SCRIBBLE_SOURCE_DIR || path.join(__dirname, '..', '..');
const P = require(path.join(SOURCE_DIR, 'static', 'protocol.js'));

const READY_LINE = /^Scribble is running at (http:\/\/[^\s/]+\/)\s*$/;
const STDERR_KEPT = 256 * 1024;

function scribblectl() {
  const file = process.env.SCRIBBLECTL;
  if (!file) throw new Error('SCRIBBLECTL is not set: run this test through ctest (tests/CMakeLists.txt sets it)');
  return file;
}

/* ---- scribble.ini ----------------------------------------------------------- */

/*
 * The repository's scribble.ini with `settings` ({section: {key: value}})
 * applied: a key's line in its section is replaced (commented-out "#key ="
 * lines too); a key the section lacks is added at the section's end.
 */
function editIni(text, settings) {
  const lines = text.split('\n');
  const left = {};
  for (const [section, keys] of Object.entries(settings)) left[section] = new Map(Object.entries(keys));
  const out = [];
  let section = null;
  const flush = () => {
    if (section && left[section]) {
      while (out.length && out[out.length - 1].trim() === '') out.pop();
      for (const [key, value] of left[section]) out.push(`${key} = ${value}`);
      out.push('');
      left[section].clear();
    }
  };
  for (const line of lines) {
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      flush();
      section = header[1].trim();
      out.push(line);
      continue;
    }
    const setting = /^\s*#?\s*([A-Za-z0-9_]+)\s*=/.exec(line);
    if (section && left[section] && setting && left[section].has(setting[1])) {
      out.push(`${setting[1]} = ${left[section].get(setting[1])}`);
      left[section].delete(setting[1]);
      continue;
    }
    out.push(line);
  }
  flush();
  for (const [name, keys] of Object.entries(left)) {
    if (!keys.size) continue;
    out.push(`[${name}]`);
    for (const [key, value] of keys) out.push(`${key} = ${value}`);
    out.push('');
  }
  return out.join('\n');
}

/*
 * A directory with a scribble.ini for a canvas of `canvas` ({width, height,
 * depth, cooldown, max_batch}) and a data directory inside it; checked with
 * `scribblectl validate`. Returns {dir, ini, dataDir, remove()}.
 */
function makeConfig(canvas, local = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scribble-local-'));
  const dataDir = path.join(dir, 'data');
  const ini = path.join(dir, 'scribble.ini');
  const text = fs.readFileSync(path.join(SOURCE_DIR, 'scribble.ini'), 'utf8');
  fs.writeFileSync(ini, editIni(text, {
    stack: { name: 'scribble-page-test' },
    canvas: { ...canvas },
    local: { bind: '127.0.0.1', port: 0, schedule_interval: 1, data_dir: dataDir, ...local },
  }));
  try {
    execFileSync(scribblectl(), ['-c', ini, 'validate'], { stdio: 'pipe', env: childEnv() });
  } catch (error) {
    throw new Error(`scribblectl validate refused the test's ${ini}:\n${error.stderr || error.message}`);
  }
  return { dir, ini, dataDir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/* The environment of scribblectl: no AWS_* of the developer's (nothing may reach real AWS). */
function childEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
  env.AWS_EC2_METADATA_DISABLED = 'true';
  env.SCRIBBLE_STATIC_DIR = path.join(SOURCE_DIR, 'static'); /* the page under test, wherever the build is */
  env.no_proxy = env.NO_PROXY = ['127.0.0.1', 'localhost', env.no_proxy].filter(Boolean).join(',');
  return env;
}

/* A port that was free a moment ago: bound on 127.0.0.1 port 0, read, closed. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/* ---- the process --------------------------------------------------------------- */

const running = new Set();
process.on('exit', () => {
  for (const app of running) {
    if (!app.running) continue;
    killPid(app.child.pid, 'SIGSTOP');
    for (const p of descendants(app.child.pid)) killPid(p.pid, 'SIGKILL');
    app.killGroup('SIGKILL');
  }
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => process.exit(130)); /* 'exit' above ends what was started */
}

/* What AddressSanitizer and UBSan print; either fails a test. */
const SANITIZER_MARKERS = ['Sanitizer', 'runtime error:'];

class LocalApp {
  /*
   * Starts `scribblectl -c ini local --port port --data-dir dataDir
   * --schedule-interval 1` (port 0: the OS picks) and resolves once it has
   * printed its URL line; rejects, with its stderr, if it exits first or
   * says nothing within `timeout` ms (and then it is killed).
   */
  static async start({ ini, dataDir, port = 0, scheduleInterval = 1, timeout = 60000 }) {
    const app = new LocalApp();
    app.dataDir = dataDir;
    const args = ['-c', ini, 'local', '--port', String(port), '--data-dir', dataDir,
                  '--schedule-interval', String(scheduleInterval)];
    app.command = [scribblectl(), ...args].join(' ');
    app.child = spawn(scribblectl(), args, {
      cwd: path.dirname(ini),
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, /* its own process group, so that kill() ends what it started too */
    });
    running.add(app);
    app.exited = new Promise((resolve) => {
      app.child.on('exit', (code, signal) => {
        app.exit = { code, signal };
        resolve(app.exit);
      });
      app.child.on('error', (error) => {
        app.exit = { code: null, signal: null, error };
        resolve(app.exit);
      });
    });
    app.child.stderr.setEncoding('utf8');
    app.child.stderr.on('data', (chunk) => {
      app.stderrText = (app.stderrText + chunk).slice(-STDERR_KEPT);
    });
    app.child.stdout.setEncoding('utf8');
    let buffered = '';
    const ready = new Promise((resolve) => {
      app.child.stdout.on('data', (chunk) => {
        buffered += chunk;
        app.stdoutText += chunk;
        let newline;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          const match = READY_LINE.exec(line);
          if (match && !app.url) {
            app.url = match[1];
            resolve();
          }
        }
      });
    });
    let timer;
    const outcome = await Promise.race([
      ready.then(() => 'ready'),
      app.exited.then(() => 'exited'),
      new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), timeout); }),
    ]);
    clearTimeout(timer);
    if (outcome !== 'ready') {
      const why = outcome === 'exited' ? `exited (${describeExit(app.exit)})` : `said nothing for ${timeout} ms`;
      await app.kill();
      throw new Error(`${app.command} ${why} before printing "Scribble is running at …"\n` +
                      `stdout:\n${app.stdoutText}\n${app.stderrTail()}`);
    }
    app.port = Number(new URL(app.url).port);
    return app;
  }

  constructor() {
    this.child = null;
    this.url = null;
    this.port = 0;
    this.exit = null;
    this.stderrText = '';
    this.stdoutText = '';
  }

  get running() {
    return this.child !== null && this.exit === null;
  }

  stderrTail(chars = 6000) {
    const text = this.stderrText.length > chars ? `…${this.stderrText.slice(-chars)}` : this.stderrText;
    return `scribblectl local's stderr (last ${chars} characters):\n${text}`;
  }

  killGroup(signal) {
    if (!this.child || this.child.pid === undefined) return false;
    try {
      process.kill(-this.child.pid, signal);
      return true;
    } catch {
      return false; /* nothing left in the group */
    }
  }

  /*
   * SIGTERM (or `signal`) and a clean exit within `timeout` ms. Resolves to
   * {code, signal, leftovers}: leftovers lists the processes it had started
   * (its descendants, whatever their process group) that outlived it; they
   * are then killed. A process that does not exit in time is killed, with
   * all it started, and the promise rejects.
   */
  async stop({ signal = 'SIGTERM', timeout = 30000 } = {}) {
    if (!this.child) return null;
    const started = this.running ? descendants(this.child.pid) : [];
    if (this.running) this.child.kill(signal);
    let timer;
    const exited = await Promise.race([
      this.exited.then(() => true),
      new Promise((resolve) => { timer = setTimeout(() => resolve(false), timeout); }),
    ]);
    clearTimeout(timer);
    if (!exited) {
      await this.kill(started);
      throw new Error(`scribblectl local did not exit within ${timeout} ms of ${signal}\n${this.stderrTail()}`);
    }
    const leftovers = await this.reap(started);
    running.delete(this);
    const reports = this.sanitizerReports();
    if (reports.length)
      throw new Error(`sanitizer reports from scribblectl local or its children:\n${reports.join('\n')}`);
    return { ...this.exit, leftovers };
  }

  /*
   * The lines of an AddressSanitizer or UBSan report in scribblectl's stderr
   * or in its children's logs (<dataDir>/logs/*.log, cache/redis.log).
   */
  sanitizerReports() {
    const texts = [['scribblectl', this.stderrText]];
    const logs = path.join(this.dataDir, 'logs');
    const files = fs.existsSync(logs) ? fs.readdirSync(logs).map((f) => path.join(logs, f)) : [];
    files.push(path.join(this.dataDir, 'cache', 'redis.log'));
    for (const file of files)
      if (fs.existsSync(file)) texts.push([file, fs.readFileSync(file, 'utf8')]);
    const found = [];
    for (const [where, text] of texts)
      for (const line of text.split('\n'))
        if (SANITIZER_MARKERS.some((m) => line.includes(m))) found.push(`${where}: ${line}`);
    return found;
  }

  /*
   * Ends it now, and everything it started, with SIGKILL; never throws. It is
   * stopped (SIGSTOP) first, so that it cannot start anything more while its
   * descendants are found and killed.
   */
  async kill(started = []) {
    if (!this.child) return;
    let all = started;
    if (this.running) {
      killPid(this.child.pid, 'SIGSTOP');
      all = [...started, ...descendants(this.child.pid)];
    }
    for (const p of all) killPid(p.pid, 'SIGKILL');
    this.killGroup('SIGKILL');
    killPid(this.child.pid, 'SIGKILL');
    await this.exited;
    await this.reap(all);
    running.delete(this);
  }

  /*
   * Waits a moment for what it started (`started`, and its process group) to
   * go; kills what is still there. Returns what had to be killed, as
   * "pid command" strings.
   */
  async reap(started) {
    const deadline = Date.now() + 2000;
    const alive = () => started.filter((p) => isAlive(p));
    while ((alive().length || this.killGroup(0)) && Date.now() < deadline) await sleep(50);
    const left = alive().map((p) => `${p.pid} ${p.command}`);
    this.killGroup('SIGKILL');
    for (const p of alive()) killPid(p.pid, 'SIGKILL');
    return left;
  }
  /* ---- what it serves ---- */

  async fetch(pathname, options) {
    return fetch(new URL(pathname, this.url), options);
  }

  /*
   * The server's canvas: /_local/canvas.png decoded by pngjs, with its
   * X-Scribble-Seq. Checks the PNG's form against the canvas (indexed at the
   * configured depth with the depth's palette, or 8-bit RGB for 24). Returns
   * {seq, width, height, depth, rgb}: rgb[i] is pixel i as 0xRRGGBB.
   */
  async canvasPng(canvas) {
    const response = await this.fetch('/_local/canvas.png', { cache: 'no-store' });
    if (response.status !== 200)
      throw new Error(`GET /_local/canvas.png: HTTP ${response.status}: ${await response.text()}`);
    const seqHeader = response.headers.get('x-scribble-seq');
    const seq = Number(seqHeader);
    if (seqHeader === null || !Number.isSafeInteger(seq) || seq < 0)
      throw new Error(`GET /_local/canvas.png: X-Scribble-Seq is ${JSON.stringify(seqHeader)}, not a seq`);
    const png = PNG.sync.read(Buffer.from(await response.arrayBuffer()));
    return { seq, ...checkPng(png, canvas) };
  }

  /* Polls canvasPng until its seq is at least `seq`. */
  async canvasPngAtLeast(canvas, seq, { timeout = 30000 } = {}) {
    let last;
    await waitFor(async () => {
      last = await this.canvasPng(canvas);
      return last.seq >= seq;
    }, { timeout, message: () => `X-Scribble-Seq stayed ${last && last.seq}, below ${seq}` });
    return last;
  }
}

/* ---- processes, from /proc ---- */

function readStat(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    return { pid, command: stat.slice(stat.indexOf('(') + 1, close), state: fields[0], ppid: Number(fields[1]),
             start: fields[19] };
  } catch {
    return null;
  }
}

/* Every live descendant of pid, each {pid, command, start} (start tells a reused pid apart). */
function descendants(pid) {
  const all = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat) all.push(stat);
  }
  const out = [];
  const parents = [pid];
  while (parents.length) {
    const parent = parents.pop();
    for (const p of all) {
      if (p.ppid !== parent) continue;
      out.push({ pid: p.pid, command: p.command, start: p.start });
      parents.push(p.pid);
    }
  }
  return out;
}

/* Whether that process (the same one: same start time) still runs; a zombie does not. */
function isAlive(p) {
  const stat = readStat(p.pid);
  return stat !== null && stat.start === p.start && stat.state !== 'Z';
}

function killPid(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch {
    /* gone already */
  }
}

function describeExit(exit) {
  if (!exit) return 'still running';
  if (exit.error) return exit.error.message;
  return exit.signal ? `signal ${exit.signal}` : `status ${exit.code}`;
}

/* The PNG's form checked against the canvas; its pixels as 0xRRGGBB. */
function checkPng(png, canvas) {
  const where = `/_local/canvas.png (${png.width}x${png.height}, colour type ${png.colorType}, bit depth ${png.depth})`;
  if (png.width !== canvas.width || png.height !== canvas.height)
    throw new Error(`${where} is not the ${canvas.width}x${canvas.height} canvas`);
  if (canvas.depth === 24) {
    if (png.colorType !== 2 || png.depth !== 8) throw new Error(`${where}: a depth-24 canvas is 8-bit RGB (colour type 2)`);
  } else {
    if (png.colorType !== 3 || png.depth !== canvas.depth)
      throw new Error(`${where}: a depth-${canvas.depth} canvas is indexed (colour type 3) at bit depth ${canvas.depth}`);
    const want = P.palette(canvas.depth);
    const got = (png.palette || []).map(([r, g, b]) => [r, g, b]);
    if (got.length < want.length || want.some((rgb, i) => rgb.some((c, j) => c !== got[i][j])))
      throw new Error(`${where}: its palette is not depth ${canvas.depth}'s: ${JSON.stringify(got.slice(0, 16))}…`);
  }
  const rgb = new Array(png.width * png.height);
  for (let i = 0; i < rgb.length; i++)
    rgb[i] = (png.data[4 * i] << 16) | (png.data[4 * i + 1] << 8) | png.data[4 * i + 2];
  return { width: png.width, height: png.height, depth: canvas.depth, rgb };
}

/* A page's canvas (colour values, as CanvasState holds them) as 0xRRGGBB. */
function coloursToRgb(depth, colours) {
  return colours.map((c) => {
    const [r, g, b] = P.rgbOf(depth, c) || [-1, -1, -1];
    return (r << 16) | (g << 8) | b;
  });
}

/* Pixels where two 0xRRGGBB canvases differ, described (at most `limit`). */
function differences(width, a, b, limit = 8) {
  const out = [];
  let count = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    count += 1;
    if (out.length < limit) {
      const hex = (v) => (v === undefined ? 'none' : `#${(v >>> 0).toString(16).padStart(6, '0')}`);
      out.push(`(${i % width}, ${Math.floor(i / width)}): ${hex(a[i])} vs ${hex(b[i])}`);
    }
  }
  return count ? `${count} pixels differ: ${out.join('; ')}${count > out.length ? '; …' : ''}` : null;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/*
 * Polls `condition` (sync or async, truthy ends) every `interval` ms until
 * `timeout`; then throws with `message()`. A condition that throws is
 * retried, and its last error is reported.
 */
async function waitFor(condition, { timeout = 30000, interval = 100, message = () => 'condition not met' } = {}) {
  const deadline = Date.now() + timeout;
  let lastError = null;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value;
      lastError = null;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const why = typeof message === 'function' ? message() : message;
      throw new Error(`timed out after ${timeout} ms: ${why}${lastError ? ` (last error: ${lastError.message})` : ''}`);
    }
    await sleep(interval);
  }
}

module.exports = {
  LocalApp, makeConfig, editIni, freePort, waitFor, sleep, coloursToRgb, differences, checkPng, P,
};
