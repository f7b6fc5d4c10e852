// @ts-check
/**
 * The API reference: the server's own OpenAPI document (`/api/v1/openapi.json`), rendered
 * here. Our own small renderer rather than Swagger UI or Redoc: those are megabytes, need
 * inline styles or eval the Content-Security-Policy forbids, and we only list operations.
 */
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { api } from '../api.js';

/** @param {HTMLElement} view @param {any} _app */
export async function renderApiReference(view, _app) {
  const doc = await api('/api/v1/openapi.json');
  view.append(h('h1', {}, t('nav.api')), h('p', {}, doc.info?.title, ' ', doc.info?.version, ' · ',
    h('a', { href: '/api/v1/openapi.json' }, t('api.document'))));
  if (doc.info?.description) view.append(h('p', { class: 'muted' }, doc.info.description));
  const byTag = new Map();
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const [method, operation] of Object.entries(/** @type {Record<string, any>} */ (item))) {
      if (!['get', 'post', 'put', 'delete', 'patch'].includes(method)) continue;
      const tag = operation.tags?.[0] || '';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push({ path, method, operation });
    }
  }
  for (const [tag, operations] of byTag) {
    view.append(h('section', {}, h('h2', {}, tag), h('ul', { class: 'operations' }, operations.map((/** @type {any} */ op) => h('li', {},
      h('details', {}, h('summary', {}, h('code', { class: `method method-${op.method}` }, op.method.toUpperCase()), ' ', h('code', {}, op.path), ' — ', op.operation.summary || ''),
        op.operation.description ? h('p', {}, op.operation.description) : null,
        (op.operation.parameters || []).length ? h('ul', {}, op.operation.parameters.map((/** @type {any} */ p) => h('li', {}, h('code', {}, p.name), ` (${p.in}) `, p.description || ''))) : null,
        h('p', {}, t('api.responses'), ': ', Object.keys(op.operation.responses || {}).join(', '))))))));
  }
}
