// The bundled basemap and the evacuation progress chart in a real browser (Debian's Chromium
// through playwright-core) against a real `truce demo`: place names are drawn where they
// belong, water is painted on the basemap's canvas, and the numbers view draws each source's
// figures for corridor EA-1 against the estimate of people trapped in East Aleppo.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startDemo, launchBrowser, openPage, screenshots } from './harness.mjs';

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 360, height: 740 };
/** The basemap's water colour (web/src/basemap.js BASEMAP_COLORS.water), as RGB. */
const WATER_RGB = [0xa9, 0xcb, 0xe2];
/** How far, in pixels at the demo's zoom, the label "Aleppo" may be from corridor EA-1's. */
const ALEPPO_TO_EA1_PX_MAX = 300;

/** @type {Awaited<ReturnType<typeof startDemo>>} */
let demo;
/** @type {import('playwright-core').Browser} */
let browser;

before(async () => {
  demo = await startDemo();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

const shot = (page, name) => page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: false });
const centre = (box) => ({ x: box.x + box.width / 2, y: box.y + box.height / 2 });

/** Pixels of the basemap's canvas that are exactly the water colour. @param {import('playwright-core').Page} page */
const waterPixels = (page) => page.evaluate((rgb) => {
  const canvas = /** @type {HTMLCanvasElement|null} */ (document.querySelector('.leaflet-basemap-pane canvas'));
  if (!canvas) return -1;
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let count = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i] === rgb[0] && data[i + 1] === rgb[1] && data[i + 2] === rgb[2]) count += 1;
  return count;
}, WATER_RGB);

test('the basemap names Aleppo where Aleppo is, and paints rivers and lakes', async () => {
  const { context, page, errors } = await openPage(browser, DESKTOP);
  await page.goto(`${demo.base}/`);
  await page.waitForFunction(() => document.body.dataset.loaded === 'map');
  const aleppo = page.locator('.place-label .place-name', { hasText: /^Aleppo$/ });
  await aleppo.waitFor();
  const corridor = page.locator('.corridor-label', { hasText: 'EA-1' }).first();
  const a = centre(await aleppo.boundingBox());
  const b = centre(await corridor.boundingBox());
  const distance = Math.hypot(a.x - b.x, a.y - b.y);
  assert.ok(distance < ALEPPO_TO_EA1_PX_MAX, `"Aleppo" is ${Math.round(distance)} px from corridor EA-1`);
  // The names sit under the records: their pane is below the overlays and the tooltips.
  const zIndex = await page.evaluate(() => Number(getComputedStyle(document.querySelector('.leaflet-places-pane')).zIndex));
  assert.ok(zIndex < 400, `the place names' pane (${zIndex}) is under the records' (400)`);
  // Zoomed out to the country, the Euphrates and Lake Assad are painted, and more places named.
  await page.focus('#map');
  for (let i = 0; i < 4; i += 1) {
    await page.keyboard.press('Minus');
    await page.waitForTimeout(350);
  }
  await page.waitForFunction(() => document.querySelectorAll('.place-label').length >= 5);
  const water = await waterPixels(page);
  assert.ok(water > 200, `water is painted (${water} pixels)`);
  assert.ok(await page.locator('.place-label .place-name', { hasText: /^Aleppo$/ }).count() === 1, 'Aleppo is named once');
  await shot(page, 'basemap-desktop-zoomed-out');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the evacuation progress of corridor EA-1: each source against the trapped estimate', async () => {
  for (const [viewport, name] of [[DESKTOP, 'numbers-progress-desktop'], [PHONE, 'numbers-progress-phone']]) {
    const { context, page, errors } = await openPage(browser, viewport);
    await page.goto(`${demo.base}/numbers`);
    const card = page.locator('article[data-corridor="EA-1"]');
    await card.locator('.progress-row').first().waitFor();
    const rows = await card.locator('.progress-row .progress-text').allTextContents();
    // The estimate of 100,000 trapped (EFE), the cell's two counts and the second source's total.
    assert.equal(rows.length, 4, rows.join('\n'));
    assert.match(rows[0], /EFE: about 100,000 trapped/);
    assert.ok(rows.some((row) => /verification cell.*about 150 leaving/.test(row)), rows.join('\n'));
    assert.ok(rows.some((row) => /verification cell.*60–80 leaving/.test(row)), rows.join('\n'));
    assert.ok(rows.some((row) => /Second media organisation.*at least 200 leaving in all/.test(row)), rows.join('\n'));
    // Every row has a bar, drawn to its share of the one scale: the estimate's is the widest.
    const widths = await card.locator('.progress-row .progress-bar:not(.progress-upper)').evaluateAll((bars) => bars.map((bar) => bar.getBoundingClientRect().width));
    assert.equal(widths.length, 4);
    assert.ok(widths.every((width) => width >= 3), `every bar is drawn (${widths.join(', ')})`);
    assert.equal(Math.max(...widths), widths[0], 'the trapped estimate is the reference');
    assert.match(await card.locator('.progress-share').first().textContent(), /0\.15%.*100,000.*EFE/);
    const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(scroll <= viewport.width + 1, `no sideways scrolling (${scroll} px)`);
    await card.scrollIntoViewIfNeeded();
    await shot(page, name);
    assert.deepEqual(errors, []);
    await context.close();
  }
});
