//! Fresh ids for the records a command creates, when its body leaves them out.
//!
//! Ids are UUIDv7 strings chosen by the client (see `truce_core::ids`). A body given to
//! `truce submit` or `truce import` may leave out the id of a record it creates; a fresh
//! UUIDv7 is filled in before signing. Ids that refer to an existing record (the
//! `agreement_id` of an `endorse`, the `party_id` of a `register_account`, the `incident_id`
//! of an `add_source`) are never invented: a body without one is sent as it is, and the
//! server refuses it.
//!
//! This works on JSON values rather than `truce_core::CommandBody`, so that bodies with
//! fields this table does not know about pass through untouched.

use serde_json::Value;

/// Where each type of command names a record it creates: `(type, path)`. A path is field
/// names separated by `.`; a field written `name[]` holds an array, and the rest of the path
/// applies to each of its elements.
///
/// `propose_version` is here too: a corridor or commitment that a new version carries over
/// keeps its id, which the body must give; one without an id is new.
pub const NEW_RECORD_IDS: &[(&str, &str)] = &[
    ("register_party", "party_id"),
    ("register_account", "account_id"),
    ("register_force", "force_id"),
    ("define_zone", "zone_id"),
    ("propose_agreement", "agreement_id"),
    ("propose_agreement", "terms.corridors[].corridor_id"),
    ("propose_agreement", "terms.commitments[].commitment_id"),
    ("propose_version", "terms.corridors[].corridor_id"),
    ("propose_version", "terms.commitments[].commitment_id"),
    ("record_consent", "consent_id"),
    ("report_incident", "incident_id"),
    ("report_incident", "source.source_id"),
    ("add_source", "source.source_id"),
    ("make_statement", "statement_id"),
    ("record_reading", "reading_id"),
    ("record_reading", "source.source_id"),
    ("record_observation", "observation_id"),
    ("record_observation", "observation.source.source_id"),
    ("estimate_population", "estimate_id"),
    ("estimate_population", "source.source_id"),
    ("record_passage", "passage_id"),
    ("record_passage", "count.source.source_id"),
    ("report_total", "total_id"),
    ("report_total", "count.source.source_id"),
    ("schedule_convoy", "convoy_id"),
    ("notify_humanitarian", "notification_id"),
    // The sources a reported act rests on (`reported.sources`), for every act that can be
    // reported.
    ("propose_agreement", "reported.sources[].source_id"),
    ("propose_version", "reported.sources[].source_id"),
    ("endorse", "reported.sources[].source_id"),
    ("reject", "reported.sources[].source_id"),
    ("withdraw", "reported.sources[].source_id"),
    ("suspend", "reported.sources[].source_id"),
    ("resume", "reported.sources[].source_id"),
    ("declare_broken", "reported.sources[].source_id"),
    ("declare_completed", "reported.sources[].source_id"),
    ("record_consent", "reported.sources[].source_id"),
    ("report_fulfilled", "reported.sources[].source_id"),
    ("make_statement", "reported.sources[].source_id"),
];

/// An id filled in: where (`terms.corridors[0].corridor_id`) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filled {
    pub path: String,
    pub id: String,
}

/// Fills in a fresh UUIDv7 wherever `body` (a command body with its `type`) lacks the id of a
/// record it creates, or has `null` there. Returns what was filled, in table order.
/// Anything that is not the expected shape (no `terms`, a corridor that is not an object) is
/// left alone, for the server to refuse with its own message.
pub fn fill_missing_ids(body: &mut Value) -> Vec<Filled> {
    let Some(kind) = body.get("type").and_then(Value::as_str).map(str::to_owned) else {
        return Vec::new();
    };
    let mut filled = Vec::new();
    for (_, path) in NEW_RECORD_IDS.iter().filter(|(table_kind, _)| *table_kind == kind) {
        let steps: Vec<&str> = path.split('.').collect();
        fill_at(body, &steps, String::new(), &mut filled);
    }
    filled
}

fn fill_at(value: &mut Value, steps: &[&str], at: String, filled: &mut Vec<Filled>) {
    let Some((step, rest)) = steps.split_first() else { return };
    let Some(object) = value.as_object_mut() else { return };
    let join = |name: &str| if at.is_empty() { name.to_owned() } else { format!("{at}.{name}") };
    if let Some(name) = step.strip_suffix("[]") {
        let Some(Value::Array(items)) = object.get_mut(name) else { return };
        for (idx, item) in items.iter_mut().enumerate() {
            fill_at(item, rest, format!("{}[{idx}]", join(name)), filled);
        }
    } else if rest.is_empty() {
        if object.get(*step).is_none_or(Value::is_null) {
            let id = uuid::Uuid::now_v7().hyphenated().to_string();
            object.insert((*step).to_owned(), Value::String(id.clone()));
            filled.push(Filled { path: join(step), id });
        }
    } else if let Some(inner) = object.get_mut(*step) {
        fill_at(inner, rest, join(step), filled);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use truce_core::{scenario::ALEPPO_2016_12_12_JSON, CommandBody, PartyId};

    use super::*;

    fn paths(filled: &[Filled]) -> Vec<&str> {
        filled.iter().map(|f| f.path.as_str()).collect()
    }

    #[test]
    fn a_missing_top_level_id_is_a_fresh_uuidv7() {
        let mut body = json!({"type": "register_party", "code": "RU", "name": "Russian Federation", "kind": "state"});
        let filled = fill_missing_ids(&mut body);
        assert_eq!(paths(&filled), ["party_id"]);
        assert_eq!(body["party_id"], filled[0].id.as_str());
        PartyId::parse(&filled[0].id).expect("a UUIDv7");
        let mut again = json!({"type": "register_party"});
        assert_ne!(fill_missing_ids(&mut again)[0].id, filled[0].id, "each id is fresh");
    }

    #[test]
    fn an_id_given_or_null_is_kept_or_filled() {
        let given = "01890a5d-ac96-774b-bcce-b302099a8057";
        let mut body = json!({"type": "define_zone", "zone_id": given});
        assert!(fill_missing_ids(&mut body).is_empty());
        assert_eq!(body["zone_id"], given);
        let mut body = json!({"type": "define_zone", "zone_id": null});
        assert_eq!(paths(&fill_missing_ids(&mut body)), ["zone_id"]);
        assert!(body["zone_id"].is_string());
    }

    #[test]
    fn nested_ids_are_filled_per_element_and_named_by_index() {
        let kept = "01890a5d-ac96-774b-bcce-b302099a8057";
        let mut body = json!({
            "type": "propose_agreement",
            "terms": {
                "corridors": [{"code": "A"}, {"corridor_id": kept, "code": "B"}, {"code": "C"}],
                "commitments": [{"text": "x"}],
                "signatories": [],
            },
        });
        let filled = fill_missing_ids(&mut body);
        assert_eq!(
            paths(&filled),
            [
                "agreement_id",
                "terms.corridors[0].corridor_id",
                "terms.corridors[2].corridor_id",
                "terms.commitments[0].commitment_id"
            ]
        );
        assert_eq!(body["terms"]["corridors"][1]["corridor_id"], kept);
        assert_eq!(body["terms"]["corridors"][2]["corridor_id"], filled[2].id.as_str());
        assert_eq!(body["terms"]["commitments"][0]["commitment_id"], filled[3].id.as_str());
    }

    #[test]
    fn ids_that_refer_to_existing_records_are_never_invented() {
        for body in [
            json!({"type": "endorse", "version": 1}),
            json!({"type": "reject", "version": 1, "reason": "no"}),
            json!({"type": "redraw_zone", "effective_at": "2016-12-12T00:00:00Z"}),
            json!({"type": "report_fulfilled"}),
            json!({"type": "update_convoy", "status": "moving"}),
            json!({"type": "acknowledge_notification"}),
            json!({"type": "propose_version", "supersedes": 1, "terms": {"signatories": []}}),
            json!({"type": "mark_time"}),
            json!({"code": "no type"}),
        ] {
            let mut filled_body = body.clone();
            assert_eq!(fill_missing_ids(&mut filled_body), [], "{body}");
            assert_eq!(filled_body, body);
        }
        let mut body = json!({"type": "add_source", "source": {"organisation": "SOHR"}});
        assert_eq!(paths(&fill_missing_ids(&mut body)), ["source.source_id"]);
        assert!(body.get("incident_id").is_none());
        let mut body = json!({"type": "register_account", "name": "Liaison"});
        assert_eq!(paths(&fill_missing_ids(&mut body)), ["account_id"]);
        assert!(body.get("party_id").is_none(), "the party an account speaks for exists already");
        let mut body = json!({"type": "report_incident", "description": "no source"});
        assert_eq!(paths(&fill_missing_ids(&mut body)), ["incident_id"], "no source object, nothing to fill in it");
    }

    /// Complete bodies of every type in the table: the bundled scenario's, and a few more.
    fn sample_bodies() -> Vec<Value> {
        let scenario: Value = serde_json::from_str(ALEPPO_2016_12_12_JSON).expect("the bundled scenario is JSON");
        let mut bodies: Vec<Value> = scenario["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .map(|step| step["body"].clone())
            // A scenario's register_account names only a handle.
            .filter(|body| body["type"] != "register_account")
            .collect();
        let id = |n: u32| format!("01890a5d-ac96-7000-8000-{n:012}");
        let key = "O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik=";
        bodies.extend([
            json!({"type": "register_account", "account_id": id(1), "party_id": id(2), "name": "Liaison",
                   "roles": ["coordinator"], "public_key": key}),
            json!({"type": "record_consent", "consent_id": id(3), "force_id": id(4), "corridor_id": id(5)}),
            json!({"type": "record_passage", "passage_id": id(6), "corridor_id": id(5), "direction": "outbound",
                   "vehicles": 2, "count": {"people": 120, "basis": "increment",
                   "period": {"start": "2016-12-12T09:00:00Z"}, "breakdown": {"civilians": 120},
                   "source": {"source_id": id(30), "organisation": "UN", "kind": "monitor_on_site"}}}),
            json!({"type": "report_total", "total_id": id(7), "scope": {"corridor_id": id(5)},
                   "count": {"people": {"about": 5000}, "basis": "cumulative",
                   "period": {"start": "2016-12-12T09:20:00Z"},
                   "source": {"source_id": id(31), "organisation": "ICRC", "kind": "media"}}}),
            json!({"type": "schedule_convoy", "convoy_id": id(8), "corridor_id": id(5), "buses": 20,
                   "ambulances": 5, "departs_at": "2016-12-12T11:00:00Z"}),
            json!({"type": "notify_humanitarian", "notification_id": id(9),
                   "notified": {"kind": "site", "name": "Field hospital", "site_kind": "hospital",
                                "position": [37.19, 36.22], "radius_m": 100.0},
                   "party_ids": [id(2)], "deadline": "2016-12-12T12:00:00Z"}),
            json!({"type": "record_reading", "reading_id": id(32), "agreement_id": id(33), "version": 1,
                   "reading": {"topic": "who_may_leave", "says": "Fighters and their families"},
                   "source": {"source_id": id(34), "organisation": "Reuters", "kind": "media"}}),
            json!({"type": "record_observation", "observation_id": id(35),
                   "observation": {"observed": "explosion", "perception": "heard", "count": 12,
                   "when": {"start": "2016-12-14T06:00:00Z"},
                   "observer": {"position": [37.15, 36.18], "uncertainty_m": 100.0},
                   "source": {"source_id": id(36), "organisation": "UN", "kind": "monitor_on_site"}}}),
        ]);
        let reported = |n: u32| {
            json!({"party_id": id(2), "sources": [
            {"source_id": id(n), "organisation": "EFE", "kind": "media"},
            {"source_id": id(n + 1), "organisation": "SANA", "kind": "media"}]})
        };
        bodies.extend([
            json!({"type": "suspend", "agreement_id": id(10), "reason": "shelling",
                   "effective_at": "2016-12-14T09:00:00Z", "reported": reported(11)}),
            json!({"type": "resume", "agreement_id": id(10),
                   "effective_at": "2016-12-15T09:00:00Z", "reported": reported(13)}),
            json!({"type": "declare_broken", "agreement_id": id(10), "reason": "the convoy was fired on",
                   "effective_at": "2016-12-16T11:00:00Z", "reported": reported(21)}),
            json!({"type": "declare_completed", "agreement_id": id(10),
                   "effective_at": "2016-12-22T18:00:00Z", "reported": reported(23)}),
            json!({"type": "record_consent", "consent_id": id(15), "force_id": id(4), "corridor_id": id(5),
                   "effective_at": "2016-12-15T10:00:00Z", "reported": reported(16)}),
            json!({"type": "report_fulfilled", "commitment_id": id(18),
                   "effective_at": "2016-12-22T10:00:00Z", "reported": reported(19)}),
        ]);
        bodies
    }

    /// Removes the value at `steps` (every element of an array step), returning the paths
    /// removed, named as `fill_missing_ids` names them.
    fn remove_at(value: &mut Value, steps: &[&str], at: &str, removed: &mut Vec<String>) {
        let Some((step, rest)) = steps.split_first() else { return };
        let join = |name: &str| if at.is_empty() { name.to_owned() } else { format!("{at}.{name}") };
        if let Some(name) = step.strip_suffix("[]") {
            for (idx, item) in value[name].as_array_mut().into_iter().flatten().enumerate() {
                remove_at(item, rest, &format!("{}[{idx}]", join(name)), removed);
            }
        } else if rest.is_empty() {
            if value.as_object_mut().and_then(|object| object.remove(*step)).is_some() {
                removed.push(join(step));
            }
        } else if let Some(inner) = value.get_mut(*step) {
            remove_at(inner, rest, &join(step), removed);
        }
    }

    /// Every path of the table is where real bodies carry an id: with those ids taken out,
    /// the body no longer parses; filled in again, it does, with every removed path filled.
    #[test]
    fn the_table_names_real_id_fields_of_every_listed_type() {
        let mut used = vec![false; NEW_RECORD_IDS.len()];
        for body in sample_bodies() {
            serde_json::from_value::<CommandBody>(body.clone()).unwrap_or_else(|err| panic!("{body}: {err}"));
            let kind = body["type"].as_str().expect("a type").to_owned();
            let mut stripped = body.clone();
            let mut removed = Vec::new();
            for (entry_idx, (_, path)) in NEW_RECORD_IDS.iter().enumerate().filter(|(_, (k, _))| *k == kind) {
                let before = removed.len();
                remove_at(&mut stripped, &path.split('.').collect::<Vec<_>>(), "", &mut removed);
                used[entry_idx] |= removed.len() > before;
            }
            if removed.is_empty() {
                assert_eq!(fill_missing_ids(&mut stripped), [], "{kind} creates nothing here");
                continue;
            }
            assert!(serde_json::from_value::<CommandBody>(stripped.clone()).is_err(), "{kind}: {removed:?} required");
            let filled = fill_missing_ids(&mut stripped);
            assert_eq!(paths(&filled), removed, "{kind}");
            serde_json::from_value::<CommandBody>(stripped.clone())
                .unwrap_or_else(|err| panic!("{kind} with ids filled in: {err}: {stripped}"));
        }
        for ((kind, path), used) in NEW_RECORD_IDS.iter().zip(used) {
            assert!(used, "no sample body of {kind} has {path}; add one");
        }
    }
}
