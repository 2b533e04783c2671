// The dialog to flag a contribution: a reason and an optional note, sent as `flag`.

import { h, messageArea, uid } from '../lib/dom.js';
import { t } from '../i18n/index.js';
import { errorText, reasonLabel } from '../lib/labels.js';
import { CLIENT_TAGS, FLAG_REASONS, NOTE_MAX_CHARS } from '../protocol.js';

/** One <dialog> per screen; open(item, opener) shows it for a contribution. */
export function flagDialog({ conn, onFlagged }) {
  const id = uid('melden');
  const problem = messageArea({ alert: true });
  const note = h('textarea', { id: `${id}-note`, rows: 3, maxlength: NOTE_MAX_CHARS, 'aria-describedby': `${id}-note-hint` });
  const reasonError = h('p', { class: 'message error', id: `${id}-reason-error`, hidden: true });
  const quote = h('blockquote', { class: 'muted' });
  let current = null;
  let opener = null;
  let busy = false;

  const form = h(
    'form',
    { novalidate: true, onsubmit: (e) => send(e) },
    h('h2', { id: `${id}-title` }, t('flag.title')),
    quote,
    h(
      'fieldset',
      { 'aria-describedby': `${id}-reason-error` },
      h('legend', {}, t('flag.reason')),
      reasonError,
      h(
        'div',
        { class: 'choices stacked' },
        FLAG_REASONS.map((reason) =>
          h('label', { class: 'choice' }, h('input', { type: 'radio', name: `${id}-reason`, value: reason }), reasonLabel(reason)),
        ),
      ),
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: `${id}-note` }, t('flag.note')),
      h('p', { class: 'hint', id: `${id}-note-hint` }, t('flag.note.hint')),
      note,
    ),
    problem.el,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit' }, t('flag.submit')),
      h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, t('flag.cancel')),
    ),
  );
  const dialog = h('dialog', { 'aria-labelledby': `${id}-title` }, form);
  dialog.addEventListener('close', () => {
    opener?.focus();
    current = null;
  });

  function open(item, from) {
    current = item;
    opener = from;
    form.reset();
    problem.clear();
    reasonError.hidden = true;
    const flat = item.body.replace(/\s+/g, ' ').trim();
    quote.textContent = flat.length > 160 ? `${flat.slice(0, 160)}…` : flat;
    dialog.showModal();
    dialog.querySelector('input[type=radio]').focus();
  }

  async function send(e) {
    e.preventDefault();
    if (busy || !current) return;
    const reason = form.querySelector(`input[name="${id}-reason"]:checked`)?.value;
    reasonError.hidden = Boolean(reason);
    reasonError.textContent = reason ? '' : t('flag.reason.missing');
    if (!reason) {
      form.querySelector('input[type=radio]').focus();
      return;
    }
    const message = { type: CLIENT_TAGS.FLAG, contribution: current.id, reason };
    if (note.value.trim()) message.note = note.value.trim();
    const item = current;
    busy = true;
    try {
      await conn.write(message);
      dialog.close();
      onFlagged(item);
    } catch (err) {
      problem.show(errorText(err), 'error');
    } finally {
      busy = false;
    }
  }

  return { el: dialog, open };
}
