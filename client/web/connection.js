// One WebSocket per page: channel subscriptions that resume by seq, writes that are resent
// with the same ref until answered, and an honest connection status.
//
//   const conn = new Connection();
//   const sub = conn.subscribe('theme:12', { load, event, error });
//   const ack = await conn.write({ type: 'contribute', theme: 12, kind: 'idea', body: '…' });
//   sub.close();
//
// Per channel the connection keeps the last seq it delivered. After a reconnect it
// subscribes with `since` = that seq, so every event is delivered once, in order, with no
// gap. A listener's `load()` (its HTTP snapshot) runs after the subscription stands, on a
// `reset`, and when the server tells of a newer seq than the replay can explain; events
// that arrive meanwhile wait in its buffer. Event handlers must be idempotent: an event
// may describe a change the snapshot already holds.

import { CLIENT_TAGS, CLOSE, SERVER_TAGS, SUBPROTOCOL_JSON } from './protocol.js';

/** Connection states, in the order a user would see them. */
export const STATUS = Object.freeze({
  CONNECTING: 'connecting',
  OPEN: 'open',
  RECONNECTING: 'reconnecting',
  OFFLINE: 'offline',
  UNAUTHENTICATED: 'unauthenticated',
});

const DEFAULTS = Object.freeze({
  url: null,
  WebSocket: globalThis.WebSocket,
  backoffBaseMs: 500,
  backoffCapMs: 30_000,
  attemptsBeforeOffline: 3,
  idlePingMs: 20_000,
  deadAfterMs: 35_000,
  tickMs: 5_000,
  maxMessagesPerSecond: 15, // the contract never limits 20/s; stay well below
  random: Math.random,
});

/** A fresh idempotency key: a v4 UUID (also outside secure contexts). */
export function newRef() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** "Full jitter" backoff: a random wait up to base·2^attempt, capped. */
export function backoffDelay(attempt, baseMs, capMs, random = Math.random) {
  const ceiling = Math.min(capMs, baseMs * 2 ** attempt);
  return Math.max(100, Math.round(random() * ceiling));
}

/** A rejected write or subscription: the server's error code and Dutch message. */
export class ServerError extends Error {
  constructor({ code, message, detail }) {
    super(message || code);
    this.code = code;
    this.detail = detail ?? null;
  }
}

class Channel {
  constructor(name) {
    this.name = name;
    this.lastSeq = null; // the last seq delivered to listeners; null before the first subscribe
    this.state = 'idle'; // idle | pending | live | resync | failed
    this.listeners = new Set();
  }
}

export class Connection extends EventTarget {
  constructor(options = {}) {
    super();
    this.options = { ...DEFAULTS, ...options };
    this.status = STATUS.CONNECTING;
    this.channels = new Map();
    this.pending = new Map(); // ref -> { message, resolve, reject } until answered
    this.socket = null;
    this.attempt = 0;
    this.stopped = false;
    this.awaitingSubscribe = []; // channels whose subscribe is unanswered, in send order
    this.outgoing = [];
    this.sentAt = [];
    this.lastHeard = 0;
    this.pinged = false;
    this.retryTimer = null;
    this.pumpTimer = null;
    this.tickTimer = null;
    this.onOnline = () => this.restart();
    this.onOffline = () => this.setStatus(STATUS.OFFLINE);
    this.onVisible = () => {
      if (document.visibilityState === 'visible') this.reconnectNow();
    };
  }

  // --- lifecycle -------------------------------------------------------------------------

  /** Open the socket and keep it open until stop(). */
  start() {
    this.stopped = false;
    globalThis.addEventListener?.('online', this.onOnline);
    globalThis.addEventListener?.('offline', this.onOffline);
    globalThis.document?.addEventListener('visibilitychange', this.onVisible);
    this.tickTimer = setInterval(() => this.tick(), this.options.tickMs);
    this.open();
  }

  /** Close for good (logout, tests). Unanswered writes are rejected. */
  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.pumpTimer);
    clearInterval(this.tickTimer);
    globalThis.removeEventListener?.('online', this.onOnline);
    globalThis.removeEventListener?.('offline', this.onOffline);
    globalThis.document?.removeEventListener('visibilitychange', this.onVisible);
    this.socket?.close(1000, 'stop');
    this.socket = null;
    for (const { reject } of this.pending.values()) {
      reject(new ServerError({ code: 'stopped', message: 'Verbinding gesloten.' }));
    }
    this.pending.clear();
  }

  url() {
    if (this.options.url) return this.options.url;
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${location.host}/ws`;
  }

  open() {
    if (this.stopped) return;
    let socket;
    try {
      socket = new this.options.WebSocket(this.url(), [SUBPROTOCOL_JSON]);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => this.onOpen(socket);
    socket.onmessage = (e) => this.onFrame(socket, e.data);
    socket.onclose = (e) => this.onClose(socket, e.code);
  }

  onOpen(socket) {
    if (socket !== this.socket) return;
    this.attempt = 0;
    this.lastHeard = Date.now();
    this.pinged = false;
    this.awaitingSubscribe = [];
    this.outgoing = [];
    this.setStatus(STATUS.OPEN);
    for (const ch of this.channels.values()) {
      if (ch.state !== 'failed') this.sendSubscribe(ch, ch.lastSeq);
    }
    for (const [ref, { message }] of this.pending) this.enqueue({ ...message, ref });
  }

  onClose(socket, code) {
    if (socket !== this.socket) return;
    this.socket = null;
    for (const ch of this.channels.values()) if (ch.state !== 'failed') ch.state = 'idle';
    if (this.stopped) return;
    if (code === CLOSE.UNAUTHENTICATED) {
      this.setStatus(STATUS.UNAUTHENTICATED);
      return;
    }
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    const { backoffBaseMs, backoffCapMs, attemptsBeforeOffline, random } = this.options;
    const offline = globalThis.navigator?.onLine === false;
    this.setStatus(
      offline || this.attempt >= attemptsBeforeOffline ? STATUS.OFFLINE : STATUS.RECONNECTING,
    );
    const delay = backoffDelay(this.attempt, backoffBaseMs, backoffCapMs, random);
    this.attempt += 1;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  /** Try at once (back online, tab visible again) instead of waiting for the backoff. */
  reconnectNow() {
    if (this.stopped || this.socket) return;
    clearTimeout(this.retryTimer);
    this.open();
  }

  /** Drop the current socket (which may be dead without knowing it) and connect again. */
  restart() {
    const old = this.socket;
    if (!old) {
      this.reconnectNow();
      return;
    }
    this.onClose(old, 4000);
    old.close(4000, 'restart');
    this.reconnectNow();
  }

  /** Liveness: ping a quiet socket; a socket that stays silent is dead, reconnect. */
  tick() {
    if (!this.socket || this.socket.readyState !== 1) return;
    const quiet = Date.now() - this.lastHeard;
    if (quiet > this.options.deadAfterMs) {
      const dead = this.socket;
      this.onClose(dead, 4000);
      dead.close(4000, 'no answer');
    } else if (quiet > this.options.idlePingMs && !this.pinged) {
      this.pinged = true;
      this.enqueue({ type: CLIENT_TAGS.PING });
    }
  }

  setStatus(status) {
    if (status === this.status) return;
    this.status = status;
    this.dispatchEvent(new CustomEvent('status', { detail: status }));
  }

  // --- sending (paced below the server's rate limit) -------------------------------------

  enqueue(message) {
    this.outgoing.push(message);
    this.pump();
  }

  pump() {
    clearTimeout(this.pumpTimer);
    const socket = this.socket;
    if (!socket || socket.readyState !== 1) return;
    const now = Date.now();
    this.sentAt = this.sentAt.filter((t) => now - t < 1000);
    while (this.outgoing.length && this.sentAt.length < this.options.maxMessagesPerSecond) {
      socket.send(JSON.stringify(this.outgoing.shift()));
      this.sentAt.push(now);
    }
    if (this.outgoing.length) {
      this.pumpTimer = setTimeout(() => this.pump(), 1000 - (now - this.sentAt[0]) + 5);
    }
  }

  // --- receiving ---------------------------------------------------------------------------

  onFrame(socket, data) {
    if (socket !== this.socket) return;
    this.lastHeard = Date.now();
    this.pinged = false;
    let decoded;
    try {
      decoded = JSON.parse(data);
    } catch {
      return; // not ours to fix; the server only sends JSON text frames
    }
    for (const message of Array.isArray(decoded) ? decoded : [decoded]) this.onMessage(message);
  }

  onMessage(m) {
    switch (m.type) {
      case SERVER_TAGS.EVENT:
        return this.onEvent(m);
      case SERVER_TAGS.ACK:
        return this.answer(m.ref, (p) => p.resolve(m));
      case SERVER_TAGS.ERROR:
        return this.onError(m);
      case SERVER_TAGS.SUBSCRIBED:
        return this.onSubscribed(m);
      case SERVER_TAGS.RESET:
        return this.onReset(m);
      case SERVER_TAGS.POSITION:
        return this.onPosition(m);
      case SERVER_TAGS.PONG:
        return undefined;
      default:
        return undefined; // a newer server's message: ignore (new fields/types are allowed)
    }
  }

  answer(ref, settle) {
    const waiting = this.pending.get(ref);
    if (!waiting) return; // an answer to a resent write that was already settled
    this.pending.delete(ref);
    settle(waiting);
  }

  onError(m) {
    if (m.ref) {
      this.answer(m.ref, (p) => p.reject(new ServerError(m)));
      return;
    }
    // The contract's subscribe carries no ref, so its refusal comes without one: the server
    // answers a connection's messages in order, so it belongs to the oldest open subscribe.
    const name = this.awaitingSubscribe.shift();
    const ch = name && this.channels.get(name);
    if (!ch) return;
    if (m.code === 'rate_limited') {
      setTimeout(() => this.sendSubscribe(ch, ch.lastSeq), 1000);
      return;
    }
    ch.state = 'failed';
    for (const l of ch.listeners) l.error?.(new ServerError(m));
  }

  markAnswered(name) {
    const i = this.awaitingSubscribe.indexOf(name);
    if (i >= 0) this.awaitingSubscribe.splice(i, 1);
  }

  onSubscribed({ channel, seq }) {
    this.markAnswered(channel);
    const ch = this.channels.get(channel);
    if (!ch) return;
    const missed = ch.lastSeq !== null && seq > ch.lastSeq;
    if (ch.lastSeq === null || missed) ch.lastSeq = seq;
    ch.state = 'live';
    for (const l of ch.listeners) {
      if (missed) l.needsLoad = true;
      if (l.needsLoad) this.runLoad(ch, l);
    }
  }

  onReset({ channel, seq }) {
    // More events were missed than the server replays; it has dropped the subscription.
    this.markAnswered(channel);
    const ch = this.channels.get(channel);
    if (!ch) return;
    ch.lastSeq = seq;
    for (const l of ch.listeners) {
      l.needsLoad = true;
      l.buffer = [];
    }
    this.sendSubscribe(ch, seq);
  }

  onPosition({ channel, seq }) {
    const ch = this.channels.get(channel);
    if (ch && ch.state === 'live' && ch.lastSeq !== null && seq > ch.lastSeq) this.resync(ch);
  }

  onEvent(m) {
    const ch = this.channels.get(m.channel);
    if (!ch || ch.lastSeq === null) return;
    if (m.seq <= ch.lastSeq) return; // already delivered (a replay overlapping the live feed)
    if (m.seq > ch.lastSeq + 1) {
      if (ch.state === 'live') this.resync(ch); // a gap: let the server replay from our seq
      return;
    }
    ch.lastSeq = m.seq;
    for (const l of ch.listeners) {
      if (l.loading || l.needsLoad) l.buffer.push(m);
      else this.deliver(l, m);
    }
  }

  resync(ch) {
    ch.state = 'resync';
    this.enqueue({ type: CLIENT_TAGS.UNSUBSCRIBE, channel: ch.name });
    this.sendSubscribe(ch, ch.lastSeq);
  }

  deliver(listener, message) {
    try {
      listener.event?.(message);
    } catch (err) {
      console.error('event handler failed', message.event, err);
    }
  }

  async runLoad(ch, l) {
    if (l.loading) return;
    l.needsLoad = false;
    l.loading = true;
    try {
      await l.load?.();
    } catch (err) {
      console.error('load failed', ch.name, err);
      l.error?.(err);
    }
    l.loading = false;
    if (l.closed) return;
    if (l.needsLoad) {
      this.runLoad(ch, l); // a reset came while loading: load again
      return;
    }
    const buffered = l.buffer;
    l.buffer = [];
    for (const m of buffered) this.deliver(l, m);
  }

  // --- public API ----------------------------------------------------------------------------

  sendSubscribe(ch, since) {
    ch.state = 'pending';
    if (!this.socket || this.socket.readyState !== 1) return;
    const message = { type: CLIENT_TAGS.SUBSCRIBE, channel: ch.name };
    if (since !== null && since !== undefined) message.since = since;
    this.awaitingSubscribe.push(ch.name);
    this.enqueue(message);
  }

  /**
   * Follow a channel. `load()` fetches the state over HTTP (after the subscription stands,
   * and again after a reset); `event(message)` gets each event once, in seq order;
   * `error(err)` hears a refused subscription; `since` replays the events after it first
   * and skips the initial load (the caller's state is at that seq). Returns `{ close() }`.
   */
  subscribe(name, { load, event, error, since } = {}) {
    let ch = this.channels.get(name);
    const fresh = !ch;
    if (fresh) {
      ch = new Channel(name);
      if (since !== undefined) ch.lastSeq = since; // replay the history after `since` first
      this.channels.set(name, ch);
    }
    // With `since` the caller already holds the state up to that seq (an HTTP answer that
    // carried it, or 0 for a channel whose history is its state): no initial load.
    const listener = { load, event, error, buffer: [], needsLoad: since === undefined, loading: false };
    ch.listeners.add(listener);
    if (fresh || ch.state === 'failed') this.sendSubscribe(ch, ch.lastSeq);
    if (ch.state === 'live') {
      this.runLoad(ch, listener);
    } else if (this.socket?.readyState !== 1 && load && listener.needsLoad) {
      // Not connected yet (first page of a visit, or offline): show the HTTP state now,
      // and load once more when the subscription stands, so nothing between is missed.
      this.runLoad(ch, listener).then(() => {
        listener.needsLoad = true;
        if (ch.state === 'live' && !listener.closed) this.runLoad(ch, listener);
      });
    }
    return {
      close: () => {
        listener.closed = true;
        ch.listeners.delete(listener);
        if (ch.listeners.size === 0 && this.channels.get(name) === ch) {
          this.channels.delete(name);
          if (this.socket?.readyState === 1) {
            this.enqueue({ type: CLIENT_TAGS.UNSUBSCRIBE, channel: name });
          }
        }
      },
    };
  }

  /**
   * Send a write (contribute, react, flag). It is kept, and resent with the same ref after a
   * reconnect, until the server answers; resolves with the ack, rejects with a ServerError.
   */
  write(message) {
    const ref = newRef();
    return new Promise((resolve, reject) => {
      this.pending.set(ref, { message, resolve, reject });
      if (this.socket?.readyState === 1) this.enqueue({ ...message, ref });
    });
  }

  /** True while writes wait for an answer. */
  get hasPendingWrites() {
    return this.pending.size > 0;
  }
}
