// Texts and formats. Every visible text lives in one catalogue per language (nl.js is
// the reference; en.js may be partial and falls back to Dutch). Dates and numbers use Intl.

import nl from './nl.js';
import en from './en.js';

const CATALOGUES = { nl, en };
const LOCALES = { nl: 'nl-NL', en: 'en-GB' };

let language = 'nl';

/** Choose the language (the document stays Dutch unless a user asks: `?lang=en`). */
export function setLanguage(lang) {
  if (!CATALOGUES[lang]) return;
  language = lang;
  document.documentElement.lang = lang;
}

export function currentLanguage() {
  return language;
}

/** A text by key; `{name}` placeholders are filled from vars; functions get vars. */
export function t(key, vars = {}) {
  const value = CATALOGUES[language][key] ?? nl[key];
  if (value === undefined) {
    console.warn('missing text', key);
    return key;
  }
  if (typeof value === 'function') return value(vars, formatNumber);
  return value.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));
}

const numberFormats = {};
const dateFormats = {};

export function formatNumber(n) {
  numberFormats[language] ??= new Intl.NumberFormat(LOCALES[language]);
  return numberFormats[language].format(n);
}

/** "12 maart 2025 om 14:05" (Europe/Amsterdam: the users' clock). */
export function formatDateTime(iso) {
  if (!iso) return '';
  dateFormats[language] ??= new Intl.DateTimeFormat(LOCALES[language], {
    dateStyle: 'long',
    timeStyle: 'short',
    timeZone: 'Europe/Amsterdam',
  });
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : dateFormats[language].format(date);
}
