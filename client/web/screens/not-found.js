// A route that does not exist, or one the user's role may not see.

import { h } from '../lib/dom.js';
import { t } from '../i18n/index.js';

export function mount(ctx) {
  const forbidden = ctx.params.forbidden;
  const title = forbidden ? t('forbidden.title') : t('notfound.title');
  ctx.setTitle(title);
  ctx.root.append(
    h('h1', {}, title),
    h('p', {}, forbidden ? t('forbidden.text') : t('notfound.text')),
    h('p', {}, h('a', { href: '#/' }, t('notfound.home'))),
  );
}
