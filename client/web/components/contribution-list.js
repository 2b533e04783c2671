// The contributions of one theme: a threaded list updated in place by live events.
//
// The list keeps a model (id → contribution) and one <li> per contribution. New items are
// appended (oldest first, replies under their parent), so nothing moves under a reader's
// eyes; counts change in place; a hidden item is removed and its replies move up.

import { h, replaceChildren } from '../lib/dom.js';
import { formatDateTime, formatNumber, t } from '../i18n/index.js';
import { kindLabel, reactionLabel } from '../lib/labels.js';
import { REACTIONS } from '../protocol.js';

export class ContributionList {
  /**
   * options: mine (Set of own ids), reactions ({id: reaction}), canReact(), canReply(),
   * canFlag, canModerate, onReact(item, reaction, buttons), onReply(item), onFlag(item, button),
   * onHide(item, button)
   */
  constructor(options) {
    this.o = options;
    this.items = new Map();
    this.nodes = new Map();
    this.el = h('ol', { class: 'contributions' });
    this.heading = null;
  }

  get size() {
    return this.items.size;
  }

  /** Replace everything with a fresh snapshot (keeps focus on the same control). */
  reset(contributions) {
    const active = document.activeElement;
    const key = this.el.contains(active) ? active.dataset.focusKey : null;
    this.items.clear();
    this.nodes.clear();
    this.el.replaceChildren();
    for (const c of contributions) this.add(c, { quiet: true });
    if (key) this.el.querySelector(`[data-focus-key="${CSS.escape(key)}"]`)?.focus();
  }

  /** Add one contribution unless present; returns true when it is new. */
  add(c, { quiet = false } = {}) {
    if (this.items.has(c.id)) return false;
    const item = { agree: 0, disagree: 0, pass: 0, ...c };
    this.items.set(c.id, item);
    const li = this.render(item);
    if (!quiet) li.classList.add('new');
    this.nodes.set(c.id, li);
    const parentLi = item.parent ? this.nodes.get(item.parent) : null;
    if (parentLi) this.repliesOf(parentLi).append(li);
    else this.el.append(li);
    return true;
  }

  repliesOf(li) {
    let list = li.querySelector(':scope > .replies');
    if (!list) {
      list = h('ol', { class: 'replies', 'aria-label': t('contribution.replies') });
      li.append(list);
    }
    return list;
  }

  /** Remove a contribution; its replies take its place. */
  remove(id) {
    const li = this.nodes.get(id);
    if (!li) return false;
    const hadFocus = li.contains(document.activeElement);
    const replies = li.querySelector(':scope > .replies');
    if (replies) {
      for (const child of [...replies.children]) {
        child.querySelector(':scope > .orphan-note')?.remove();
        child.prepend(h('p', { class: 'orphan-note' }, t('contribution.orphan')));
        li.before(child);
      }
    }
    li.remove();
    this.items.delete(id);
    this.nodes.delete(id);
    if (hadFocus && this.heading) this.heading.focus();
    return true;
  }

  setCounts({ contribution, agree, disagree, pass }) {
    const item = this.items.get(contribution);
    if (!item) return;
    Object.assign(item, { agree, disagree, pass });
    const li = this.nodes.get(contribution);
    for (const reaction of REACTIONS) {
      const count = li.querySelector(`:scope > .reactions [data-reaction="${reaction}"] .count`);
      if (count) count.textContent = formatNumber(item[reaction]);
    }
  }

  markMine(id) {
    const li = this.nodes.get(id);
    if (!li || li.classList.contains('mine')) return;
    li.classList.add('mine');
    li.querySelector(':scope > .meta')?.append(h('span', { class: 'mine-label' }, t('contribution.mine')));
  }

  setPressed(id, reaction) {
    const li = this.nodes.get(id);
    for (const button of li?.querySelectorAll(':scope > .reactions button') ?? []) {
      button.setAttribute('aria-pressed', String(button.dataset.reaction === reaction));
    }
  }

  /** Re-render every item's controls (after a step or theme opened or closed). */
  refreshControls() {
    this.reset([...this.items.values()]);
  }

  render(item) {
    const o = this.o;
    const mine = o.mine.has(item.id);
    const orphan = item.parent && !this.nodes.has(item.parent);
    const li = h(
      'li',
      { class: `contribution${mine ? ' mine' : ''}`, id: `bijdrage-${item.id}`, dataset: { id: String(item.id) } },
      orphan ? h('p', { class: 'orphan-note' }, t('contribution.orphan')) : null,
      h(
        'p',
        { class: 'meta' },
        h('span', { class: 'kind' }, kindLabel(item.kind)),
        h('time', { datetime: item.created_at }, formatDateTime(item.created_at)),
        mine ? h('span', { class: 'mine-label' }, t('contribution.mine')) : null,
      ),
      h('p', { class: 'body' }, item.body),
      this.reactions(item),
      this.tools(item),
      h('div', { class: 'feedback', role: 'status' }),
    );
    return li;
  }

  reactions(item) {
    const o = this.o;
    const counts = REACTIONS.map((r) => [r, item[r]]);
    if (!o.canReact()) {
      return h(
        'p',
        { class: 'reactions muted' },
        counts.map(([r, n]) => h('span', { dataset: { reaction: r } }, `${reactionLabel(r)}: `, h('span', { class: 'count' }, formatNumber(n)))),
      );
    }
    const chosen = o.reactions[item.id];
    const group = h('div', { class: 'reactions', role: 'group', 'aria-label': t('contribution.react.label') });
    const buttons = counts.map(([r, n]) =>
      h(
        'button',
        {
          type: 'button',
          'aria-pressed': String(chosen === r),
          dataset: { reaction: r, focusKey: `react-${item.id}-${r}` },
          onclick: () => o.onReact(item, r, group),
        },
        reactionLabel(r),
        h('span', { class: 'count' }, formatNumber(n)),
      ),
    );
    replaceChildren(group, buttons);
    return group;
  }

  tools(item) {
    const o = this.o;
    const tools = [];
    if (o.canReply()) {
      tools.push(
        h('button', { type: 'button', class: 'quiet', dataset: { focusKey: `reply-${item.id}` }, onclick: () => o.onReply(item) }, t('contribution.reply')),
      );
    }
    if (o.canFlag) {
      const flag = h(
        'button',
        { type: 'button', class: 'quiet', dataset: { focusKey: `flag-${item.id}` }, 'aria-haspopup': 'dialog', onclick: () => o.onFlag(item, flag) },
        t('contribution.flag'),
      );
      tools.push(flag);
    }
    if (o.canModerate) {
      const hide = h(
        'button',
        { type: 'button', class: 'danger', dataset: { focusKey: `hide-${item.id}` }, onclick: () => o.onHide(item, hide) },
        t('moderation.hide'),
      );
      tools.push(hide);
    }
    return tools.length ? h('div', { class: 'tools' }, tools) : null;
  }

  /** Say something about one contribution, next to it. */
  feedback(id, text, kind = '') {
    const el = this.nodes.get(id)?.querySelector(':scope > .feedback');
    if (!el) return;
    el.className = `feedback ${kind ? `message ${kind}` : ''}`.trim();
    el.textContent = text;
  }
}
