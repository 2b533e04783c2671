// The countdown of a workshop round, the same on every screen.
//
// The server sends the deadline as an absolute UTC moment with its own time (server_time).
// This browser's clock may be off: offset = server_time − local time at receipt. A message
// that took long to arrive (a replay after a reconnect) underestimates the offset, so the
// largest offset seen since the last snapshot is the best one. Remaining time is then
// deadline − (local now + offset).
//
// Screen readers hear it sparingly: once at one minute left, once when time is up (the
// visible clock is not a live region).

export const MARKS = Object.freeze([60, 0]);

/** "4:05", "1:02:03", "0:00". */
export function clockText(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

export class Countdown {
  /** onTick(seconds|null, state) on every whole second; onMark(mark) at 60 and at 0. */
  constructor({ onTick = () => {}, onMark = () => {}, now = () => Date.now(), marks = MARKS } = {}) {
    this.onTick = onTick;
    this.onMark = onMark;
    this.now = now;
    this.marks = marks;
    this.offset = null;
    this.clock = { state: 'planned', deadline: null, remaining_seconds: null, key: null };
    this.shown = undefined;
    this.previous = null;
    this.announced = new Set();
    this.timer = null;
  }

  /** A fresh snapshot: forget earlier offsets, then observe this one. */
  resetOffset() {
    this.offset = null;
  }

  /** Learn the clock offset from a server time received now. */
  observe(serverTime, receivedAt = this.now()) {
    const server = Date.parse(serverTime);
    if (Number.isNaN(server)) return;
    const candidate = server - receivedAt;
    this.offset = this.offset === null ? candidate : Math.max(this.offset, candidate);
  }

  /** The state of the clock: { state, deadline, remaining_seconds, server_time, key }. */
  set(view, receivedAt = this.now()) {
    if (view.server_time) this.observe(view.server_time, receivedAt);
    const key = view.key ?? null;
    if (key !== this.clock.key || view.deadline !== this.clock.deadline) this.previous = null;
    if (key !== this.clock.key) this.announced.clear();
    this.clock = {
      state: view.state,
      deadline: view.deadline ? Date.parse(view.deadline) : null,
      remaining_seconds: view.remaining_seconds ?? null,
      key,
    };
    this.clock.deadline = Number.isNaN(this.clock.deadline) ? null : this.clock.deadline;
    // A deadline moved later (extended): the marks may be passed again.
    this.announced.forEach((mark) => {
      if (this.remaining() > mark) this.announced.delete(mark);
    });
    this.shown = undefined;
    this.tick();
  }

  /** Seconds left now (fractional), or null when no round runs. */
  remaining() {
    const c = this.clock;
    if (c.state === 'paused') return c.remaining_seconds;
    if (c.state !== 'running' || c.deadline === null) return null;
    return Math.max(0, (c.deadline - (this.now() + (this.offset ?? 0))) / 1000);
  }

  tick() {
    const left = this.remaining();
    const whole = left === null ? null : Math.ceil(left);
    if (whole !== this.shown) {
      this.shown = whole;
      this.onTick(whole, this.clock.state);
    }
    if (this.clock.state === 'running' && whole !== null) {
      for (const mark of this.marks) {
        const crossed = this.previous !== null && this.previous > mark && whole <= mark;
        if (crossed && !this.announced.has(mark)) {
          this.announced.add(mark);
          this.onMark(mark);
        }
      }
      this.previous = whole;
    }
  }

  start(intervalMs = 250) {
    this.stop();
    this.timer = setInterval(() => this.tick(), intervalMs);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
  }
}
