// Invitations: one line per invitee (office; e-mail; municipality; network; province),
// POST them, then show each personal link with a copy button. Nothing is e-mailed here.

import { api, seg } from '../api.js';
import { copyButton } from '../components/copy.js';
import { staffNav } from '../components/subnav.js';
import { formatNumber, t } from '../i18n/index.js';
import { h, messageArea, replaceChildren } from '../lib/dom.js';
import { errorText } from '../lib/labels.js';

const FIELDS = ['role', 'email', 'municipality', 'network', 'province'];
const OFFICES = ['burgemeester', 'gemeentesecretaris', 'griffier'];

/** Parse the lines; returns { invitees } or { error, line }. */
export function parseInvitees(text) {
  const invitees = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i].trim();
    if (!line) continue;
    const parts = line.split(/[;\t]/).map((p) => p.trim());
    const invitee = {};
    FIELDS.forEach((name, j) => {
      if (parts[j]) invitee[name] = name === 'role' ? parts[j].toLowerCase() : parts[j];
    });
    if (!invitee.role) return { error: 'invitations.error.role', line: i + 1 };
    if (invitee.email && !invitee.email.includes('@')) return { error: 'invitations.error.email', line: i + 1 };
    invitees.push(invitee);
  }
  if (invitees.length === 0) return { error: 'invitations.error.empty', line: 0 };
  return { invitees };
}

export function mount(ctx) {
  const { slug } = ctx.params;
  const problem = messageArea({ alert: true });
  const result = h('div');
  const text = h('textarea', { id: 'inv-lines', rows: 8, 'aria-describedby': 'inv-hint inv-example', spellcheck: 'false' });
  const title = h('h1', {}, t('invitations.title'));
  ctx.setTitle(t('invitations.title'));

  const form = h(
    'form',
    {
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        problem.clear();
        const parsed = parseInvitees(text.value);
        if (parsed.error) {
          problem.show(t(parsed.error, { line: parsed.line }), 'error');
          text.setAttribute('aria-invalid', 'true');
          text.focus();
          return;
        }
        text.setAttribute('aria-invalid', 'false');
        try {
          const links = await api.post(`/api/dialogues/${seg(slug)}/invitations`, { invitees: parsed.invitees });
          showLinks(parsed.invitees, links);
          text.value = '';
        } catch (err) {
          problem.show(errorText(err), 'error');
        }
      },
    },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'inv-lines' }, t('invitations.lines')),
      h('p', { class: 'hint', id: 'inv-hint' }, t('invitations.hint', { offices: OFFICES.join(', ') })),
      h('p', { class: 'hint', id: 'inv-example' }, t('invitations.example')),
      text,
    ),
    problem.el,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('invitations.submit'))),
  );

  function showLinks(invitees, links) {
    const heading = h('h2', { tabindex: '-1' }, t('invitations.done', { n: formatNumber(links.length) }));
    const all = links.map((l, i) => `${invitees[i].role}\t${invitees[i].municipality ?? ''}\t${l.link}`).join('\n');
    replaceChildren(
      result,
      heading,
      h('p', {}, t('invitations.done.text')),
      copyButton(all, t('invitations.copy.all')),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          {},
          h('caption', { class: 'visually-hidden' }, t('invitations.table')),
          h(
            'thead',
            {},
            h('tr', {}, [t('invitations.col.office'), t('invitations.col.municipality'), t('invitations.col.link'), t('invitations.col.copy')].map((c) => h('th', { scope: 'col' }, c))),
          ),
          h(
            'tbody',
            {},
            links.map((l, i) =>
              h(
                'tr',
                {},
                h('td', {}, invitees[i].role),
                h('td', {}, invitees[i].municipality ?? ''),
                h('td', { class: 'link' }, l.link),
                h('td', {}, copyButton(l.link, t('invitations.copy.one', { n: i + 1 }))),
              ),
            ),
          ),
        ),
      ),
    );
    heading.focus();
  }

  ctx.root.append(
    staffNav(ctx.me, slug, 'invitations') ?? '',
    title,
    h('p', { class: 'lead' }, t('invitations.intro')),
    h('section', { class: 'card', 'aria-labelledby': 'inv-new' }, h('h2', { id: 'inv-new' }, t('invitations.new')), form),
    result,
  );

  api
    .get(`/api/dialogues/${seg(slug)}`)
    .then((d) => {
      if (!ctx.alive()) return;
      title.textContent = t('invitations.title.of', { title: d.title });
      ctx.setTitle(t('invitations.title.of', { title: d.title }));
    })
    .catch((err) => problem.show(errorText(err), 'error'));
}
