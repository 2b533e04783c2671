// The stakeholder map's fixed value sets, as the server spells them
// (server/stakeholders/reference.py and population.py), and their Dutch display.

import { formatNumber, t } from '../i18n/index.js';

/** The 12 provinces in CBS spelling and order. */
export const PROVINCES = Object.freeze([
  'Groningen', 'Fryslân', 'Drenthe', 'Overijssel', 'Flevoland', 'Gelderland',
  'Utrecht', 'Noord-Holland', 'Zuid-Holland', 'Zeeland', 'Noord-Brabant', 'Limburg',
]);

/** Kinds of organisation on the map. */
export const KINDS = Object.freeze(['gemeente', 'vng_afdeling', 'netwerk', 'provincie', 'overig']);

/** Size classes of municipalities (labels are the filter values), and the unknown one. */
export const SIZE_CLASSES = Object.freeze([
  'tot 20.000 inwoners',
  '20.000 tot 50.000 inwoners',
  '50.000 tot 100.000 inwoners',
  '100.000 inwoners of meer',
]);
export const UNKNOWN = 'onbekend';

/** The API's three-valued membership (true / false / null) as a form value and back. */
export const MEMBERSHIP_VALUES = Object.freeze(['ja', 'nee', 'onbekend']);
export const membershipValue = (m) => (m === true ? 'ja' : m === false ? 'nee' : 'onbekend');
export const membershipFromValue = (v) => (v === 'ja' ? true : v === 'nee' ? false : null);

export const kindLabel = (kind) => (KINDS.includes(kind) ? t(`map.kind.${kind}`) : kind);
export const membershipLabel = (m) => t(`map.member.${membershipValue(m)}`);

/** An inhabitants count, or "onbekend". */
export const populationText = (n) => (n === null || n === undefined ? t('map.member.onbekend') : formatNumber(n));
