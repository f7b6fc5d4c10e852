// @ts-check
/**
 * The page's shell: the header (sections, language, sign-in), the client-side routes, the
 * live banner, and the service worker. Every view reads the public HTTP API only (`api.js`).
 */
import './style.css';
import './basemap.css';
import './views/progress.css';
// The forms' own styles (their module is loaded unbundled by the forms' harness too, where
// a CSS import would not load).
import './forms/forms.css';
import { h, replace } from './dom.js';
import { t, setLang, applyDir, currentLang, localName, LANGS } from './i18n.js';
import { api, ApiProblem } from './api.js';
import { startLive } from './live.js';
import { renderMapView } from './views/map.js';
import { renderAgreements, renderAgreement } from './views/agreements.js';
import { renderRecord } from './views/record.js';
import { renderNumbers } from './views/numbers.js';
import { renderApiReference } from './views/apiref.js';
import { renderSignIn, SIGNED_IN_FLAG } from './views/signin.js';
import { flushOutbox } from './forms/index.js';

/**
 * What every view can reach.
 * @typedef {{ session: any, config: any, at: string, knownAt: string, parties: Map<string, any>,
 *   navigate: (path: string) => void, rerender: () => void, setSession: (session: any) => void }} App
 */

/** @type {App} */
const app = {
  session: null,
  config: { tile_url: null },
  at: '',
  knownAt: '',
  parties: new Map(),
  navigate,
  rerender: () => render(),
  setSession: (session) => {
    app.session = session;
    renderHeader();
    live?.restart(session);
  },
};

/** @type {ReturnType<typeof startLive> | null} */
let live = null;
const root = /** @type {HTMLElement} */ (document.getElementById('app'));
const header = h('header', { class: 'top' });
const banner = h('div', { class: 'banner-region', role: 'status', 'aria-live': 'polite' });
const main = h('main', { id: 'main', tabindex: '-1' });
root.replaceChildren(h('a', { class: 'skip', href: '#main' }, ''), header, banner, main);

const SECTIONS = [
  { path: '/', key: 'nav.map' },
  { path: '/agreements', key: 'nav.agreements' },
  { path: '/numbers', key: 'nav.numbers' },
  { path: '/api-reference', key: 'nav.api' },
];

function renderHeader() {
  const skip = /** @type {HTMLElement} */ (root.querySelector('.skip'));
  skip.textContent = t('nav.skip');
  document.title = t('app.title');
  const here = location.pathname;
  const nav = h('nav', { 'aria-label': t('nav.label') }, h('ul', {},
    SECTIONS.map((section) => {
      const current = section.path === '/' ? here === '/' : here.startsWith(section.path);
      return h('li', {}, h('a', { href: section.path, 'aria-current': current ? 'page' : undefined, 'data-link': '' }, t(section.key)));
    })));
  const langSelect = h('select', { id: 'lang', onchange: (/** @type {Event} */ e) => {
    setLang(/** @type {HTMLSelectElement} */ (e.target).value);
    renderHeader();
    render();
  } }, LANGS.map((code) => h('option', { value: code, selected: code === currentLang(), lang: code }, t(`lang.${code}`))));
  const who = app.session
    ? h('div', { class: 'who' },
      h('span', { class: 'who-name' }, t('session.signed_in_as', { roles: app.session.roles.map((/** @type {string} */ r) => t(`role.${r}`)).join(', '), party: partyName(app.session.party_id) })),
      h('button', { type: 'button', onclick: signOut }, t('session.sign_out')))
    : h('a', { href: '/signin', 'data-link': '', class: 'button' }, t('session.sign_in'));
  replace(header,
    h('a', { href: '/', class: 'brand', 'data-link': '' }, t('app.title')),
    nav,
    h('div', { class: 'tools' }, h('label', { for: 'lang', class: 'visually-hidden' }, t('lang.label')), langSelect, who));
}

/** @param {string|null|undefined} partyId */
export function partyName(partyId) {
  if (!partyId) return t('common.no_party');
  const party = app.parties.get(partyId);
  return party ? localName(party) : partyId;
}

async function signOut() {
  try {
    await api('/api/v1/session', { method: 'DELETE' });
  } catch {
    // Signed out already, or the server is gone: the page forgets the session either way.
  }
  localStorage.removeItem(SIGNED_IN_FLAG);
  app.setSession(null);
  render();
}

/** @param {string} path */
function navigate(path) {
  history.pushState(null, '', path);
  renderHeader();
  // Focus follows the navigation, for keyboards and screen readers.
  render().then(() => main.focus({ preventScroll: true }));
}

let renderToken = 0;
async function render() {
  const token = ++renderToken;
  const path = location.pathname;
  const parts = path.split('/').filter(Boolean);
  main.replaceChildren(h('p', { class: 'loading' }, t('common.loading')));
  /** @type {HTMLElement} */
  const view = h('div', { class: 'view' });
  try {
    if (parts.length === 0) await renderMapView(view, app);
    else if (parts[0] === 'agreements' && parts.length === 1) await renderAgreements(view, app);
    else if (parts[0] === 'agreements' && parts.length === 2) await renderAgreement(view, app, parts[1]);
    else if (['corridors', 'zones', 'incidents'].includes(parts[0]) && parts.length === 2) await renderRecord(view, app, parts[0], parts[1]);
    else if (parts[0] === 'numbers') await renderNumbers(view, app);
    else if (parts[0] === 'api-reference') await renderApiReference(view, app);
    else if (parts[0] === 'signin') await renderSignIn(view, app);
    else view.append(h('h1', {}, t('common.not_found')));
  } catch (err) {
    view.append(h('p', { class: 'problem', role: 'alert' }, problemText(err)));
  }
  if (token !== renderToken) return;
  main.replaceChildren(view);
  if (view.dataset.afterMount) view.dispatchEvent(new Event('mounted'));
}

/** @param {unknown} err */
export function problemText(err) {
  if (err instanceof ApiProblem) return `${t('common.problem')}: ${err.problem.title || err.status} — ${err.problem.detail || ''}`;
  if (err instanceof TypeError) return t('common.offline');
  return `${t('common.problem')}: ${String(err)}`;
}

document.addEventListener('click', (event) => {
  const target = /** @type {HTMLElement} */ (event.target);
  const link = target.closest?.('a[data-link]');
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey) return;
  event.preventDefault();
  navigate(/** @type {HTMLAnchorElement} */ (link).pathname + /** @type {HTMLAnchorElement} */ (link).search);
});
window.addEventListener('popstate', () => {
  renderHeader();
  render();
});

async function boot() {
  applyDir();
  // Asked only when this browser signed in before: an anonymous GET would be a 401, which
  // browsers log as a console error.
  const signedInBefore = localStorage.getItem(SIGNED_IN_FLAG) === '1';
  const [config, session, parties] = await Promise.allSettled([
    api('/config.json'),
    signedInBefore ? api('/api/v1/session') : Promise.reject(new Error('anonymous')),
    api('/api/v1/parties', { query: { limit: '1000' } }),
  ]);
  if (config.status === 'fulfilled') app.config = config.value;
  if (session.status === 'fulfilled') app.session = session.value;
  else localStorage.removeItem(SIGNED_IN_FLAG);
  if (parties.status === 'fulfilled') for (const party of parties.value.items) app.parties.set(party.party_id, party);
  renderHeader();
  await render();
  live = startLive(banner, app);
  const flush = () => flushOutbox({ session: app.session, t, lang: currentLang() }).catch(() => {});
  flush();
  window.addEventListener('online', flush);
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js').catch(() => {});
}

boot();
