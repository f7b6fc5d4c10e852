// The forms' strings: the shell's translation function first (once the catalogues are
// merged it knows the `forms.*` keys), else this folder's own catalogue in the page's
// language, else English. Values may hold `{name}` placeholders.

import en from './i18n/en.json' with { type: 'json' };
import ar from './i18n/ar.json' with { type: 'json' };
import ru from './i18n/ru.json' with { type: 'json' };

export const CATALOGUES = { en, ar, ru };

/**
 * @param {{t?: (key: string, params?: object) => string, lang?: string}} ctx
 * @returns {((key: string, params?: object) => string) & {lang: string}}
 */
export function translator(ctx = {}) {
  const lang = ctx.lang ?? globalThis.document?.documentElement?.lang ?? 'en';
  const tr = (key, params = {}) => {
    const shell = typeof ctx.t === 'function' ? ctx.t(key, params) : undefined;
    const text = typeof shell === 'string' && shell !== '' && shell !== key ? shell : (CATALOGUES[lang]?.[key] ?? en[key] ?? key);
    return text.replace(/\{(\w+)\}/g, (whole, name) => (params[name] === undefined ? whole : String(params[name])));
  };
  // The language it speaks, for what is said differently by language (the server's English
  // problem details, shown as they are in English only).
  tr.lang = lang;
  return tr;
}
