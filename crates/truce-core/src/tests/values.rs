//! Values parsed at the edge of the domain: windows, positions, routes, polygons, keys,
//! codes and the JSON of a command. A bad value never becomes a command.

use std::fmt;

use expect_test::{expect, Expect};
use serde_json::json;

use super::fixture::*;
use crate::{
    Code, Command, DomainError, LineString, Name, Nonce, PartyId, Polygon, Position, PublicKeyText, Timestamp, Window,
};

/// Renders a parse outcome as `ok <value>` or `err <message>`.
#[track_caller]
fn check<T: fmt::Debug, E: fmt::Display>(result: Result<T, E>, expect: Expect) {
    let actual = match result {
        Ok(value) => format!("ok {value:?}"),
        Err(err) => format!("err {err}"),
    };
    expect.assert_eq(&actual);
}

/// A proposal by party 1 with one corridor, whose fields the test then breaks.
fn proposal_json() -> serde_json::Value {
    json!({
        "party": party_id(RU).text().as_str(),
        "author": account_id(2).text().as_str(),
        "issued_at": "2016-12-12T09:00:00Z",
        "nonce": "nonce-00000000001",
        "body": {
            "type": "propose_agreement",
            "agreement_id": agreement_id(1).text().as_str(),
            "title": "Corridors for leaving East Aleppo",
            "terms": {
                "corridors": [{
                    "corridor_id": corridor_id(1).text().as_str(),
                    "code": "EA-1",
                    "name": "Ramouseh road",
                    "route": {"type": "LineString", "coordinates": [[37.150, 36.178], [37.133, 36.166]]},
                    "half_width_m": 300.0,
                    "origin_zone_id": zone_id(EAST_ALEPPO).text().as_str(),
                    "destination": {"name": "Western countryside"},
                    "groups": ["civilians", "wounded"],
                    "windows": [{"start": "2016-12-13T06:00:00Z", "end": "2016-12-13T12:00:00Z", "groups": ["wounded"]}]
                }],
                "signatories": [party_id(RU).text().as_str(), party_id(US).text().as_str()]
            }
        }
    })
}

fn parse_command(value: serde_json::Value) -> Result<Command, serde_json::Error> {
    serde_json::from_value::<Command>(value)
}

#[test]
fn the_unbroken_proposal_parses() {
    let command = parse_command(proposal_json()).expect("the proposal is well-formed");
    assert_eq!(command.body.kind(), "propose_agreement");
}

#[test]
fn a_window_that_ends_at_its_start_is_refused() {
    check(
        Window::new(ts("2016-12-13T06:00:00Z"), ts("2016-12-13T06:00:00Z")),
        expect!["err window ends at 2016-12-13T06:00:00Z which is not after its start 2016-12-13T06:00:00Z"],
    );
    check(
        Window::new(ts("2016-12-13T06:00:00Z"), ts("2016-12-13T05:59:59Z")),
        expect!["err window ends at 2016-12-13T05:59:59Z which is not after its start 2016-12-13T06:00:00Z"],
    );
    check(
        Window::new(ts("2016-12-13T06:00:00Z"), ts("2016-12-13T06:00:01Z")).map(|w| (w.start(), w.end())),
        expect!["ok (Timestamp(2016-12-13T06:00:00Z), Timestamp(2016-12-13T06:00:01Z))"],
    );
}

#[test]
fn a_command_with_a_window_that_ends_at_its_start_does_not_deserialise() {
    let mut value = proposal_json();
    value["body"]["terms"]["corridors"][0]["windows"][0]["end"] = json!("2016-12-13T06:00:00Z");
    check(
        parse_command(value),
        expect!["err window ends at 2016-12-13T06:00:00Z which is not after its start 2016-12-13T06:00:00Z"],
    );
    let mut value = proposal_json();
    value["body"]["terms"]["corridors"][0]["windows"][0]["end"] = json!("2016-12-12T06:00:00Z");
    check(
        parse_command(value),
        expect!["err window ends at 2016-12-12T06:00:00Z which is not after its start 2016-12-13T06:00:00Z"],
    );
}

#[test]
fn a_commitment_window_that_ends_before_its_start_does_not_deserialise() {
    let mut value = proposal_json();
    value["body"]["terms"]["commitments"] = json!([{
        "commitment_id": commitment_id(1).text().as_str(),
        "party_id": party_id(RU).text().as_str(),
        "kind": "no_attack",
        "scope": {"corridor": corridor_id(1).text().as_str()},
        "window": {"start": "2016-12-14T00:00:00Z", "end": "2016-12-13T00:00:00Z"},
        "force_ids": [force_id(SAF).text().as_str()],
        "text": "no attack"
    }]);
    check(
        parse_command(value),
        expect!["err window ends at 2016-12-13T00:00:00Z which is not after its start 2016-12-14T00:00:00Z"],
    );
}

#[test]
fn a_corridor_window_with_an_unknown_field_does_not_deserialise() {
    let mut value = proposal_json();
    value["body"]["terms"]["corridors"][0]["windows"][0]["until"] = json!("2016-12-14T00:00:00Z");
    check(
        parse_command(value).map(|_| ()),
        expect!["err unknown field `until`, expected one of `start`, `end`, `groups`"],
    );
}

#[test]
fn a_route_of_two_identical_positions_has_zero_length() {
    let here = position(37.150, 36.178);
    check(LineString::new(vec![here, here]), expect!["err the route has zero length"]);
    check(LineString::new(vec![here, here, here]), expect!["err the route has zero length"]);
    let mut value = proposal_json();
    value["body"]["terms"]["corridors"][0]["route"]["coordinates"] = json!([[37.15, 36.178], [37.15, 36.178]]);
    check(parse_command(value), expect!["err the route has zero length"]);
}

#[test]
fn a_route_needs_two_positions() {
    check(
        LineString::new(vec![position(37.15, 36.178)]),
        expect!["err a LineString needs at least 2 positions, got 1"],
    );
    check(LineString::new(Vec::new()), expect!["err a LineString needs at least 2 positions, got 0"]);
}

#[test]
fn a_non_finite_coordinate_is_refused() {
    check(
        Position::new(f64::NAN, 36.2),
        expect!["err coordinate is not a finite longitude/latitude pair in range: [NaN, 36.2]"],
    );
    check(
        Position::new(37.1, f64::NAN),
        expect!["err coordinate is not a finite longitude/latitude pair in range: [37.1, NaN]"],
    );
    check(
        Position::new(f64::INFINITY, 36.2),
        expect!["err coordinate is not a finite longitude/latitude pair in range: [inf, 36.2]"],
    );
    check(
        Position::new(37.1, f64::NEG_INFINITY),
        expect!["err coordinate is not a finite longitude/latitude pair in range: [37.1, -inf]"],
    );
}

#[test]
fn the_edges_of_the_coordinate_ranges_are_accepted() {
    check(Position::new(-180.0, -90.0), expect!["ok Position { lon: -180.0, lat: -90.0 }"]);
    check(Position::new(180.0, 90.0), expect!["ok Position { lon: 180.0, lat: 90.0 }"]);
}

#[test]
fn an_out_of_range_coordinate_does_not_deserialise() {
    check(
        serde_json::from_str::<Position>("[180.5, 36.2]"),
        expect!["err coordinate is not a finite longitude/latitude pair in range: [180.5, 36.2]"],
    );
    check(
        serde_json::from_str::<Position>("[37.1, -90.01]"),
        expect!["err coordinate is not a finite longitude/latitude pair in range: [37.1, -90.01]"],
    );
    check(serde_json::from_str::<Position>("[37.1, 1e400]"), expect!["err number out of range at line 1 column 12"]);
    let mut value = proposal_json();
    value["body"]["terms"]["corridors"][0]["route"]["coordinates"][1] = json!([37.133, 91.0]);
    check(
        parse_command(value),
        expect!["err coordinate is not a finite longitude/latitude pair in range: [37.133, 91]"],
    );
    // A position is exactly two numbers: `[lon, lat]`, no altitude.
    check(
        serde_json::from_str::<Position>("[37.1, 36.2, 400.0]").map(|_| ()),
        expect!["err trailing characters at line 1 column 14"],
    );
}

#[test]
fn geometry_of_the_wrong_type_does_not_deserialise() {
    check(
        serde_json::from_str::<LineString>(r#"{"type": "Polygon", "coordinates": [[0, 0], [1, 1]]}"#),
        expect!["err Encountered geometry type: `Polygon` with unexpected coordinates dimensions: 1"],
    );
}

#[test]
fn polygon_rings_must_be_closed_and_long_enough() {
    let a = position(37.14, 36.17);
    let b = position(37.15, 36.17);
    let c = position(37.15, 36.18);
    check(Polygon::new(vec![vec![a, b, c, b]]), expect!["err ring coordinates[0] must end where it starts"]);
    check(Polygon::new(vec![vec![a, b, a]]), expect!["err ring coordinates[0] needs at least 4 positions, got 3"]);
    check(Polygon::new(Vec::new()), expect!["err a polygon needs an outer ring"]);
    check(Polygon::new(vec![vec![a, b, c, a]]).map(|p| p.exterior().len()), expect!["ok 4"]);
}

#[test]
fn ids_must_be_uuid_v7() {
    check(
        PartyId::parse("01590000-0000-7000-8000-000000000001"),
        expect![[r#"ok PartyId("01590000-0000-7000-8000-000000000001")"#]],
    );
    check(
        PartyId::parse("01590000-0000-4000-8000-000000000001"),
        expect![[r#"err party_id "01590000-0000-4000-8000-000000000001" is not a UUIDv7"#]],
    );
    check(PartyId::parse("RU"), expect![[r#"err party_id "RU" is not a UUIDv7"#]]);
    // Upper case and braces are normalised to the lowercase hyphenated form.
    check(
        PartyId::parse("0159ABCD-0000-7000-8000-00000000000A"),
        expect![[r#"ok PartyId("0159abcd-0000-7000-8000-00000000000a")"#]],
    );
}

/// Seeded 128-bit values over the whole range.
fn seeded_bits(count: usize) -> Vec<u128> {
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    (0..count)
        .map(|_| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            u128::from(seed) << 64 | u128::from(seed.rotate_left(29) ^ 0x5555)
        })
        .collect()
}

#[test]
fn ids_held_as_their_uuid_read_and_sort_as_their_text() {
    use std::collections::{BTreeMap, HashMap};

    let ids: Vec<(PartyId, String)> = seeded_bits(500)
        .into_iter()
        .map(|bits| {
            let text = uuid::Builder::from_u128(bits).with_version(uuid::Version::SortRand).into_uuid().to_string();
            (PartyId::parse(&text).expect("a UUIDv7"), text)
        })
        .collect();
    let by_id: HashMap<PartyId, usize> = ids.iter().enumerate().map(|(n, (id, _))| (id.clone(), n)).collect();
    let in_order: BTreeMap<PartyId, usize> = ids.iter().enumerate().map(|(n, (id, _))| (id.clone(), n)).collect();
    for (n, (id, text)) in ids.iter().enumerate() {
        assert_eq!(id.text().as_str(), text);
        assert_eq!(id.to_string(), *text);
        // Maps by id answer the UUID (`Borrow<Uuid>`).
        let uuid = uuid::Uuid::try_parse(text).expect("a UUID");
        assert_eq!(by_id.get(&uuid), Some(&n));
        assert_eq!(in_order.get(&uuid), Some(&n));
        assert_eq!(serde_json::to_value(id).expect("serialises"), json!(text));
        assert_eq!(&serde_json::from_value::<PartyId>(json!(text)).expect("deserialises"), id);
    }
    // Ids sort as their texts do, so pages by id are pages by text.
    let mut texts: Vec<&str> = ids.iter().map(|(_, text)| text.as_str()).collect();
    texts.sort_unstable();
    assert_eq!(in_order.keys().map(PartyId::to_string).collect::<Vec<_>>(), texts);

    // Refused as the `String` they replaced was refused, with the same words.
    check(serde_json::from_value::<PartyId>(json!(5)), expect!["err invalid type: integer `5`, expected a string"]);
    check(
        serde_json::from_value::<PartyId>(json!("01590000-0000-4000-8000-000000000001")),
        expect![[r#"err party_id "01590000-0000-4000-8000-000000000001" is not a UUIDv7"#]],
    );
    check(
        serde_json::from_str::<PartyId>(r#""0159ABCD-0000-7000-8000-00000000000A""#),
        expect![[r#"ok PartyId("0159abcd-0000-7000-8000-00000000000a")"#]],
    );
}

#[test]
fn a_text_bound_keeps_exactly_the_ids_whose_text_is_within_it() {
    use std::{collections::BTreeSet, ops::Bound};

    // UUIDs of every version, the least and the greatest, and runs of neighbours.
    let mut uuids: BTreeSet<u128> = seeded_bits(300).into_iter().collect();
    uuids.extend([0, 1, 15, 16, u128::MAX, u128::MAX - 1, 0x0190_0000_0000_7000_8000_0000_0000_0000]);
    let some: Vec<u128> = uuids.iter().copied().step_by(20).collect();
    for bits in some {
        uuids.extend((0..3).filter_map(|step| bits.checked_add(step)));
    }
    let texts: Vec<(u128, String)> =
        uuids.iter().map(|&bits| (bits, crate::uuid_text(uuid::Uuid::from_u128(bits)).to_string())).collect();

    // Bounds: every text, its prefixes, and texts that leave the form at every position.
    let mut bounds: Vec<String> = vec![
        String::new(),
        "~".into(),
        "-".into(),
        "/".into(),
        "g".into(),
        "ffffffff-ffff-ffff-ffff-ffffffffffff~".into(),
    ];
    for (_, text) in texts.iter().step_by(7) {
        for cut in 0..=text.len() {
            bounds.push(text[..cut].to_owned());
            for odd in ['/', ':', '-', '0', '9', 'A', 'F', '`', 'a', 'f', 'g', '~', '\u{e9}'] {
                bounds.push(format!("{}{odd}", &text[..cut]));
                bounds.push(format!("{}{odd}{}", &text[..cut], text.get(cut + 1..).unwrap_or("")));
            }
        }
    }
    for bound_text in &bounds {
        for bound in [Bound::Included(bound_text.as_str()), Bound::Excluded(bound_text.as_str())] {
            let within = |text: &str| match bound {
                Bound::Included(b) => text >= b,
                Bound::Excluded(b) => text > b,
                Bound::Unbounded => true,
            };
            let expected: Vec<u128> = texts.iter().filter(|(_, text)| within(text)).map(|(bits, _)| *bits).collect();
            let actual: Vec<u128> = match crate::first_with_text(bound) {
                Some(first) => uuids.range(first.as_u128()..).copied().collect(),
                None => Vec::new(),
            };
            assert_eq!(actual, expected, "the bound {bound:?}");
        }
    }
    assert_eq!(crate::first_with_text(Bound::Unbounded), Some(uuid::Uuid::nil()));
    assert_eq!(crate::first_with_text(Bound::Excluded("ffffffff-ffff-ffff-ffff-ffffffffffff")), None);
}

#[test]
fn public_keys_must_be_the_canonical_base64_of_32_bytes() {
    check(
        PublicKeyText::parse("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="),
        expect![[r#"ok PublicKeyText("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")"#]],
    );
    // The last data character carries two bits that must be zero.
    check(
        PublicKeyText::parse("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURp="),
        expect!["err public key is not 32 bytes of standard base64"],
    );
    check(
        PublicKeyText::parse("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo="),
        expect!["err public key is not 32 bytes of standard base64"],
    );
    check(
        PublicKeyText::parse("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo"),
        expect!["err public key is not 32 bytes of standard base64"],
    );
    check(PublicKeyText::parse(""), expect!["err public key is not 32 bytes of standard base64"]);
}

#[test]
fn codes_names_and_nonces_are_bounded() {
    check(Code::parse(" EA-1 "), expect![[r#"ok Code("EA-1")"#]]);
    check(Code::parse("EA 1"), expect![[r#"err code "EA 1" may hold only letters, digits, '-', '_' and '.'"#]]);
    check(Code::parse("   "), expect!["err code is empty"]);
    check(Code::parse(&"X".repeat(25)), expect!["err code has 25 characters, at most 24 allowed"]);
    check(Name::parse(&"é".repeat(201)), expect!["err name has 201 characters, at most 200 allowed"]);
    check(Nonce::parse("short"), expect!["err nonce has 5 characters, at least 16 required"]);
    check(Nonce::parse(&"n".repeat(129)), expect!["err nonce has 129 characters, at most 128 allowed"]);
    // FIXME: a nonce with a space is refused with the message meant for codes.
    check(
        Nonce::parse("nonce with spaces!"),
        expect![[r#"err code "nonce with spaces!" may hold only letters, digits, '-', '_' and '.'"#]],
    );
}

#[test]
fn timestamps_are_rfc3339_and_kept_in_utc() {
    check(
        Timestamp::parse("2016-12-12T12:00:00+03:00").map(|t| t.to_string()),
        expect![[r#"ok "2016-12-12T09:00:00Z""#]],
    );
    check(
        Timestamp::parse("2016-12-12 12:00"),
        expect![[r#"err "2016-12-12 12:00" is not an RFC 3339 UTC timestamp"#]],
    );
    check(
        Timestamp::parse("2016-12-12T12:00:00.250Z").map(|t| t.to_string()),
        expect![[r#"ok "2016-12-12T12:00:00.250Z""#]],
    );
}

#[test]
fn a_command_with_an_unknown_field_does_not_deserialise() {
    let mut value = proposal_json();
    value["signature"] = json!("abc");
    check(
        parse_command(value).map(|_| ()),
        expect!["err unknown field `signature`, expected one of `party`, `author`, `issued_at`, `nonce`, `body`"],
    );
    let mut value = proposal_json();
    value["body"]["type"] = json!("declare_victory");
    check(parse_command(value).map(|_| ()), expect!["err unknown variant `declare_victory`, expected one of `genesis`, `register_party`, `register_account`, `add_account_key`, `create_enrolment`, `enrol_key`, `revoke_key`, `set_encryption_key`, `register_force`, `define_zone`, `redraw_zone`, `record_zone_control`, `propose_agreement`, `propose_version`, `endorse`, `reject`, `withdraw`, `suspend`, `resume`, `declare_broken`, `declare_completed`, `record_consent`, `report_fulfilled`, `report_incident`, `add_source`, `correct_incident`, `grade_incident`, `mark_duplicate`, `dismiss_violation`, `make_statement`, `record_reading`, `record_observation`, `estimate_population`, `record_passage`, `report_total`, `schedule_convoy`, `update_convoy`, `notify_humanitarian`, `withdraw_notification`, `acknowledge_notification`, `acknowledge_alert`, `mark_time`, `retract`"]);
}

#[test]
fn errors_at_deserialisation_keep_their_domain_kind() {
    // The HTTP edge maps a refused window to its own problem type; the message is what
    // survives deserialisation, so it must stay recognisable.
    let err = DomainError::WindowNotAfterStart { start: "a".into(), end: "b".into() };
    check(
        Err::<(), _>(format!("{}: {err}", err.kind())),
        expect!["err window-not-after-start: window ends at b which is not after its start a"],
    );
}

#[test]
fn a_timestamp_whose_utc_year_has_not_four_digits_is_refused() {
    // Each of these would print as text that does not parse back, and so poison the ledger.
    check(
        Timestamp::parse("0000-01-01T00:00:00+01:00"),
        expect![[r#"err "0000-01-01T00:00:00+01:00" is not an RFC 3339 UTC timestamp"#]],
    );
    check(
        Timestamp::parse("9999-12-31T23:59:59-01:00"),
        expect![[r#"err "9999-12-31T23:59:59-01:00" is not an RFC 3339 UTC timestamp"#]],
    );
    check(Timestamp::parse("0000-01-01T00:00:00Z").map(|t| t.to_string()), expect![[r#"ok "0000-01-01T00:00:00Z""#]]);
    check(Timestamp::parse("9999-12-31T23:59:59Z").map(|t| t.to_string()), expect![[r#"ok "9999-12-31T23:59:59Z""#]]);
    check(Timestamp::parse("2016-12-31T23:59:60Z").map(|t| t.to_string()), expect![[r#"ok "2016-12-31T23:59:60Z""#]]);
}

/// Nanoseconds of a second in each form a timestamp is written with: none, milliseconds,
/// microseconds or nanoseconds, a quarter each.
fn random_fraction(rng: &mut rand::rngs::StdRng) -> u32 {
    use rand::Rng as _;
    match rng.gen_range(0..4) {
        0 => 0,
        1 => rng.gen_range(0..1_000) * 1_000_000,
        2 => rng.gen_range(0..1_000_000) * 1_000,
        _ => rng.gen_range(0..1_000_000_000),
    }
}

/// What `Timestamp::parse` reads by hand (the form this build writes), chrono's parser of
/// all of RFC 3339 reads to the same instant; and whatever it leaves to chrono (one character
/// changed, taken out or put in) reads as chrono reads it.
#[test]
fn timestamps_read_by_hand_read_as_chrono_reads_them() {
    use rand::{rngs::StdRng, Rng as _, SeedableRng as _};

    /// The outcome of both readers must be the same; returns whether it was read by hand.
    fn compare(text: &str) -> bool {
        let any = Timestamp::parse_any(text).map_err(|err| err.to_string());
        let by_hand = Timestamp::parse_written(text.as_bytes());
        if let Some(at) = by_hand {
            assert_eq!(Ok(at), any, "{text:?} read by hand");
        }
        assert_eq!(Timestamp::parse(text).map_err(|err| err.to_string()), any, "{text:?}");
        by_hand.is_some()
    }

    let mut rng = StdRng::seed_from_u64(0x7157);
    let near = b"0123456789-:.TZtz+ x";
    let (mut written, mut changed, mut changed_by_hand) = (0, 0, 0);
    for _ in 0..20_000 {
        let seconds = rng.gen_range(-62_167_219_200_i64..=253_402_300_799);
        let nanos = random_fraction(&mut rng);
        let at = Timestamp::from_datetime(chrono::DateTime::from_timestamp(seconds, nanos).expect("in range"));
        let text = at.to_string();
        assert_eq!(Timestamp::parse_written(text.as_bytes()), Some(at), "{text} as written");
        written += usize::from(compare(&text));
        let digits = rng.gen_range(1..=9);
        let fraction = format!("{nanos:09}");
        let text = format!("{}.{}Z", &text[..19], &fraction[..digits]);
        assert!(compare(&text), "{text} has a fraction of {digits} digits");
        let mut bytes = text.into_bytes();
        let place = rng.gen_range(0..bytes.len());
        match rng.gen_range(0..3) {
            0 => bytes[place] = near[rng.gen_range(0..near.len())],
            1 => drop(bytes.remove(place)),
            _ => bytes.insert(place, near[rng.gen_range(0..near.len())]),
        }
        let text = String::from_utf8(bytes).expect("ASCII");
        changed += 1;
        changed_by_hand += usize::from(compare(&text));
    }
    assert_eq!(written, 20_000);
    // Some changed texts are still of the form (a digit for a digit), most are not.
    assert!(changed_by_hand > 1_000 && changed_by_hand < changed / 2, "{changed_by_hand} of {changed}");
}

#[test]
fn an_alert_id_has_one_text_and_is_ordered_by_its_numbers() {
    let id = crate::AlertId::parse("120.3").expect("an alert id");
    assert_eq!((id.to_string(), id.key()), ("120.3".to_owned(), (120, 3)));
    assert_eq!(serde_json::to_value(&id).expect("written"), json!("120.3"));
    assert_eq!(serde_json::from_value::<crate::AlertId>(json!("120.3")).expect("read"), id);
    assert_eq!(crate::AlertId::parse("0.0").map(|id| id.key()), Ok((0, 0)));
    // Numbers, not texts: 9.0 comes before 10.0, and 10.2 before 10.10.
    let mut ids: Vec<crate::AlertId> =
        ["10.10", "10.2", "9.0"].map(|t| crate::AlertId::parse(t).expect("an id")).into();
    ids.sort();
    assert_eq!(ids.iter().map(ToString::to_string).collect::<Vec<_>>(), ["9.0", "10.2", "10.10"]);
    check(
        crate::AlertId::parse("01.1"),
        expect![[r#"err alert_id "01.1" is not an alert id: `<seq>.<n>` in decimal, without leading zeros"#]],
    );
    for text in ["01.1", "1.01", "1.", ".1", "1.1.1", "a.1", "1.1234567", "12345678901234567.1", ""] {
        assert!(crate::AlertId::parse(text).is_err(), "{text:?} is refused");
        assert!(serde_json::from_value::<crate::AlertId>(json!(text)).is_err(), "{text:?} does not deserialise");
    }
}

/// What `Timestamp::text` writes by hand is what chrono writes (`SecondsFormat::AutoSi`, `Z`)
/// for random instants of every year `parse` reads, with fractions of every length, and for
/// what it leaves to chrono: leap seconds and years of more or fewer than four digits.
#[test]
fn timestamps_written_by_hand_are_written_as_chrono_writes_them() {
    use rand::{rngs::StdRng, Rng as _, SeedableRng as _};

    let compare = |seconds: i64, nanos: u32| {
        let at = Timestamp::from_datetime(chrono::DateTime::from_timestamp(seconds, nanos).expect("in range"));
        assert_eq!(at.text(), at.text_by_chrono(), "{seconds} s {nanos} ns");
        assert_eq!(at.to_string(), at.text_by_chrono().as_str());
        assert_eq!(serde_json::to_string(&at).expect("a string"), format!("\"{}\"", at.text_by_chrono()));
    };
    let mut rng = StdRng::seed_from_u64(0x7158);
    for _ in 0..50_000 {
        // Year 0000 to 9999, and a little beyond either end.
        let seconds = rng.gen_range(-62_200_000_000_i64..=253_500_000_000);
        let nanos = match rng.gen_range(0..5) {
            // A leap second, which chrono holds as nanoseconds past a second's end.
            0 => rng.gen_range(1_000_000_000..2_000_000_000),
            _ => random_fraction(&mut rng),
        };
        let seconds = match nanos >= 1_000_000_000 {
            true => seconds - seconds.rem_euclid(60) + 59,
            false => seconds,
        };
        compare(seconds, nanos);
    }
    // The ends of the years written by hand, and the years chrono writes with a sign.
    for (seconds, nanos) in [
        (-62_167_219_200, 0),
        (-62_167_219_201, 999_999_999),
        (253_402_300_799, 999_999_999),
        (253_402_300_800, 0),
        (chrono::DateTime::<chrono::Utc>::MAX_UTC.timestamp(), 1),
        (chrono::DateTime::<chrono::Utc>::MIN_UTC.timestamp(), 0),
        (1_483_228_799, 1_000_000_000),
        (0, 0),
        (0, 100_000_000),
        (0, 100_000),
        (0, 100),
    ] {
        compare(seconds, nanos);
    }
}
