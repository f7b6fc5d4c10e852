// Placing the server's refusal (RFC 9457 problem+json, docs/problems.md) at the field it is
// about. The server names the field by its path: into the signed command when the command
// does not parse (`command.body.terms.corridors[0].windows[0].end`), or the body field a
// refusal of the domain is about (`location.zone_id`, `version`,
// `reported.sources[].casualties.killed`, or a bare `name` for a bound on any name).

/** The body path of a problem's `field`, without the envelope's prefix; null when none. */
export function bodyPath(problem) {
  const field = problem?.field;
  if (typeof field !== 'string' || field === '') return null;
  if (field.startsWith('command.body.')) return field.slice('command.body.'.length);
  return field;
}

const withoutIndices = (path) => path.replace(/\[\d*\]/g, '[]');

/**
 * The field, of `paths` (the full paths of the form's fields, with list indices), that the
 * problem names; null when it names none of them (its message then goes at the form's head).
 * Tries, in order: the path itself; the path with any list index (`[]` from the domain
 * matches `[0]`); the first field inside it (a group); its nearest enclosing field (`location.position[1]` is at
 * `location.position`); and a bare last name (`reason`, `version`) matching one field.
 * @param {object} problem
 * @param {string[]} paths
 */
export function fieldOfProblem(problem, paths) {
  const path = bodyPath(problem);
  if (!path || path === 'type' || path.startsWith('command') || path === 'signature' || path === 'signer') return null;
  if (paths.includes(path)) return path;
  const loose = withoutIndices(path);
  const byShape = paths.find((candidate) => withoutIndices(candidate) === loose);
  if (byShape) return byShape;
  // A group (a range, a window) is shown by its fields: the first of them.
  const inside = paths.find((candidate) => withoutIndices(candidate).startsWith(`${loose}.`));
  if (inside) return inside;
  for (let cut = path.length; cut > 0; cut -= 1) {
    const prefix = path.slice(0, cut);
    if (!/[.[]$/.test(path.slice(cut, cut + 1)) && cut !== path.length) continue;
    const found = paths.find((candidate) => candidate === prefix || withoutIndices(candidate) === withoutIndices(prefix));
    if (found) return found;
  }
  if (!path.includes('.')) {
    const named = paths.filter((candidate) => candidate.split('.').pop().replace(/\[\d*\]/g, '') === path);
    if (named.length === 1) return named[0];
  }
  return null;
}

/** The catalogue key of a problem's type (`/problems/version-superseded` → `forms.problem.version_superseded`); null for none. */
export function problemKey(problem) {
  const match = /^\/problems\/([a-z][a-z-]*)$/.exec(problem?.type ?? '');
  return match ? `forms.problem.${match[1].replaceAll('-', '_')}` : null;
}

/**
 * The message to show for a problem. The server's `detail` is English: in English it is shown
 * as it is (it says the most); in another language the sentence of the problem's `type` from
 * the catalogue, with the field's path when the problem names one (docs/problems.md: clients
 * branch on `type`, never on the wording). A type the catalogue does not know (a newer server)
 * falls back to the detail, else the title.
 * @param {object} problem @param {((key: string, params?: object) => string) & {lang?: string}} [tr]
 */
export function problemMessage(problem, tr) {
  const serverText = problem?.detail || problem?.title || `HTTP ${problem?.status ?? ''}`.trim();
  const key = problemKey(problem);
  const lang = tr?.lang ?? globalThis.document?.documentElement?.lang ?? 'en';
  if (!tr || !key || lang === 'en') return serverText;
  const sentence = tr(key);
  if (sentence === key) return serverText;
  const field = bodyPath(problem);
  return field ? tr('forms.problem.at_field', { message: sentence, field }) : sentence;
}
