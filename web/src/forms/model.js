// The forms' pure half: from what a person typed (a nested object of strings, arrays and
// booleans, the "raw" input) and a command's spec, the command body the server takes, or
// the list of what is wrong, each by the field's full path. Validation repeats the bounds
// the server checks (`crates/truce-core/src/vocab/limits.rs`, text, ids, geometry, time) so
// that most mistakes are shown before anything is sent; the server stays the judge, and its
// problems are placed at their fields by `problems.js`.
// No DOM here, so node tests build every form's command from sample input.

import { isUuidV7, uuidv7 } from '../sign/uuid7.js';
import { rfc3339 } from '../sign/envelope.js';
import { ISSUED_AT_SKEW_S_MAX } from './limits.js';

/**
 * A field of a form.
 * @typedef {object} Field
 * @property {string} path        the body path, relative to its group (`location.position`)
 * @property {string} type        text | code | integer | number | datetime | point | line |
 *                                polygon | enum | enums | ref | refs | bool | quantity | group | list | id |
 *                                session (filled from the session) | made (by the form's `prepare`)
 * @property {boolean} [required]
 * @property {number} [max]       characters (text), largest value (numbers), items (lists)
 * @property {number} [min]       smallest value (numbers), items (lists)
 * @property {boolean} [exclusiveMin]
 * @property {boolean} [exclusiveMax] the largest value itself is refused (a bearing: `[0, 360)`)
 * @property {RegExp} [pattern]   the shape a text must have (an `age1…` recipient)
 * @property {string} [patternKey] the catalogue key of the message when it has not
 * @property {boolean} [spread]   a ref whose choice names a record by several fields (a
 *                                violation: its incident and commitment): the chosen option's
 *                                id is their JSON (`composite`), and they are sent beside it
 * @property {boolean} [numeric]  a ref whose value is sent as a number (an entry's `seq`)
 * @property {string} [take]      a `session` field: the key of the session it is filled from
 * @property {string[]} [values]  the choices of an enum
 * @property {string} [ref]       the kind of record a ref names (`agreements`)
 * @property {Field[]} [fields]   the fields of a group or of each item of a list
 * @property {(scope: object, root: object) => boolean} [showIf] shown (and sent) only when true
 * @property {'window' | 'range'} [check] a group whose `end`, when given, must be after its
 *                                `start`, or whose `max`, when given, is at least its `min`
 * @property {[string, string]} [rangeKeys] the names of a range's bounds (`min`, `max`)
 * @property {unknown[]} [emptyAs] what a list left empty is sent as (a required `[]`)
 * @property {string} [optionalUnless] an optional group sent only when this field is filled
 * @property {boolean} [past]     false: a time that may lie ahead (a window, a deadline)
 * @property {boolean} [advanced] shown folded
 * @property {string} [labelKey]  the catalogue key of its label (default `forms.field.<name>`)
 * @property {boolean} [multiline]
 * @property {boolean} [local]    a control of the form only, never sent (a choice of mode)
 * @property {unknown} [default]  'now' for a datetime, or a value
 */

/**
 * The id of a choice that names a record by several fields (a violation by its incident and
 * commitment, a version by its agreement and number): their JSON, keys sorted, so that the
 * same record always has the same id. Null when a key is missing.
 * @param {object} parts
 * @param {string[]} [keys] the keys it must have
 */
export function composite(parts, keys = Object.keys(parts ?? {})) {
  if (!parts || keys.some((key) => parts[key] === undefined || parts[key] === null || parts[key] === '')) return null;
  const sorted = {};
  for (const key of [...keys].sort()) sorted[key] = parts[key];
  return JSON.stringify(sorted);
}

/** The fields a composite id stands for, or null. */
export function parseComposite(id) {
  try {
    const parts = JSON.parse(String(id));
    return parts && typeof parts === 'object' && !Array.isArray(parts) ? parts : null;
  } catch {
    return null;
  }
}

/** A mistake: the full path of its field, the catalogue key of its message, and its values. */
export function mistake(path, key, params = {}) {
  return { path, key, params };
}

const CODE_PATTERN = /^[A-Za-z0-9._-]+$/;

/** The name a field is labelled by: its last path segment. */
export function fieldName(path) {
  return path.split('.').pop();
}

/** `a.b` under `prefix`. */
export function join(prefix, path) {
  return prefix ? `${prefix}.${path}` : path;
}

/** The value at a dotted path of `object` (undefined where absent). */
export function getPath(object, path) {
  let value = object;
  for (const step of path.split('.')) {
    if (value === undefined || value === null) return undefined;
    value = value[step];
  }
  return value;
}

/** Sets the value at a dotted path, making the objects on the way. */
export function setPath(object, path, value) {
  const steps = path.split('.');
  let at = object;
  for (const step of steps.slice(0, -1)) {
    at[step] ??= {};
    at = at[step];
  }
  at[steps[steps.length - 1]] = value;
}

function isBlank(raw) {
  if (raw === undefined || raw === null) return true;
  if (typeof raw === 'string') return raw.trim() === '';
  if (Array.isArray(raw)) return raw.length === 0;
  return false;
}

/**
 * Reads a datetime as typed: a `datetime-local` value (`2016-12-12T09:30`, taken as UTC, as
 * the form labels it) or any RFC 3339 text. Returns epoch milliseconds, or NaN.
 */
export function parseDateTime(raw) {
  const text = String(raw).trim();
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) return Date.parse(`${text}Z`);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(text)) return Date.parse(text);
  return Number.NaN;
}

function toNumber(raw) {
  if (typeof raw === 'number') return raw;
  const text = String(raw).trim().replace(',', '.');
  return text === '' ? Number.NaN : Number(text);
}

function position(raw, path, errors) {
  const pair = Array.isArray(raw) ? raw.map(toNumber) : [Number.NaN, Number.NaN];
  const [lon, lat] = pair;
  if (pair.length !== 2 || !(lon >= -180 && lon <= 180) || !(lat >= -90 && lat <= 90)) {
    errors.push(mistake(path, 'forms.error.coordinate'));
    return undefined;
  }
  return [lon, lat];
}

// Geodesic length on a sphere, enough to refuse a route of zero length as the server does.
function lengthM(positions) {
  let total = 0;
  for (let idx = 1; idx < positions.length; idx += 1) {
    const [lon1, lat1] = positions[idx - 1].map((deg) => (deg * Math.PI) / 180);
    const [lon2, lat2] = positions[idx].map((deg) => (deg * Math.PI) / 180);
    const h = Math.sin((lat2 - lat1) / 2) ** 2 + Math.cos(lat1) * Math.cos(lat2) * Math.sin((lon2 - lon1) / 2) ** 2;
    total += 2 * 6_371_008.8 * Math.asin(Math.min(1, Math.sqrt(h)));
  }
  return total;
}

/**
 * Reads one field's raw value into what the body carries, pushing mistakes.
 * @param {Field} field
 * @param {string} path its full path (with list indices)
 * @param {{now: number, ids: Map<string, string>, root: object}} env
 */
function readField(field, raw, path, errors, env) {
  if (field.type === 'id') {
    // Made by the page, never typed: once per form, so a retry sends the same record.
    if (isUuidV7(raw)) return raw;
    if (!env.ids.has(path)) env.ids.set(path, uuidv7());
    return env.ids.get(path);
  }
  // Made by the form's `prepare` step once the rest is read (an enrolment's code hash).
  if (field.type === 'made') return undefined;
  if (field.type === 'session') {
    // The signed-in account itself (`set_encryption_key` sets one's own): never chosen.
    if (!env.session?.[field.take]) errors.push(mistake(path, 'forms.error.signed_out'));
    return env.session?.[field.take];
  }
  if (field.type === 'group') {
    if (field.optionalUnless && isBlank(getPath(raw ?? {}, field.optionalUnless))) return undefined;
    return readGroup(field.fields, raw ?? {}, path, errors, env, { check: field.check, rangeKeys: field.rangeKeys, optional: !field.required });
  }
  if (field.type === 'list') return readList(field, raw ?? [], path, errors, env);
  if (field.type === 'bool') return raw === true || raw === 'true' || raw === 'on' ? true : field.required ? false : undefined;
  if (field.type === 'quantity') return readQuantity(field, raw, path, errors);
  if (isBlank(raw)) {
    if (field.required) errors.push(mistake(path, 'forms.error.required'));
    return field.emptyAs;
  }
  switch (field.type) {
    case 'text':
    case 'code': {
      const text = String(raw).trim();
      const max = field.max;
      if (max !== undefined && [...text].length > max) {
        errors.push(mistake(path, 'forms.error.too_long', { max }));
      } else if (field.type === 'code' && !CODE_PATTERN.test(text)) {
        errors.push(mistake(path, 'forms.error.code_chars'));
      } else if (field.pattern && !field.pattern.test(text)) {
        errors.push(mistake(path, field.patternKey ?? 'forms.error.shape'));
      }
      return text;
    }
    case 'integer':
    case 'number': {
      const value = toNumber(raw);
      if (!Number.isFinite(value) || (field.type === 'integer' && !Number.isInteger(value))) {
        errors.push(mistake(path, field.type === 'integer' ? 'forms.error.integer' : 'forms.error.number'));
        return undefined;
      }
      const min = field.min ?? (field.type === 'integer' ? 0 : -Infinity);
      const max = field.max ?? (field.type === 'integer' ? 4_294_967_295 : Infinity);
      if (value < min || value > max || (field.exclusiveMin && value === min) || (field.exclusiveMax && value === max)) {
        errors.push(mistake(path, 'forms.error.out_of_range', { min, max }));
      }
      return value;
    }
    case 'datetime': {
      const ms = parseDateTime(raw);
      if (Number.isNaN(ms)) {
        errors.push(mistake(path, 'forms.error.datetime'));
        return undefined;
      }
      if (field.past !== false && ms > env.now + ISSUED_AT_SKEW_S_MAX * 1000) {
        errors.push(mistake(path, 'forms.error.future'));
      }
      return rfc3339(ms);
    }
    case 'point':
      return position(raw, path, errors);
    case 'line': {
      const positions = (Array.isArray(raw) ? raw : []).map((pair) => position(pair, path, errors));
      if (positions.includes(undefined)) return undefined;
      if (positions.length < 2) errors.push(mistake(path, 'forms.error.line_short'));
      else if (!(lengthM(positions) > 0)) errors.push(mistake(path, 'forms.error.line_zero'));
      return { type: 'LineString', coordinates: positions };
    }
    case 'polygon': {
      const rings = (Array.isArray(raw) ? raw : []).map((ring) => {
        const positions = (Array.isArray(ring) ? ring : []).map((pair) => position(pair, path, errors));
        const [first, last] = [positions[0], positions[positions.length - 1]];
        // A drawn ring is closed for the person: the server wants the first vertex repeated.
        if (first && last && (first[0] !== last[0] || first[1] !== last[1])) positions.push([...first]);
        return positions;
      });
      if (rings.some((ring) => ring.includes(undefined))) return undefined;
      if (rings.length === 0 || rings.some((ring) => ring.length < 4)) errors.push(mistake(path, 'forms.error.polygon'));
      return { type: 'Polygon', coordinates: rings };
    }
    case 'enum':
    case 'ref':
      if (field.values && !field.values.includes(raw)) errors.push(mistake(path, 'forms.error.choice'));
      if (field.spread) {
        const parts = parseComposite(raw);
        if (!parts) errors.push(mistake(path, 'forms.error.choice'));
        return parts ?? undefined;
      }
      if (field.numeric) {
        const value = toNumber(raw);
        if (!Number.isSafeInteger(value) || value < 0) errors.push(mistake(path, 'forms.error.integer'));
        return value;
      }
      return String(raw);
    case 'enums':
    case 'refs': {
      const items = (Array.isArray(raw) ? raw : [raw]).map(String);
      if (field.max !== undefined && items.length > field.max) errors.push(mistake(path, 'forms.error.too_many', { max: field.max }));
      if (new Set(items).size !== items.length) errors.push(mistake(path, 'forms.error.duplicates'));
      if (field.values && items.some((item) => !field.values.includes(item))) errors.push(mistake(path, 'forms.error.choice'));
      return items;
    }
    default:
      throw new Error(`no field type ${field.type}`);
  }
}

/** The qualifiers a quantity may carry besides an exact figure (`Quantity` on the wire). */
export const QUANTITY_MODES = ['exact', 'about', 'at_least', 'up_to', 'more_than', 'range'];

function readQuantity(field, raw, path, errors) {
  const mode = raw?.mode ?? 'exact';
  const figure = (text, at) => {
    const value = toNumber(text);
    if (!Number.isInteger(value) || value < 0 || value > 4_294_967_295) {
      errors.push(mistake(at, 'forms.error.integer'));
      return undefined;
    }
    return value;
  };
  if (mode === 'range') {
    if (isBlank(raw?.min) && isBlank(raw?.max)) {
      if (field.required) errors.push(mistake(path, 'forms.error.required'));
      return undefined;
    }
    const [min, max] = [figure(raw.min, `${path}.min`), figure(raw.max, `${path}.max`)];
    if (min !== undefined && max !== undefined && min > max) errors.push(mistake(path, 'forms.error.range_inverted'));
    return { range: { min, max } };
  }
  if (isBlank(raw?.value)) {
    if (field.required) errors.push(mistake(path, 'forms.error.required'));
    return undefined;
  }
  const value = figure(raw.value, path);
  return mode === 'exact' ? value : { [mode]: value };
}

function readList(field, raw, path, errors, env) {
  const items = Array.isArray(raw) ? raw : [];
  if (items.length < (field.min ?? 0)) errors.push(mistake(path, 'forms.error.too_few', { min: field.min }));
  if (field.max !== undefined && items.length > field.max) errors.push(mistake(path, 'forms.error.too_many', { max: field.max }));
  if (items.length === 0 && !field.required && !field.min) return field.emptyAs;
  return items.map((item, idx) => readGroup(field.fields, item ?? {}, `${path}[${idx}]`, errors, env, { check: field.check }));
}

/**
 * @param {{check?: 'window', optional?: boolean}} [how] `optional`: a group left wholly
 *   blank is absent from the body
 */
function readGroup(fields, raw, prefix, errors, env, how = {}) {
  if (how.optional && isEmptyOptionalGroup(fields, raw, env)) return undefined;
  const out = {};
  for (const field of fields) {
    if (field.local) continue;
    if (field.showIf && !field.showIf(raw, env.root)) continue;
    const value = readField(field, getPath(raw, field.path), join(prefix, field.path), errors, env);
    // A choice that names a record by several fields sends each of them, beside one another.
    if (field.spread && value) Object.assign(out, value);
    else if (value !== undefined) setPath(out, field.path, value);
  }
  const [low, high] = how.rangeKeys ?? ['min', 'max'];
  if (how.check === 'range' && out[high] !== undefined && out[low] > out[high]) {
    errors.push(mistake(join(prefix, high), 'forms.error.range_inverted'));
  }
  if (how.check === 'window' && out.start && out.end && Date.parse(out.end) <= Date.parse(out.start)) {
    errors.push(mistake(join(prefix, 'end'), 'forms.error.end_before_start'));
  }
  return out;
}

// An optional group left wholly blank is absent, not an object of defaults.
function isEmptyOptionalGroup(fields, raw, env) {
  return fields.every((field) => {
    if (field.type === 'id' || field.type === 'session' || field.type === 'made' || field.local) return true;
    if (field.showIf && !field.showIf(raw, env.root)) return true;
    const value = getPath(raw, field.path);
    if (field.type === 'group') return isEmptyOptionalGroup(field.fields, value ?? {}, env);
    if (field.type === 'quantity') return isBlank(value?.value) && isBlank(value?.min) && isBlank(value?.max);
    if (field.type === 'bool') return !value;
    return isBlank(value);
  });
}

/**
 * The body of `spec`'s command from `raw`, or its mistakes.
 * @param {{command: string, fields: Field[]}} spec
 * @param {object} raw
 * @param {{ids?: Map<string, string>, now?: number, session?: object}} [options] `ids`: the
 *   ids made so far for this form (kept across retries), `now`: the clock for "not in the
 *   future", `session`: the signed-in account (`GET /api/v1/session`)
 * @returns {{body: object | null, errors: ReturnType<typeof mistake>[]}}
 */
export function buildBody(spec, raw, { ids = new Map(), now = Date.now(), session = null } = {}) {
  const errors = [];
  const fields = readGroup(spec.fields, raw ?? {}, '', errors, { now, ids, session, root: raw ?? {} });
  for (const check of spec.checks ?? []) check(fields, errors, { now });
  if (errors.length > 0) return { body: null, errors };
  return { body: { type: spec.command, ...fields }, errors };
}
