// The tabs of one dialogue for staff: overview, moderation, steps and themes, invitations.

import { h } from '../lib/dom.js';
import { t } from '../i18n/index.js';
import { MODERATORS } from '../routes.js';

export function staffNav(me, slug, current) {
  if (!me || !MODERATORS.includes(me.role)) return null;
  const s = encodeURIComponent(slug);
  const items = [
    ['overview', `#/d/${s}`, t('subnav.overview')],
    ['moderation', `#/moderatie/${s}`, t('subnav.moderation')],
    ['manage', `#/beheer/d/${s}`, t('subnav.manage')],
    ['themes', `#/beheer/d/${s}/themas`, t('subnav.themes')],
    ['gather', `#/beheer/d/${s}/verzamelen`, t('subnav.gather')],
    ['invitations', `#/beheer/d/${s}/uitnodigingen`, t('subnav.invitations')],
    ['representation', `#/beheer/d/${s}/representativiteit`, t('subnav.representation')],
    ['ballots', `#/beheer/d/${s}/voorkeuren`, t('subnav.ballots')],
    ['workshops', `#/beheer/d/${s}/werksessies`, t('subnav.workshops')],
  ];
  if (me.role === 'admin') items.push(['audit', `#/beheer/d/${s}/audit`, t('subnav.audit')]);
  return h(
    'nav',
    { class: 'subnav', 'aria-label': t('subnav.label') },
    h(
      'ul',
      {},
      items.map(([key, href, text]) =>
        h('li', {}, h('a', { href, 'aria-current': key === current ? 'page' : null }, text)),
      ),
    ),
  );
}
