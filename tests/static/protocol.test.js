/*
 * protocol.test.js - static/protocol.js, the page's side of docs/protocol.md,
 * under Node's test runner: the canvas rules against every ordering of the
 * same messages, gap detection, the session's connect / catch-up /
 * reconnect cycle with a scripted WebSocket and timers, and the PNG decoder
 * against snapshots the runtime's own encoder (libpng) wrote.
 */
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const P = require(path.join(process.env.SCRIBBLE_SOURCE_DIR || path.join(__dirname, '..', '..'),
                            'static', 'protocol.js'));

/* ---- the canvas rules ---------------------------------------------------- */

function shuffled(items, seed) {
  const out = items.slice();
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

test('any order and any repetition of the same messages gives the same canvas', () => {
  const placements = [];
  for (let seq = 1; seq <= 300; seq++) placements.push([seq, seq % 7, (seq * 3) % 5, seq % 16]);
  const expected = new P.CanvasState(7, 5, 4);
  expected.applyPixels(placements);
  assert.equal(expected.known, 300);
  for (let seed = 1; seed <= 20; seed++) {
    const state = new P.CanvasState(7, 5, 4);
    const messages = shuffled(placements.concat(placements.slice(0, 50)), seed);
    for (let i = 0; i < messages.length; i += 13) state.applyPixels(messages.slice(i, i + 13));
    assert.deepEqual(state.colours, expected.colours, `seed ${seed}`);
    assert.equal(state.known, 300);
    assert.equal(state.hasGap(), false);
  }
});

test('a snapshot replaces what is older and keeps what is newer', () => {
  const state = new P.CanvasState(2, 2, 1);
  state.applyPixels([[5, 0, 0, 1], [9, 1, 0, 1]]);
  const changed = state.applySnapshot(7, Uint32Array.from([0, 0, 0, 1]));
  assert.deepEqual([...state.colours], [0, 1, 0, 1]); /* (1,0) from seq 9 survives */
  assert.deepEqual(changed.sort(), [0, 3]);
  assert.equal(state.known, 7);
  assert.equal(state.hasGap(), true); /* 8 is missing before 9 */
  state.applyPixels([[8, 0, 1, 1]]);
  assert.equal(state.known, 9);
  assert.equal(state.hasGap(), false);
  state.applySnapshot(12, null); /* a blank canvas at 12 */
  assert.deepEqual([...state.colours], [0, 0, 0, 0]);
});

test('entries that do not fit the canvas are ignored', () => {
  const state = new P.CanvasState(4, 4, 2);
  const changed = state.applyPixels([[1, 4, 0, 1], [2, 0, -1, 1], [3, 0, 0, 4], [4, 0, 0, 1.5],
                                     'junk', [5, 1, 1, 3]]);
  assert.deepEqual(changed, [5]);
  assert.equal(state.colourAt(1, 1), 3);
});

test('palettes are the runtime\'s', () => {
  assert.deepEqual(P.palette(1), [[255, 255, 255], [0, 0, 0]]);
  assert.equal(P.palette(4).length, 16);
  assert.deepEqual(P.palette(4)[5], [0xe5, 0, 0]);
  const xterm = P.palette(8);
  assert.equal(xterm.length, 256);
  assert.deepEqual(xterm[16 + 36 * 1 + 6 * 2 + 3], [95, 135, 175]);
  assert.deepEqual(xterm[255], [238, 238, 238]);
  assert.equal(P.palette(24), null);
  assert.deepEqual(P.rgbOf(24, 0x12ab34), [0x12, 0xab, 0x34]);
  assert.throws(() => P.palette(3), RangeError);
});

/* ---- snapshots written by the runtime's encoder ----------------------------- */

test('decodePng reads the runtime\'s snapshots exactly, palette included', async () => {
  const probe = path.join(process.env.SCRIBBLE_TEST_BIN || '', 'png_probe');
  assert.ok(fs.existsSync(probe), `${probe} is not built`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scribble-png-'));
  try {
    for (const [width, height, depth] of [[13, 7, 1], [9, 5, 2], [31, 3, 4], [17, 17, 8], [6, 11, 24],
                                          [1000, 3, 1]]) {
      const bits = path.join(dir, 'bits'), png = path.join(dir, 'png');
      execFileSync(probe, [String(width), String(height), String(depth), '42', bits, png]);
      const decoded = await P.decodePng(new Uint8Array(fs.readFileSync(png)));
      const value = fs.readFileSync(bits);
      const expected = new Uint32Array(width * height);
      for (let i = 0; i < expected.length; i++) {
        let v = 0;
        for (let b = i * depth; b < (i + 1) * depth; b++) v = v * 2 + ((value[b >> 3] >> (7 - (b & 7))) & 1);
        expected[i] = v;
      }
      assert.equal(decoded.width, width);
      assert.equal(decoded.height, height);
      assert.equal(decoded.depth, depth);
      assert.deepEqual(decoded.colours, expected, `${width}x${height}x${depth}`);
      if (depth !== 24) assert.deepEqual(decoded.palette, P.palette(depth), `palette of depth ${depth}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('decodePng refuses what is not a snapshot', async () => {
  await assert.rejects(P.decodePng(new Uint8Array([1, 2, 3])), /not a PNG/);
});

/* ---- the session ------------------------------------------------------------ */

class FakeTimers {
  constructor() { this.now = 0; this.pending = []; this.nextId = 1; }
  setTimeout(fn, ms) { const id = this.nextId++; this.pending.push({ id, at: this.now + ms, fn }); return id; }
  clearTimeout(id) { this.pending = this.pending.filter((t) => t.id !== id); }
  delays() { return this.pending.map((t) => t.at - this.now); }
  advance(ms) {
    this.now += ms;
    for (;;) {
      const due = this.pending.filter((t) => t.at <= this.now).sort((a, b) => a.at - b.at)[0];
      if (!due) return;
      this.clearTimeout(due.id);
      due.fn();
    }
  }
}

function fakeWebSocketClass(sockets) {
  return class FakeSocket {
    constructor(url) { this.url = url; this.readyState = 0; this.sent = []; sockets.push(this); }
    open() { this.readyState = 1; this.onopen(); }
    receive(message) { this.onmessage({ data: JSON.stringify(message) }); }
    send(text) { this.sent.push(JSON.parse(text)); }
    close() { if (this.readyState === 3) return; this.readyState = 3; this.onclose(); }
  };
}

function session(overrides = {}) {
  const sockets = [], statuses = [], answers = [], changes = [], fetched = [];
  const timers = new FakeTimers();
  const state = new P.CanvasState(4, 2, 1);
  const s = new P.Session({
    websocketUrl: 'wss://example.test/prod', state, timers, now: () => 1000 + timers.now,
    random: () => 0.5, WebSocket: fakeWebSocketClass(sockets),
    fetchSnapshot: async (url) => { fetched.push(url); return Uint32Array.from([1, 0, 1, 0, 1, 0, 1, 0]); },
    onStatus: (st) => statuses.push(st), onAnswer: (a) => answers.push(a), onChange: (c) => changes.push(c),
    ...overrides,
  });
  return { s, sockets, statuses, answers, changes, fetched, timers, state };
}

test('a session catches up from a snapshot, then goes live', async () => {
  const { s, sockets, statuses, fetched, state } = session();
  s.start();
  assert.equal(sockets[0].url, 'wss://example.test/prod'); /* nothing known: no since */
  sockets[0].open();
  const snapshot = { type: 'snapshot', seq: 10, url: 'snapshots/10.png', width: 4, height: 2, depth: 1 };
  sockets[0].receive({ type: 'pixels', pixels: [[11, 1, 0, 1]] }); /* live, before the snapshot */
  sockets[0].receive(snapshot);
  sockets[0].receive({ type: 'caughtup', seq: 11 });
  await s.idle();
  assert.deepEqual(fetched, ['snapshots/10.png']);
  assert.deepEqual([...state.colours], [1, 1, 1, 0, 1, 0, 1, 0]);
  assert.equal(state.known, 11);
  assert.deepEqual(statuses.map((x) => x.state), ['connecting', 'catching-up', 'live']);
});

test('a gap that lasts asks for a catch-up from known', async () => {
  const { s, sockets, timers } = session();
  s.start();
  sockets[0].open();
  sockets[0].receive({ type: 'caughtup', seq: 5 });
  sockets[0].receive({ type: 'pixels', pixels: [[8, 0, 0, 1]] });
  await s.idle();
  assert.deepEqual(sockets[0].sent, []);
  timers.advance(1999);
  assert.deepEqual(sockets[0].sent, []);
  timers.advance(1);
  assert.deepEqual(sockets[0].sent, [{ action: 'sendMessage', type: 'catchup', since: 5 }]);
  /* A gap filled in time asks for nothing. */
  sockets[0].receive({ type: 'pixels', pixels: [[6, 0, 0, 1], [7, 1, 1, 1]] });
  sockets[0].receive({ type: 'pixels', pixels: [[10, 0, 0, 1]] });
  await s.idle();
  sockets[0].receive({ type: 'pixels', pixels: [[9, 0, 0, 1]] });
  await s.idle();
  timers.advance(5000);
  assert.equal(sockets[0].sent.length, 1);
});

test('after a close it reconnects with backoff and since=known', async () => {
  const { s, sockets, statuses, timers } = session();
  s.start();
  sockets[0].open();
  sockets[0].receive({ type: 'caughtup', seq: 42 });
  await s.idle();
  sockets[0].close();
  assert.deepEqual(statuses.at(-1), { state: 'reconnecting', retryInMs: 1000, attempt: 1 });
  timers.advance(1000);
  assert.equal(sockets[1].url, 'wss://example.test/prod?since=42');
  sockets[1].close(); /* refused again: the wait doubles */
  assert.deepEqual(timers.delays(), [2000]);
  timers.advance(2000);
  sockets[2].close();
  assert.deepEqual(timers.delays(), [4000]);
  timers.advance(4000);
  sockets[3].open(); /* success resets the backoff */
  sockets[3].close();
  assert.deepEqual(timers.delays(), [1000]);
  s.stop();
  assert.deepEqual(timers.delays(), []);
  assert.equal(statuses.at(-1).state, 'offline');
});

test('the backoff stops growing at its ceiling and is jittered', () => {
  const { s, sockets, timers } = session({ random: () => 1, maxRetryMs: 8000 });
  s.start();
  for (let i = 0; i < 6; i++) {
    sockets.at(-1).close();
    const [delay] = timers.delays();
    timers.advance(delay);
  }
  sockets.at(-1).close();
  assert.deepEqual(timers.delays(), [9600]); /* 8000 x 1.2 */
});

test('answers set the cooldown; placing needs an open connection', async () => {
  const { s, sockets, answers } = session();
  assert.equal(s.place([[0, 0, 1]], 1), false);
  s.start();
  assert.equal(s.place([[0, 0, 1]], 1), false); /* not open yet */
  sockets[0].open();
  assert.equal(s.place([[0, 0, 1]], 'r'), true);
  assert.deepEqual(sockets[0].sent, [{ action: 'sendMessage', type: 'place', pixels: [[0, 0, 1]], ref: 'r' }]);
  sockets[0].receive({ type: 'placed', ref: 'r', first: 1, last: 1, nextAt: 61000 });
  await s.idle();
  assert.equal(s.cooldownUntil, 61000);
  sockets[0].receive({ type: 'error', code: 'Cooldown', message: 'wait', retryAfterMs: 4200 });
  await s.idle();
  assert.equal(s.cooldownUntil, 1000 + 4200);
  assert.deepEqual(answers.map((a) => a.type), ['placed', 'error']);
});

test('API Gateway\'s own answers are errors for the person; other untyped messages are ignored', async () => {
  const { s, sockets, answers } = session();
  s.start();
  sockets[0].open();
  sockets[0].receive({ message: 'Internal server error', connectionId: 'abc=', requestId: 'r1' });
  sockets[0].receive({ connectionId: 'abc=' });
  await s.idle();
  assert.equal(answers.length, 1);
  assert.equal(answers[0].type, 'error');
  assert.equal(answers[0].code, 'ServerError');
  assert.match(answers[0].message, /Internal server error/);
});

test('a snapshot that cannot be fetched makes it catch up again from the same point', async () => {
  const { s, sockets, timers, state } = session({ fetchSnapshot: async () => { throw new Error('404'); } });
  s.start();
  sockets[0].open();
  sockets[0].receive({ type: 'snapshot', seq: 9, url: 'snapshots/9.png', width: 4, height: 2, depth: 1 });
  sockets[0].receive({ type: 'caughtup', seq: 9 });
  await s.idle();
  assert.equal(state.known, 0); /* nothing claimed that was not received */
  timers.advance(1000);
  assert.equal(sockets.length, 2);
  assert.equal(sockets[1].url, 'wss://example.test/prod');
});
