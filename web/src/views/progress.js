// @ts-check
/**
 * Evacuation progress of one corridor: every figure of every source (the corridor's movement
 * view, `GET /api/v1/corridors/{id}/movement`) as a bar beside the estimates of people trapped
 * in its origin zone (`GET /api/v1/zones/{id}/population`), on one scale. Figures are shown as
 * their sources gave them ("about 150", "60–80", "at least 200"): a range's bar is solid to its
 * lower bound and pale to its upper one, an open-ended figure's bar ends in a dashed edge, and
 * nothing is added up, averaged or picked between (docs/counts.md).
 *
 * HTML rather than SVG: the rows mirror with the page in Arabic, wrap on a phone, and read as
 * text to a screen reader; the bars are decoration (`aria-hidden`), their widths set through
 * CSSOM, which the Content-Security-Policy allows.
 */
import { h } from '../dom.js';
import { t, formatNumber, formatTime, currentLang } from '../i18n.js';

/**
 * The lower and upper bounds of a figure as the wire gives it (docs/counts.md); `upper` is
 * null when the figure has no upper bound.
 * @param {any} quantity @returns {{lower: number, upper: number|null}|null}
 */
export function quantityBounds(quantity) {
  if (typeof quantity === 'number') return { lower: quantity, upper: quantity };
  if (!quantity || typeof quantity !== 'object') return null;
  if ('about' in quantity) return { lower: quantity.about, upper: quantity.about };
  if ('range' in quantity) return { lower: quantity.range.min, upper: quantity.range.max };
  if ('at_least' in quantity) return { lower: quantity.at_least, upper: null };
  if ('more_than' in quantity) return { lower: quantity.more_than + 1, upper: null };
  if ('up_to' in quantity) return { lower: 0, upper: quantity.up_to };
  return null;
}

/** A figure in the page's language, worded as its source gave it. @param {any} quantity */
export function quantityText(quantity) {
  if (typeof quantity === 'number') return formatNumber(quantity);
  if (!quantity || typeof quantity !== 'object') return '';
  if ('range' in quantity) return t('quantity.range', { min: quantity.range.min, max: quantity.range.max });
  for (const qualifier of ['about', 'at_least', 'more_than', 'up_to']) {
    if (qualifier in quantity) return t(`quantity.${qualifier}`, { n: quantity[qualifier] });
  }
  return '';
}

/** @param {number} share 0..1 */
function formatShare(share) {
  return new Intl.NumberFormat(currentLang(), { style: 'percent', maximumFractionDigits: share < 0.01 ? 2 : 1 }).format(share);
}

/**
 * The rows of the chart, before any drawing: the trapped estimates first (the reference),
 * then each source's figures, oldest first within a series, as the server orders them.
 * @param {any} movement @param {any} population
 */
export function progressRows(movement, population) {
  const rows = [];
  for (const organisation of population?.organisations || []) {
    for (const series of organisation.series || []) {
      if (series.kind !== 'trapped' || !series.latest) continue;
      rows.push({ kind: 'trapped', organisation: organisation.organisation, quantity: series.latest.people, time: series.latest.as_of });
    }
  }
  for (const organisation of movement?.organisations || []) {
    for (const series of organisation.series || []) {
      for (const figure of series.history || []) {
        const count = figure.count || {};
        rows.push({
          kind: count.basis === 'cumulative' ? 'cumulative' : 'increment',
          organisation: organisation.organisation,
          quantity: count.people,
          direction: series.direction,
          start: count.period?.start,
          end: count.period?.end,
        });
      }
    }
  }
  return rows;
}

/** The chart of one corridor. @param {any} movement @param {any} population */
export function progressChart(movement, population) {
  const rows = progressRows(movement, population);
  const reference = rows.find((row) => row.kind === 'trapped');
  const figures = rows.filter((row) => row.kind !== 'trapped');
  if (!figures.length && !reference) return h('p', { class: 'muted' }, t('numbers.no_movement'));
  const scale = Math.max(1, ...rows.map((row) => {
    const bounds = quantityBounds(row.quantity);
    return bounds ? (bounds.upper ?? bounds.lower) : 0;
  }));
  const referenceValue = reference ? quantityBounds(reference.quantity)?.upper ?? null : null;
  const items = rows.map((row) => {
    const figure = quantityText(row.quantity);
    let text;
    if (row.kind === 'trapped') {
      text = t('progress.trapped', { organisation: row.organisation, figure, time: formatTime(row.time) });
    } else if (row.kind === 'cumulative') {
      text = t('progress.cumulative', { organisation: row.organisation, figure, direction: t(`direction.${row.direction}`), time: formatTime(row.end || row.start) });
    } else {
      text = t('progress.increment', { organisation: row.organisation, figure, direction: t(`direction.${row.direction}`), start: formatTime(row.start), end: formatTime(row.end || row.start) });
    }
    const bounds = quantityBounds(row.quantity);
    const share = row.kind !== 'trapped' && bounds && referenceValue
      ? h('span', { class: 'progress-share' }, t('progress.share', { share: formatShare(bounds.lower / referenceValue), estimate: quantityText(reference?.quantity), organisation: reference?.organisation || '' }))
      : null;
    return h('li', { class: `progress-row progress-${row.kind}` }, h('span', { class: 'progress-text' }, text), share, bar(bounds, scale));
  });
  return h('div', { class: 'progress-chart' },
    h('ol', { class: 'progress' }, items),
    figures.length ? null : h('p', { class: 'muted' }, t('numbers.no_movement')));
}

/** A bar: solid to the lower bound, pale to the upper one, a dashed end when open-ended. @param {{lower: number, upper: number|null}|null} bounds @param {number} scale */
function bar(bounds, scale) {
  const track = h('span', { class: 'progress-track', 'aria-hidden': 'true' });
  if (!bounds) return track;
  const solid = h('span', { class: 'progress-bar' });
  solid.style.inlineSize = `${(100 * bounds.lower) / scale}%`;
  track.append(solid);
  if (bounds.upper === null) {
    track.append(h('span', { class: 'progress-open' }));
  } else if (bounds.upper > bounds.lower) {
    const pale = h('span', { class: 'progress-bar progress-upper' });
    pale.style.inlineSize = `${(100 * (bounds.upper - bounds.lower)) / scale}%`;
    track.append(pale);
  }
  return track;
}
