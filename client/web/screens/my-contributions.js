// Mijn bijdragen: the participant's own contributions and what moderation did with them
// (GET /api/dialogues/{slug}/mine, found through the caller's own pseudonym only).
//
// The outcome changes on the theme channels (hidden, restored, approved): the screen
// follows the themes it lists and reloads when one of its own contributions is concerned.

import { api, seg } from '../api.js';
import { formatDateTime, formatNumber, t } from '../i18n/index.js';
import { announce } from '../lib/announcer.js';
import { h, rerender } from '../lib/dom.js';
import { errorText, kindLabel } from '../lib/labels.js';
import { rememberContribution } from '../lib/mine.js';
import { EVENTS, REACTIONS, channel } from '../protocol.js';

const STATE_BADGE = { visible: 'open', hidden: 'closed', held: 'warn' };

function item(c, slug, themes) {
  const theme = themes.get(c.theme);
  const state = c.state ?? 'visible';
  return h(
    'li',
    { class: 'contribution', dataset: { state, id: String(c.id) } },
    h(
      'p',
      { class: 'meta' },
      h('span', { class: 'kind' }, kindLabel(c.kind)),
      theme
        ? h('a', { href: `#/d/${seg(slug)}/thema/${theme.id}` }, t('mine.theme', { title: theme.title }))
        : null,
      h('time', { datetime: c.created_at }, formatDateTime(c.created_at)),
    ),
    h('p', { class: 'body' }, c.body),
    h(
      'p',
      { class: 'outcome' },
      h('span', { class: 'visually-hidden' }, t('mine.state.label')),
      h('span', { class: `badge ${STATE_BADGE[state] ?? ''}` }, t(`mine.state.${state}`)),
      ' ',
      h('span', {}, t(`mine.state.${state}.text`)),
    ),
    state === 'hidden' && c.hidden_reason
      ? h('p', { class: 'message warn' }, t('mine.hidden.reason', { reason: c.hidden_reason }))
      : null,
    state === 'visible'
      ? h(
          'p',
          { class: 'muted' },
          REACTIONS.map((r) => t(`mine.count.${r}`, { n: formatNumber(c[r] ?? 0) })).join(' · '),
        )
      : null,
  );
}

export function mount(ctx) {
  const { slug } = ctx.params;
  const title = h('h1', {}, t('mine.title'));
  const problem = h('div', { role: 'alert' });
  const summary = h('p', { class: 'muted' });
  const list = h('ol', { class: 'contributions mine-list' });
  const empty = h('p', { hidden: true }, t('mine.empty'));
  ctx.setTitle(t('mine.title'));
  ctx.root.append(
    h('p', { class: 'crumbs' }, h('a', { href: `#/d/${seg(slug)}` }, t('theme.back'))),
    title,
    h('p', { class: 'lead' }, t('mine.intro')),
    problem,
    summary,
    empty,
    list,
  );

  let themes = new Map();
  let own = new Map(); // id -> state, to see what changed after a reload
  const subs = new Map(); // theme id -> subscription

  async function load({ announceChanges = false } = {}) {
    const [dialogue, mine] = await Promise.all([
      api.get(`/api/dialogues/${seg(slug)}`),
      api.get(`/api/dialogues/${seg(slug)}/mine`),
    ]);
    if (!ctx.alive()) return;
    themes = new Map(dialogue.themes.map((x) => [x.id, x]));
    const items = mine.contributions.slice().reverse(); // newest first
    const before = own;
    own = new Map(items.map((c) => [c.id, c.state]));
    for (const c of items) rememberContribution(slug, c.id);
    if (announceChanges && items.some((c) => before.has(c.id) && before.get(c.id) !== c.state)) {
      announce(t('mine.announce.changed'));
    }
    const counts = { visible: 0, held: 0, hidden: 0 };
    for (const c of items) counts[c.state] = (counts[c.state] ?? 0) + 1;
    summary.textContent = items.length ? t('mine.summary', { n: items.length, ...counts }) : '';
    empty.hidden = items.length > 0;
    rerender(list, items.map((c) => item(c, slug, themes)));
    follow(new Set(items.map((c) => c.theme)));
  }

  const reload = () =>
    load({ announceChanges: true }).catch((err) => rerender(problem, h('p', { class: 'message error' }, errorText(err))));

  function follow(themeIds) {
    for (const id of themeIds) {
      if (subs.has(id)) continue;
      subs.set(
        id,
        ctx.conn.subscribe(channel.theme(id), {
          load: async () => {}, // the list above is the state; events only say when to reload
          event: (m) => {
            const d = m.data;
            const concerned =
              ((m.event === EVENTS.CONTRIBUTION_HIDDEN || m.event === EVENTS.CONTRIBUTION_RESTORED) && own.has(d.id)) ||
              (m.event === EVENTS.CONTRIBUTION_CREATED && own.get(d.id) === 'held') ||
              m.event === EVENTS.THEME_MERGED;
            if (concerned) reload();
          },
        }),
      );
    }
  }

  load().catch((err) => rerender(problem, h('p', { class: 'message error' }, errorText(err))));

  return () => {
    for (const sub of subs.values()) sub.close();
  };
}
