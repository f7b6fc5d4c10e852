// @ts-check
/**
 * Sign-in with an account id and password (`POST /api/v1/session`, docs/signin.md), then
 * the map. Reading needs no key; the first job this device signs asks for an enrolment code
 * if it holds no key for the account (the forms' `ensureKey`, called by each job).
 */
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { api, ApiProblem } from '../api.js';

export const SIGNED_IN_FLAG = 'truce.signed_in';

/** @param {HTMLElement} view @param {any} app */
export async function renderSignIn(view, app) {
  const message = h('p', { class: 'problem', role: 'alert', id: 'signin-problem' });
  const account = h('input', { id: 'account-id', name: 'account_id', autocomplete: 'username', required: true, spellcheck: 'false', 'aria-describedby': 'signin-problem' });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true, 'aria-describedby': 'signin-problem' });
  const form = h('form', { class: 'signin', onsubmit: async (/** @type {Event} */ event) => {
    event.preventDefault();
    replace(message);
    try {
      const session = await api('/api/v1/session', { method: 'POST', body: { account_id: /** @type {HTMLInputElement} */ (account).value.trim(), password: /** @type {HTMLInputElement} */ (password).value } });
      localStorage.setItem(SIGNED_IN_FLAG, '1');
      app.setSession(session.account_id ? session : await api('/api/v1/session'));
      app.navigate('/');
    } catch (err) {
      replace(message, err instanceof ApiProblem ? (err.problem.detail || err.problem.title) : t('common.offline'));
    }
  } },
  h('label', { for: 'account-id' }, t('signin.account')), account,
  h('label', { for: 'password' }, t('signin.password')), password,
  h('button', { type: 'submit' }, t('session.sign_in')), message);
  view.append(h('h1', {}, t('session.sign_in')), h('p', { class: 'muted' }, t('signin.hint')), form);
}
