// Voorkeuren for facilitators: prepare ballots before step 5 opens (one item per theme
// and/or items of their own; dots, pairwise or statements), read the results (suppressed),
// and hand the top of a ballot to Verdiepen as its agenda once step 5 has closed.

import { api, seg } from '../api.js';
import { resultsTable } from '../components/ballot-results.js';
import { staffNav } from '../components/subnav.js';
import { t } from '../i18n/index.js';
import { cellText } from '../lib/cells.js';
import { h, messageArea, replaceChildren, rerender } from '../lib/dom.js';
import { errorText } from '../lib/labels.js';
import { EVENTS, channel } from '../protocol.js';

const METHODS = ['dots', 'pairwise', 'statements'];

function field(id, label, input, hint) {
  return h('div', { class: 'field' }, h('label', { for: id }, label), hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null, input);
}

export function mount(ctx) {
  const { slug } = ctx.params;
  const base = `/api/dialogues/${seg(slug)}`;
  const title = h('h1', {}, t('ballots.title'));
  const problem = h('div', { role: 'alert' });
  const list = h('div');
  const agendaBox = h('div');

  // --- a new ballot --------------------------------------------------------------------------
  const result = messageArea({ alert: true });
  const name = h('input', { type: 'text', id: 'bl-title', maxlength: 200, autocomplete: 'off' });
  const method = h('select', { id: 'bl-method' }, METHODS.map((m) => h('option', { value: m }, t(`ballots.method.${m}`))));
  const dots = h('input', { type: 'text', inputmode: 'numeric', id: 'bl-dots', value: '10', autocomplete: 'off' });
  const maxPer = h('input', { type: 'text', inputmode: 'numeric', id: 'bl-max', autocomplete: 'off', 'aria-describedby': 'bl-max-hint' });
  const dotsFields = h('div', { class: 'filters' }, field('bl-dots', t('ballots.dots'), dots), field('bl-max', t('ballots.max'), maxPer, t('ballots.max.hint')));
  method.addEventListener('change', () => {
    dotsFields.hidden = method.value !== 'dots';
  });
  const fromThemes = h('input', { type: 'checkbox', id: 'bl-themes', checked: true });
  const hidden = h('input', { type: 'checkbox', id: 'bl-hidden' });
  const items = h('textarea', { id: 'bl-items', rows: 4, 'aria-describedby': 'bl-items-hint' });
  const form = h(
    'form',
    {
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        result.clear();
        if (!name.value.trim()) {
          result.show(t('ballots.title.missing'), 'error');
          name.focus();
          return;
        }
        const body = {
          title: name.value.trim(),
          method: method.value,
          hidden_until_closed: hidden.checked,
          from_themes: fromThemes.checked,
          items: items.value.split(/\r?\n/).map((line) => line.trim()).filter(Boolean).map((line) => {
            const [head, ...rest] = line.split(':');
            return rest.length ? { title: head.trim(), body: rest.join(':').trim() } : { title: head };
          }),
        };
        if (method.value === 'dots') {
          body.dots = Number(dots.value);
          if (maxPer.value.trim()) body.max_per_item = Number(maxPer.value);
        }
        try {
          const ballot = await api.post(`${base}/ballots`, body);
          form.reset();
          dotsFields.hidden = false;
          result.show(t('ballots.created', { title: ballot.title, n: ballot.items.length }), 'ok');
          await load();
        } catch (err) {
          result.show(errorText(err), 'error');
        }
      },
    },
    field('bl-title', t('ballots.field.title'), name),
    field('bl-method', t('ballots.field.method'), method),
    dotsFields,
    h('div', { class: 'field' }, h('label', { class: 'choice', for: 'bl-themes' }, fromThemes, t('ballots.from_themes'))),
    field('bl-items', t('ballots.items'), items, t('ballots.items.hint')),
    h('div', { class: 'field' }, h('label', { class: 'choice', for: 'bl-hidden' }, hidden, t('ballots.hidden'))),
    result.el,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('ballots.create'))),
  );

  // --- the ballots and their results ---------------------------------------------------------
  const showing = new Map(); // ballot id -> show(): results stay open across reloads

  function ballotCard(ballot) {
    const id = `bl-${ballot.id}`;
    const resultsBox = h('div');
    const handoff = messageArea({ alert: true });
    const top = h('input', { type: 'text', inputmode: 'numeric', id: `${id}-top`, value: '3', autocomplete: 'off' });
    const show = async () => {
      showing.set(ballot.id, show);
      try {
        const r = await api.get(`/api/ballots/${ballot.id}/results`);
        replaceChildren(
          resultsBox,
          h('p', { class: 'muted', role: 'status' }, t('prefs.results.voters', { n: cellText(r.voters) })),
          resultsTable(r.method, r.items, t('prefs.results.caption', { title: ballot.title }), r.k),
        );
      } catch (err) {
        replaceChildren(resultsBox, h('p', { class: 'message error' }, errorText(err)));
      }
    };
    if (showing.has(ballot.id)) show();
    return h(
      'section',
      { class: 'card ballot', 'aria-labelledby': id, dataset: { id: String(ballot.id) } },
      h('h3', { id }, ballot.title, ' ', h('span', { class: `badge ${ballot.state}` }, t(`step.state.${ballot.state}`))),
      h('p', { class: 'muted' }, t(`ballots.method.${ballot.method}`), ballot.frozen ? ` · ${t('ballots.frozen')}` : '', ballot.hidden_until_closed ? ` · ${t('ballots.hidden.short')}` : ''),
      h('ol', {}, ballot.items.map((i) => h('li', {}, i.title))),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', onclick: show }, t('ballots.results.show'), h('span', { class: 'visually-hidden' }, `: ${ballot.title}`))),
      resultsBox,
      h(
        'form',
        {
          novalidate: true,
          class: 'handoff',
          onsubmit: async (e) => {
            e.preventDefault();
            handoff.clear();
            const n = Number(top.value);
            if (!Number.isInteger(n) || n < 1 || n > 20) {
              handoff.show(t('ballots.agenda.invalid'), 'error');
              top.focus();
              return;
            }
            try {
              const answer = await api.post(`${base}/ballots/${ballot.id}/agenda`, { top: n });
              handoff.show(t('ballots.agenda.done', { n: answer.agenda.length }), 'ok');
              renderAgenda(answer.agenda);
            } catch (err) {
              handoff.show(errorText(err), 'error');
            }
          },
        },
        field(`${id}-top`, t('ballots.agenda.top'), top),
        h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, t('ballots.agenda.submit'))),
        handoff.el,
      ),
    );
  }

  function renderAgenda(agenda) {
    if (!agenda?.length) {
      rerender(agendaBox, h('p', { class: 'muted' }, t('ballots.agenda.none')));
      return;
    }
    rerender(
      agendaBox,
      h(
        'ol',
        { class: 'agenda' },
        agenda.map((a) =>
          h(
            'li',
            {},
            h('strong', {}, a.item?.title ?? ''),
            a.theme ? [' – ', h('a', { href: `#/d/${seg(slug)}/thema/${a.theme.id}` }, t('ballots.agenda.theme', { title: a.theme.title }))] : null,
          ),
        ),
      ),
    );
  }

  async function load() {
    const [dialogue, found, agenda] = await Promise.all([api.get(base), api.get(`${base}/ballots`), api.get(`${base}/agenda`).catch(() => ({ agenda: [] }))]);
    if (!ctx.alive()) return;
    title.textContent = t('ballots.title.of', { title: dialogue.title });
    ctx.setTitle(t('ballots.title.of', { title: dialogue.title }));
    rerender(list, found.ballots.length ? found.ballots.map(ballotCard) : h('p', {}, t('ballots.none')));
    renderAgenda(agenda.agenda);
  }

  ctx.setTitle(t('ballots.title'));
  ctx.root.append(
    staffNav(ctx.me, slug, 'ballots') ?? '',
    title,
    h('p', { class: 'lead' }, t('ballots.intro')),
    problem,
    h('section', { 'aria-labelledby': 'bl-list' }, h('h2', { id: 'bl-list' }, t('ballots.list')), list),
    h('section', { class: 'card', 'aria-labelledby': 'bl-agenda' }, h('h2', { id: 'bl-agenda' }, t('ballots.agenda')), h('p', {}, t('ballots.agenda.intro')), agendaBox),
    h('section', { class: 'card', 'aria-labelledby': 'bl-new' }, h('h2', { id: 'bl-new' }, t('ballots.new')), h('p', {}, t('ballots.new.intro')), form),
  );
  const sub = ctx.conn.subscribe(channel.dialogue(slug), {
    load,
    event: (m) => {
      if ([EVENTS.BALLOT_CREATED, EVENTS.BALLOT_CHANGED, EVENTS.STEP_CHANGED].includes(m.event)) load().catch(() => {});
      else if (m.event === EVENTS.AGENDA_SET) renderAgenda(m.data.agenda);
      else if (m.event === EVENTS.BALLOT_COUNTS) showing.get(m.data.ballot)?.();
    },
    error: (err) => replaceChildren(problem, h('p', { class: 'message error' }, errorText(err))),
  });
  return () => sub.close();
}
