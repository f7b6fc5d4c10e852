// A problem's `field` finds its control, however the server names it.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { fieldOfProblem } from '../../src/forms/problems.js';

const paths = [
  'kind',
  'location.position',
  'location.uncertainty_m',
  'location.zone_id',
  'when.start',
  'description',
  'reported.sources[0].organisation',
  'reported.sources[0].casualties.killed.max',
  'reported.sources[1].organisation',
  'terms.corridors[0].windows[0].end',
  'terms.corridors[0].route',
  'version',
];

const at = (field) => fieldOfProblem({ field }, paths);

test('a parse problem names the command path, which loses its envelope prefix', () => {
  assert.equal(at('command.body.terms.corridors[0].windows[0].end'), 'terms.corridors[0].windows[0].end');
  assert.equal(at('command.body.location.position[1]'), 'location.position');
  assert.equal(at('command.body.terms.corridors[0].route.coordinates'), 'terms.corridors[0].route');
});

test('a domain problem names the body path, with or without list indices', () => {
  assert.equal(at('location.zone_id'), 'location.zone_id');
  assert.equal(at('reported.sources[].organisation'), 'reported.sources[0].organisation');
  assert.equal(at('reported.sources[].casualties.killed'), 'reported.sources[0].casualties.killed.max');
  assert.equal(at('version'), 'version');
});

test('what names no field of the form goes to the form head', () => {
  assert.equal(at('signature'), null);
  assert.equal(at('command.body.type'), null);
  assert.equal(fieldOfProblem({ title: 'Busy' }, paths), null);
  assert.equal(at('notification_id'), null);
});

test('a refusal reads in the page language: the sentence of its type, with its field', async () => {
  const { translator } = await import('../../src/forms/i18n.js');
  const { problemMessage } = await import('../../src/forms/problems.js');
  const problem = {
    type: '/problems/unknown-reference',
    title: 'Unknown reference',
    status: 422,
    detail: 'zone 0189... does not exist',
    field: 'location.zone_id',
  };
  assert.equal(problemMessage(problem, translator({ lang: 'en' })), 'zone 0189... does not exist');
  assert.equal(problemMessage(problem, translator({ lang: 'ar' })), 'ما يشير إليه هذا غير موجود. (الحقل location.zone_id)');
  assert.equal(problemMessage(problem, translator({ lang: 'ru' })), 'То, на что это указывает, не существует. (поле location.zone_id)');
  // A parse problem's path loses the envelope's prefix; no field, no path.
  assert.match(problemMessage({ type: '/problems/invalid-input', detail: 'x', field: 'command.body.when.start' }, translator({ lang: 'ar' })), /\(الحقل when\.start\)$/);
  assert.equal(problemMessage({ type: '/problems/busy', detail: 'queue full' }, translator({ lang: 'ru' })), 'Сервер занят; попробуйте ещё раз чуть позже.');
  // A type this page does not know (a newer server): the server's own words.
  assert.equal(problemMessage({ type: '/problems/something-new', detail: 'new words' }, translator({ lang: 'ar' })), 'new words');
});
