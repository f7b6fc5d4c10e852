// @ts-check
/**
 * A record's name in a language: parties, zones and corridors carry their names in other
 * languages as `names` (`{"ar": "…", "ru": "…"}`, docs/names.md), and the map layers carry
 * them flat as well (`name_ar`); a record without one in the language has its default `name`.
 * The one place that picks a name, for the shell (`localName`) and the forms' pickers.
 * @param {any} record
 * @param {string} lang
 * @returns {string | undefined}
 */
export function nameIn(record, lang) {
  if (!record) return undefined;
  return record.names?.[lang] || record[`name_${lang}`] || record.name || undefined;
}
