// @ts-check
/**
 * Messages in English, Arabic and Russian: one catalogue per language with the same keys
 * (a node test checks), the choice remembered in localStorage, `dir="rtl"` for Arabic, and
 * `Intl` for dates and numbers. Names that carry their own translations (`names.ar`,
 * `name_ar`, ...) are picked by `localName` (`nameIn`).
 */
import en from './i18n/en.json';
import ar from './i18n/ar.json';
import ru from './i18n/ru.json';
import { CATALOGUES as FORMS } from './forms/i18n.js';
import { nameIn } from './names.js';

/** @type {Record<string, Record<string, string>>} */
// The forms keep their strings (`forms.*`) in a catalogue of their own; the shell names some
// of them too (a job's label in a menu), so one lookup reads both.
export const CATALOGUES = {
  en: { ...FORMS.en, ...en },
  ar: { ...FORMS.ar, ...ar },
  ru: { ...FORMS.ru, ...ru },
};
export const LANGS = ['en', 'ar', 'ru'];
const STORAGE_KEY = 'truce.lang';

let lang = pickLang();

function pickLang() {
  let stored = null;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch {
    stored = null;
  }
  if (stored && LANGS.includes(stored)) return stored;
  const browser = (navigator.language || 'en').slice(0, 2);
  return LANGS.includes(browser) ? browser : 'en';
}

export function currentLang() {
  return lang;
}

/** Sets and remembers the language, and the page's `lang` and `dir`. @param {string} next */
export function setLang(next) {
  lang = LANGS.includes(next) ? next : 'en';
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Private windows may refuse storage; the choice then lasts for this page only.
  }
  applyDir();
}

export function applyDir() {
  document.documentElement.lang = lang;
  document.documentElement.dir = lang === 'ar' ? 'rtl' : 'ltr';
}

/**
 * The message of `key` in the current language, with `{name}` holes filled.
 * @param {string} key @param {Record<string, string|number>} [vars]
 */
export function t(key, vars) {
  const message = CATALOGUES[lang][key] ?? CATALOGUES.en[key] ?? key;
  if (!vars) return message;
  return message.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? formatValue(vars[name]) : `{${name}}`));
}

/** @param {string|number} value */
function formatValue(value) {
  return typeof value === 'number' ? formatNumber(value) : value;
}

/** @param {number} value */
export function formatNumber(value) {
  return new Intl.NumberFormat(lang).format(value);
}

/** A date and time in the current language, in UTC (the log's times are UTC). @param {string|Date|undefined|null} value */
export function formatTime(value) {
  if (!value) return '';
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(date) + ' UTC';
}

/** A day in the current language. @param {string} isoDay `YYYY-MM-DD` */
export function formatDay(isoDay) {
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${isoDay}T00:00:00Z`));
}

/** A day as short as a chart's axis needs: day and month. @param {string} isoDay */
export function formatDayShort(isoDay) {
  return new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(new Date(`${isoDay}T00:00:00Z`));
}

/**
 * The name of a record in the current language: `names[lang]` or `name_<lang>` when the
 * record carries one, else its `name`. @param {any} record
 */
export function localName(record) {
  if (!record) return '';
  return nameIn(record, lang) || record.title || record.code || '';
}
