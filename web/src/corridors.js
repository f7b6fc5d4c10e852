// @ts-check
/**
 * The corridors layer (`/api/v1/corridors.geojson`) has one feature per window of a corridor,
 * with flat properties for GIS readers (`start`, `end`, comma-separated groups; docs/geojson.md).
 * The page shows one corridor once, with its windows listed: this folds the layer back into one
 * feature per corridor, `windows: [{start, end, groups}]` and groups as lists.
 */

/** @param {string | null | undefined} text */
const list = (text) => (text ? text.split(',').filter(Boolean) : []);

/** @param {any} layer @returns {{type: 'FeatureCollection', features: any[]}} */
export function corridorsByCorridor(layer) {
  /** @type {Map<string, any>} */
  const byId = new Map();
  for (const feature of layer?.features || []) {
    const p = feature.properties;
    let corridor = byId.get(p.corridor_id);
    if (!corridor) {
      corridor = {
        type: 'Feature',
        id: p.corridor_id,
        geometry: feature.geometry,
        properties: { ...p, groups: list(p.groups), open_for: list(p.open_for), windows: [] },
      };
      byId.set(p.corridor_id, corridor);
    }
    if (p.start) corridor.properties.windows.push({ start: p.start, end: p.end, groups: list(p.window_groups || p.groups) });
  }
  return { type: 'FeatureCollection', features: [...byId.values()] };
}
