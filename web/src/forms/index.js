// @ts-check
/**
 * The seam between the page and its forms (built in web/src/forms, web/src/sign and
 * web/src/offline by the forms' own work): this minimal body only says the forms are not
 * available yet. It keeps exactly the interface the page calls.
 */
import { h } from '../dom.js';

/**
 * Renders the form of `command` into `container`; resolves with the server's 201 body once
 * accepted, or null if cancelled. ctx = { session, map, t, lang, prefill }.
 * @param {HTMLElement} container @param {string} command @param {any} ctx
 */
export async function openForm(container, command, ctx) {
  container.replaceChildren(h('p', { class: 'muted', dataset: { command } }, ctx.t('forms.not_available')));
  return null;
}

/** The jobs available to this session, as [{command, labelKey}] (for menus). @param {any} _session */
export function jobsFor(_session) {
  return [];
}

/**
 * Ensures this device has an enrolled key for session.account_id; may ask for an enrolment
 * code in `container`. @param {HTMLElement} _container @param {any} _session @param {(key: string) => string} _t
 */
export async function ensureKey(_container, _session, _t) {}

/** Sends what the offline queue holds; called on load and on the `online` event. @param {any} _ctx */
export async function flushOutbox(_ctx) {}
