// Links to hand out by hand (invitees without an e-mail address), with copy buttons.
// Tokens are shown once: in the answer that made them.

import { copyButton } from './copy.js';
import { h } from '../lib/dom.js';
import { t } from '../i18n/index.js';

/** A table of links to hand out by hand, with copy buttons (shown once). */
export function linksTable(caption, rows) {
  const all = rows.map((r) => `${r.who}\t${r.link}`).join('\n');
  return [
    h('p', {}, t('gather.links.once')),
    copyButton(all, t('invitations.copy.all')),
    h(
      'div',
      { class: 'table-wrap', role: 'region', tabindex: '0', 'aria-label': caption },
      h(
        'table',
        {},
        h('caption', {}, caption),
        h('thead', {}, h('tr', {}, [t('gather.col.who'), t('invitations.col.link'), t('invitations.col.copy')].map((c) => h('th', { scope: 'col' }, c)))),
        h(
          'tbody',
          {},
          rows.map((r, i) =>
            h('tr', {}, h('td', {}, r.who), h('td', { class: 'link' }, r.link), h('td', {}, copyButton(r.link, t('invitations.copy.one', { n: i + 1 })))),
          ),
        ),
      ),
    ),
  ];
}

