// The session lead's console of a live workshop: start, pause, resume, extend, next round,
// close with a summary (POST /api/workshops/{id}/control) and pin insights from the board
// (POST /api/workshops/{id}/pins). The rest is what participants see, live.

import { api, seg } from '../api.js';
import { modal } from '../components/modal.js';
import { staffNav } from '../components/subnav.js';
import { workshopView } from '../components/workshop-view.js';
import { t } from '../i18n/index.js';
import { h, messageArea, replaceChildren } from '../lib/dom.js';
import { errorText } from '../lib/labels.js';

export function mount(ctx) {
  const { slug } = ctx.params;
  const id = Number(ctx.params.id);
  const result = messageArea({ alert: true });
  const closer = modal({ title: t('workshop.close.title') });
  let live = null;

  async function control(action, extra = {}) {
    result.clear();
    try {
      const clock = await api.post(`/api/workshops/${id}/control`, { action, ...extra });
      live.applyClock(clock);
      return true;
    } catch (err) {
      result.show(errorText(err), 'error');
      return false;
    }
  }

  function button(text, onclick, { kind = 'secondary', key } = {}) {
    return h('button', { type: 'button', class: kind, dataset: { focusKey: key ?? text }, onclick }, text);
  }

  function askClose(opener) {
    const text = h('textarea', { id: `ws-summary-text-${id}`, rows: 6, maxlength: 20000, 'aria-describedby': `ws-summary-hint-${id}` });
    replaceChildren(
      closer.body,
      h(
        'form',
        {
          novalidate: true,
          onsubmit: async (e) => {
            e.preventDefault();
            if (await control('close', { summary: text.value.trim() })) {
              closer.close();
              result.show(t('workshop.closed.done'), 'ok');
            }
          },
        },
        h('p', {}, t('workshop.close.text')),
        h(
          'div',
          { class: 'field' },
          h('label', { for: `ws-summary-text-${id}` }, t('workshop.close.summary')),
          h('p', { class: 'hint', id: `ws-summary-hint-${id}` }, t('workshop.close.summary.hint')),
          text,
        ),
        closer.actions(t('workshop.close.submit')),
      ),
    );
    closer.open(opener);
  }

  const controls = (s) => {
    const buttons = [];
    const last = s.round && s.rounds.findIndex((r) => r.id === s.round.id) === s.rounds.length - 1;
    if (s.state === 'planned') buttons.push(button(t('workshop.control.start'), () => control('start'), { kind: '', key: 'start' }));
    if (s.state === 'running' && s.round) buttons.push(button(t('workshop.control.pause'), () => control('pause'), { key: 'pause' }));
    if (s.state === 'paused') buttons.push(button(t('workshop.control.resume'), () => control('resume'), { kind: '', key: 'resume' }));
    if ((s.state === 'running' && s.round) || s.state === 'paused') {
      buttons.push(button(t('workshop.control.extend', { n: 1 }), () => control('extend', { seconds: 60 }), { key: 'extend-1' }));
      buttons.push(button(t('workshop.control.extend', { n: 5 }), () => control('extend', { seconds: 300 }), { key: 'extend-5' }));
      buttons.push(button(last ? t('workshop.control.finish') : t('workshop.control.next'), () => control('next'), { kind: '', key: 'next' }));
    }
    if (s.state !== 'closed' && s.state !== 'planned') {
      const close = button(t('workshop.control.close'), () => askClose(close), { kind: 'danger', key: 'close' });
      close.setAttribute('aria-haspopup', 'dialog');
      buttons.push(close);
    }
    return buttons.length ? [h('div', { class: 'actions', role: 'group', 'aria-label': t('workshop.control.label') }, buttons), result.el] : result.el;
  };

  const boardTools = (item, s) => {
    const pinned = s.pins.some((p) => p.id === item.id);
    if (pinned) return h('p', { class: 'pinned' }, t('workshop.pinned'));
    return h(
      'div',
      { class: 'tools' },
      h(
        'button',
        {
          type: 'button',
          class: 'quiet',
          dataset: { focusKey: `pin-${item.id}` },
          onclick: async () => {
            result.clear();
            try {
              await api.post(`/api/workshops/${id}/pins`, { contribution: item.id });
            } catch (err) {
              result.show(errorText(err), 'error');
            }
          },
        },
        t('workshop.pin'),
        h('span', { class: 'visually-hidden' }, t('workshop.pin.of', { n: item.id })),
      ),
    );
  };

  live = workshopView({ ctx, id, controls, boardTools });
  ctx.root.append(
    staffNav(ctx.me, slug, 'workshops') ?? '',
    h('p', { class: 'crumbs' }, h('a', { href: `#/beheer/d/${seg(slug)}/werksessies` }, t('workshop.back.list'))),
    live.el,
    closer.el,
  );
  return () => {
    live.close();
    closer.close();
  };
}
