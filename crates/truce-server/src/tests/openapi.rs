//! The OpenAPI document: served, structurally valid OpenAPI 3.1, in step with the router,
//! and its schemas say what the parsers say.

use std::collections::BTreeSet;

use axum::{
    body::Body,
    http::{header, Method, Request, StatusCode},
};
use expect_test::expect;
use serde_json::{json, Value};

use super::{pointer_escape, Fixture, World};

fn document() -> Value {
    crate::openapi_document()
}

/// Every `(method, path template)` the document lists.
fn operations(document: &Value) -> Vec<(Method, String)> {
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("a path item").keys() {
            let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).expect("an HTTP method");
            operations.push((method, path.clone()));
        }
    }
    operations
}

/// Every `$ref` in `value`, with where it was found.
fn references(value: &Value, at: &str, found: &mut Vec<(String, String)>) {
    match value {
        Value::Object(object) => {
            for (key, child) in object {
                if key == "$ref" {
                    found.push((at.to_owned(), child.as_str().expect("a $ref is a string").to_owned()));
                }
                references(child, &format!("{at}/{}", pointer_escape(key)), found);
            }
        }
        Value::Array(items) => {
            for (idx, child) in items.iter().enumerate() {
                references(child, &format!("{at}/{idx}"), found);
            }
        }
        _ => {}
    }
}

/// Compiles the schema at `pointer` in the document, which checks it against the JSON
/// Schema 2020-12 meta-schema.
fn compile(document: &Value, pointer: &str) -> Result<(boon::Schemas, boon::SchemaIndex), String> {
    let mut compiler = boon::Compiler::new();
    compiler.set_default_draft(boon::Draft::V2020_12);
    compiler.enable_format_assertions();
    compiler.add_resource("http://truce.test/openapi.json", document.clone()).map_err(|err| err.to_string())?;
    let mut schemas = boon::Schemas::new();
    let index = compiler
        .compile(&format!("http://truce.test/openapi.json#{pointer}"), &mut schemas)
        .map_err(|err| format!("{err:#}"))?;
    Ok((schemas, index))
}

/// Validates `instance` against the schema at `pointer` in the document.
fn validate(document: &Value, pointer: &str, instance: &Value) -> Result<(), String> {
    let (schemas, index) = compile(document, pointer)?;
    schemas.validate(instance, index).map_err(|err| format!("{err:#}"))
}

#[tokio::test]
async fn the_document_is_served_as_json_at_its_documented_path() {
    let fixture = Fixture::new().await;
    let reply = fixture.get("/api/v1/openapi.json").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.content_type, "application/json");
    assert_eq!(reply.json(), document());
}

#[test]
fn the_operations_are_these() {
    let document = document();
    let lines: Vec<String> = operations(&document)
        .iter()
        .map(|(method, path)| {
            let operation = &document["paths"][path][method.as_str().to_ascii_lowercase()];
            let statuses: Vec<&String> = operation["responses"].as_object().expect("responses").keys().collect();
            let parameters: Vec<&str> = operation["parameters"]
                .as_array()
                .map(|ps| ps.iter().filter_map(|p| p["name"].as_str()).collect())
                .unwrap_or_default();
            format!(
                "{method} {path} {} ({}) {:?}",
                operation["operationId"].as_str().expect("an id"),
                parameters.join(", "),
                statuses
            )
        })
        .collect();
    expect![[r#"
        GET /api/v1/accounts listAccounts (at, known_at, cursor, limit) ["200", "400", "401", "500"]
        GET /api/v1/agreements listAgreements (at, known_at, cursor, limit) ["200", "400", "401", "500"]
        GET /api/v1/agreements/{id} getAgreement (id, at, known_at) ["200", "400", "401", "404", "500"]
        GET /api/v1/alerts listAlerts (at, known_at, cursor, limit) ["200", "400", "401", "500"]
        GET /api/v1/alerts.atom getAlertsAtom (before) ["200", "400", "401", "500"]
        GET /api/v1/alerts/{id}.cap getAlertCap (id) ["200", "400", "401", "404", "500"]
        POST /api/v1/commands submitCommand () ["201", "400", "401", "403", "408", "409", "413", "422", "500", "503"]
        POST /api/v1/commands/batch submitCommands () ["200", "400", "408", "413", "500"]
        GET /api/v1/commitments listCommitments (at, known_at, cursor, limit) ["200", "400", "401", "500"]
        GET /api/v1/consents listConsents (at, known_at, cursor, limit) ["200", "400", "401", "500"]
        GET /api/v1/convoys listConvoys (at, known_at, cursor, limit) ["200", "400", "401", "500"]
        GET /api/v1/corridors listCorridors (at, known_at, cursor, limit) ["200", "400", "401", "500"]
        GET /api/v1/corridors.geojson getCorridorsGeoJson (at, known_at, as) ["200", "400", "401", "500"]
        GET /api/v1/corridors/{id} getCorridor (id, at, known_at) ["200", "400", "401", "404", "500"]
        GET /api/v1/corridors/{id}/movement getCorridorMovement (id, at, known_at) ["200", "400", "401", "404", "500"]
        GET /api/v1/counts listCounts (at, known_at, cursor, limit, bbox, from, grade, kind, party, to) ["200", "400", "401", "500"]
        GET /api/v1/exports/commitments exportCommitments (at, known_at, bbox, from, grade, kind, party, to, format) ["200", "400", "401", "500"]
        GET /api/v1/exports/corridors exportCorridors (at, known_at, bbox, from, grade, kind, party, to, format) ["200", "400", "401", "500"]
        GET /api/v1/exports/counts exportCounts (at, known_at, bbox, from, grade, kind, party, to, format) ["200", "400", "401", "500"]
        GET /api/v1/exports/incidents exportIncidents (at, known_at, bbox, from, grade, kind, party, to, format) ["200", "400", "401", "500"]
        GET /api/v1/exports/passages exportPassages (at, known_at, bbox, from, grade, kind, party, to, format) ["200", "400", "401", "500"]
        GET /api/v1/exports/violations exportViolations (at, known_at, bbox, from, grade, kind, party, to, format) ["200", "400", "401", "500"]
        GET /api/v1/forces listForces (at, known_at, cursor, limit) ["200", "400", "401", "500"]
        GET /api/v1/incidents listIncidents (at, known_at, cursor, limit, bbox, from, grade, kind, party, to) ["200", "400", "401", "500"]
        GET /api/v1/incidents.geojson getIncidentsGeoJson (at, known_at, bbox, from, grade, kind, party, to) ["200", "400", "401", "500"]
        GET /api/v1/incidents/{id} getIncident (id, at, known_at) ["200", "400", "401", "404", "500"]
        GET /api/v1/ledger/checkpoint getCheckpoint () ["200", "500"]
        GET /api/v1/ledger/entries listEntries (from, limit) ["200", "400", "500"]
        GET /api/v1/ledger/key getLogKey () ["200", "500"]
        GET /api/v1/ledger/proof/consistency getConsistencyProof (from, to) ["200", "400", "500"]
        GET /api/v1/ledger/proof/inclusion getInclusionProof (seq, size) ["200", "400", "500"]
        GET /api/v1/notifications listNotifications (at, known_at, cursor, limit) ["200", "400", "401", "500"]
        GET /api/v1/notifications/{id} getNotification (id, at, known_at) ["200", "400", "401", "404", "500"]
        GET /api/v1/observations listObservations (at, known_at, cursor, limit) ["200", "400", "401", "500"]
        GET /api/v1/openapi.json getOpenApi () ["200", "500"]
        GET /api/v1/parties listParties (at, known_at, cursor, limit) ["200", "400", "401", "500"]
        GET /api/v1/parties/{id} getParty (id, at, known_at) ["200", "400", "401", "404", "500"]
        GET /api/v1/passages listPassages (at, known_at, cursor, limit, bbox, from, grade, kind, party, to, corridor_id) ["200", "400", "401", "500"]
        POST /api/v1/password setPassword () ["200", "400", "401", "403", "408", "409", "413", "422", "500", "503"]
        GET /api/v1/retractions listRetractions (at, known_at, cursor, limit) ["200", "400", "401", "500"]
        DELETE /api/v1/session signOut () ["200", "401", "500"]
        GET /api/v1/session getSession () ["200", "401", "500"]
        POST /api/v1/session signIn () ["201", "400", "401", "403", "408", "409", "413", "422", "429", "500", "503"]
        GET /api/v1/statements listStatements (at, known_at, cursor, limit) ["200", "400", "401", "500"]
        GET /api/v1/status getStatus () ["200", "500"]
        GET /api/v1/stream streamAlerts (Last-Event-ID) ["200", "400", "500", "503"]
        GET /api/v1/tlog/checkpoint getTlogCheckpoint () ["200", "500"]
        GET /api/v1/tlog/tile/{path} getTlogTile (path) ["200", "400", "404", "500"]
        GET /api/v1/tokens listTokens () ["200", "401", "500"]
        POST /api/v1/tokens createToken () ["201", "400", "401", "403", "408", "409", "413", "422", "500", "503"]
        DELETE /api/v1/tokens/{id} revokeToken (id) ["200", "400", "401", "404", "500"]
        GET /api/v1/violations listViolations (at, known_at, cursor, limit, bbox, from, grade, kind, party, to, status) ["200", "400", "401", "500"]
        GET /api/v1/violations.geojson getViolationsGeoJson (at, known_at, bbox, from, grade, kind, party, to) ["200", "400", "401", "500"]
        GET /api/v1/webhooks/deliveries listWebhookDeliveries () ["200", "401", "500"]
        GET /api/v1/webhooks/subscriptions listWebhookSubscriptions () ["200", "401", "403", "404", "500"]
        POST /api/v1/webhooks/subscriptions createWebhookSubscription () ["201", "400", "401", "403", "404", "408", "409", "413", "422", "500", "503"]
        DELETE /api/v1/webhooks/subscriptions/{id} deleteWebhookSubscription (id) ["200", "400", "401", "403", "404", "500"]
        GET /api/v1/zones listZones (at, known_at, cursor, limit) ["200", "400", "401", "500"]
        GET /api/v1/zones.geojson getZonesGeoJson (at, known_at) ["200", "400", "401", "500"]
        GET /api/v1/zones/{id} getZone (id, at, known_at) ["200", "400", "401", "404", "500"]
        GET /api/v1/zones/{id}/population getZonePopulation (id, at, known_at) ["200", "400", "401", "404", "500"]
        GET /healthz getHealth () ["200", "500"]
        GET /readyz getReady () ["200", "500", "503"]"#]]
    .assert_eq(&lines.join("\n"));
}

/// Whether axum would call `handler` with an `AsOf`, as `Route::get` reads it off the type.
fn takes_as_of<T: crate::openapi::HandlerArgs, H: axum::handler::Handler<T, crate::AppState>>(_handler: H) -> bool {
    T::TAKES_AS_OF
}

#[test]
fn a_handler_takes_as_of_when_one_of_its_extractors_is_as_of() {
    assert!(takes_as_of(crate::read::parties));
    assert!(takes_as_of(crate::read::party), "after a path parameter");
    assert!(takes_as_of(crate::read::zones_geojson), "alone");
    assert!(takes_as_of(crate::alerts::alerts));
    assert!(!takes_as_of(crate::ledger::entries));
    assert!(!takes_as_of(crate::alerts::alert_cap));
    assert!(!takes_as_of(crate::api::submit_command));
    assert!(!takes_as_of(crate::openapi::openapi_json), "no extractor at all");
}

#[test]
fn every_route_whose_handler_takes_as_of_documents_at_and_known_at_and_no_other_route_does() {
    let document = document();
    let mut taking = 0;
    for route in crate::openapi::routes() {
        let context = format!("{} {}", route.method, route.path);
        let operation = &document["paths"][route.path][route.method.as_str().to_ascii_lowercase()];
        let parameters = operation["parameters"].as_array().cloned().unwrap_or_default();
        let time =
            |name: &str| parameters.iter().find(|p| p["name"] == json!(name) && p["in"] == json!("query")).cloned();
        let (at, known_at) = (time("at"), time("known_at"));
        if !route.doc.as_of {
            assert_eq!((at, known_at), (None, None), "{context} does not take `AsOf`, yet documents its times");
            continue;
        }
        taking += 1;
        let (at, known_at) = match (at, known_at) {
            (Some(at), Some(known_at)) => (at, known_at),
            other => panic!("{context} takes `AsOf` but does not document both `at` and `known_at`: {other:?}"),
        };
        for (parameter, says) in [(&at, "valid time"), (&known_at, "record time")] {
            assert_eq!(parameter["required"], json!(false), "{context}: {parameter}");
            assert_eq!(parameter["schema"]["$ref"], json!("#/components/schemas/Timestamp"), "{context}: {parameter}");
            let description = parameter["description"].as_str().unwrap_or_default();
            assert!(description.contains(says), "{context}: {parameter}");
        }
        assert!(!operation["responses"]["400"].is_null(), "{context}: a bad time is a 400, undocumented");
    }
    assert!(taking > 20, "only {taking} routes take `AsOf`");
}

#[test]
fn the_document_is_structurally_openapi_3_1() {
    let document = document();
    assert_eq!(document["openapi"], json!("3.1.0"));
    assert!(document["info"]["title"].is_string());
    assert!(document["info"]["version"].is_string());
    let mut operation_ids = BTreeSet::new();
    for (method, path) in operations(&document) {
        // The liveness probe sits at the root, where probes look for it.
        assert!(path.starts_with("/api/v1/") || path == "/healthz" || path == "/readyz", "{path}");
        let operation = &document["paths"][&path][method.as_str().to_ascii_lowercase()];
        let operation_id = operation["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no id"));
        assert!(operation_ids.insert(operation_id.to_owned()), "operationId {operation_id} is used twice");
        assert!(operation["summary"].is_string(), "{operation_id} has no summary");
        let responses = operation["responses"].as_object().expect("responses");
        assert!(responses.keys().any(|status| status.starts_with('2')), "{operation_id} has no success response");
        for (status, response) in responses {
            assert!(status.len() == 3 && status.parse::<u16>().is_ok(), "{operation_id}: status {status}");
            let response = match response["$ref"].as_str() {
                Some(reference) => document.pointer(reference.trim_start_matches('#')).expect("resolves"),
                None => response,
            };
            assert!(response["description"].is_string(), "{operation_id} {status} has no description");
            let content = response["content"].as_object().expect("every response has content");
            for (media_type, media) in content {
                assert!(media["schema"].is_object(), "{operation_id} {status} {media_type} has no schema");
            }
        }

        // Path parameters and `{name}` segments match one to one.
        let in_path: BTreeSet<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.split_once('}')).map(|(name, _)| name))
            .collect();
        let parameters = operation["parameters"].as_array().cloned().unwrap_or_default();
        let declared: BTreeSet<&str> =
            parameters.iter().filter(|p| p["in"] == json!("path")).filter_map(|p| p["name"].as_str()).collect();
        assert_eq!(in_path, declared, "{operation_id}: path parameters");
        let mut names = BTreeSet::new();
        for parameter in &parameters {
            let name = parameter["name"].as_str().expect("a parameter name");
            assert!(names.insert((name, parameter["in"].as_str())), "{operation_id}: {name} twice");
            assert!(
                ["path", "query", "header"].contains(&parameter["in"].as_str().unwrap_or("")),
                "{operation_id}: {name}"
            );
            assert!(parameter["schema"].is_object(), "{operation_id}: {name} has no schema");
            if parameter["in"] == json!("path") {
                assert_eq!(parameter["required"], json!(true), "{operation_id}: path parameter {name}");
            }
        }
        if method == Method::POST {
            assert!(operation["requestBody"]["content"]["application/json"]["schema"].is_object(), "{operation_id}");
        }
    }
    for name in document["components"]["schemas"].as_object().expect("schemas").keys() {
        let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
        assert!(valid, "component name {name:?} is not allowed by OpenAPI");
    }
}

#[test]
fn every_reference_in_the_document_resolves() {
    let document = document();
    let mut found = Vec::new();
    references(&document, "", &mut found);
    assert!(found.len() > 50, "only {} references", found.len());
    for (at, reference) in found {
        let pointer = reference.strip_prefix('#').unwrap_or_else(|| panic!("{at}: {reference} is not local"));
        assert!(document.pointer(pointer).is_some(), "{at}: {reference} does not resolve");
    }
}

#[test]
fn every_schema_is_valid_json_schema_2020_12() {
    let document = document();
    let schemas = document["components"]["schemas"].as_object().expect("schemas");
    for name in schemas.keys() {
        compile(&document, &format!("/components/schemas/{name}")).unwrap_or_else(|err| panic!("{name}: {err}"));
    }
}

/// A request that reaches the handler of a documented operation.
fn request_for(method: &Method, path: &str) -> Request<Body> {
    let uri = path.replace("{id}", "no-such-thing");
    let builder = Request::builder().method(method.clone()).uri(uri);
    match *method {
        Method::POST => builder.header(header::CONTENT_TYPE, "application/json").body(Body::from("{}")),
        _ => builder.body(Body::empty()),
    }
    .expect("a valid request")
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let fixture = Fixture::new().await;
    for (method, path) in operations(&document()) {
        let reply = fixture.send(request_for(&method, &path)).await;
        let kind = serde_json::from_str::<Value>(&reply.text).ok().and_then(|v| v["type"].as_str().map(str::to_owned));
        assert_ne!(kind.as_deref(), Some("/problems/no-such-route"), "{method} {path} is documented but not routed");
        assert_ne!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path} is documented but not routed");
    }
}

#[tokio::test]
async fn every_undocumented_method_on_a_documented_path_is_a_405_problem() {
    // With `every_documented_operation_is_routed`, this pins the router to the table: a
    // method routed on a path without a documented operation would not answer 405.
    let fixture = Fixture::new().await;
    let document = document();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in [Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            if item.get(method.as_str().to_ascii_lowercase()).is_some() {
                continue;
            }
            let reply = fixture.send(request_for(&method, path)).await;
            assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}: {}", reply.text);
            assert_eq!(reply.json()["type"], json!("/problems/method-not-allowed"), "{method} {path}");
        }
    }
}

#[tokio::test]
async fn a_405_problem_says_which_method_and_path() {
    let fixture = Fixture::new().await;
    let reply = fixture.send(request_for(&Method::DELETE, "/api/v1/commands")).await;
    expect![[r#"
        405
        {
          "detail": "DELETE is not allowed on /api/v1/commands",
          "instance": "/api/v1/commands",
          "status": 405,
          "title": "Method not allowed",
          "type": "/problems/method-not-allowed"
        }"#]]
    .assert_eq(&reply.problem());
}

fn command_schema() -> &'static str {
    "/components/schemas/Command"
}

#[tokio::test]
async fn the_command_schema_accepts_what_the_server_accepts() {
    // Every entry of a world built through the API holds a command the server accepted.
    let world = World::new().await;
    let document = document();
    let entries = world.fixture.get("/api/v1/ledger/entries").await.json();
    for entry in entries["entries"].as_array().expect("entries") {
        let entry: Value = serde_json::from_str(entry["entry"].as_str().expect("text")).expect("JSON");
        validate(&document, command_schema(), &entry["command"]).unwrap_or_else(|err| panic!("{err}\n{entry}"));
        for event in entry["events"].as_array().expect("events") {
            validate(&document, "/components/schemas/Event", event).unwrap_or_else(|err| panic!("{err}\n{event}"));
        }
    }
}

#[test]
fn the_geometry_schemas_say_longitude_first_and_in_range() {
    let document = document();
    let position = "/components/schemas/Position";
    assert!(validate(&document, position, &json!([37.17, 36.2])).is_ok());
    assert!(validate(&document, position, &json!([-180, 90])).is_ok());
    assert!(validate(&document, position, &json!([200, 36.2])).is_err(), "longitude past 180");
    assert!(validate(&document, position, &json!([37.17, 91])).is_err(), "latitude past 90");
    assert!(validate(&document, position, &json!([37.17])).is_err(), "one number");
    assert!(validate(&document, position, &json!([37.17, 36.2, 400])).is_err(), "three numbers");
    let line = "/components/schemas/LineString";
    assert!(
        validate(&document, line, &json!({"type": "LineString", "coordinates": [[37.1, 36.2], [37.2, 36.2]]})).is_ok()
    );
    assert!(validate(&document, line, &json!({"type": "LineString", "coordinates": [[37.1, 36.2]]})).is_err());
    assert!(
        validate(&document, line, &json!({"type": "Polygon", "coordinates": [[37.1, 36.2], [37.2, 36.2]]})).is_err()
    );
    let polygon = "/components/schemas/Polygon";
    let ring = json!([[37.1, 36.1], [37.2, 36.1], [37.2, 36.2], [37.1, 36.1]]);
    assert!(validate(&document, polygon, &json!({"type": "Polygon", "coordinates": [ring]})).is_ok());
    assert!(validate(&document, polygon, &json!({"type": "Polygon", "coordinates": []})).is_err());
    assert!(validate(&document, polygon, &json!({"type": "Polygon", "coordinates": [[[37.1, 36.1]]]})).is_err());
}

#[test]
fn the_schemas_of_ids_names_and_times_carry_their_bounds() {
    let document = document();
    let schema = |name: &str| document["components"]["schemas"][name].clone();
    assert_eq!(schema("PartyId")["format"], json!("uuid"));
    assert_eq!(schema("Timestamp")["format"], json!("date-time"));
    assert_eq!(schema("Name")["maxLength"], json!(truce_core::NAME_LEN_MAX));
    assert_eq!(schema("Nonce")["minLength"], json!(truce_core::NONCE_LEN_MIN));
    assert!(validate(&document, "/components/schemas/Code", &json!("EA-1")).is_ok());
    assert!(validate(&document, "/components/schemas/Code", &json!("EA 1")).is_err());
    assert!(
        validate(&document, "/components/schemas/PartyId", &json!("01900000-0000-4000-8000-000000000001")).is_err(),
        "a UUIDv4"
    );
    let command = json!({
        "author": super::id(1), "issued_at": "2016-12-12T08:00:00Z", "nonce": "n", "body": {"type": "endorse"}
    });
    assert!(validate(&document, command_schema(), &command).is_err(), "a short nonce and a body without fields");
}

#[test]
fn an_independent_openapi_3_1_parser_reads_the_document_and_resolves_every_reference() {
    let text = crate::openapi::document_text();
    let spec = oas3::from_json(text).unwrap_or_else(|err| panic!("oas3 cannot read the document: {err}"));
    assert_eq!(spec.openapi, "3.1.0");
    let operations: Vec<_> = spec.operations().collect();
    assert_eq!(operations.len(), crate::openapi::routes().len());
    for (path, method, operation) in operations {
        let context = format!("{method} {path}");
        operation.parameters(&spec).unwrap_or_else(|err| panic!("{context}: parameters: {err}"));
        operation.request_body(&spec).unwrap_or_else(|err| panic!("{context}: request body: {err}"));
        let declared = operation.responses.as_ref().map_or(0, |r| r.len());
        let resolved = operation.responses(&spec);
        assert_eq!(resolved.len(), declared, "{context}: a response does not resolve");
        for (status, response) in resolved {
            for (media_type, media) in &response.content {
                let schema = media.schema.as_ref().unwrap_or_else(|| panic!("{context} {status} {media_type}"));
                schema.resolve(&spec).unwrap_or_else(|err| panic!("{context} {status} {media_type}: {err}"));
            }
        }
    }
}

#[test]
fn any_query_string_on_any_read_is_answered_as_documented_and_never_with_a_5xx() {
    use proptest::{
        collection,
        test_runner::{Config, RngAlgorithm, TestRng, TestRunner},
    };

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let world = runtime.block_on(World::new());
    let reads: Vec<String> = operations(&document())
        .into_iter()
        .filter(|(method, _)| method == Method::GET)
        .map(|(_, path)| path.replace("{id}", "EA"))
        .collect();
    let names = ["at", "known_at", "cursor", "limit", "from", "seq", "size", "to", "x"];
    let config = Config { cases: 256, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let strategy = (0..reads.len(), collection::vec((0..names.len(), "[0-9a-zA-Z:+.TZ-]{0,24}|\\PC{0,8}"), 0..4));
    runner
        .run(&strategy, |(read, parameters)| {
            let query: Vec<String> = parameters
                .iter()
                .map(|(name, value)| {
                    format!(
                        "{}={}",
                        names[*name],
                        form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>()
                    )
                })
                .collect();
            let uri = format!("{}?{}", reads[read], query.join("&"));
            // `send` panics on a response the document does not describe.
            let reply = runtime.block_on(world.fixture.get(&uri));
            assert!(reply.status.as_u16() < 500, "{uri}: {}", reply.text);
            Ok(())
        })
        .unwrap_or_else(|err| panic!("{err}"));
}

/// Every kind of command, read off core's schema of command bodies (one `type` constant per
/// variant), so that a kind added to core is listed here without anyone listing it.
fn every_command_kind() -> Vec<String> {
    let schema = serde_json::to_value(schemars::schema_for!(truce_core::CommandBody)).expect("a schema is JSON");
    let variants = schema["oneOf"].as_array().expect("one schema per kind of command body");
    let kinds: Vec<String> = variants
        .iter()
        .map(|variant| {
            let tag = &variant["properties"]["type"];
            tag["const"].as_str().or_else(|| tag["enum"][0].as_str()).expect("each variant names its type").to_owned()
        })
        .collect();
    assert_eq!(kinds.len(), variants.len());
    kinds
}

#[test]
fn every_kind_of_command_but_genesis_has_an_example_that_verifies_and_parses() {
    let document = crate::openapi_document();
    let examples = document["paths"]["/api/v1/commands"]["post"]["requestBody"]["content"]["application/json"]
        ["examples"]
        .as_object()
        .expect("examples of commands");
    for (kind, example) in examples {
        let value = &example["value"];
        let signer = truce_ledger::PublicKey::parse_base64(value["signer"].as_str().expect("a signer"))
            .expect("the signer is a key");
        let signature = truce_ledger::Signature::parse_base64(value["signature"].as_str().expect("a signature"))
            .expect("the signature decodes");
        let submission = truce_store::Submission::verify(value["command"].clone(), signer, signature)
            .unwrap_or_else(|err| panic!("example {kind}: {err}"));
        assert_eq!(submission.command().body.kind(), kind.as_str());
    }
    let mut expected = every_command_kind();
    assert!(expected.contains(&"mark_time".to_owned()), "the kinds are read off the schema: {expected:?}");
    // Only `truce init` writes the genesis; the route refuses it.
    expected.retain(|kind| kind != "genesis");
    expected.sort();
    let mut kinds: Vec<String> = examples.keys().cloned().collect();
    kinds.sort();
    assert_eq!(kinds, expected, "every kind of command has one example, and genesis none");
    // The scenario's own commands are still the examples of their kinds.
    let from_scenario: Vec<&str> = examples
        .iter()
        .filter(|(_, example)| {
            example["summary"].as_str().is_some_and(|s| s.ends_with("from the bundled Aleppo 2016 scenario"))
        })
        .map(|(kind, _)| kind.as_str())
        .collect();
    expect!["add_source define_zone endorse estimate_population make_statement propose_agreement propose_version record_passage record_zone_control register_force register_party reject report_incident report_total withdraw"]
        .assert_eq(&from_scenario.join(" "));
}

#[test]
fn the_document_names_its_security_schemes_and_the_webhook_it_sends() {
    let document = crate::openapi_document();
    let schemes = document["components"]["securitySchemes"].as_object().expect("security schemes");
    assert_eq!(schemes["sessionCookie"]["name"], crate::auth::SESSION_COOKIE);
    assert_eq!(schemes["bearerToken"]["scheme"], "bearer");
    let webhook = &document["webhooks"]["alert"]["post"];
    let headers: Vec<&str> =
        webhook["parameters"].as_array().expect("headers").iter().filter_map(|p| p["name"].as_str()).collect();
    assert_eq!(
        headers,
        [crate::webhooks::ID_HEADER, crate::webhooks::TIMESTAMP_HEADER, crate::webhooks::SIGNATURE_HEADER]
    );
    let schema = webhook["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str().expect("a $ref");
    assert!(schema.ends_with("/Alert"), "{schema}");
}
