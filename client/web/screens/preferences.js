// Voorkeuren (participants): every ballot of the dialogue with its way of voting — dots
// to spread, pairs to compare, statements to agree or disagree with — and, unless hidden
// until the step closes, the overall results, live on `ballot.counts` (dialogue:{slug}).
// Votes go over the WebSocket (vote_dots, vote_pair, vote_statement), under a pseudonym.

import { api, seg } from '../api.js';
import { resultsTable } from '../components/ballot-results.js';
import { t } from '../i18n/index.js';
import { cellText } from '../lib/cells.js';
import { h, messageArea, replaceChildren, rerender, uid } from '../lib/dom.js';
import { errorText, reactionLabel } from '../lib/labels.js';
import { CLIENT_TAGS, EVENTS, REACTIONS, channel } from '../protocol.js';

const VOTING_STEP = 5;

export function mount(ctx) {
  const { slug } = ctx.params;
  const base = `/api/dialogues/${seg(slug)}`;
  const participant = ctx.me.kind === 'participant';
  const title = h('h1', {}, t('prefs.title'));
  const problem = h('div', { role: 'alert' });
  const stepNote = h('div');
  const list = h('div');
  const sections = new Map(); // ballot id -> { ballot, results }
  let open = false;

  function itemLabel(item) {
    return [h('span', { class: 'item-title' }, item.title), item.body ? h('span', { class: 'hint block' }, item.body) : null];
  }

  // --- dots ----------------------------------------------------------------------------------
  function dotsForm(ballot) {
    const fid = uid('stippen');
    const max = ballot.max_per_item ?? ballot.dots;
    const status = h('p', { class: 'dots-left', role: 'status' });
    const result = messageArea();
    const problemArea = messageArea({ alert: true });
    const inputs = ballot.items.map((item) => ({
      item,
      input: h('input', {
        type: 'number',
        id: `${fid}-${item.id}`,
        min: 0,
        max,
        step: 1,
        inputmode: 'numeric',
        value: String(ballot.mine?.dots?.[String(item.id)] ?? 0),
        disabled: !open || !participant,
      }),
    }));
    const used = () => inputs.reduce((sum, { input }) => sum + (Number(input.value) || 0), 0);
    const update = () => {
      const left = ballot.dots - used();
      status.textContent = left >= 0 ? t('prefs.dots.left', { n: left }) : t('prefs.dots.over', { n: -left });
      status.className = `dots-left ${left < 0 ? 'over' : ''}`.trim();
    };
    for (const { input } of inputs) input.addEventListener('input', update);
    update();
    const form = h(
      'form',
      {
        novalidate: true,
        onsubmit: async (e) => {
          e.preventDefault();
          result.clear();
          problemArea.clear();
          const bad = inputs.find(({ input }) => !/^\d*$/.test(input.value) || Number(input.value) > max);
          if (bad) {
            problemArea.show(t('prefs.dots.max', { n: max }), 'error');
            bad.input.focus();
            return;
          }
          if (used() > ballot.dots) {
            problemArea.show(t('prefs.dots.over', { n: used() - ballot.dots }), 'error');
            inputs[0].input.focus();
            return;
          }
          const dots = {};
          for (const { item, input } of inputs) if (Number(input.value) > 0) dots[String(item.id)] = Number(input.value);
          try {
            await ctx.conn.write({ type: CLIENT_TAGS.VOTE_DOTS, ballot: ballot.id, dots });
            result.show(t('prefs.dots.saved'), 'ok');
          } catch (err) {
            problemArea.show(errorText(err), 'error');
          }
        },
      },
      h(
        'fieldset',
        {},
        h('legend', {}, t('prefs.dots.legend', { n: ballot.dots, max })),
        h(
          'ul',
          { class: 'plain dots' },
          inputs.map(({ item, input }) => h('li', {}, h('label', { for: input.id }, itemLabel(item)), input)),
        ),
      ),
      status,
      problemArea.el,
      open && participant ? h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('prefs.dots.submit'))) : null,
      result.el,
    );
    return form;
  }

  // --- pairwise ------------------------------------------------------------------------------
  function pairBox(ballot) {
    const box = h('div', { class: 'pair' });
    const result = messageArea({ alert: true });
    async function next(focus) {
      try {
        const pair = await api.get(`/api/ballots/${ballot.id}/pair`);
        if (!ctx.alive()) return;
        const choose = (choice) => async () => {
          try {
            await ctx.conn.write({ type: CLIENT_TAGS.VOTE_PAIR, ballot: ballot.id, left: pair.left.id, right: pair.right.id, choice });
            await next(true);
          } catch (err) {
            result.show(errorText(err), 'error');
          }
        };
        const buttons = [
          h('button', { type: 'button', class: 'secondary choice-button', dataset: { focusKey: 'left' }, onclick: choose('left') }, itemLabel(pair.left)),
          h('button', { type: 'button', class: 'secondary choice-button', dataset: { focusKey: 'right' }, onclick: choose('right') }, itemLabel(pair.right)),
        ];
        replaceChildren(
          box,
          h('p', { class: 'muted', role: 'status' }, t('prefs.pair.progress', { n: pair.answered, total: pair.pairs })),
          h('div', { class: 'pair-choices', role: 'group', 'aria-label': t('prefs.pair.question') }, buttons),
          h('div', { class: 'actions' }, h('button', { type: 'button', class: 'quiet', onclick: choose('none') }, t('prefs.pair.none'))),
          result.el,
        );
        if (focus) buttons[0].focus();
      } catch (err) {
        replaceChildren(box, h('p', { class: 'message error' }, errorText(err)));
      }
    }
    if (open && participant) next(false);
    else box.append(h('p', { class: 'muted' }, t('prefs.closed')));
    return h('div', {}, h('p', {}, t('prefs.pair.question')), box);
  }

  // --- statements ----------------------------------------------------------------------------
  function statementList(ballot) {
    const stances = { ...(ballot.mine?.stances ?? {}) };
    return h(
      'ul',
      { class: 'plain statements' },
      ballot.items.map((item) => {
        const feedback = h('p', { class: 'feedback', role: 'status' });
        const group = h(
          'div',
          { class: 'reactions', role: 'group', 'aria-label': t('prefs.statement.label', { title: item.title }) },
          REACTIONS.map((r) =>
            h(
              'button',
              {
                type: 'button',
                'aria-pressed': String(stances[String(item.id)] === r),
                disabled: !open || !participant,
                dataset: { reaction: r, focusKey: `st-${item.id}-${r}` },
                onclick: async () => {
                  try {
                    await ctx.conn.write({ type: CLIENT_TAGS.VOTE_STATEMENT, ballot: ballot.id, statement: item.id, stance: r });
                    stances[String(item.id)] = r;
                    for (const b of group.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.reaction === r));
                    feedback.textContent = '';
                  } catch (err) {
                    feedback.textContent = errorText(err);
                  }
                },
              },
              reactionLabel(r),
            ),
          ),
        );
        return h('li', { class: 'statement', dataset: { id: String(item.id) } }, h('p', {}, itemLabel(item)), group, feedback);
      }),
    );
  }

  // --- a ballot ------------------------------------------------------------------------------
  function renderResults(entry, items, voters, k = entry.k ?? 5) {
    entry.k = k;
    if (!items) {
      rerender(entry.results, h('p', { class: 'muted' }, t('prefs.results.hidden')));
      return;
    }
    const titles = new Map(entry.ballot.items.map((i) => [i.id, i.title]));
    const rows = items.map((i) => ({ ...i, title: i.title ?? titles.get(i.id) ?? '' }));
    rerender(
      entry.results,
      h('p', { class: 'muted' }, t('prefs.results.voters', { n: cellText(voters) })),
      resultsTable(entry.ballot.method, rows, t('prefs.results.caption', { title: entry.ballot.title }), k),
    );
  }

  async function loadResults(entry) {
    try {
      const r = await api.get(`/api/ballots/${entry.ballot.id}/results`);
      if (ctx.alive()) renderResults(entry, r.items, r.voters, r.k);
    } catch (err) {
      if (err.code === 'hidden' || err.status === 403) renderResults(entry, null);
      else rerender(entry.results, h('p', { class: 'message error' }, errorText(err)));
    }
  }

  function ballotSection(ballot) {
    const id = `ballot-${ballot.id}`;
    const results = h('div', { class: 'results-box' });
    const entry = { ballot, results };
    sections.set(ballot.id, entry);
    const voting = ballot.method === 'dots' ? dotsForm(ballot) : ballot.method === 'pairwise' ? pairBox(ballot) : statementList(ballot);
    loadResults(entry);
    return h(
      'section',
      { class: 'card ballot', 'aria-labelledby': id, dataset: { id: String(ballot.id), method: ballot.method } },
      h('h2', { id }, ballot.title),
      h('p', { class: 'hint' }, t(`prefs.method.${ballot.method}`)),
      voting,
      h('h3', {}, t('prefs.results')),
      results,
    );
  }

  async function load() {
    const [dialogue, found] = await Promise.all([api.get(base), api.get(`${base}/ballots`)]);
    if (!ctx.alive()) return;
    title.textContent = t('prefs.title.of', { title: dialogue.title });
    ctx.setTitle(t('prefs.title.of', { title: dialogue.title }));
    open = dialogue.steps.some((s) => s.step === VOTING_STEP && s.state === 'open');
    rerender(stepNote, open ? null : h('p', { class: 'message' }, t('prefs.closed')));
    // A participant's own votes come with each ballot's own view.
    const ballots = await Promise.all(found.ballots.map((b) => (participant ? api.get(`/api/ballots/${b.id}`) : b)));
    if (!ctx.alive()) return;
    sections.clear();
    rerender(list, ballots.length ? ballots.map(ballotSection) : h('p', {}, t('prefs.none')));
  }

  ctx.setTitle(t('prefs.title'));
  ctx.root.append(
    h('p', { class: 'crumbs' }, h('a', { href: `#/d/${seg(slug)}` }, t('theme.back'))),
    title,
    h('p', { class: 'lead' }, t('prefs.intro')),
    problem,
    stepNote,
    list,
  );

  const sub = ctx.conn.subscribe(channel.dialogue(slug), {
    load,
    event: (m) => {
      if (m.event === EVENTS.BALLOT_COUNTS) {
        const entry = sections.get(m.data.ballot);
        if (entry && m.data.items) renderResults(entry, m.data.items, m.data.voters);
      } else if (m.event === EVENTS.STEP_CHANGED && m.data.step === VOTING_STEP) {
        load().catch((err) => replaceChildren(problem, h('p', { class: 'message error' }, errorText(err))));
      } else if (m.event === EVENTS.BALLOT_CREATED || m.event === EVENTS.BALLOT_CHANGED) {
        load().catch((err) => replaceChildren(problem, h('p', { class: 'message error' }, errorText(err))));
      }
    },
    error: (err) => replaceChildren(problem, h('p', { class: 'message error' }, errorText(err))),
  });
  return () => sub.close();
}

