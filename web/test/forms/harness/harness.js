// A small page that stands in for the shell until it lands: it signs in, asks the forms
// for a key, opens forms, and flushes the outbox on load and on `online`, all through the
// seam (`/src/forms/index.js`). Its map is a stub with fixed coordinates. The browser tests
// drive it through `window.harness`.

import { ensureKey, flushOutbox, jobsFor, openForm } from '/src/forms/index.js';

const shown = [];
const map = {
  pickPoint: async () => [37.18, 36.2],
  drawLine: async () => [
    [37.16, 36.2],
    [37.2, 36.21],
    [37.25, 36.22],
  ],
  drawPolygon: async () => [
    [
      [37.14, 36.17],
      [37.21, 36.17],
      [37.21, 36.23],
    ],
  ],
  show: (geojson) => shown.push(geojson),
};
const t = (key) => key;
let session = null;

async function signIn(accountId, password) {
  const response = await fetch('/api/v1/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ account_id: accountId, password }),
  });
  if (!response.ok) throw new Error(`sign-in answered ${response.status}`);
  session = await (await fetch('/api/v1/session')).json();
  document.getElementById('harness-who').textContent = `${session.account_id} ${session.roles.join(' ')}`;
  return session;
}

window.harness = {
  shown,
  results: [],
  signIn,
  jobs: () => jobsFor(session),
  ensureKey: () => ensureKey(document.getElementById('harness-key'), session, t),
  open(command, prefill, lang = 'en') {
    const done = openForm(document.getElementById('harness-form'), command, { session, map, t, lang, prefill });
    done.then((result) => window.harness.results.push({ command, result }));
    return true;
  },
  flush: () => flushOutbox({ session }),
};

flushOutbox({}).catch(() => {});
window.addEventListener('online', () => {
  flushOutbox({}).then((outcome) => {
    window.harness.lastFlush = outcome;
  });
});
