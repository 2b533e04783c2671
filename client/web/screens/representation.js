// Representativiteit (facilitators): per dimension every group of the population with
// its population, invited, joined, active and index; the R-score; the alerts, each with
// a reminder to its group. Counts come suppressed ("< 5", "—"); the screen refetches on
// `representation.changed` and `representation.alert` (moderation:{slug}).

import { api, seg } from '../api.js';
import { linksTable } from '../components/links-table.js';
import { staffNav } from '../components/subnav.js';
import { formatDateTime, t } from '../i18n/index.js';
import { announce } from '../lib/announcer.js';
import { cellLabel, cellText } from '../lib/cells.js';
import { h, messageArea, replaceChildren, rerender } from '../lib/dom.js';
import { errorText } from '../lib/labels.js';
import { EVENTS, channel } from '../protocol.js';

const DIMENSIONS = ['office', 'network', 'province', 'size'];
const REFETCH_MS = 300; // a burst of signals becomes one fetch

const decimal = new Intl.NumberFormat('nl-NL', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const ratio = (x) => (typeof x === 'number' ? decimal.format(x) : '—');

function cell(value, extra = '') {
  const label = cellLabel(value);
  return h(
    'td',
    { class: `num ${extra}`.trim() },
    label ? [h('span', { 'aria-hidden': 'true' }, cellText(value)), h('span', { class: 'visually-hidden' }, label)] : cellText(value),
  );
}

/** "0,42", or "tussen 0,00 en 0,06" when small counts leave only a range. */
function rText(score, range) {
  if (typeof score === 'number') return ratio(score);
  if (Array.isArray(range)) return t('repr.r.range', { low: ratio(range[0]), high: ratio(range[1]) });
  return t('repr.r.none');
}

const groupName = (dimension, group) => t('repr.group', { dimension: t(`dimension.${dimension}`), group });

export function mount(ctx) {
  const { slug } = ctx.params;
  const base = `/api/dialogues/${seg(slug)}`;
  const title = h('h1', {}, t('repr.title'));
  const problem = h('div', { role: 'alert' });
  const summary = h('div');
  const alertsBox = h('div');
  const alertResult = h('div');
  const tables = h('div');
  const updated = h('p', { class: 'muted', role: 'status' });
  const legend = h('p', { class: 'hint' });
  let answer = null;
  let alertKeys = null; // null until the first answer: only later alerts are announced

  // --- threshold ---------------------------------------------------------------------------
  const below = h('input', { type: 'text', inputmode: 'decimal', id: 'th-below', autocomplete: 'off', 'aria-describedby': 'th-below-hint' });
  const minInvited = h('input', { type: 'text', inputmode: 'numeric', id: 'th-min', autocomplete: 'off' });
  const thresholdResult = messageArea({ alert: true });
  const thresholdForm = h(
    'form',
    {
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        thresholdResult.clear();
        const index = Number(below.value.replace(',', '.'));
        const min = Number(minInvited.value);
        if (!(index > 0 && index <= 1) || !Number.isInteger(min) || min < 1) {
          thresholdResult.show(t('repr.threshold.invalid'), 'error');
          below.focus();
          return;
        }
        try {
          await api.put(`${base}/representation/threshold`, { index_below: index, min_invited: min });
          thresholdResult.show(t('repr.threshold.saved'), 'ok');
          await load();
        } catch (err) {
          thresholdResult.show(errorText(err), 'error');
        }
      },
    },
    h(
      'div',
      { class: 'filters' },
      h('div', { class: 'field' }, h('label', { for: 'th-below' }, t('repr.threshold.below')), h('p', { class: 'hint', id: 'th-below-hint' }, t('repr.threshold.below.hint')), below),
      h('div', { class: 'field' }, h('label', { for: 'th-min' }, t('repr.threshold.min')), minInvited),
    ),
    thresholdResult.el,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, t('repr.threshold.save'))),
  );

  // --- rendering ---------------------------------------------------------------------------
  function renderSummary() {
    const tot = answer.totals;
    rerender(
      summary,
      h(
        'dl',
        { class: 'figures' },
        [
          ['repr.total.population', cellText(tot.population)],
          ['repr.total.invited', cellText(tot.invited)],
          ['repr.total.joined', cellText(tot.joined)],
          ['repr.total.active', cellText(tot.active)],
        ].map(([k, v]) => h('div', {}, h('dt', {}, t(k)), h('dd', {}, v))),
        h('div', { class: 'r-score' }, h('dt', {}, t('repr.r')), h('dd', {}, rText(answer.r_score, answer.r_score_range))),
      ),
      h('p', { class: 'hint' }, t('repr.r.explain')),
    );
  }

  function alertItem(a) {
    const result = messageArea({ alert: true });
    const name = groupName(a.dimension, a.group);
    const index = typeof a.index === 'number' ? ratio(a.index) : t('repr.alert.at_most', { value: ratio(a.index_at_most) });
    return h(
      'li',
      { class: 'alert-item', dataset: { dimension: a.dimension, group: a.group } },
      h('p', {}, h('strong', {}, name), ': ', t('repr.alert.text', { index, below: ratio(answer.threshold?.index_below), invited: cellText(a.invited), joined: cellText(a.joined) })),
      a.reminded_at ? h('p', { class: 'hint' }, t('repr.alert.reminded', { when: formatDateTime(a.reminded_at) })) : null,
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            dataset: { focusKey: `remind-${a.dimension}-${a.group}` },
            onclick: () => remind(a, result),
          },
          t('repr.alert.remind'),
          h('span', { class: 'visually-hidden' }, ` ${name}`),
        ),
      ),
      result.el,
    );
  }

  function renderAlerts() {
    const alerts = answer.alerts ?? [];
    rerender(
      alertsBox,
      alerts.length === 0
        ? h('p', {}, t('repr.alerts.none'))
        : h('ul', { class: 'plain alerts' }, alerts.map(alertItem)),
    );
  }

  async function remind(a, result) {
    result.clear();
    try {
      const done = await api.post(`${base}/representation/alerts/${seg(a.dimension)}/${seg(a.group)}/remind`, {});
      const inactive = done.not_active;
      const heading = h('h3', { tabindex: '-1' }, t('repr.remind.done', { group: groupName(a.dimension, a.group), n: done.reminded }));
      replaceChildren(
        alertResult,
        heading,
        h('p', {}, t('gather.remind.counts', done)),
        inactive ? h('p', {}, t('gather.remind.inactive.counts', { mailed: cellText(inactive.mailed), without: cellText(inactive.without_email) })) : null,
        done.links.length ? linksTable(t('gather.remind.links'), done.links.map((l) => ({ who: t('gather.invitation', { n: l.id }), link: l.link }))) : null,
      );
      heading.focus();
    } catch (err) {
      result.show(errorText(err), 'error');
    }
  }

  function renderTables() {
    const under = new Set((answer.alerts ?? []).map((a) => `${a.dimension}\u0000${a.group}`));
    rerender(
      tables,
      DIMENSIONS.filter((d) => answer.groups.some((g) => g.dimension === d)).map((d) => {
        const rows = answer.groups.filter((g) => g.dimension === d);
        const score = answer.r_scores?.[d];
        const id = `repr-${d}`;
        return h(
          'section',
          { class: 'card', 'aria-labelledby': `${id}-h` },
          h('h3', { id: `${id}-h` }, t('repr.per', { dimension: t(`dimension.${d}`) })),
          h('p', {}, t('repr.r.of', { value: rText(score?.value, score?.range) })),
          h(
            'div',
            { class: 'table-wrap', role: 'region', tabindex: '0', 'aria-labelledby': `${id}-c` },
            h(
              'table',
              { class: 'repr' },
              h('caption', { id: `${id}-c` }, t('repr.caption', { dimension: t(`dimension.${d}`) })),
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  h('th', { scope: 'col' }, t('gather.funnel.group')),
                  ['population', 'invited', 'joined', 'active', 'index'].map((c) => h('th', { scope: 'col', class: 'num' }, t(`repr.col.${c}`))),
                ),
              ),
              h(
                'tbody',
                {},
                rows.map((g) => {
                  const alert = under.has(`${g.dimension}\u0000${g.group}`);
                  return h(
                    'tr',
                    { class: alert ? 'under' : null, dataset: { group: g.group } },
                    h('th', { scope: 'row' }, g.group, alert ? h('span', { class: 'badge warn' }, t('repr.alert.badge')) : null),
                    cell(g.population),
                    cell(g.invited),
                    cell(g.joined),
                    cell(g.active),
                    h('td', { class: 'num' }, ratio(g.index)),
                  );
                }),
              ),
            ),
          ),
        );
      }),
    );
  }

  function render() {
    renderSummary();
    renderAlerts();
    renderTables();
    legend.textContent = `${t('repr.index.explain')} ${t('gather.funnel.legend', { k: answer.k })}`;
    if (answer.threshold && document.activeElement !== below && document.activeElement !== minInvited) {
      below.value = decimal.format(answer.threshold.index_below);
      minInvited.value = String(answer.threshold.min_invited);
    }
    updated.textContent = t('repr.updated', { when: formatDateTime(new Date().toISOString()) });
  }

  async function load() {
    const next = await api.get(`${base}/representation`);
    if (!ctx.alive()) return;
    const before = alertKeys;
    answer = next;
    alertKeys = new Set((answer.alerts ?? []).map((a) => `${a.dimension}\u0000${a.group}`));
    if (before) {
      for (const a of answer.alerts ?? []) {
        if (!before.has(`${a.dimension}\u0000${a.group}`)) announce(t('repr.alert.new', { group: groupName(a.dimension, a.group) }));
      }
    }
    render();
  }

  let timer = null;
  const refetch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => load().catch((err) => replaceChildren(problem, h('p', { class: 'message error' }, errorText(err)))), REFETCH_MS);
  };

  ctx.setTitle(t('repr.title'));
  ctx.root.append(
    staffNav(ctx.me, slug, 'representation') ?? '',
    title,
    h('p', { class: 'lead' }, t('repr.intro')),
    problem,
    h('section', { class: 'card', 'aria-labelledby': 'repr-summary' }, h('h2', { id: 'repr-summary' }, t('repr.summary')), summary, updated),
    h('section', { class: 'card', 'aria-labelledby': 'repr-alerts' }, h('h2', { id: 'repr-alerts' }, t('repr.alerts')), alertsBox, alertResult),
    h('section', { 'aria-labelledby': 'repr-groups' }, h('h2', { id: 'repr-groups' }, t('repr.groups')), legend, tables),
    h('section', { class: 'card', 'aria-labelledby': 'repr-threshold' }, h('h2', { id: 'repr-threshold' }, t('repr.threshold')), thresholdForm),
  );

  api
    .get(base)
    .then((d) => {
      if (!ctx.alive()) return;
      title.textContent = t('repr.title.of', { title: d.title });
      ctx.setTitle(t('repr.title.of', { title: d.title }));
    })
    .catch(() => {});

  // The signal carries nothing: it says "fetch again" (the figures come suppressed).
  const sub = ctx.conn.subscribe(channel.moderation(slug), {
    load,
    event: (m) => {
      if (m.event === EVENTS.REPRESENTATION_CHANGED || m.event === EVENTS.REPRESENTATION_ALERT) refetch();
    },
    error: (err) => replaceChildren(problem, h('p', { class: 'message error' }, errorText(err))),
  });
  return () => {
    clearTimeout(timer);
    sub.close();
  };
}
