// A tiny element builder. Text is always set as text (never parsed as HTML), so content
// from the server or other participants cannot inject markup.

/**
 * h('button', { class: 'knop', onclick: fn, 'aria-pressed': 'false' }, 'Eens', count)
 * Attributes: `class`, `on<event>` (listener), `dataset` (object), booleans (true adds,
 * false/null/undefined omits), anything else via setAttribute. Children: nodes, strings,
 * numbers, arrays, null/false (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (name === 'value' && 'value' in el) {
      el.value = value;
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** Replace all children of el. */
export function replaceChildren(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

let nextId = 0;
/** A unique id for label/aria references. */
export function uid(prefix = 'id') {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

/** Move focus to el (made focusable without entering the tab order). */
export function focusHeading(el) {
  if (!el) return;
  if (!el.hasAttribute('tabindex')) el.setAttribute('tabindex', '-1');
  el.focus({ preventScroll: false });
}

/**
 * Replace a container's children and keep keyboard focus on "the same" control: the
 * element with the same data-focus-key in the new content, when focus was inside.
 */
export function rerender(container, ...children) {
  const active = document.activeElement;
  const key = container.contains(active) ? active?.dataset?.focusKey : undefined;
  replaceChildren(container, ...children);
  if (key) container.querySelector(`[data-focus-key="${CSS.escape(key)}"]`)?.focus();
}

/** A message area (role=status for news, role=alert for errors) that can be refilled. */
export function messageArea({ alert = false } = {}) {
  const el = h('div', { class: 'message', role: alert ? 'alert' : 'status' });
  return {
    el,
    show(text, kind = '') {
      el.className = `message ${kind}`.trim();
      replaceChildren(el, ...(Array.isArray(text) ? text : [text]));
    },
    clear() {
      el.className = 'message';
      el.replaceChildren();
    },
  };
}
