// The forms' DOM half: a spec becomes labelled native controls (every one reachable by
// keyboard, its label bound with `for`, its message with `aria-describedby`), and what a
// person typed is read back as the raw input `model.js` turns into a body. Only DOM APIs;
// no inline style (the page's CSP): look is in `forms.css`, shown/hidden by `hidden`.

import { element } from './element.js';
import { uuidv7 } from '../sign/uuid7.js';
import { QUANTITY_MODES, fieldName, getPath, setPath } from './model.js';

let formCount = 0;

const domId = (formId, path) => `${formId}-${path.replace(/[^A-Za-z0-9]+/g, '-')}`;


/** Now as a `datetime-local` value in UTC, to the second (the forms label their times UTC). */
export function utcInputNow(ms = Date.now()) {
  return new Date(ms).toISOString().slice(0, 19);
}

/** An RFC 3339 instant as a `datetime-local` value in UTC, to the second. */
function utcInput(text) {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return String(text);
  return new Date(ms).toISOString().slice(0, 19);
}

/**
 * The same instant on this device's clock, with its offset from UTC (`12:30:05 GMT+3`), so
 * that a time typed in UTC is never mistaken for local time, nor the other way round.
 */
export function localTimeOf(value, lang) {
  const ms = Date.parse(/[zZ]|[+-]\d{2}:\d{2}$/.test(value) ? value : `${value}Z`);
  if (!value || Number.isNaN(ms)) return '';
  const options = {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit',
    hourCycle: 'h23', timeZoneName: 'shortOffset',
  };
  try {
    return new Intl.DateTimeFormat(lang || undefined, options).format(new Date(ms));
  } catch {
    return new Date(ms).toString();
  }
}

function labelKeyOf(field) {
  return field.labelKey ?? `forms.field.${fieldName(field.path).replace(/^_/, '')}`;
}

/**
 * Renders `spec` into a new <form>. Returns the form and its controller.
 * @param {object} spec
 * @param {{tr: (key: string, params?: object) => string, map?: object, loadRefs: (kind: string) => Promise<Array<{id: string, label: string, row: object}>>, hiddenPaths?: Set<string>}} env
 *   `hiddenPaths`: fields never shown (a choice the session does not have)
 */
export function renderForm(spec, env) {
  formCount += 1;
  const formId = `truce-form-${formCount}`;
  const form = element('form', { className: 'forms-form', id: formId, novalidate: true, 'aria-labelledby': `${formId}-heading` });
  const registry = new Map();
  // Paths a field answers for besides its own (a violation's choice, for its incident and
  // commitment): a refusal at one of them is shown at whichever of its fields is shown.
  const aliases = new Map();
  const ctx = { ...env, formId, registry, aliases, changed: () => update() };
  const root = buildGroupBody(spec.fields, '', ctx);
  form.append(root.el);
  const update = () => root.update(root.read(), root.read());
  form.addEventListener('input', update);
  form.addEventListener('change', update);
  return {
    form,
    formId,
    root,
    read: () => root.read(),
    write: (raw) => {
      root.write(raw);
      update();
    },
    update,
    /** The full paths of the fields shown now. */
    paths: () => {
      const shown = [...registry.entries()].filter(([, node]) => !isHidden(node.el, form)).map(([path]) => path);
      for (const [path, nodes] of aliases) {
        if (!shown.includes(path) && nodes.some((node) => !isHidden(node.el, form))) shown.push(path);
      }
      return shown;
    },
    node: (path) => {
      const own = registry.get(path);
      if (own && !isHidden(own.el, form)) return own;
      return (aliases.get(path) ?? []).find((node) => !isHidden(node.el, form)) ?? own;
    },
  };
}

function isHidden(el, form) {
  for (let at = el; at && at !== form; at = at.parentElement) if (at.hidden) return true;
  return false;
}

/** A labelled row around one control, with its message slot. */
function row(field, path, ctx, control, { fieldset = false } = {}) {
  const id = domId(ctx.formId, path);
  const errorId = `${id}-error`;
  const label = ctx.tr(labelKeyOf(field));
  const mark = field.required ? element('span', { className: 'forms-required', text: ' *', 'aria-hidden': 'true' }) : null;
  const hintKey = field.type === 'datetime' ? 'forms.hint.utc' : null;
  const error = element('p', { className: 'forms-error', id: errorId, hidden: true, role: 'alert' });
  let wrapper;
  if (fieldset) {
    wrapper = element('fieldset', { className: `forms-row forms-${field.type}`, 'aria-describedby': errorId }, [
      element('legend', {}, [label, mark]),
      control,
      error,
    ]);
  } else {
    control.id = id;
    control.setAttribute('aria-describedby', errorId);
    if (field.required) control.setAttribute('aria-required', 'true');
    wrapper = element('div', { className: `forms-row forms-${field.type}` }, [
      element('label', { for: id }, [label, mark, hintKey ? element('span', { className: 'forms-hint', text: ` (${ctx.tr(hintKey)})` }) : null]),
      control,
      error,
    ]);
  }
  const node = {
    field,
    path,
    el: wrapper,
    control,
    setError(message) {
      error.textContent = message ?? '';
      error.hidden = !message;
      wrapper.classList.toggle('forms-invalid', Boolean(message));
      const target = fieldset ? wrapper : control;
      if (message) target.setAttribute('aria-invalid', 'true');
      else target.removeAttribute('aria-invalid');
    },
    focus() {
      (fieldset ? wrapper.querySelector('input, select, textarea, button') : control)?.focus();
    },
    update() {},
  };
  ctx.registry.set(path, node);
  return node;
}

function textControl(field) {
  if (field.multiline) return element('textarea', { rows: 3, maxlength: field.max });
  return element('input', { type: 'text', maxlength: field.max, autocomplete: 'off', spellcheck: field.type === 'code' ? 'false' : null });
}

function numberControl(field) {
  return element('input', {
    type: 'number',
    inputmode: field.type === 'integer' ? 'numeric' : 'decimal',
    step: field.type === 'integer' ? 1 : 'any',
    min: Number.isFinite(field.min) ? field.min : field.type === 'integer' ? 0 : null,
    max: Number.isFinite(field.max) ? field.max : null,
  });
}

function selectControl(field, ctx, values, labelOf) {
  const select = element('select');
  const hasDefault = field.default !== undefined;
  if (!field.required || !hasDefault) select.append(element('option', { value: '', text: ctx.tr('forms.choose') }));
  for (const value of values) select.append(element('option', { value, text: labelOf(value) }));
  if (hasDefault) select.value = field.default;
  return select;
}

function leaf(field, path, ctx) {
  switch (field.type) {
    case 'text':
    case 'code': {
      const control = textControl(field);
      const node = row(field, path, ctx, control);
      node.read = () => control.value;
      node.write = (value) => {
        control.value = value ?? '';
      };
      return node;
    }
    case 'integer':
    case 'number': {
      const control = numberControl(field);
      if (field.default !== undefined) control.value = String(field.default);
      const node = row(field, path, ctx, control);
      node.read = () => control.value;
      node.write = (value) => {
        control.value = value === undefined || value === null ? '' : String(value);
      };
      return node;
    }
    case 'datetime': {
      // To the second, in UTC (said beside it), with the same instant on this device's clock
      // under it: never ambiguous, whatever zone the device is set to.
      const control = element('input', { type: 'datetime-local', step: 1 });
      if (field.default === 'now') control.value = utcInputNow();
      const node = row(field, path, ctx, control);
      const local = element('output', { className: 'forms-hint forms-local-time', id: `${control.id}-local`, 'aria-live': 'polite' });
      control.after(element('span', { className: 'forms-zone', text: ctx.tr('forms.time.utc_suffix'), 'aria-hidden': 'true' }), local);
      control.setAttribute('aria-describedby', `${control.getAttribute('aria-describedby')} ${local.id}`);
      const showLocal = () => {
        const text = localTimeOf(control.value, ctx.lang);
        local.textContent = text ? ctx.tr('forms.time.local', { time: text }) : '';
      };
      control.addEventListener('input', showLocal);
      control.addEventListener('change', showLocal);
      showLocal();
      node.read = () => control.value;
      node.write = (value) => {
        control.value = value ? utcInput(value) : '';
        showLocal();
      };
      return node;
    }
    case 'enum': {
      const control = selectControl(field, ctx, field.values, (value) => ctx.tr(`forms.enum.${value}`));
      const node = row(field, path, ctx, control);
      node.read = () => control.value;
      node.write = (value) => {
        if (value !== undefined) control.value = value;
      };
      return node;
    }
    case 'bool': {
      const control = element('input', { type: 'checkbox' });
      const node = row(field, path, ctx, control);
      node.el.classList.add('forms-check');
      node.read = () => control.checked;
      node.write = (value) => {
        control.checked = Boolean(value);
      };
      return node;
    }
    case 'ref':
      return field.optionsFrom ? dependentLeaf(field, path, ctx) : refLeaf(field, path, ctx);
    case 'enums':
    case 'refs':
      return manyLeaf(field, path, ctx);
    case 'point':
      return pointLeaf(field, path, ctx);
    case 'line':
    case 'polygon':
      return geometryLeaf(field, path, ctx);
    case 'quantity':
      return quantityLeaf(field, path, ctx);
    default:
      throw new Error(`no control for ${field.type}`);
  }
}

// The records of this very form a field may name: the corridors and commitments of terms
// being written (a commitment about a new corridor, a truce that starts once a new
// commitment is fulfilled). Their ids exist already: the page made them with the items.
function localRefs(kind, root, ctx) {
  const items = kind === 'corridors' ? root?.terms?.corridors : kind === 'commitments' ? root?.terms?.commitments : null;
  if (!Array.isArray(items)) return [];
  const idKey = kind === 'corridors' ? 'corridor_id' : 'commitment_id';
  return items
    .filter((item) => item?.[idKey])
    .map((item, idx) => {
      const name = [item.code, item.name ?? item.text].filter((part) => typeof part === 'string' && part.trim()).join(' — ');
      return { id: item[idKey], label: `${name || `${ctx.tr(`forms.item.${kind.slice(0, -1)}`)} ${idx + 1}`} (${ctx.tr('forms.in_this_form')})` };
    });
}

const signature = (options) => options.map((option) => `${option.id}=${option.label}`).join('|');

function refLeaf(field, path, ctx) {
  const control = element('select', {}, [element('option', { value: '', text: ctx.tr('forms.loading') })]);
  const node = row(field, path, ctx, control);
  // A choice sent as several fields answers for each of them (a refusal at `commitment_id`).
  const parent = path.includes('.') ? path.slice(0, path.lastIndexOf('.') + 1) : '';
  for (const key of field.spread ? (field.keys ?? []) : []) {
    const alias = `${parent}${key}`;
    ctx.aliases.set(alias, [...(ctx.aliases.get(alias) ?? []), node]);
  }
  let wanted = '';
  let rows = [];
  let local = [];
  const fill = () => {
    const options = [...local, ...rows.filter((option) => !local.some((mine) => mine.id === option.id))];
    control.replaceChildren(element('option', { value: '', text: ctx.tr('forms.choose') }));
    for (const option of options) control.append(element('option', { value: option.id, text: option.label }));
    // A record the list does not hold (older than the entries read, or from a stale link) is
    // offered as given; the server judges it.
    if (wanted && !options.some((option) => option.id === wanted)) {
      control.append(element('option', { value: wanted, text: field.numeric ? `#${wanted}` : wanted }));
    }
    control.value = wanted;
  };
  node.loaded = ctx.loadRefs(field.ref).then((loaded) => {
    rows = loaded;
    fill();
    ctx.changed();
  });
  node.read = () => control.value;
  node.write = (value) => {
    wanted = value === undefined || value === null ? '' : String(value);
    fill();
  };
  node.update = (scope, root) => {
    const now = localRefs(field.ref, root, ctx);
    if (signature(now) === signature(local)) return;
    local = now;
    fill();
  };
  node.row = () => rows.find((option) => option.id === control.value)?.row;
  control.addEventListener('change', () => {
    wanted = control.value;
  });
  return node;
}

// A choice among what the record another field picks holds (an account's active keys): its
// options follow that field's choice.
function dependentLeaf(field, path, ctx) {
  const control = element('select', {}, [element('option', { value: '', text: ctx.tr('forms.choose') })]);
  const node = row(field, path, ctx, control);
  const parent = path.includes('.') ? path.slice(0, path.lastIndexOf('.') + 1) : '';
  let wanted = '';
  let shown = null;
  const fill = (values) => {
    control.replaceChildren(element('option', { value: '', text: ctx.tr('forms.choose') }));
    for (const value of values) {
      const mine = ctx.ownPublicKey && value === ctx.ownPublicKey ? ` (${ctx.tr('forms.key.this_device')})` : '';
      control.append(element('option', { value, text: `${value}${mine}` }));
    }
    if (wanted && !values.includes(wanted)) control.append(element('option', { value: wanted, text: wanted }));
    control.value = wanted;
  };
  node.read = () => control.value;
  node.write = (value) => {
    wanted = value ?? '';
    fill(shown ?? []);
  };
  node.update = () => {
    const values = ctx.registry.get(`${parent}${field.optionsFrom.ref}`)?.row?.()?.[field.optionsFrom.take] ?? [];
    if (shown && values.join('|') === shown.join('|')) return;
    shown = [...values];
    fill(shown);
  };
  control.addEventListener('change', () => {
    wanted = control.value;
  });
  return node;
}

function manyLeaf(field, path, ctx) {
  const box = element('div', { className: 'forms-choices' });
  const node = row(field, path, ctx, box, { fieldset: true });
  let chosen = new Set();
  let rows = [];
  let local = [];
  const draw = () => {
    const options = field.type === 'enums' ? rows : [...local, ...rows.filter((option) => !local.some((mine) => mine.id === option.id))];
    box.replaceChildren();
    options.forEach((option, idx) => {
      const id = `${domId(ctx.formId, path)}-${idx}`;
      const input = element('input', { type: 'checkbox', id, value: option.id });
      input.checked = chosen.has(option.id);
      input.addEventListener('change', () => {
        if (input.checked) chosen.add(option.id);
        else chosen.delete(option.id);
      });
      box.append(element('div', { className: 'forms-choice' }, [input, element('label', { for: id, text: option.label })]));
    });
    if (options.length === 0) box.append(element('p', { className: 'forms-hint', text: ctx.tr('forms.none') }));
  };
  if (field.type === 'enums') {
    rows = field.values.map((value) => ({ id: value, label: ctx.tr(`forms.enum.${value}`) }));
    draw();
  } else {
    box.append(element('p', { className: 'forms-hint', text: ctx.tr('forms.loading') }));
    node.loaded = ctx.loadRefs(field.ref).then((loaded) => {
      rows = loaded;
      draw();
    });
    node.update = (scope, root) => {
      const now = localRefs(field.ref, root, ctx);
      if (signature(now) === signature(local)) return;
      local = now;
      draw();
    };
  }
  node.read = () => [...chosen];
  node.write = (values) => {
    chosen = new Set(values ?? []);
    for (const input of box.querySelectorAll('input')) input.checked = chosen.has(input.value);
  };
  return node;
}

function pointLeaf(field, path, ctx) {
  const id = domId(ctx.formId, path);
  const lon = element('input', { type: 'number', step: 'any', min: -180, max: 180, id: `${id}-lon`, inputmode: 'decimal' });
  const lat = element('input', { type: 'number', step: 'any', min: -90, max: 90, id: `${id}-lat`, inputmode: 'decimal' });
  const pick = element('button', { type: 'button', className: 'forms-map-button', text: ctx.tr('forms.pick_on_map') });
  const box = element('div', { className: 'forms-point' }, [
    element('span', { className: 'forms-pair' }, [element('label', { for: `${id}-lon`, text: ctx.tr('forms.field.longitude') }), lon]),
    element('span', { className: 'forms-pair' }, [element('label', { for: `${id}-lat`, text: ctx.tr('forms.field.latitude') }), lat]),
    ctx.map?.pickPoint ? pick : null,
  ]);
  const node = row(field, path, ctx, box, { fieldset: true });
  pick.addEventListener('click', async () => {
    const picked = await ctx.map.pickPoint();
    if (!Array.isArray(picked)) return;
    node.write(picked);
    ctx.changed();
  });
  node.read = () => (lon.value === '' && lat.value === '' ? undefined : [lon.value, lat.value]);
  node.write = (value) => {
    [lon.value, lat.value] = Array.isArray(value) ? value.map(String) : ['', ''];
    if (Array.isArray(value)) ctx.map?.show?.({ type: 'Feature', properties: { path }, geometry: { type: 'Point', coordinates: value.map(Number) } });
  };
  return node;
}

// A line or a polygon: drawn on the map, or typed as its GeoJSON coordinates.
function geometryLeaf(field, path, ctx) {
  const isLine = field.type === 'line';
  const draw = element('button', { type: 'button', className: 'forms-map-button', text: ctx.tr(isLine ? 'forms.draw_line' : 'forms.draw_polygon') });
  const coordinates = element('textarea', { rows: 2, className: 'forms-coordinates', spellcheck: 'false' });
  const coordinatesId = `${domId(ctx.formId, path)}-coordinates`;
  coordinates.id = coordinatesId;
  const summary = element('p', { className: 'forms-hint', 'aria-live': 'polite' });
  const box = element('div', { className: 'forms-geometry' }, [
    ctx.map && (isLine ? ctx.map.drawLine : ctx.map.drawPolygon) ? draw : null,
    element('label', { for: coordinatesId, text: ctx.tr('forms.coordinates') }),
    coordinates,
    summary,
  ]);
  const node = row(field, path, ctx, box, { fieldset: true });
  const describe = (value) => {
    const count = Array.isArray(value) ? (isLine ? value.length : value.reduce((sum, ring) => sum + ring.length, 0)) : 0;
    summary.textContent = count ? ctx.tr('forms.vertices', { count }) : '';
  };
  draw.addEventListener('click', async () => {
    const drawn = await (isLine ? ctx.map.drawLine() : ctx.map.drawPolygon());
    if (!Array.isArray(drawn)) return;
    node.write(drawn);
    ctx.changed();
  });
  node.read = () => {
    const typed = coordinates.value.trim();
    if (typed === '') return undefined;
    try {
      return JSON.parse(typed);
    } catch {
      return 'unreadable';
    }
  };
  node.write = (given) => {
    // A GeoJSON geometry (a prefilled body) or its coordinates (drawn).
    const value = given && !Array.isArray(given) && Array.isArray(given.coordinates) ? given.coordinates : given;
    coordinates.value = value ? JSON.stringify(value) : '';
    describe(value);
    if (Array.isArray(value)) {
      ctx.map?.show?.({ type: 'Feature', properties: { path }, geometry: { type: isLine ? 'LineString' : 'Polygon', coordinates: value } });
    }
  };
  coordinates.addEventListener('input', () => describe(node.read()));
  return node;
}

function quantityLeaf(field, path, ctx) {
  const id = domId(ctx.formId, path);
  const mode = element('select', { id: `${id}-mode` });
  for (const value of QUANTITY_MODES) mode.append(element('option', { value, text: ctx.tr(`forms.quantity.${value}`) }));
  const value = element('input', { type: 'number', min: 0, step: 1, inputmode: 'numeric', id: `${id}-value` });
  const min = element('input', { type: 'number', min: 0, step: 1, inputmode: 'numeric', id: `${id}-min` });
  const max = element('input', { type: 'number', min: 0, step: 1, inputmode: 'numeric', id: `${id}-max` });
  const single = element('span', { className: 'forms-inline' }, [element('label', { for: `${id}-value`, text: ctx.tr('forms.quantity.figure') }), value]);
  const bounds = element('span', { className: 'forms-inline', hidden: true }, [
    element('label', { for: `${id}-min`, text: ctx.tr('forms.field.min') }),
    min,
    element('label', { for: `${id}-max`, text: ctx.tr('forms.field.max') }),
    max,
  ]);
  const box = element('div', { className: 'forms-quantity' }, [
    element('label', { for: `${id}-mode`, text: ctx.tr('forms.quantity.how') }),
    mode,
    single,
    bounds,
  ]);
  const node = row(field, path, ctx, box, { fieldset: true });
  const toggle = () => {
    single.hidden = mode.value === 'range';
    bounds.hidden = mode.value !== 'range';
  };
  mode.addEventListener('change', toggle);
  node.read = () => ({ mode: mode.value, value: value.value, min: min.value, max: max.value });
  node.write = (raw) => {
    if (raw === undefined || raw === null) return;
    const given = typeof raw === 'number' ? { mode: 'exact', value: raw } : fromWire(raw);
    mode.value = given.mode ?? 'exact';
    value.value = given.value ?? '';
    min.value = given.min ?? '';
    max.value = given.max ?? '';
    toggle();
  };
  return node;
}

// A quantity as the wire has it (`120`, `{"about": 5000}`, `{"range": {...}}`) or as typed.
function fromWire(raw) {
  if (raw.mode) return raw;
  if (raw.range) return { mode: 'range', min: raw.range.min, max: raw.range.max };
  const [mode] = Object.keys(raw);
  return { mode, value: raw[mode] };
}

function buildGroupBody(fields, prefix, ctx) {
  const el = element('div', { className: 'forms-group-body' });
  const children = fields.map((field) => build(field, prefix ? `${prefix}.${field.path}` : field.path, ctx));
  const plain = children.filter((child) => child.el && !child.field.advanced);
  const advanced = children.filter((child) => child.el && child.field.advanced);
  for (const child of plain) el.append(child.el);
  if (advanced.length > 0) {
    el.append(element('details', { className: 'forms-advanced' }, [element('summary', { text: ctx.tr('forms.more') }), ...advanced.map((child) => child.el)]));
  }
  return {
    el,
    children,
    read() {
      const raw = {};
      for (const child of children) {
        const value = child.read();
        if (value !== undefined) setPath(raw, child.field.path, value);
      }
      return raw;
    },
    write(raw) {
      for (const child of children) {
        const value = child.field.fromBody ? child.field.fromBody(raw ?? {}) : getPath(raw ?? {}, child.field.path);
        if (value !== undefined) child.write(value);
      }
    },
    update(scope, root) {
      for (const child of children) {
        if (!child.el) continue;
        const shown = !ctx.hiddenPaths?.has(child.path) && (!child.field.showIf || child.field.showIf(scope ?? {}, root ?? {}));
        child.el.hidden = !shown;
        if (shown) child.update(getPath(scope ?? {}, child.field.path), root);
      }
    },
  };
}

function build(field, path, ctx) {
  if (field.type === 'id') return idNode(field, path);
  if (field.type === 'session' || field.type === 'made') return { field, path, el: null, read: () => undefined, write() {}, update() {} };
  if (field.type === 'group') return groupNode(field, path, ctx);
  if (field.type === 'list') return listNode(field, path, ctx);
  return leaf(field, path, ctx);
}

// An id the page makes: no control; it holds the id given with the record (a corridor a new
// version carries over keeps its id), else a fresh one.
function idNode(field, path) {
  // Made with the item, so that other fields of the form can name the record before it is sent.
  let value = uuidv7();
  return {
    field,
    path,
    el: null,
    read: () => value,
    write: (given) => {
      value = given;
    },
    update() {},
  };
}

function groupNode(field, path, ctx) {
  const body = buildGroupBody(field.fields, path, ctx);
  const error = element('p', { className: 'forms-error', id: `${domId(ctx.formId, path)}-error`, hidden: true, role: 'alert' });
  const el = element('fieldset', { className: 'forms-group', 'aria-describedby': error.id }, [
    element('legend', { text: ctx.tr(labelKeyOf(field)) }),
    error,
    body.el,
  ]);
  const node = {
    field,
    path,
    el: field.advanced ? element('details', { className: 'forms-advanced' }, [element('summary', { text: ctx.tr(labelKeyOf(field)) }), el]) : el,
    read: () => body.read(),
    write: (raw) => body.write(raw),
    update: (scope, root) => body.update(scope, root),
    setError(message) {
      error.textContent = message ?? '';
      error.hidden = !message;
    },
    focus() {
      el.querySelector('input, select, textarea, button')?.focus();
    },
  };
  ctx.registry.set(path, node);
  return node;
}

function listNode(field, path, ctx) {
  const items = [];
  const list = element('div', { className: 'forms-list-items' });
  const add = element('button', { type: 'button', className: 'forms-add', text: ctx.tr('forms.add', { item: ctx.tr(field.itemKey ?? 'forms.item.item') }) });
  const error = element('p', { className: 'forms-error', id: `${domId(ctx.formId, path)}-error`, hidden: true, role: 'alert' });
  const el = element('fieldset', { className: 'forms-list', 'aria-describedby': error.id }, [
    element('legend', { text: ctx.tr(labelKeyOf(field)) }),
    error,
    list,
    add,
  ]);
  const forget = (itemPath) => {
    for (const map of [ctx.registry, ctx.aliases]) {
      for (const key of [...map.keys()]) if (key === itemPath || key.startsWith(`${itemPath}.`)) map.delete(key);
    }
  };
  // Items are rebuilt whole on removal, so that paths keep matching the body's indices.
  const redraw = (raws) => {
    for (let idx = 0; idx < items.length; idx += 1) forget(`${path}[${idx}]`);
    items.length = 0;
    list.replaceChildren();
    raws.forEach((raw) => appendItem(raw));
  };
  const appendItem = (raw) => {
    const idx = items.length;
    const itemPath = `${path}[${idx}]`;
    const body = buildGroupBody(field.fields, itemPath, ctx);
    const remove = element('button', { type: 'button', className: 'forms-remove', text: ctx.tr('forms.remove', { item: ctx.tr(field.itemKey ?? 'forms.item.item'), n: idx + 1 }) });
    const itemEl = element('fieldset', { className: 'forms-list-item' }, [
      element('legend', { text: `${ctx.tr(field.itemKey ?? 'forms.item.item')} ${idx + 1}` }),
      body.el,
      remove,
    ]);
    remove.addEventListener('click', () => {
      const raws = items.map((item) => item.body.read());
      raws.splice(idx, 1);
      redraw(raws);
      ctx.changed();
    });
    if (raw) body.write(raw);
    items.push({ body, el: itemEl });
    list.append(itemEl);
    return itemEl;
  };
  for (let idx = 0; idx < (field.min ?? 0); idx += 1) appendItem(null);
  add.addEventListener('click', () => {
    const itemEl = appendItem(null);
    ctx.changed();
    itemEl.querySelector('input, select, textarea')?.focus();
  });
  const node = {
    field,
    path,
    el,
    read: () => items.map((item) => item.body.read()),
    write: (raws) => redraw(Array.isArray(raws) ? raws : []),
    update: (scope, root) => {
      items.forEach((item, idx) => item.body.update(Array.isArray(scope) ? scope[idx] : {}, root));
      add.disabled = field.max !== undefined && items.length >= field.max;
    },
    setError(message) {
      error.textContent = message ?? '';
      error.hidden = !message;
    },
    focus() {
      el.querySelector('input, select, textarea, button')?.focus();
    },
  };
  ctx.registry.set(path, node);
  return node;
}
