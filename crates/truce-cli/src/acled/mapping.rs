//! The one table from ACLED's event and sub-event types to truce's incident kinds, used by
//! `truce import --format acled` and rendered in docs/acled.md (a test keeps the two equal).

use truce_core::IncidentKind;

/// What a row of an ACLED event and sub-event type becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Becomes {
    /// An incident of this kind.
    Kind(IncidentKind),
    /// `looting` when the row's notes speak of looting, `property_destruction` otherwise: ACLED
    /// has one sub-event type for both.
    LootingOrDestruction,
    /// Nothing: the row is counted as skipped (protests, riots, agreements, ...).
    NotAnIncident,
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Mapping {
    pub event_type: &'static str,
    pub sub_event_type: &'static str,
    pub becomes: Becomes,
}

const fn row(event_type: &'static str, sub_event_type: &'static str, becomes: Becomes) -> Mapping {
    Mapping { event_type, sub_event_type, becomes }
}

use Becomes::{Kind, LootingOrDestruction, NotAnIncident};

const BATTLES: &str = "Battles";
const EXPLOSIONS: &str = "Explosions/Remote violence";
const AGAINST_CIVILIANS: &str = "Violence against civilians";
const PROTESTS: &str = "Protests";
const RIOTS: &str = "Riots";
const STRATEGIC: &str = "Strategic developments";

/// ACLED's event and sub-event types (its codebook's), each once, and what each becomes.
pub const MAPPING: &[Mapping] = &[
    row(BATTLES, "Armed clash", Kind(IncidentKind::Gunfire)),
    row(BATTLES, "Government regains territory", Kind(IncidentKind::FrontLineChange)),
    row(BATTLES, "Non-state actor overtakes territory", Kind(IncidentKind::FrontLineChange)),
    row(EXPLOSIONS, "Air/drone strike", Kind(IncidentKind::Airstrike)),
    row(EXPLOSIONS, "Shelling/artillery/missile attack", Kind(IncidentKind::Shelling)),
    row(EXPLOSIONS, "Remote explosive/landmine/IED", Kind(IncidentKind::RemoteExplosive)),
    row(EXPLOSIONS, "Suicide bomb", Kind(IncidentKind::SuicideBomb)),
    row(EXPLOSIONS, "Chemical weapon", Kind(IncidentKind::ChemicalWeapon)),
    row(EXPLOSIONS, "Grenade", Kind(IncidentKind::Gunfire)),
    row(AGAINST_CIVILIANS, "Attack", Kind(IncidentKind::Atrocity)),
    row(AGAINST_CIVILIANS, "Sexual violence", Kind(IncidentKind::SexualViolence)),
    row(AGAINST_CIVILIANS, "Abduction/forced disappearance", Kind(IncidentKind::Abduction)),
    row(STRATEGIC, "Looting/property destruction", LootingOrDestruction),
    row(STRATEGIC, "Arrests", Kind(IncidentKind::Arrests)),
    row(STRATEGIC, "Non-violent transfer of territory", Kind(IncidentKind::FrontLineChange)),
    row(STRATEGIC, "Disrupted weapons use", NotAnIncident),
    row(STRATEGIC, "Agreement", NotAnIncident),
    row(STRATEGIC, "Change to group/activity", NotAnIncident),
    row(STRATEGIC, "Headquarters or base established", NotAnIncident),
    row(STRATEGIC, "Other", NotAnIncident),
    row(PROTESTS, "Peaceful protest", NotAnIncident),
    row(PROTESTS, "Protest with intervention", NotAnIncident),
    row(PROTESTS, "Excessive force against protesters", NotAnIncident),
    row(RIOTS, "Violent demonstration", NotAnIncident),
    row(RIOTS, "Mob violence", NotAnIncident),
];

/// Why a pair of types is not in the table: the column to name and what to say.
#[derive(Debug, PartialEq, Eq)]
pub struct Unmapped {
    pub column: &'static str,
    pub why: String,
}

/// The row of the table for an event and sub-event type, compared without regard to case
/// or the spaces around them.
///
/// # Errors
/// `Unmapped` naming `event_type` when no row has it, `sub_event_type` when its event type
/// has no such sub-event type.
pub fn find(event_type: &str, sub_event_type: &str) -> Result<&'static Mapping, Unmapped> {
    let same = |left: &str, right: &str| left.trim().eq_ignore_ascii_case(right);
    let of_type: Vec<&Mapping> = MAPPING.iter().filter(|mapping| same(event_type, mapping.event_type)).collect();
    if of_type.is_empty() {
        return Err(Unmapped {
            column: "event_type",
            why: format!("{event_type:?} is not an ACLED event type of the mapping table (docs/acled.md)"),
        });
    }
    of_type.into_iter().find(|mapping| same(sub_event_type, mapping.sub_event_type)).ok_or_else(|| Unmapped {
        column: "sub_event_type",
        why: format!(
            "{sub_event_type:?} is not a sub-event type of {event_type:?} in the mapping table (docs/acled.md)"
        ),
    })
}

/// The kind an incident of `becomes` is, for a row with these notes; `None` for a row that
/// is not an incident.
pub fn kind(becomes: Becomes, notes: &str) -> Option<IncidentKind> {
    match becomes {
        Kind(kind) => Some(kind),
        LootingOrDestruction if notes.to_lowercase().contains("loot") => Some(IncidentKind::Looting),
        LootingOrDestruction => Some(IncidentKind::PropertyDestruction),
        NotAnIncident => None,
    }
}

/// A kind's name on the wire (`front_line_change`).
pub fn kind_name(kind: IncidentKind) -> String {
    serde_json::to_value(kind).ok().and_then(|value| value.as_str().map(str::to_owned)).unwrap_or_default()
}

/// The table in Markdown, as docs/acled.md shows it (a test compares them).
#[cfg(test)]
pub fn markdown() -> String {
    let mut text =
        String::from("| ACLED event type | ACLED sub-event type | truce incident kind | attack |\n|---|---|---|---|\n");
    let yes_no = |kind: IncidentKind| if kind.is_attack() { "yes" } else { "no" };
    for mapping in MAPPING {
        let (kind, attack) = match mapping.becomes {
            Kind(kind) => (format!("`{}`", kind_name(kind)), yes_no(kind).to_owned()),
            LootingOrDestruction => (
                format!(
                    "`{}` if the notes say \"loot\", else `{}`",
                    kind_name(IncidentKind::Looting),
                    kind_name(IncidentKind::PropertyDestruction)
                ),
                format!("{} / {}", yes_no(IncidentKind::Looting), yes_no(IncidentKind::PropertyDestruction)),
            ),
            NotAnIncident => ("(not an incident: skipped)".to_owned(), String::new()),
        };
        text.push_str(&format!("| {} | {} | {kind} | {attack} |\n", mapping.event_type, mapping.sub_event_type));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/acled.md shows the table the import uses, row for row.
    #[test]
    fn the_doc_shows_the_table_the_import_uses() {
        let doc = include_str!("../../../../docs/acled.md");
        let table = markdown();
        assert!(doc.contains(&table), "docs/acled.md must hold this table as it is:\n{table}");
    }

    #[test]
    fn each_pair_of_types_is_in_the_table_once() {
        for mapping in MAPPING {
            let same = |other: &&Mapping| {
                other.event_type.eq_ignore_ascii_case(mapping.event_type)
                    && other.sub_event_type.eq_ignore_ascii_case(mapping.sub_event_type)
            };
            assert_eq!(MAPPING.iter().filter(same).count(), 1, "{mapping:?}");
        }
    }

    #[test]
    fn types_are_found_whatever_their_case_and_unknown_ones_are_named() {
        let mapping = find(" explosions/remote VIOLENCE", "Air/drone strike ").expect("in the table");
        assert_eq!(kind(mapping.becomes, ""), Some(IncidentKind::Airstrike));
        assert_eq!(find("Battles", "Ambush").map(|_| ()).unwrap_err().column, "sub_event_type");
        assert_eq!(find("Wars", "Armed clash").map(|_| ()).unwrap_err().column, "event_type");
    }

    #[test]
    fn looting_or_destruction_is_decided_by_the_notes() {
        let mapping = find("Strategic developments", "Looting/property destruction").expect("in the table");
        assert_eq!(kind(mapping.becomes, "Fighters looted shops in Bustan al-Qasr."), Some(IncidentKind::Looting));
        assert_eq!(kind(mapping.becomes, "Houses were burned."), Some(IncidentKind::PropertyDestruction));
    }
}
