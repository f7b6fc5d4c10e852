// Who may submit what: the core's one authorization table
// (`crates/truce-core/src/access/table.rs`, docs/roles.md) mirrored as data, so that the page
// offers each session only the jobs it may do. `test/unit/access.test.mjs` reads the Rust
// table's text and fails when the two differ. The server still decides; this only spares a
// person a form the server would refuse.

const OPERATOR = ['operator'];
const REGISTRARS = ['operator', 'analyst'];
const MAPPERS = ['operator', 'coordinator', 'monitor', 'analyst'];
const REPORTERS = ['coordinator', 'monitor', 'analyst'];
const OBSERVERS = ['monitor', 'analyst'];
const ANALYSTS = ['analyst'];
const NOTIFIERS = ['coordinator', 'monitor'];
const PARTIES = ['coordinator'];
const SPEAKERS = ['coordinator', 'monitor'];
const ANY_ROLE = ['operator', 'coordinator', 'monitor', 'analyst'];

/** The roles that report another party's act instead of attesting their own (`Actor::act`). */
export const REPORTING_ROLES = ['monitor', 'analyst'];

/**
 * Every command's row: `{roles}` (an account with one of them), `{attest}` (an act of a
 * party: attested by an account of it with one of these roles, or reported by a monitor or
 * analyst), or `{anyone: true}`.
 */
export const PERMISSIONS = {
  genesis: { anyone: true },
  register_party: { roles: REGISTRARS },
  register_account: { roles: ANY_ROLE },
  add_account_key: { roles: OPERATOR },
  create_enrolment: { roles: ANY_ROLE },
  enrol_key: { anyone: true },
  revoke_key: { roles: ANY_ROLE },
  set_encryption_key: { roles: ANY_ROLE },
  register_force: { roles: REGISTRARS },
  define_zone: { roles: MAPPERS },
  redraw_zone: { roles: MAPPERS },
  record_zone_control: { roles: MAPPERS },
  propose_agreement: { attest: PARTIES },
  propose_version: { attest: PARTIES },
  endorse: { attest: PARTIES },
  reject: { attest: PARTIES },
  withdraw: { attest: PARTIES },
  suspend: { attest: PARTIES },
  resume: { attest: PARTIES },
  declare_broken: { attest: PARTIES },
  declare_completed: { attest: PARTIES },
  record_consent: { attest: PARTIES },
  report_fulfilled: { attest: PARTIES },
  make_statement: { attest: SPEAKERS },
  record_reading: { roles: OBSERVERS },
  record_observation: { roles: OBSERVERS },
  report_incident: { roles: REPORTERS },
  add_source: { roles: REPORTERS },
  correct_incident: { roles: REPORTERS },
  grade_incident: { roles: ANALYSTS },
  mark_duplicate: { roles: ANALYSTS },
  dismiss_violation: { roles: ANALYSTS },
  estimate_population: { roles: OBSERVERS },
  record_passage: { roles: OBSERVERS },
  report_total: { roles: REPORTERS },
  schedule_convoy: { roles: REPORTERS },
  update_convoy: { roles: REPORTERS },
  notify_humanitarian: { roles: NOTIFIERS },
  withdraw_notification: { roles: NOTIFIERS },
  acknowledge_notification: { roles: ANY_ROLE },
  acknowledge_alert: { roles: ANY_ROLE },
  mark_time: { roles: OPERATOR },
  retract: { roles: ANY_ROLE },
};

/**
 * How `session` may submit `command`: 'attested' and/or 'reported' for an act, 'signed' for
 * any other command it may submit; empty when it may not.
 * @param {{party_id?: string | null, roles?: string[]}} session
 * @returns {Array<'signed' | 'attested' | 'reported'>}
 */
export function modesFor(session, command) {
  const row = PERMISSIONS[command];
  const roles = session?.roles ?? [];
  if (!row) return [];
  if (row.anyone) return ['signed'];
  if (row.roles) return roles.some((role) => row.roles.includes(role)) ? ['signed'] : [];
  const modes = [];
  if (session?.party_id && roles.some((role) => row.attest.includes(role))) modes.push('attested');
  if (roles.some((role) => REPORTING_ROLES.includes(role))) modes.push('reported');
  return modes;
}
