// What this browser knows about its own participant: the ids of its contributions (from
// the acks; the server never says who wrote what) and its reactions. Kept in localStorage
// per dialogue, so it survives a reload but not a change of device.

function key(slug, what) {
  return `dialoog.${what}.${slug}`;
}

function read(k, fallback) {
  try {
    return JSON.parse(localStorage.getItem(k)) ?? fallback;
  } catch {
    return fallback;
  }
}

function write(k, value) {
  try {
    localStorage.setItem(k, JSON.stringify(value));
  } catch {
    // storage full or disabled: the marks are a convenience, not data
  }
}

export function myContributions(slug) {
  return new Set(read(key(slug, 'mine'), []));
}

export function rememberContribution(slug, id) {
  const ids = myContributions(slug);
  ids.add(id);
  write(key(slug, 'mine'), [...ids]);
}

export function myReactions(slug) {
  return read(key(slug, 'reactions'), {});
}

export function rememberReaction(slug, contributionId, reaction) {
  const all = myReactions(slug);
  all[contributionId] = reaction;
  write(key(slug, 'reactions'), all);
}
