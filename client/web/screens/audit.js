// Auditlog (admins): every moderation action of a dialogue, oldest first, as the
// append-only log keeps it (GET /api/dialogues/{slug}/audit), and the same as CSV.

import { api, seg } from '../api.js';
import { staffNav } from '../components/subnav.js';
import { formatDateTime, formatNumber, t } from '../i18n/index.js';
import { h, replaceChildren } from '../lib/dom.js';
import { errorText } from '../lib/labels.js';

const ACTIONS = ['hide', 'restore', 'approve', 'claim', 'release', 'mute', 'note', 'mode'];
const DETAILS = ['reason', 'until', 'note', 'moderation_mode'];

function actionLabel(action) {
  return ACTIONS.includes(action) ? t(`audit.action.${action}`) : action;
}

/** The detail map as short Dutch "name: value" lines; unknown fields as they are. */
function details(detail) {
  const entries = Object.entries(detail ?? {});
  if (entries.length === 0) return '';
  return h(
    'ul',
    { class: 'plain' },
    entries.map(([name, value]) => {
      const label = DETAILS.includes(name) ? t(`audit.detail.${name}`) : name;
      const text = name === 'until' ? formatDateTime(value) : typeof value === 'string' ? value : JSON.stringify(value);
      return h('li', {}, `${label}: ${text}`);
    }),
  );
}

export async function mount(ctx) {
  const { slug } = ctx.params;
  const base = `/api/dialogues/${seg(slug)}`;
  const title = h('h1', {}, t('audit.title'));
  const problem = h('div', { role: 'alert' });
  const body = h('div');
  ctx.setTitle(t('audit.title'));
  ctx.root.append(
    staffNav(ctx.me, slug, 'audit') ?? '',
    title,
    h('p', { class: 'lead' }, t('audit.intro')),
    h('p', {}, h('a', { class: 'button secondary', href: `${base}/audit?format=csv`, download: `audit-${slug}.csv` }, t('audit.csv'))),
    problem,
    body,
  );
  try {
    const [dialogue, log] = await Promise.all([api.get(base), api.get(`${base}/audit`)]);
    if (!ctx.alive()) return;
    title.textContent = t('audit.title.of', { title: dialogue.title });
    ctx.setTitle(t('audit.title.of', { title: dialogue.title }));
    if (log.entries.length === 0) {
      replaceChildren(body, h('p', {}, t('audit.empty')));
      return;
    }
    const entries = log.entries.slice().reverse(); // newest first
    replaceChildren(
      body,
      h('p', { class: 'muted' }, t('audit.count', { n: formatNumber(entries.length) })),
      h(
        'div',
        { class: 'table-wrap', role: 'region', tabindex: '0', 'aria-labelledby': 'audit-caption' },
        h(
          'table',
          { class: 'audit' },
          h('caption', { id: 'audit-caption' }, t('audit.caption')),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['audit.col.at', 'audit.col.by', 'audit.col.action', 'audit.col.contribution', 'audit.col.detail'].map((k) =>
                h('th', { scope: 'col' }, t(k)),
              ),
            ),
          ),
          h(
            'tbody',
            {},
            entries.map((e) =>
              h(
                'tr',
                {},
                h('td', {}, h('time', { datetime: e.at }, formatDateTime(e.at))),
                h('td', { class: 'email' }, e.by ?? t('audit.by.system')),
                h('td', {}, actionLabel(e.action)),
                h('td', {}, e.contribution ? String(e.contribution) : '—'),
                h('td', {}, details(e.detail)),
              ),
            ),
          ),
        ),
      ),
    );
  } catch (err) {
    replaceChildren(problem, h('p', { class: 'message error' }, errorText(err)));
  }
}
