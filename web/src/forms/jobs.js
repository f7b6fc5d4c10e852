// The jobs the page offers (issue 10, point 3), in the order menus show them, and which of
// them a session may do, by the authorization table (`access.js`).

import { modesFor } from './access.js';

/** Commands with a form, in menu order. */
export const JOBS = [
  'report_incident',
  'add_source',
  'correct_incident',
  'record_passage',
  'report_total',
  'estimate_population',
  'notify_humanitarian',
  'acknowledge_notification',
  'withdraw_notification',
  'schedule_convoy',
  'update_convoy',
  'define_zone',
  'redraw_zone',
  'record_zone_control',
  'propose_agreement',
  'propose_version',
  'endorse',
  'reject',
  'withdraw',
  'record_consent',
  'report_fulfilled',
  'suspend',
  'resume',
  'declare_broken',
  'declare_completed',
  'make_statement',
  'record_reading',
  'record_observation',
  'grade_incident',
  'mark_duplicate',
  'dismiss_violation',
  'retract',
  'acknowledge_alert',
  'create_enrolment',
  'revoke_key',
  'set_encryption_key',
];

/**
 * Jobs offered to fewer roles than the table lets submit them. The table lets any account
 * open an enrolment or revoke a key because who manages which account is decided against
 * the log (docs/keys.md); the page offers managing other devices to coordinators (who
 * manage their party's accounts) and the operator (who manages the accounts of no party).
 * Setting one's own encryption key is everyone's.
 */
export const JOB_ROLES = {
  create_enrolment: ['coordinator', 'operator'],
  revoke_key: ['coordinator', 'operator'],
};

/**
 * The jobs available to this session, as [{command, labelKey}] (for menus).
 * @param {{account_id: string, party_id?: string | null, roles?: string[]} | null} session
 */
export function jobsFor(session) {
  if (!session?.account_id) return [];
  const roles = session.roles ?? [];
  return JOBS.filter((command) => modesFor(session, command).length > 0)
    .filter((command) => !JOB_ROLES[command] || roles.some((role) => JOB_ROLES[command].includes(role)))
    .map((command) => ({
    command,
    labelKey: `forms.job.${command}`,
  }));
}
