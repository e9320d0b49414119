/*
 * protocol.js - the client side of docs/protocol.md, without any drawing:
 * the canvas as the server's messages build it (CanvasState), the snapshot
 * PNG decoded to colour values (decodePng), and the WebSocket session that
 * connects, catches up, notices gaps and reconnects (Session).
 *
 * A plain script, no build step: the page loads it with <script>, which
 * defines globalThis.ScribbleProtocol; Node's tests require() it. Nothing
 * here touches the DOM; the Session is given its WebSocket, timers and
 * snapshot fetcher, so tests drive it with fakes. A snapshot that does not
 * fit the canvas is reported through onAnswer as a CanvasChanged error, and
 * the session stops: the page must be reloaded.
 */
'use strict';

(function (root) {
  /* ---- colours (runtime/canvas.c has the same tables) ------------------- */

  const PALETTES = {
    1: ['FFFFFF', '000000'],
    2: ['FFFFFF', 'AAAAAA', '555555', '000000'],
    4: ['FFFFFF', 'E4E4E4', '888888', '222222', 'FFA7D1', 'E50000', 'E59500', 'A06A42',
        'E5D900', '94E044', '02BE01', '00D3DD', '0083C7', '0000EA', 'CF6EE4', '820080'],
  };

  function hexToRgb(hex) {
    const v = parseInt(hex, 16);
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  }

  /* xterm's 256 colours: 16 system colours, a 6x6x6 cube, 24 greys. */
  function xtermPalette() {
    const system = ['000000', '800000', '008000', '808000', '000080', '800080', '008080', 'C0C0C0',
                    '808080', 'FF0000', '00FF00', 'FFFF00', '0000FF', 'FF00FF', '00FFFF', 'FFFFFF'];
    const colours = system.map(hexToRgb);
    const levels = [0, 95, 135, 175, 215, 255];
    for (let r = 0; r < 6; r++)
      for (let g = 0; g < 6; g++)
        for (let b = 0; b < 6; b++) colours.push([levels[r], levels[g], levels[b]]);
    for (let i = 0; i < 24; i++) colours.push([8 + 10 * i, 8 + 10 * i, 8 + 10 * i]);
    return colours;
  }

  const paletteCache = {};

  /* The palette of an indexed depth (1, 2, 4, 8) as [r, g, b] entries; null for 24. */
  function palette(depth) {
    if (depth === 24) return null;
    if (!paletteCache[depth]) {
      if (depth === 8) paletteCache[depth] = xtermPalette();
      else if (PALETTES[depth]) paletteCache[depth] = PALETTES[depth].map(hexToRgb);
      else throw new RangeError(`no canvas depth ${depth}: 1, 2, 4, 8 or 24`);
    }
    return paletteCache[depth];
  }

  function rgbOf(depth, colour) {
    if (depth === 24) return [(colour >> 16) & 255, (colour >> 8) & 255, colour & 255];
    return palette(depth)[colour];
  }

  /* ---- the canvas as the messages build it ------------------------------- */

  /*
   * Every pixel keeps its colour and the seq it came from; a pixel is taken
   * when its seq is newer, a snapshot at S replaces every pixel at most S
   * (docs/protocol.md, "Sequence numbers"). known is the highest seq up to
   * which every seq has been seen; seqs above it wait in `pending`.
   */
  class CanvasState {
    constructor(width, height, depth) {
      palette(depth); /* refuses a depth that does not exist */
      this.width = width;
      this.height = height;
      this.depth = depth;
      this.colours = new Uint32Array(width * height);
      this.seqs = new Float64Array(width * height);
      this.known = 0;
      this.pending = new Set();
      this.highest = 0;
    }

    colourAt(x, y) {
      return this.colours[y * this.width + x];
    }

    /* Applies [seq, x, y, colour] entries; returns the indices that changed. */
    applyPixels(pixels) {
      const changed = [];
      const colourLimit = 2 ** this.depth;
      for (const entry of pixels) {
        if (!Array.isArray(entry) || entry.length !== 4 || !entry.every(Number.isInteger)) continue;
        const [seq, x, y, colour] = entry;
        if (x < 0 || y < 0 || x >= this.width || y >= this.height || colour < 0 || colour >= colourLimit)
          continue;
        const i = y * this.width + x;
        if (seq > this.seqs[i]) {
          this.seqs[i] = seq;
          if (this.colours[i] !== colour) changed.push(i);
          this.colours[i] = colour;
        }
        this.note(seq);
      }
      return changed;
    }

    /* A snapshot at seq: colours holds every pixel (null: a blank canvas). */
    applySnapshot(seq, colours) {
      const changed = [];
      for (let i = 0; i < this.colours.length; i++) {
        if (this.seqs[i] > seq) continue;
        const colour = colours ? colours[i] : 0;
        this.seqs[i] = seq;
        if (this.colours[i] !== colour) changed.push(i);
        this.colours[i] = colour;
      }
      this.caughtUp(seq);
      return changed;
    }

    /* Everything up to seq has been received (a snapshot or a catch-up's end). */
    caughtUp(seq) {
      if (seq > this.known) {
        this.known = seq;
        for (const s of this.pending) if (s <= seq) this.pending.delete(s);
      }
      this.advance();
    }

    note(seq) {
      if (seq > this.highest) this.highest = seq;
      if (seq > this.known) this.pending.add(seq);
      this.advance();
    }

    advance() {
      while (this.pending.has(this.known + 1)) {
        this.pending.delete(this.known + 1);
        this.known += 1;
      }
    }

    /* Some seq between known and the highest seen is missing. */
    hasGap() {
      return this.highest > this.known;
    }
  }

  /* ---- the snapshot PNG -------------------------------------------------- */

  function readUint32(bytes, at) {
    return ((bytes[at] << 24) >>> 0) + (bytes[at + 1] << 16) + (bytes[at + 2] << 8) + bytes[at + 3];
  }

  async function inflate(data) {
    const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream('deflate'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }

  function paeth(a, b, c) {
    const p = a + b - c;
    const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
  }

  /* Reverses PNG's per-row filters in place; bpp: bytes per complete pixel (at least 1). */
  function unfilter(raw, rowBytes, height, bpp) {
    const out = new Uint8Array(rowBytes * height);
    for (let y = 0; y < height; y++) {
      const filter = raw[y * (rowBytes + 1)];
      const src = y * (rowBytes + 1) + 1, dst = y * rowBytes, up = dst - rowBytes;
      for (let i = 0; i < rowBytes; i++) {
        const a = i >= bpp ? out[dst + i - bpp] : 0;
        const b = y > 0 ? out[up + i] : 0;
        const c = y > 0 && i >= bpp ? out[up + i - bpp] : 0;
        const x = raw[src + i];
        let v;
        switch (filter) {
          case 0: v = x; break;
          case 1: v = x + a; break;
          case 2: v = x + b; break;
          case 3: v = x + ((a + b) >> 1); break;
          case 4: v = x + paeth(a, b, c); break;
          default: throw new Error(`PNG row ${y} has unknown filter ${filter}`);
        }
        out[dst + i] = v & 255;
      }
    }
    return out;
  }

  /*
   * Decodes the snapshots the runtime writes: non-interlaced, 8-bit RGB or
   * indexed at 1, 2, 4 or 8 bits. Returns {width, height, depth, colours,
   * palette}: colours are palette indices (or 0xRRGGBB), which is what the
   * canvas holds, so colours that look alike (xterm's palette repeats some)
   * stay distinct. A browser's <img> would give RGBA and lose that.
   */
  async function decodePng(bytes) {
    const signature = [137, 80, 78, 71, 13, 10, 26, 10];
    if (bytes.length < 8 || signature.some((b, i) => bytes[i] !== b)) throw new Error('not a PNG');
    let width = 0, height = 0, bitDepth = 0, colourType = 0, interlace = 0, plte = null;
    const idat = [];
    for (let at = 8; at + 8 <= bytes.length;) {
      const length = readUint32(bytes, at);
      const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
      const data = bytes.subarray(at + 8, at + 8 + length);
      if (type === 'IHDR') {
        width = readUint32(data, 0);
        height = readUint32(data, 4);
        [bitDepth, colourType] = [data[8], data[9]];
        interlace = data[12];
      } else if (type === 'PLTE') {
        plte = [];
        for (let i = 0; i + 2 < data.length; i += 3) plte.push([data[i], data[i + 1], data[i + 2]]);
      } else if (type === 'IDAT') {
        idat.push(data);
      } else if (type === 'IEND') {
        break;
      }
      at += 12 + length;
    }
    const rgb = colourType === 2 && bitDepth === 8;
    const indexed = colourType === 3 && [1, 2, 4, 8].includes(bitDepth);
    if (!width || !height || interlace !== 0 || !(rgb || indexed))
      throw new Error(`unsupported PNG: colour type ${colourType}, bit depth ${bitDepth}, interlace ${interlace}`);
    const joined = new Uint8Array(idat.reduce((n, d) => n + d.length, 0));
    idat.reduce((at, d) => (joined.set(d, at), at + d.length), 0);
    const bitsPerPixel = rgb ? 24 : bitDepth;
    const rowBytes = Math.ceil((width * bitsPerPixel) / 8);
    const raw = await inflate(joined);
    if (raw.length < (rowBytes + 1) * height) throw new Error('PNG image data is short');
    const rows = unfilter(raw, rowBytes, height, Math.max(1, bitsPerPixel >> 3));
    const colours = new Uint32Array(width * height);
    for (let y = 0; y < height; y++) {
      const row = y * rowBytes;
      for (let x = 0; x < width; x++) {
        if (rgb) {
          const p = row + 3 * x;
          colours[y * width + x] = (rows[p] << 16) | (rows[p + 1] << 8) | rows[p + 2];
        } else {
          const bit = x * bitDepth;
          const byte = rows[row + (bit >> 3)];
          colours[y * width + x] = (byte >> (8 - bitDepth - (bit & 7))) & ((1 << bitDepth) - 1);
        }
      }
    }
    return { width, height, depth: rgb ? 24 : bitDepth, colours, palette: plte };
  }

  /* ---- the WebSocket session --------------------------------------------- */

  const OPEN = 1;

  /*
   * Connects to websocketUrl (with ?since=known once it has a canvas),
   * applies messages strictly in arrival order (a snapshot is fetched and
   * decoded before anything after it is applied), asks for a catch-up when
   * a gap in seqs lasts gapWaitMs, and reconnects after any close with
   * exponential backoff and jitter. A snapshot that cannot be fetched
   * closes the connection, so the next one catches up from the same known.
   */
  class Session {
    constructor(options) {
      this.url = options.websocketUrl;
      this.state = options.state;
      this.fetchSnapshot = options.fetchSnapshot;
      this.onChange = options.onChange || (() => {});
      this.onStatus = options.onStatus || (() => {});
      this.onAnswer = options.onAnswer || (() => {});
      this.WebSocket = options.WebSocket || root.WebSocket;
      this.timers = options.timers || { setTimeout: root.setTimeout.bind(root), clearTimeout: root.clearTimeout.bind(root) };
      this.now = options.now || (() => Date.now());
      this.random = options.random || Math.random;
      this.gapWaitMs = options.gapWaitMs ?? 2000;
      this.firstRetryMs = options.firstRetryMs ?? 1000;
      this.maxRetryMs = options.maxRetryMs ?? 30000;
      this.socket = null;
      this.attempt = 0;
      this.stopped = true;
      this.live = false;
      this.gapTimer = null;
      this.retryTimer = null;
      this.cooldownUntil = 0;
      this.queue = Promise.resolve();
    }

    start() {
      this.stopped = false;
      this.connect();
    }

    stop() {
      this.stopped = true;
      this.clearTimer('gapTimer');
      this.clearTimer('retryTimer');
      if (this.socket) this.socket.close();
      this.status({ state: 'offline' });
    }

    /* Resolves once every message received so far has been applied. */
    idle() {
      return this.queue;
    }

    place(pixels, ref) {
      const message = { action: 'sendMessage', type: 'place', pixels };
      if (ref !== undefined) message.ref = ref;
      return this.send(message);
    }

    /* ---- inside ---- */

    connectUrl() {
      if (this.state.known <= 0) return this.url;
      return `${this.url}${this.url.includes('?') ? '&' : '?'}since=${this.state.known}`;
    }

    connect() {
      this.live = false;
      this.status({ state: 'connecting', attempt: this.attempt });
      const socket = new this.WebSocket(this.connectUrl());
      this.socket = socket;
      socket.onopen = () => {
        if (socket !== this.socket) return;
        this.attempt = 0;
        this.status({ state: 'catching-up' });
      };
      socket.onmessage = (event) => {
        if (socket !== this.socket) return;
        let message;
        try {
          message = JSON.parse(event.data);
        } catch {
          return; /* not ours: nothing the protocol sends */
        }
        this.queue = this.queue.then(() => this.handle(socket, message));
      };
      socket.onclose = () => {
        if (socket !== this.socket) return;
        this.socket = null;
        this.live = false;
        this.clearTimer('gapTimer');
        this.scheduleReconnect();
      };
      socket.onerror = () => {}; /* a close follows */
    }

    scheduleReconnect() {
      if (this.stopped) return;
      this.attempt += 1;
      const base = Math.min(this.maxRetryMs, this.firstRetryMs * 2 ** (this.attempt - 1));
      const delay = Math.round(base * (0.8 + 0.4 * this.random()));
      this.status({ state: 'reconnecting', retryInMs: delay, attempt: this.attempt });
      this.retryTimer = this.timers.setTimeout(() => {
        this.retryTimer = null;
        if (!this.stopped) this.connect();
      }, delay);
    }

    async handle(socket, message) {
      if (socket !== this.socket) return; /* from a connection already given up */
      switch (message.type) {
        case 'pixels':
          this.changed(this.state.applyPixels(message.pixels || []));
          break;
        case 'snapshot':
          await this.applySnapshot(socket, message);
          break;
        case 'caughtup':
          this.state.caughtUp(message.seq);
          this.live = true;
          this.status({ state: 'live' });
          break;
        case 'placed':
          this.cooldownUntil = message.nextAt || 0;
          this.onAnswer(message);
          break;
        case 'error':
          if (message.code === 'Cooldown' && message.retryAfterMs >= 0)
            this.cooldownUntil = this.now() + message.retryAfterMs;
          this.onAnswer(message);
          break;
        case undefined:
          /* API Gateway's own answer to a message it could not hand to the
           * send handler ("Forbidden", "Internal server error"): the
           * placement was not made, and the person is told. */
          if (typeof message.message !== 'string') return;
          this.onAnswer({ type: 'error', code: 'ServerError',
                          message: `the server could not take it (${message.message})` });
          return;
        default:
          return;
      }
      this.watchGap();
    }

    async applySnapshot(socket, message) {
      const { width, height, depth } = this.state;
      if (message.width !== width || message.height !== height || message.depth !== depth) {
        this.onAnswer({ type: 'error', code: 'CanvasChanged',
                        message: 'the canvas was resized or recoloured; reload the page' });
        this.stop();
        return;
      }
      let colours = null;
      if (message.url) {
        try {
          colours = await this.fetchSnapshot(message.url);
        } catch {
          if (socket === this.socket) socket.close(); /* catch up again from the same known */
          return;
        }
      }
      if (socket !== this.socket) return;
      const changed = this.state.applySnapshot(message.seq, colours);
      this.changed(changed.length > this.state.colours.length / 4 ? null : changed);
    }

    changed(indices) {
      if (indices === null || indices.length) this.onChange(indices);
    }

    /* Asks for a catch-up when a gap outlives gapWaitMs. */
    watchGap() {
      if (!this.state.hasGap()) {
        this.clearTimer('gapTimer');
        return;
      }
      if (this.gapTimer) return;
      this.gapTimer = this.timers.setTimeout(() => {
        this.gapTimer = null;
        if (this.state.hasGap())
          this.send({ action: 'sendMessage', type: 'catchup', since: this.state.known });
      }, this.gapWaitMs);
    }

    send(message) {
      if (!this.socket || this.socket.readyState !== OPEN) return false;
      this.socket.send(JSON.stringify(message));
      return true;
    }

    clearTimer(name) {
      if (this[name]) this.timers.clearTimeout(this[name]);
      this[name] = null;
    }

    status(status) {
      this.onStatus(status);
    }
  }

  const api = { palette, rgbOf, CanvasState, decodePng, Session };
  root.ScribbleProtocol = api;
  if (typeof module === 'object' && module.exports) module.exports = api;
})(typeof globalThis !== 'undefined' ? globalThis : this);
