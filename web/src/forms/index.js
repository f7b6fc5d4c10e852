// The seam between the page shell and the forms (agreed with the shell, exactly):
// `openForm`, `jobsFor`, `ensureKey` and `flushOutbox`. A form is rendered from its spec
// (`specs.js`), checked as the server checks it (`model.js`), signed on this device with the
// account's non-extractable key at the moment it is sent (`../sign/`), and the server's
// refusal is shown at its field (`problems.js`). An incident report that cannot be sent is
// kept in the outbox (`../offline/`) and sent when the connection returns.

import { element } from './element.js';
import { currentKey, enrolKey, normaliseCode } from '../sign/enrol.js';
import { loadKey } from '../sign/keys.js';
import { serverClockOffsetMs, submitCommand } from '../sign/submit.js';
import { flushOutbox as flushQueued, enqueue } from '../offline/outbox.js';
import { renderOutbox } from '../offline/view.js';
import { modesFor } from './access.js';
import { groupedCode, prepareEnrolment } from './accounts.js';
import { translator } from './i18n.js';
import { jobsFor as jobsOf } from './jobs.js';
import { buildBody } from './model.js';
import { fieldOfProblem, problemMessage } from './problems.js';
import { entryOf, loadRefs } from './refs.js';
import { renderForm } from './render.js';
import { SPECS } from './specs.js';

export { renderOutbox };


/** Lists read once per form, so that two fields naming zones ask the server once. */
function refLoader(transport, session, tr) {
  const cache = new Map();
  // An entry one may retract is named by the job that made it.
  const nameOf = (type) => tr(`forms.job.${type}`);
  return (kind) => {
    if (!cache.has(kind)) cache.set(kind, loadRefs(kind, transport, session, { nameOf }).catch(() => []));
    return cache.get(kind);
  };
}

/** How long a report the server was too busy to write waits before it is sent again. */
const BUSY_RETRY_MS = 30_000;

// Whether a failed fetch means "no connection" rather than a refusal.
const isOffline = () => globalThis.navigator?.onLine === false;

/**
 * Renders the form of `command` (e.g. "report_incident") into `container`; resolves with the
 * server's 201 body once accepted, or null if cancelled. An incident report that cannot
 * reach the server is kept in the outbox and resolves with `{queued: true, outbox_id}`.
 * ctx = { session, map, t, lang, prefill } (and `transport` in tests).
 */
export async function openForm(container, command, ctx) {
  const spec = SPECS[command];
  if (!spec) throw new Error(`no form for ${command}`);
  const tr = translator(ctx);
  const session = ctx.session;
  const transport = ctx.transport ?? {};
  const modes = modesFor(session, command);
  const loader = refLoader(transport, session, tr);
  // An act's provenance follows from the session: a choice only for who may do both.
  const hiddenPaths = new Set(modes.length < 2 ? ['_provenance'] : []);
  // This device's own key is marked among an account's keys (so that no one revokes it unawares).
  const ownPublicKey = spec.ownAccount ? ((await loadKey(session.account_id).catch(() => null))?.publicKey ?? null) : null;
  const controller = renderForm(spec, { tr, lang: ctx.lang, map: ctx.map, loadRefs: loader, hiddenPaths, ownPublicKey });
  const { form, formId } = controller;
  const heading = element('h2', { id: `${formId}-heading`, text: tr(`forms.job.${command}`) });
  const summary = element('div', { className: 'forms-summary', role: 'alert', hidden: true, tabindex: '-1' });
  const status = element('p', { className: 'forms-status', role: 'status', 'aria-live': 'polite' });
  const submit = element('button', { type: 'submit', className: 'forms-submit', text: tr('forms.submit') });
  const cancel = element('button', { type: 'button', className: 'forms-cancel', text: tr('forms.cancel') });
  form.prepend(heading, summary);
  form.append(element('div', { className: 'forms-actions' }, [submit, cancel]), status);
  const dir = ctx.lang ? (ctx.lang === 'ar' ? 'rtl' : 'ltr') : null;
  const section = element('section', { className: 'forms', lang: ctx.lang ?? null, dir }, [form]);
  container.replaceChildren(section);

  if (modes.length === 0) {
    summary.hidden = false;
    summary.textContent = tr('forms.not_allowed');
    submit.disabled = true;
  }
  const provenance = controller.node('_provenance');
  if (spec.act && provenance) provenance.write(modes.includes('attested') ? 'attested' : 'reported');
  if (spec.ownAccount && !ctx.prefill?.account_id) controller.write({ account_id: session.account_id });
  if (ctx.prefill) controller.write(ctx.prefill);
  wireFillFrom(spec, controller);
  // A retraction opened from a record that does not carry its entry finds the entry by the
  // record's id.
  if (command === 'retract' && ctx.prefill && ctx.prefill.seq === undefined) {
    const entry = controller.node('seq');
    entry?.loaded?.then(async () => {
      const seq = entryOf(await loader('entries'), ctx.prefill);
      if (seq && entry.read() === '') entry.write(seq);
    });
  }
  if (spec.carryTerms) wireCarryTerms(controller);
  controller.update();
  if (spec.offline) renderOutbox(section, tr, { lang: ctx.lang, transport });

  // Ids made once per form: a retry after a lost connection sends the same records.
  const ids = new Map();
  // What a form makes once and keeps across retries (an enrolment's code).
  const made = {};
  let accepted = false;
  return new Promise((resolve) => {
    cancel.addEventListener('click', () => resolve(null));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearErrors(controller, summary);
      const raw = { ...controller.read(), _provenance: provenance?.read() };
      const { body, errors } = buildBody(spec, raw, { ids, session });
      if (errors.length > 0) {
        showMistakes(errors, controller, summary, tr);
        return;
      }
      const key = await loadKey(session.account_id);
      if (!key) {
        showSummary(summary, tr('forms.no_key'));
        return;
      }
      submit.disabled = true;
      form.setAttribute('aria-busy', 'true');
      status.textContent = tr('forms.sending');
      let reveal = null;
      try {
        if (spec.prepare === 'enrolment') {
          const offsetMs = await serverClockOffsetMs(transport).catch(() => null);
          if (offsetMs === null) {
            status.textContent = '';
            showSummary(summary, tr('forms.unreachable'));
            return;
          }
          reveal = await prepareEnrolment(body, raw, made, Date.now() + offsetMs);
        }
        const queued = spec.offline && isOffline() ? await enqueue({ command, body, session }) : null;
        if (queued) {
          accepted = true;
          status.textContent = tr('forms.queued');
          resolve({ queued: true, outbox_id: queued.outbox_id });
          return;
        }
        let reply;
        try {
          reply = await submitCommand({ key, author: session.account_id, party: session.party_id ?? null, body }, transport);
        } catch {
          if (spec.offline) {
            const item = await enqueue({ command, body, session });
            accepted = true;
            status.textContent = tr('forms.queued');
            resolve({ queued: true, outbox_id: item.outbox_id });
          } else {
            status.textContent = '';
            showSummary(summary, tr('forms.unreachable'));
          }
          return;
        }
        if (reply.ok) {
          // Sent once (or kept to send): the same form sent again could only be a duplicate.
          accepted = true;
          status.textContent = tr('forms.accepted', { seq: reply.body.seq });
          if (reveal) showOnce(form, reveal, tr);
          for (const warning of reply.body.warnings ?? []) {
            const path = fieldOfProblem(warning, controller.paths());
            if (path) controller.node(path).setError(tr('forms.warning', { message: warning.message }));
          }
          resolve(reply.body);
          return;
        }
        // The server is up but cannot write now (`/problems/busy`, a full disk): a report
        // waits in the outbox like one written offline.
        if (spec.offline && reply.status === 503) {
          const item = await enqueue({ command, body, session });
          accepted = true;
          status.textContent = tr('forms.queued_busy');
          setTimeout(() => flushQueued({}, transport).catch(() => {}), BUSY_RETRY_MS);
          resolve({ queued: true, outbox_id: item.outbox_id });
          return;
        }
        status.textContent = '';
        showProblem(reply.body, controller, summary, tr);
      } finally {
        submit.disabled = accepted;
        form.removeAttribute('aria-busy');
      }
    });
  });
}

// A field filled from the record another field picks: a stance's version is the agreement's
// latest unless the person changes it.
function wireFillFrom(spec, controller) {
  const walk = (fields, prefix) => {
    for (const field of fields) {
      const path = prefix ? `${prefix}.${field.path}` : field.path;
      if (field.fillFrom) {
        const source = controller.node(prefix ? `${prefix}.${field.fillFrom.ref}` : field.fillFrom.ref);
        const target = controller.node(path);
        const fill = () => {
          const value = source?.row?.()?.[field.fillFrom.take];
          if (value !== undefined) target.write(value);
        };
        source?.control?.addEventListener('change', fill);
        // A prefilled record (the shell opened the form from it) fills it once listed.
        source?.loaded?.then(() => {
          if (target.read() === '') fill();
        });
      }
      if (field.type === 'group') walk(field.fields, path);
    }
  };
  walk(spec.fields, '');
}

// A new version starts from the terms of the version it supersedes: its corridors and
// commitments keep their ids (carried over), and the person changes what changes.
function wireCarryTerms(controller) {
  const agreement = controller.node('agreement_id');
  const terms = controller.node('terms');
  if (!agreement || !terms) return;
  const carry = () => {
    const row = agreement.row?.();
    const latest = row?.versions?.find((version) => version.version === row.latest_version);
    if (!latest?.terms) return;
    terms.write(latest.terms);
    controller.update();
  };
  agreement.control?.addEventListener('change', carry);
  agreement.loaded?.then(() => {
    const given = terms.read();
    if (agreement.read() && (given.corridors ?? []).length === 0 && (given.commitments ?? []).length === 0) carry();
  });
}

// An enrolment's code, shown once to who opened it: it is in no log and no reply.
function showOnce(form, reveal, tr) {
  const box = element('div', { className: 'forms-once', role: 'status' }, [
    element('p', { text: tr('forms.enrolment.shown_once') }),
    element('p', { className: 'forms-code', text: groupedCode(reveal.code) }),
    element('p', { text: tr('forms.enrolment.until', { time: reveal.expires_at.replace('T', ' ').replace('Z', '') }) }),
  ]);
  form.after(box);
}

function clearErrors(controller, summary) {
  for (const path of controller.paths()) controller.node(path).setError(null);
  summary.hidden = true;
  summary.replaceChildren();
}

function showSummary(summary, message) {
  summary.replaceChildren(element('p', { text: message }));
  summary.hidden = false;
  summary.focus();
}

function showMistakes(errors, controller, summary, tr) {
  let first = null;
  const unplaced = [];
  for (const error of errors) {
    const path = fieldOfProblem({ field: error.path }, controller.paths());
    const message = tr(error.key, error.params);
    if (path) {
      controller.node(path).setError(message);
      first ??= controller.node(path);
    } else unplaced.push(message);
  }
  summary.replaceChildren(element('p', { text: tr('forms.fix', { count: errors.length }) }), ...unplaced.map((message) => element('p', { text: message })));
  summary.hidden = false;
  first?.focus();
}

function showProblem(problem, controller, summary, tr) {
  const path = fieldOfProblem(problem, controller.paths());
  const message = problemMessage(problem, tr);
  summary.replaceChildren(element('p', { text: tr('forms.refused', { title: tr.lang === 'en' ? problem?.title ?? '' : message }) }));
  if (path) {
    controller.node(path).setError(message);
    summary.hidden = false;
    controller.node(path).focus();
  } else {
    summary.append(element('p', { text: message }));
    summary.hidden = false;
    summary.focus();
  }
}

/** The jobs available to this session, as [{command, labelKey}] (for menus). */
export function jobsFor(session) {
  return jobsOf(session);
}

/**
 * Ensures this device has an enrolled key for session.account_id; may ask for an enrolment
 * code in `container`. Resolves with the key, or null if the person cancels.
 */
export async function ensureKey(container, session, t) {
  const transport = {};
  const existing = await currentKey(session, transport);
  if (existing) return existing;
  const tr = translator({ t });
  const codeId = 'forms-enrol-code';
  const errorId = `${codeId}-error`;
  const input = element('input', {
    id: codeId,
    type: 'text',
    autocomplete: 'one-time-code',
    inputmode: 'text',
    spellcheck: 'false',
    'aria-describedby': errorId,
    'aria-required': 'true',
  });
  const error = element('p', { className: 'forms-error', id: errorId, hidden: true, role: 'alert' });
  const status = element('p', { className: 'forms-status', role: 'status', 'aria-live': 'polite' });
  const submit = element('button', { type: 'submit', className: 'forms-submit', text: tr('forms.enrol.submit') });
  const cancel = element('button', { type: 'button', className: 'forms-cancel', text: tr('forms.cancel') });
  const form = element('form', { className: 'forms-form forms-enrol', novalidate: true, 'aria-labelledby': 'forms-enrol-title' }, [
    element('h2', { id: 'forms-enrol-title', text: tr('forms.enrol.title') }),
    element('p', { text: tr('forms.enrol.intro') }),
    element('div', { className: 'forms-row' }, [element('label', { for: codeId, text: tr('forms.enrol.code') }), input, error]),
    element('div', { className: 'forms-actions' }, [submit, cancel]),
    status,
  ]);
  container.replaceChildren(element('section', { className: 'forms' }, [form]));
  input.focus();
  return new Promise((resolve) => {
    cancel.addEventListener('click', () => resolve(null));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const code = normaliseCode(input.value);
      const fail = (message) => {
        error.textContent = message;
        error.hidden = false;
        input.setAttribute('aria-invalid', 'true');
        input.focus();
      };
      if (!code) {
        fail(tr('forms.enrol.bad_code'));
        return;
      }
      submit.disabled = true;
      status.textContent = tr('forms.sending');
      try {
        const reply = await enrolKey(session, code, transport);
        if (reply.ok) {
          // The code is used up: the form goes, the confirmation stays.
          form.replaceWith(element('p', { className: 'forms-status', role: 'status', text: tr('forms.enrol.done') }));
          resolve(await loadKey(session.account_id));
          return;
        }
        status.textContent = '';
        fail(problemMessage(reply.body, tr));
      } catch {
        status.textContent = '';
        fail(tr('forms.unreachable'));
      } finally {
        submit.disabled = false;
      }
    });
  });
}

/** Sends what the offline queue holds; called on load and on the `online` event. */
export async function flushOutbox(ctx) {
  return flushQueued(ctx ?? {}, ctx?.transport ?? {});
}
