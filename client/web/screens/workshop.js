// A participant in a live workshop: the same round and countdown as everyone, writing for
// the round's board ({"type": "contribute", …, "round": id}), reacting, and voting in a
// quick poll ({"type": "poll", "round", "option"}); the result updates live.

import { seg } from '../api.js';
import { workshopView } from '../components/workshop-view.js';
import { writeForm } from '../components/write-form.js';
import { t } from '../i18n/index.js';
import { h, messageArea, uid } from '../lib/dom.js';
import { errorText, reactionLabel } from '../lib/labels.js';
import { myReactions, rememberContribution, rememberReaction } from '../lib/mine.js';
import { CLIENT_TAGS, REACTIONS } from '../protocol.js';

export function mount(ctx) {
  const { slug } = ctx.params;
  const id = Number(ctx.params.id);
  const participant = ctx.me.kind === 'participant';
  const reactions = myReactions(slug);

  function writeTools(s) {
    const round = s.round;
    const theme = round.theme ?? s.theme;
    if (!theme) return h('p', { class: 'message' }, t('workshop.write.notheme'));
    const form = writeForm({
      conn: ctx.conn,
      themeId: theme,
      label: t('workshop.write.label'),
      extra: () => ({ round: round.id }),
      onPosted: (ack) => rememberContribution(slug, ack.id),
    });
    return h('section', { class: 'card', 'aria-labelledby': `ws-write-${round.id}` }, h('h2', { id: `ws-write-${round.id}` }, t('workshop.write.title')), form.el);
  }

  function pollTools(s) {
    const round = s.round;
    const fid = uid('peiling');
    const status = messageArea();
    const problem = messageArea({ alert: true });
    let busy = false;
    const form = h(
      'form',
      {
        novalidate: true,
        onsubmit: async (e) => {
          e.preventDefault();
          problem.clear();
          const chosen = form.querySelector(`input[name="${fid}"]:checked`);
          if (!chosen) {
            problem.show(t('workshop.poll.missing'), 'error');
            form.querySelector('input[type=radio]')?.focus();
            return;
          }
          if (busy) return;
          busy = true;
          try {
            await ctx.conn.write({ type: CLIENT_TAGS.POLL, round: round.id, option: Number(chosen.value) });
            status.show(t('workshop.poll.done', { option: round.options[Number(chosen.value)] }), 'ok');
          } catch (err) {
            problem.show(errorText(err), 'error');
          } finally {
            busy = false;
          }
        },
      },
      h(
        'fieldset',
        {},
        h('legend', {}, round.prompt),
        h(
          'div',
          { class: 'choices stacked' },
          round.options.map((option, i) => h('label', { class: 'choice' }, h('input', { type: 'radio', name: fid, value: String(i) }), option)),
        ),
      ),
      problem.el,
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('workshop.poll.submit'))),
      status.el,
    );
    return h('section', { class: 'card', 'aria-labelledby': `${fid}-h` }, h('h2', { id: `${fid}-h` }, t('workshop.poll.title')), h('p', { class: 'hint' }, t('workshop.poll.hint')), form);
  }

  const roundTools = (s) => {
    if (s.state === 'closed') return '';
    if (!participant) return h('p', { class: 'message' }, t('workshop.staff'));
    if (s.state === 'planned') return h('p', { class: 'message' }, t('workshop.wait.start'));
    if (!s.round) return h('p', { class: 'message' }, t('workshop.wait.next'));
    if (s.state === 'paused') return h('p', { class: 'message' }, t('workshop.wait.paused'));
    if (s.round.kind === 'write') return writeTools(s);
    if (s.round.kind === 'poll') return pollTools(s);
    return h('p', { class: 'message' }, t('workshop.react.hint'));
  };

  // In a react round, each board item gets the three reactions.
  const boardTools = (item, s) => {
    if (!participant || s.state !== 'running' || s.round?.kind !== 'react') return null;
    const feedback = h('p', { class: 'feedback', role: 'status' });
    const group = h(
      'div',
      { class: 'reactions', role: 'group', 'aria-label': t('contribution.react.label') },
      REACTIONS.map((r) =>
        h(
          'button',
          {
            type: 'button',
            'aria-pressed': String(reactions[item.id] === r),
            dataset: { reaction: r, focusKey: `ws-react-${item.id}-${r}` },
            onclick: async () => {
              try {
                await ctx.conn.write({ type: CLIENT_TAGS.REACT, contribution: item.id, reaction: r });
                reactions[item.id] = r;
                rememberReaction(slug, item.id, r);
                for (const b of group.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.reaction === r));
              } catch (err) {
                feedback.textContent = errorText(err);
              }
            },
          },
          reactionLabel(r),
        ),
      ),
    );
    return h('div', {}, group, feedback);
  };

  const live = workshopView({ ctx, id, roundTools, boardTools });
  ctx.root.append(h('p', { class: 'crumbs' }, h('a', { href: `#/d/${seg(slug)}` }, t('theme.back'))), live.el);
  return () => live.close();
}
