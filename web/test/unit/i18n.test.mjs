// Every string of the forms exists in English, Arabic and Russian: the keys the specs make
// (labels, choices, jobs) and every `forms.*` key written in the sources.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { CATALOGUES, translator } from '../../src/forms/i18n.js';
import { JOBS } from '../../src/forms/jobs.js';
import { QUANTITY_MODES } from '../../src/forms/model.js';
import { SPECS } from '../../src/forms/specs.js';

function specKeys() {
  const keys = new Set();
  const walk = (fields) => {
    for (const field of fields) {
      if (field.type === 'id') continue;
      keys.add(field.labelKey ?? `forms.field.${field.path.split('.').pop().replace(/^_/, '')}`);
      for (const value of field.values ?? []) keys.add(`forms.enum.${value}`);
      if (field.itemKey) keys.add(field.itemKey);
      if (field.fields) walk(field.fields);
    }
  };
  for (const spec of Object.values(SPECS)) walk(spec.fields);
  for (const job of JOBS) keys.add(`forms.job.${job}`);
  for (const mode of QUANTITY_MODES) keys.add(`forms.quantity.${mode}`);
  return keys;
}

function sourceKeys() {
  const keys = new Set();
  for (const folder of ['forms', 'offline', 'sign']) {
    const dir = fileURLToPath(new URL(`../../src/${folder}/`, import.meta.url));
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.js'))) {
      const text = readFileSync(join(dir, file), 'utf8');
      for (const [, key] of text.matchAll(/'(forms\.[a-z_]+\.?[a-z_.]*[a-z_])'/g)) keys.add(key);
    }
  }
  return keys;
}

test('the three catalogues have the same keys', () => {
  const english = Object.keys(CATALOGUES.en).sort();
  assert.deepEqual(Object.keys(CATALOGUES.ar).sort(), english);
  assert.deepEqual(Object.keys(CATALOGUES.ru).sort(), english);
  for (const lang of ['ar', 'ru']) {
    for (const [key, text] of Object.entries(CATALOGUES[lang])) assert.ok(text.trim(), `${lang} ${key} is empty`);
  }
});

test('every key the forms use is in the catalogues', () => {
  const used = new Set([...specKeys(), ...sourceKeys()]);
  const missing = [...used].filter((key) => !(key in CATALOGUES.en));
  assert.deepEqual(missing, []);
});

test('placeholders are filled and the shell translation wins once it knows a key', () => {
  const tr = translator({ lang: 'ru' });
  assert.equal(tr('forms.error.too_long', { max: 200 }), 'Не более 200 символов.');
  const shell = translator({ lang: 'ar', t: (key) => (key === 'forms.submit' ? 'SHELL' : key) });
  assert.equal(shell('forms.submit'), 'SHELL');
  assert.equal(shell('forms.cancel'), 'إلغاء');
});

test('every problem type of docs/problems.md has a sentence in the three languages, translated', () => {
  const docs = readFileSync(fileURLToPath(new URL('../../../docs/problems.md', import.meta.url)), 'utf8');
  const types = [...new Set([...docs.matchAll(/`\/problems\/([a-z][a-z-]*)`/g)].map(([, type]) => type))];
  assert.ok(types.length >= 40, `the problem types of docs/problems.md (${types.length})`);
  const missing = [];
  for (const type of types) {
    const key = `forms.problem.${type.replaceAll('-', '_')}`;
    for (const lang of ['en', 'ar', 'ru']) if (!CATALOGUES[lang][key]) missing.push(`${lang} ${key}`);
    for (const lang of ['ar', 'ru']) if (CATALOGUES[lang][key] === CATALOGUES.en[key]) missing.push(`${lang} ${key} is the English`);
  }
  assert.deepEqual(missing, []);
});
