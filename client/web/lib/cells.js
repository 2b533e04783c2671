// Counts that went through suppression: a number, "<k" (a small count: fewer than k) or
// null (hidden because it could be worked out from the cells around it).

import { formatNumber, t } from '../i18n/index.js';

/** The text of a cell: "1.234", "< 5" or "—". */
export function cellText(value) {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string' && value.startsWith('<')) return `< ${value.slice(1)}`;
  return typeof value === 'number' ? formatNumber(value) : String(value);
}

/** Screen-reader wording of a cell where the symbol alone says little. */
export function cellLabel(value) {
  if (value === null || value === undefined) return t('cells.hidden');
  if (typeof value === 'string' && value.startsWith('<')) return t('cells.small', { k: value.slice(1) });
  return null;
}

/** True when the cell holds a real number. */
export const shown = (value) => typeof value === 'number';
