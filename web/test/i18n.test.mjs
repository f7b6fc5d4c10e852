// The catalogues: every key in all three languages, every key the code names exists, and no
// user-visible literal text sits in the code outside the catalogues. Runs with node alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
const catalogue = (lang) => JSON.parse(readFileSync(join(src, 'i18n', `${lang}.json`), 'utf8'));
const en = catalogue('en');
const ar = catalogue('ar');
const ru = catalogue('ru');

function sources(dir = src) {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'i18n') files.push(...sources(path));
    else if (entry.name.endsWith('.js') || entry.name.endsWith('.mjs')) files.push(path);
  }
  return files;
}

/** The code without its comments (so that prose in comments is not taken for UI text). */
function code(path) {
  return readFileSync(path, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

test('every key is in all three catalogues, none empty', () => {
  for (const [name, other] of [['ar', ar], ['ru', ru]]) {
    assert.deepEqual(Object.keys(other).sort(), Object.keys(en).sort(), `keys of ${name}`);
  }
  for (const [name, messages] of [['en', en], ['ar', ar], ['ru', ru]]) {
    for (const [key, value] of Object.entries(messages)) assert.ok(value.trim(), `${name}:${key} is empty`);
  }
});

test('the holes of each message are the same in every language', () => {
  const holes = (message) => [...message.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(',');
  for (const key of Object.keys(en)) {
    assert.equal(holes(ar[key]), holes(en[key]), `ar:${key}`);
    assert.equal(holes(ru[key]), holes(en[key]), `ru:${key}`);
  }
});

test('every key the code names is in the catalogue', () => {
  const missing = [];
  for (const file of sources()) {
    const text = code(file);
    for (const match of text.matchAll(/\bt\(\s*'([a-z_]+\.[a-z_0-9]+)'/g)) if (!(match[1] in en)) missing.push(`${file}: ${match[1]}`);
    for (const match of text.matchAll(/(?:key|reason): '([a-z_]+\.[a-z_0-9]+)'/g)) if (!(match[1] in en)) missing.push(`${file}: ${match[1]}`);
    for (const match of text.matchAll(/\bt\(`([a-z_]+)\.\$\{/g)) {
      if (!Object.keys(en).some((key) => key.startsWith(`${match[1]}.`))) missing.push(`${file}: ${match[1]}.*`);
    }
  }
  assert.deepEqual(missing, []);
});

test('no user-visible literal text outside the catalogues', () => {
  // Literals of two or more words are prose, which belongs in the catalogues; the few that
  // are not shown to people (protocol names, selectors, media types) are listed here.
  const allowed = [/^a\[data-link\]$/, /^Ed25519$/, /^SHA-256$/, /^\s*$/];
  const words = /[\p{L}]{2,}[ \u00a0]+[\p{L}]{2,}/u;
  const offending = [];
  for (const file of sources()) {
    // The message of an Error thrown for a programmer (a value JCS cannot encode, a server
    // that answers out of protocol) is a diagnostic for the console, not text for people:
    // what a person sees of it is the form's own translated message.
    const text = code(file)
      .split('\n')
      .filter((line) => !/^\s*import\b/.test(line))
      .join('\n')
      .replace(/new \w*Error\(\s*(`(?:[^`\\]|\\.)*`|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")/g, 'new Error(\'\'');
    for (const match of text.matchAll(/'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|`((?:[^`\\]|\\.)*)`/g)) {
      const literal = (match[1] ?? match[2] ?? match[3] ?? '').replace(/\$\{[^}]*\}/g, ' ');
      if (!words.test(literal) || allowed.some((re) => re.test(literal))) continue;
      // CSS class lists and selectors are words too: lowercase-and-dashes only.
      if (/^[a-z0-9 _.:#\[\]='-]+$/.test(literal)) continue;
      offending.push(`${file.slice(src.length)}: ${literal.slice(0, 60)}`);
    }
  }
  assert.deepEqual(offending, []);
});
