// Werksessies (session leads, facilitators): the workshops of a dialogue and a new one
// with its agenda of rounds (write, react, quick poll), each with a duration.
// POST /api/dialogues/{slug}/workshops {"title", "theme", "rounds": [...]}.

import { api, seg } from '../api.js';
import { staffNav } from '../components/subnav.js';
import { t } from '../i18n/index.js';
import { h, messageArea, replaceChildren, uid } from '../lib/dom.js';
import { errorText } from '../lib/labels.js';

const KINDS = ['write', 'react', 'poll'];

/** "5" → 300, "1:30" → 90, "0:45" → 45; null when it is not a duration. */
export function parseDuration(text) {
  const value = text.trim();
  let m = /^(\d{1,3})$/.exec(value);
  if (m) return Number(m[1]) * 60;
  m = /^(\d{1,3}):([0-5]\d)$/.exec(value);
  if (m) return Number(m[1]) * 60 + Number(m[2]);
  return null;
}

export async function mount(ctx) {
  const { slug } = ctx.params;
  const base = `/api/dialogues/${seg(slug)}`;
  const title = h('h1', {}, t('workshops.title'));
  const problem = h('div', { role: 'alert' });
  const list = h('div');
  const result = messageArea({ alert: true });
  const rounds = h('ol', { class: 'rounds' });
  let dialogue = null;

  // --- the agenda: one fieldset per round -----------------------------------------------------
  function roundFields() {
    const id = uid('ronde');
    const prompt = h('textarea', { id: `${id}-prompt`, rows: 2, maxlength: 1000 });
    const kind = h('select', { id: `${id}-kind` }, KINDS.map((k) => h('option', { value: k }, t(`workshop.kind.${k}`))));
    const duration = h('input', { type: 'text', id: `${id}-duration`, value: '5:00', inputmode: 'numeric', autocomplete: 'off', 'aria-describedby': `${id}-duration-hint` });
    const options = h('textarea', { id: `${id}-options`, rows: 3, 'aria-describedby': `${id}-options-hint` });
    const optionsField = h(
      'div',
      { class: 'field', hidden: true },
      h('label', { for: `${id}-options` }, t('workshops.round.options')),
      h('p', { class: 'hint', id: `${id}-options-hint` }, t('workshops.round.options.hint')),
      options,
    );
    kind.addEventListener('change', () => {
      optionsField.hidden = kind.value !== 'poll';
    });
    const legend = h('legend', {});
    const removeLabel = h('span', { class: 'visually-hidden' });
    const remove = h(
      'button',
      {
        type: 'button',
        class: 'quiet',
        onclick: () => {
          const next = li.nextElementSibling ?? li.previousElementSibling;
          li.remove();
          renumber();
          next?.querySelector('textarea')?.focus();
        },
      },
      t('workshops.round.remove'),
      removeLabel,
    );
    const li = h(
      'li',
      {},
      h(
        'fieldset',
        { class: 'round' },
        legend,
        h('div', { class: 'field' }, h('label', { for: `${id}-prompt` }, t('workshops.round.prompt')), prompt),
        h(
          'div',
          { class: 'filters' },
          h('div', { class: 'field' }, h('label', { for: `${id}-kind` }, t('workshops.round.kind')), kind),
          h('div', { class: 'field' }, h('label', { for: `${id}-duration` }, t('workshops.round.duration')), h('p', { class: 'hint', id: `${id}-duration-hint` }, t('workshops.round.duration.hint')), duration),
        ),
        optionsField,
        h('div', { class: 'actions' }, remove),
      ),
    );
    li.read = (n) => {
      const seconds = parseDuration(duration.value);
      if (!prompt.value.trim()) return { error: t('workshops.round.prompt.missing', { n }), focus: prompt };
      if (seconds === null || seconds < 10 || seconds > 4 * 3600) return { error: t('workshops.round.duration.invalid', { n }), focus: duration };
      const round = { prompt: prompt.value.trim(), kind: kind.value, duration_seconds: seconds };
      if (kind.value === 'poll') {
        round.options = options.value.split(/\r?\n/).map((o) => o.trim()).filter(Boolean);
        if (round.options.length < 2 || round.options.length > 10) return { error: t('workshops.round.options.invalid', { n }), focus: options };
      }
      return { round };
    };
    li.number = (n) => {
      legend.textContent = t('workshops.round', { n });
      removeLabel.textContent = ` ${n}`;
    };
    return li;
  }

  function renumber() {
    [...rounds.children].forEach((li, i) => li.number(i + 1));
    const only = rounds.children.length === 1;
    for (const b of rounds.querySelectorAll('.round .actions button')) b.hidden = only;
  }

  function addRound(focus) {
    const li = roundFields();
    rounds.append(li);
    renumber();
    if (focus) li.querySelector('textarea').focus();
  }

  const name = h('input', { type: 'text', id: 'ws-title', maxlength: 200, autocomplete: 'off' });
  const theme = h('select', { id: 'ws-theme', 'aria-describedby': 'ws-theme-hint' });
  const form = h(
    'form',
    {
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        result.clear();
        if (!name.value.trim()) {
          result.show(t('workshops.title.missing'), 'error');
          name.focus();
          return;
        }
        const agenda = [];
        for (const [i, li] of [...rounds.children].entries()) {
          const read = li.read(i + 1);
          if (read.error) {
            result.show(read.error, 'error');
            read.focus.focus();
            return;
          }
          agenda.push(read.round);
        }
        const body = { title: name.value.trim(), rounds: agenda };
        if (theme.value) body.theme = Number(theme.value);
        try {
          const created = await api.post(`${base}/workshops`, body);
          ctx.navigate(`/beheer/d/${seg(slug)}/werksessie/${created.id}`);
        } catch (err) {
          result.show(errorText(err), 'error');
        }
      },
    },
    h('div', { class: 'field' }, h('label', { for: 'ws-title' }, t('workshops.field.title')), name),
    h('div', { class: 'field' }, h('label', { for: 'ws-theme' }, t('workshops.field.theme')), h('p', { class: 'hint', id: 'ws-theme-hint' }, t('workshops.field.theme.hint')), theme),
    h('h3', {}, t('workshops.agenda')),
    rounds,
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', onclick: () => addRound(true) }, t('workshops.round.add'))),
    result.el,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('workshops.create'))),
  );
  addRound(false);

  function renderList(workshops) {
    if (workshops.length === 0) {
      replaceChildren(list, h('p', {}, t('workshops.none')));
      return;
    }
    replaceChildren(
      list,
      h(
        'ul',
        { class: 'themes' },
        workshops.map((w) =>
          h(
            'li',
            {},
            h('span', {}, h('strong', {}, w.title), ' ', h('span', { class: `badge ${w.state}` }, t(`workshop.state.${w.state}`))),
            h(
              'span',
              { class: 'actions' },
              h('a', { href: `#/beheer/d/${seg(slug)}/werksessie/${w.id}`, class: 'more' }, t('workshops.open'), h('span', { class: 'visually-hidden' }, `: ${w.title}`)),
            ),
          ),
        ),
      ),
    );
  }

  ctx.setTitle(t('workshops.title'));
  ctx.root.append(
    staffNav(ctx.me, slug, 'workshops') ?? h('p', { class: 'crumbs' }, h('a', { href: '#/beheer' }, t('map.back'))),
    title,
    h('p', { class: 'lead' }, t('workshops.intro')),
    problem,
    h('section', { 'aria-labelledby': 'ws-list' }, h('h2', { id: 'ws-list' }, t('workshops.list')), list),
    h('section', { class: 'card', 'aria-labelledby': 'ws-new' }, h('h2', { id: 'ws-new' }, t('workshops.new')), form),
  );

  try {
    const [d, w] = await Promise.all([api.get(base), api.get(`${base}/workshops`)]);
    if (!ctx.alive()) return;
    dialogue = d;
    title.textContent = t('workshops.title.of', { title: d.title });
    ctx.setTitle(t('workshops.title.of', { title: d.title }));
    const open = dialogue.themes.filter((x) => x.state === 'open');
    replaceChildren(theme, h('option', { value: '' }, t('workshops.field.theme.none')), open.map((x) => h('option', { value: String(x.id) }, x.title)));
    if (open.length) theme.value = String(open[0].id);
    renderList(w.workshops);
  } catch (err) {
    replaceChildren(problem, h('p', { class: 'message error' }, errorText(err)));
  }
}
