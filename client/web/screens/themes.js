// Thema’s ordenen (facilitators): participants' proposals (open one, or merge it), theme
// suggestions clustered from what participants wrote (accepted one by one, never applied
// by themselves), and merging two themes. Live on dialogue:{slug}, so a new proposal or
// another facilitator's change shows at once.

import { api, seg } from '../api.js';
import { applyMerge, applyTheme } from '../components/steps.js';
import { staffNav } from '../components/subnav.js';
import { formatNumber, t } from '../i18n/index.js';
import { announce } from '../lib/announcer.js';
import { h, messageArea, replaceChildren, rerender, uid } from '../lib/dom.js';
import { errorText, themeStateLabel } from '../lib/labels.js';
import { EVENTS, channel } from '../protocol.js';

const excerpt = (text, n = 140) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > n ? `${flat.slice(0, n)}…` : flat;
};

export function mount(ctx) {
  const { slug } = ctx.params;
  const base = `/api/dialogues/${seg(slug)}`;
  let dialogue = null;

  const title = h('h1', {}, t('themes.title'));
  const problem = h('div', { role: 'alert' });
  const proposalsBox = h('div');
  const proposalResult = messageArea();
  const suggestionsBox = h('div');
  const suggestionStatus = messageArea();
  const mergeResult = messageArea({ alert: true });

  // --- merge: two selects and an inline confirmation ---------------------------------------
  const source = h('select', { id: 'merge-source' });
  const target = h('select', { id: 'merge-target' });
  const confirmBox = h('div', { class: 'confirm', hidden: true });
  const mergeForm = h(
    'form',
    { novalidate: true, onsubmit: (e) => askMerge(e) },
    h('div', { class: 'field' }, h('label', { for: 'merge-source' }, t('themes.merge.source')), source),
    h('div', { class: 'field' }, h('label', { for: 'merge-target' }, t('themes.merge.target')), target),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, t('themes.merge.submit'))),
    confirmBox,
    mergeResult.el,
  );

  ctx.setTitle(t('themes.title'));
  ctx.root.append(
    staffNav(ctx.me, slug, 'themes') ?? '',
    title,
    h('p', { class: 'lead' }, t('themes.intro')),
    problem,
    h(
      'section',
      { 'aria-labelledby': 'th-proposals' },
      h('h2', { id: 'th-proposals' }, t('themes.proposals')),
      proposalResult.el,
      proposalsBox,
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'th-suggest' },
      h('h2', { id: 'th-suggest' }, t('themes.suggestions')),
      h('p', {}, t('themes.suggestions.intro')),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', onclick: () => suggest() }, t('themes.suggestions.fetch'))),
      suggestionStatus.el,
      suggestionsBox,
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'th-merge' },
      h('h2', { id: 'th-merge' }, t('themes.merge')),
      h('p', {}, t('themes.merge.intro')),
      mergeForm,
    ),
  );

  const live = () => dialogue.themes.filter((x) => x.state !== 'merged' && !x.merged_into);
  const byId = (id) => dialogue.themes.find((x) => x.id === id);

  // --- proposals ---------------------------------------------------------------------------

  function renderProposals() {
    const proposed = dialogue.themes.filter((x) => x.state === 'proposed');
    if (proposed.length === 0) {
      rerender(proposalsBox, h('p', { class: 'muted' }, t('themes.proposals.none')));
      return;
    }
    rerender(
      proposalsBox,
      h(
        'ul',
        { class: 'themes proposals' },
        proposed.map((p) =>
          h(
            'li',
            { dataset: { id: String(p.id) } },
            h(
              'div',
              {},
              h('strong', {}, p.title),
              ' ',
              h('span', { class: 'badge proposed' }, themeStateLabel('proposed')),
              p.description ? h('p', { class: 'muted' }, p.description) : null,
            ),
            h(
              'span',
              { class: 'actions' },
              h(
                'button',
                { type: 'button', dataset: { focusKey: `open-${p.id}` }, onclick: () => openProposal(p) },
                t('themes.proposal.open'),
                h('span', { class: 'visually-hidden' }, t('manage.theme.of', { title: p.title })),
              ),
              h(
                'button',
                { type: 'button', class: 'secondary', dataset: { focusKey: `merge-${p.id}` }, onclick: () => startMerge(p) },
                t('themes.proposal.merge'),
                h('span', { class: 'visually-hidden' }, t('manage.theme.of', { title: p.title })),
              ),
            ),
          ),
        ),
      ),
    );
  }

  async function openProposal(p) {
    proposalResult.clear();
    try {
      const theme = await api.patch(`${base}/themes/${p.id}`, { state: 'open' });
      applyTheme(dialogue, theme);
      render();
      proposalResult.show(t('themes.proposal.opened', { title: theme.title }), 'ok');
      focusSection('th-proposals');
    } catch (err) {
      proposalResult.show(errorText(err), 'error');
    }
  }

  function startMerge(p) {
    source.value = String(p.id);
    fillTargets();
    target.focus();
  }

  // --- suggestions -------------------------------------------------------------------------

  async function suggest() {
    suggestionStatus.show(t('themes.suggestions.busy'));
    suggestionsBox.replaceChildren();
    try {
      const found = await api.get(`${base}/themes/suggestions`);
      if (!ctx.alive()) return;
      if (found.suggestions.length === 0) {
        suggestionStatus.show(t('themes.suggestions.none'));
        return;
      }
      suggestionStatus.show(t('themes.suggestions.found', { n: found.suggestions.length }));
      replaceChildren(suggestionsBox, h('ol', { class: 'suggestions' }, found.suggestions.map(suggestionItem)));
    } catch (err) {
      suggestionStatus.show(errorText(err), 'error');
    }
  }

  function suggestionItem(s, index) {
    const id = uid('sugg');
    const result = messageArea({ alert: true });
    const name = h('input', { type: 'text', id: `${id}-title`, value: s.label, maxlength: 200, autocomplete: 'off' });
    const boxes = s.contributions.map((c) => ({
      c,
      input: h('input', { type: 'checkbox', checked: true, value: String(c.id) }),
    }));
    const li = h(
      'li',
      { class: 'suggestion card', 'aria-labelledby': `${id}-h` },
      h('h3', { id: `${id}-h` }, t('themes.suggestion.heading', { n: index + 1, label: s.label })),
      h('p', { class: 'muted' }, t('themes.suggestion.keywords', { words: s.keywords.join(', ') })),
      h(
        'form',
        {
          novalidate: true,
          onsubmit: async (e) => {
            e.preventDefault();
            result.clear();
            const move = boxes.filter((b) => b.input.checked).map((b) => b.c.id);
            if (!name.value.trim()) {
              name.setAttribute('aria-invalid', 'true');
              result.show(t('manage.theme.missing'), 'error');
              name.focus();
              return;
            }
            try {
              const theme = await api.post(`${base}/themes`, { title: name.value.trim(), move });
              applyTheme(dialogue, theme);
              render();
              li.remove();
              suggestionStatus.show(t('themes.suggestion.accepted', { title: theme.title, n: move.length }), 'ok');
              focusSection('th-suggest');
            } catch (err) {
              result.show(errorText(err), 'error');
            }
          },
        },
        h(
          'fieldset',
          {},
          h('legend', {}, t('themes.suggestion.members', { n: formatNumber(s.contributions.length) })),
          h(
            'ul',
            { class: 'checks' },
            boxes.map(({ c, input }) => h('li', {}, h('label', { class: 'choice' }, input, h('span', {}, excerpt(c.body))))),
          ),
        ),
        h('div', { class: 'field' }, h('label', { for: `${id}-title` }, t('themes.suggestion.title')), name),
        result.el,
        h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('themes.suggestion.accept'))),
      ),
    );
    return li;
  }

  // --- merge -------------------------------------------------------------------------------

  function options(select, themes, keep) {
    const before = keep ?? select.value;
    replaceChildren(
      select,
      h('option', { value: '' }, t('themes.merge.choose')),
      themes.map((x) => h('option', { value: String(x.id) }, `${x.title} (${themeStateLabel(x.state)})`)),
    );
    select.value = themes.some((x) => String(x.id) === before) ? before : '';
  }

  function fillTargets() {
    const from = Number(source.value);
    options(target, live().filter((x) => x.id !== from && x.state !== 'proposed'));
  }

  function renderMerge() {
    options(source, live());
    fillTargets();
  }
  source.addEventListener('change', () => {
    confirmBox.hidden = true;
    fillTargets();
  });
  target.addEventListener('change', () => {
    confirmBox.hidden = true;
  });

  function askMerge(e) {
    e.preventDefault();
    mergeResult.clear();
    const from = byId(Number(source.value));
    const into = byId(Number(target.value));
    if (!from || !into) {
      mergeResult.show(t('themes.merge.missing'), 'error');
      (from ? target : source).focus();
      return;
    }
    const yes = h('button', { type: 'button', class: 'danger', onclick: () => merge(from, into) }, t('themes.merge.confirm.yes'));
    replaceChildren(
      confirmBox,
      h('p', {}, t('themes.merge.confirm', { from: from.title, into: into.title })),
      h(
        'div',
        { class: 'actions' },
        yes,
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: () => {
              confirmBox.hidden = true;
              source.focus();
            },
          },
          t('themes.merge.confirm.no'),
        ),
      ),
    );
    confirmBox.hidden = false;
    yes.focus();
  }

  async function merge(from, into) {
    try {
      const answer = await api.post(`${base}/themes/${from.id}/merge`, { into: into.id });
      applyMerge(dialogue, answer);
      confirmBox.hidden = true;
      render();
      mergeResult.show(t('themes.merge.done', { from: from.title, into: into.title, n: answer.contributions.length }), 'ok');
      source.focus();
    } catch (err) {
      confirmBox.hidden = true;
      mergeResult.show(errorText(err), 'error');
    }
  }

  function focusSection(id) {
    // After a list changed under the pressed button, keep the keyboard user in the section.
    if (!document.activeElement || document.activeElement === document.body) {
      document.getElementById(id)?.setAttribute('tabindex', '-1');
      document.getElementById(id)?.focus();
    }
  }

  function render() {
    renderProposals();
    renderMerge();
  }

  const sub = ctx.conn.subscribe(channel.dialogue(slug), {
    load: async () => {
      dialogue = await api.get(base);
      if (!ctx.alive()) return;
      title.textContent = t('themes.title.of', { title: dialogue.title });
      ctx.setTitle(t('themes.title.of', { title: dialogue.title }));
      render();
    },
    event: (m) => {
      if (!dialogue) return;
      if (m.event === EVENTS.THEME_PROPOSED) {
        if (applyTheme(dialogue, m.data)) announce(t('dialogue.theme.proposed', { title: m.data.title }));
      } else if (m.event === EVENTS.THEME_CREATED || m.event === EVENTS.THEME_CHANGED) {
        applyTheme(dialogue, m.data);
      } else if (m.event === EVENTS.THEME_MERGED) {
        applyMerge(dialogue, m.data);
      } else {
        return;
      }
      render();
    },
    error: (err) => replaceChildren(problem, h('p', { class: 'message error' }, errorText(err))),
  });
  return () => sub.close();
}
