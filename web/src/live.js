// @ts-check
/**
 * Live: the event stream (`GET /api/v1/stream`, server-sent events, with the session
 * cookie), shown as a feed; a banner for new or changed violations that concern the
 * viewer's party; reconnection after a drop. The browser's EventSource reconnects by itself
 * with `Last-Event-ID` while the server answers; when it gives up (the server was gone), the
 * page opens a new one after a growing pause, and when the network comes back.
 */
import { h } from './dom.js';
import { t, formatTime, currentLang } from './i18n.js';
import { jobsFor, openForm, ensureKey } from './forms/index.js';
import { lazyMapAdapter } from './map.js';

const RETRY_MS_MIN = 1000;
const RETRY_MS_MAX = 30000;
const KINDS = ['violation_new', 'violation_changed', 'violation_withdrawn', 'condition_failed', 'condition_restored',
  'agreement_changed', 'corridor_opened', 'corridor_closed', 'corridor_changed', 'notification_overdue'];

/** @param {HTMLElement} banner @param {any} app */
export function startLive(banner, app) {
  /** @type {EventSource|null} */
  let source = null;
  let retryMs = RETRY_MS_MIN;
  /** @type {ReturnType<typeof setTimeout>|undefined} */
  let timer;
  let dropped = false;

  const setStatus = (/** @type {string} */ key) => {
    document.body.dataset.live = key;
    const indicator = document.getElementById('live-status');
    if (indicator) indicator.textContent = t(`live.${key}`);
  };

  /** @param {MessageEvent} event */
  const onAlert = (event) => {
    let alert;
    try {
      alert = JSON.parse(event.data);
    } catch {
      return;
    }
    window.dispatchEvent(new CustomEvent('truce:alert', { detail: alert }));
    const party = app.session?.party_id;
    const concernsViewer = party && Array.isArray(alert.parties) && alert.parties.includes(party);
    if ((alert.kind === 'violation_new' || alert.kind === 'violation_changed') && concernsViewer) {
      const close = h('button', { type: 'button', class: 'banner-close', onclick: () => item.remove() }, t('live.dismiss'));
      const link = alert.incident_id ? h('a', { href: `/incidents/${alert.incident_id}`, 'data-link': '' }, t('live.open_record')) : null;
      const formBox = h('div', { class: 'form-box' });
      // The jobs an alert calls for (acknowledging it), from the forms' own list.
      const jobs = jobsFor(app.session).filter((/** @type {any} */ job) => /acknowledge/.test(job.command));
      const buttons = jobs.map((/** @type {any} */ job) => h('button', { type: 'button', 'data-command': job.command, onclick: async () => {
        await ensureKey(formBox, app.session, t);
        await openForm(formBox, job.command, { session: app.session, map: lazyMapAdapter(formBox, app), t, lang: currentLang(), prefill: { alert_id: alert.alert_id, incident_id: alert.incident_id } });
      } }, t(job.labelKey)));
      const item = h('div', { class: 'banner banner-violation', role: 'alert' },
        h('strong', {}, t('live.violation_banner')), ' ', alert.headline || '', ' ',
        h('span', { class: 'banner-time' }, formatTime(alert.raised_at)), ' ', link, ' ', buttons, ' ', close, formBox);
      banner.prepend(item);
    }
  };

  const connect = () => {
    clearTimeout(timer);
    source?.close();
    source = new EventSource('/api/v1/stream', { withCredentials: true });
    source.addEventListener('open', () => {
      retryMs = RETRY_MS_MIN;
      setStatus(dropped ? 'reconnected' : 'connected');
    });
    for (const kind of KINDS) source.addEventListener(kind, onAlert);
    source.addEventListener('error', () => {
      dropped = true;
      setStatus('reconnecting');
      if (source && source.readyState === EventSource.CLOSED) {
        timer = setTimeout(connect, retryMs);
        retryMs = Math.min(RETRY_MS_MAX, retryMs * 2);
      }
    });
  };

  window.addEventListener('online', connect);
  connect();
  return {
    /** A new stream for a new viewer (signed in or out). @param {any} _session */
    restart: (_session) => connect(),
  };
}
