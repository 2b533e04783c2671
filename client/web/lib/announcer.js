// Polite announcements for screen readers, batched: a burst of live changes becomes one
// sentence ("3 nieuwe bijdragen") instead of the list being read again.

const BATCH_MS = 1000; // long enough to gather a burst, short enough to feel live

let region = null;
const counts = new Map(); // key -> { n, text(n) }
const messages = [];
let timer = null;

/** The aria-live region (in index.html) that all announcements go through. */
export function attachAnnouncer(el) {
  region = el;
}

/** Announce a sentence soon, together with whatever else arrives in the same moment. */
export function announce(text) {
  messages.push(text);
  schedule();
}

/** Count something (e.g. new contributions); announced once per batch via text(n). */
export function announceCount(key, text) {
  const entry = counts.get(key) ?? { n: 0, text };
  entry.n += 1;
  counts.set(key, entry);
  schedule();
}

function schedule() {
  if (timer) return;
  timer = setTimeout(flush, BATCH_MS);
}

function flush() {
  timer = null;
  const parts = [...[...counts.values()].map((e) => e.text(e.n)), ...messages];
  counts.clear();
  messages.length = 0;
  if (!region || parts.length === 0) return;
  // Clearing first makes a repeated sentence be announced again.
  region.textContent = '';
  setTimeout(() => {
    region.textContent = parts.join('. ');
  }, 50);
}
