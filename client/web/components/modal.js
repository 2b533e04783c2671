// A modal <dialog> for a form: opens with focus on its first field, closes on Escape or
// Annuleren, and returns focus to the control that opened it.

import { h, uid } from '../lib/dom.js';
import { t } from '../i18n/index.js';

/**
 * modal({ title, cancel }) → { el, body, heading, open(opener), close() }.
 * Fill `body` with the form before opening; the first input, select or textarea gets focus.
 */
export function modal({ title }) {
  const id = uid('venster');
  const heading = h('h2', { id: `${id}-title` }, title);
  const body = h('div');
  const el = h('dialog', { 'aria-labelledby': `${id}-title` }, heading, body);
  let opener = null;
  el.addEventListener('close', () => {
    opener?.focus();
    opener = null;
  });
  return {
    el,
    body,
    heading,
    open(from) {
      opener = from ?? document.activeElement;
      el.showModal();
      el.querySelector('input:not([type=hidden]), select, textarea, button')?.focus();
    },
    close() {
      if (el.open) el.close();
    },
    /** The row of buttons at the bottom: the form's submit and Annuleren. */
    actions(submitText) {
      return h(
        'div',
        { class: 'actions' },
        h('button', { type: 'submit' }, submitText),
        h('button', { type: 'button', class: 'secondary', onclick: () => el.close() }, t('modal.cancel')),
      );
    },
  };
}
