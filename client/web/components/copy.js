// A copy button: copies a text and says so politely, next to itself.

import { h } from '../lib/dom.js';
import { t } from '../i18n/index.js';

async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = h('textarea', { readonly: true, class: 'visually-hidden' });
  area.value = text;
  document.body.append(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('copy failed');
}

/** A button that copies text; `label` names what is copied (for screen readers too). */
export function copyButton(text, label = t('copy.button')) {
  const status = h('span', { role: 'status', class: 'muted' });
  const button = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      onclick: async () => {
        try {
          await copyText(text);
          status.textContent = t('copy.done');
        } catch {
          status.textContent = t('copy.failed');
        }
        setTimeout(() => {
          status.textContent = '';
        }, 4000);
      },
    },
    label,
  );
  return h('span', { class: 'actions' }, button, status);
}
