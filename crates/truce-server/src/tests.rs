//! Server tests: every request goes through `router(state).oneshot(request)`, with no
//! sockets and no sleeps, against a node on a temporary SQLite file with a test clock.
//!
//! `Fixture::send` is the one place that calls the router. It also checks every response
//! against the OpenAPI document: the status must be one the operation lists, the content
//! type one that status lists, and the body must validate against its schema. So each test
//! is also a conformance test of the document.

mod cap;
mod commands;
mod counts;
mod edge;
mod exports;
mod keys;
mod known_at;
mod layers;
mod ledger;
mod listen;
mod metrics;
mod monitoring;
mod openapi;
mod plan;
mod problems;
mod python;
mod reads;
mod sealing;
mod signin;
mod statements;
mod stream;
mod time;
mod tlog;
mod visibility;
mod web;
mod webhooks;

use std::{
    cell::RefCell,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
};

use axum::{
    body::Body,
    http::{header, Method, Request, StatusCode},
};
use http_body_util::BodyExt;
use parking_lot::Mutex;
use serde_json::{json, Value};
use tower::ServiceExt;
use truce_core::{AccountId, Command, CommandBody, Genesis, Name, Nonce, PublicKeyText, Timestamp};
use truce_ledger::{sign_command, LogKey, SecretKey};
use truce_store::{Clock, Node, NodeConfig, Submission};

use crate::{router, AppState};

/// An API token of `account`, put straight into the credentials as `POST /api/v1/tokens`
/// would, for tests of what signed-in accounts read.
pub fn token_for(state: &AppState, account: &str) -> String {
    let n = TOKENS_MADE.fetch_add(1, Ordering::Relaxed);
    let (token_id, secret) = (format!("test{n:08}"), format!("secret-{n}"));
    let row = truce_store::TokenRow {
        token_id: token_id.clone(),
        account_id: account.to_owned(),
        name: "test".to_owned(),
        created_at: T0.to_owned(),
        revoked_at: None,
    };
    state.auth.credentials.insert_token(&row, &crate::auth::secret_sha256(&secret)).expect("the token is stored");
    format!("{token_id}.{secret}")
}

static TOKENS_MADE: AtomicU64 = AtomicU64::new(0);

/// The checkpoint origin of every test log.
pub const ORIGIN: &str = "truce.test/log";

/// A clock that only moves when a test moves it.
pub struct TestClock {
    now: Mutex<Timestamp>,
}

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        *self.now.lock()
    }
}

impl TestClock {
    pub fn set(&self, at: &str) {
        *self.now.lock() = ts(at);
    }
}

pub fn ts(text: &str) -> Timestamp {
    Timestamp::parse(text).expect("tests use RFC 3339 timestamps")
}

/// A deterministic UUIDv7, so that snapshots hold stable ids.
pub fn id(n: u32) -> String {
    format!("01900000-0000-7000-8000-{n:012x}")
}

/// Who signs a command: a key, its account and the party the account speaks for.
#[derive(Clone)]
pub struct Signer {
    pub key: SecretKey,
    pub account: String,
    pub party: Option<String>,
}

impl Signer {
    pub fn public_key(&self) -> String {
        self.key.public_key().to_base64()
    }
}

/// A response, read in full.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|err| panic!("not JSON ({err}): {}", self.text))
    }

    /// The problem body, pretty-printed for a snapshot.
    pub fn problem(&self) -> String {
        assert_eq!(self.content_type, "application/problem+json", "{}", self.text);
        let mut text = serde_json::to_string_pretty(&self.json()).expect("JSON prints");
        text.insert_str(0, &format!("{}\n", self.status.as_u16()));
        text
    }
}

pub struct Fixture {
    _dir: tempfile::TempDir,
    pub state: AppState,
    pub clock: Arc<TestClock>,
    pub operator: Signer,
    pub log_key: LogKey,
    nonces: AtomicU64,
}

pub const T0: &str = "2016-12-12T08:00:00Z";

impl Fixture {
    /// A node with nothing but its genesis entry, written as `truce init` writes it.
    pub async fn new() -> Fixture {
        let fixture = Fixture::without_genesis();
        let (genesis, key) = (fixture.genesis(), &fixture.operator.key);
        let signature = sign_command(key, &genesis).expect("the genesis signs");
        let submission = Submission::verify(genesis, key.public_key(), signature).expect("the genesis verifies");
        fixture.state.node.submit(submission).await.expect("the writer replies").expect("the genesis is accepted");
        fixture
    }

    /// A node on a new, empty log: what `truce init` makes before it writes the genesis.
    pub fn without_genesis() -> Fixture {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let clock = Arc::new(TestClock { now: Mutex::new(ts(T0)) });
        let log_key = LogKey::new(ORIGIN, SecretKey::from_seed(&[1; 32])).expect("a valid key name");
        let config = NodeConfig {
            path: dir.path().join("truce.db"),
            checkpoint_path: dir.path().join("checkpoint"),
            log_key: LogKey::new(ORIGIN, SecretKey::from_seed(&[1; 32])).expect("a valid key name"),
            sealing_key_path: dir.path().join("sealing.key"),
            origin: ORIGIN.to_owned(),
            clock: clock.clone(),
        };
        let node = Node::create(config).expect("the log is created");
        let operator = Signer { key: SecretKey::from_seed(&[2; 32]), account: id(1), party: None };
        let state = AppState::new(node, clock.clone());
        Fixture { _dir: dir, state, clock, operator, log_key, nonces: AtomicU64::new(1) }
    }

    /// The genesis command of this log, registering `operator`.
    pub fn genesis(&self) -> Value {
        let operator = &self.operator;
        let genesis = Command {
            party: None,
            author: AccountId::parse(&operator.account).expect("a UUIDv7"),
            issued_at: ts(T0),
            nonce: Nonce::parse("genesis-nonce-0000").expect("a valid nonce"),
            body: CommandBody::Genesis(Genesis {
                operator_account_id: AccountId::parse(&operator.account).expect("a UUIDv7"),
                operator_name: Name::parse("Operator").expect("a valid name"),
                operator_public_key: PublicKeyText::parse(&operator.public_key()).expect("a public key"),
                log_origin: Name::parse(ORIGIN).expect("a valid name"),
            }),
        };
        serde_json::to_value(&genesis).expect("a command serialises")
    }

    /// Sends one request through the router and checks the response against the document.
    pub async fn send(&self, request: Request<Body>) -> Reply {
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        let response = router(self.state.clone()).oneshot(request).await.expect("the router is infallible");
        let status = response.status();
        let content_type =
            response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        // An event stream does not end by itself; `open_stream` reads one.
        let text = match content_type.starts_with("text/event-stream") {
            true => String::new(),
            false => {
                let bytes = response.into_body().collect().await.expect("the body reads").to_bytes();
                String::from_utf8(bytes.to_vec()).expect("every body is UTF-8")
            }
        };
        let reply = Reply { status, content_type, text };
        CONFORMANCE.with(|conformance| conformance.check(&method, &path, &reply));
        reply
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.send(Request::get(uri).body(Body::empty()).expect("a valid request")).await
    }

    /// `GET uri` as the signed-in `account`, by a bearer token.
    pub async fn get_as(&self, account: &str, uri: &str) -> Reply {
        let authorization = format!("Bearer {}", token_for(&self.state, account));
        let request = Request::get(uri).header(header::AUTHORIZATION, authorization).body(Body::empty());
        self.send(request.expect("a valid request")).await
    }

    /// Posts `body`; when the server accepts it, the documented request schema must too.
    pub async fn post_json(&self, uri: &str, body: &Value) -> Reply {
        let request = Request::post(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("a valid request");
        let reply = self.send(request).await;
        // A batch is answered 200 whatever became of its commands: accepted, it is every one.
        let accepted = match uri {
            "/api/v1/commands/batch" => {
                reply.status.is_success()
                    && reply.json()["results"].as_array().is_some_and(|results| {
                        results.iter().all(|result| result["status"] == StatusCode::CREATED.as_u16())
                    })
            }
            _ => reply.status.is_success(),
        };
        if accepted {
            CONFORMANCE.with(|conformance| conformance.check_request_body(&Method::POST, uri, body));
        }
        reply
    }

    /// A fresh nonce; nonces only need to be unique per key, these are unique per fixture.
    pub fn nonce(&self) -> String {
        format!("test-nonce-{:08}", self.nonces.fetch_add(1, Ordering::Relaxed))
    }

    /// The command object for `body`, issued now by `signer`.
    pub fn command(&self, signer: &Signer, body: Value) -> Value {
        json!({
            "party": signer.party,
            "author": signer.account,
            "issued_at": self.clock.now(),
            "nonce": self.nonce(),
            "body": body,
        })
    }

    /// The request body of `POST /api/v1/commands`: `command` signed by `signer`.
    pub fn sign(&self, signer: &Signer, command: Value) -> Value {
        let signature = sign_command(&signer.key, &command).expect("a JSON object signs");
        json!({ "command": command, "signer": signer.public_key(), "signature": signature.to_base64() })
    }

    pub async fn submit_signed(&self, signed: &Value) -> Reply {
        self.post_json("/api/v1/commands", signed).await
    }

    /// Signs and submits `body` as `signer`.
    pub async fn submit(&self, signer: &Signer, body: Value) -> Reply {
        let signed = self.sign(signer, self.command(signer, body));
        self.submit_signed(&signed).await
    }

    /// Submits `body` and insists that it is accepted.
    pub async fn accept(&self, signer: &Signer, body: Value) -> Value {
        let reply = self.submit(signer, body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        reply.json()
    }

    /// Everything a client can see of the log: its entries and the checkpoint.
    pub async fn log_view(&self) -> (Value, String) {
        let entries = self.get("/api/v1/ledger/entries?limit=1000").await.json();
        let checkpoint = self.get("/api/v1/ledger/checkpoint").await.text;
        (entries, checkpoint)
    }
}

/// The coordinators and things of a small world: three parties with a coordinator each,
/// two forces, and the besieged zone of East Aleppo.
pub struct World {
    pub fixture: Fixture,
    pub ru: Signer,
    pub opp: Signer,
    pub un: Signer,
}

pub const RU: u32 = 100;
pub const OPP: u32 = 101;
pub const UN: u32 = 102;
pub const SAA: u32 = 200;
pub const OPP_FORCE: u32 = 201;
pub const EAST_ALEPPO: u32 = 300;
pub const WEST_ALEPPO: u32 = 301;

/// The outer ring of East Aleppo, roughly, as [lon, lat].
pub fn east_aleppo_ring() -> Value {
    json!([[37.16, 36.19], [37.21, 36.19], [37.21, 36.23], [37.16, 36.23], [37.16, 36.19]])
}

impl World {
    pub async fn new() -> World {
        let fixture = Fixture::new().await;
        let operator = fixture.operator.clone();
        let mut signers = Vec::new();
        for (party, code, kind, account, seed) in [
            (RU, "RU", "state", 110, 11u8),
            (OPP, "OPP", "armed_group", 111, 12),
            (UN, "UN", "international_organisation", 112, 13),
        ] {
            fixture
                .accept(
                    &operator,
                    json!({"type": "register_party", "party_id": id(party), "code": code, "name": format!("Party {code}"), "kind": kind}),
                )
                .await;
            let signer =
                Signer { key: SecretKey::from_seed(&[seed; 32]), account: id(account), party: Some(id(party)) };
            fixture
                .accept(
                    &operator,
                    json!({"type": "register_account", "account_id": signer.account, "party_id": id(party),
                           "name": format!("{code} liaison"), "roles": ["coordinator"], "public_key": signer.public_key()}),
                )
                .await;
            signers.push(signer);
        }
        for (force, code, party) in [(SAA, "SAA", RU), (OPP_FORCE, "OPPF", OPP)] {
            fixture
                .accept(
                    &operator,
                    json!({"type": "register_force", "force_id": id(force), "code": code, "name": format!("Force {code}"), "party_ids": [id(party)]}),
                )
                .await;
        }
        fixture
            .accept(
                &operator,
                json!({"type": "define_zone", "zone_id": id(EAST_ALEPPO), "code": "EA", "name": "East Aleppo",
                       "kind": "besieged_area", "boundary": {"type": "Polygon", "coordinates": [east_aleppo_ring()]}}),
            )
            .await;
        fixture
            .accept(
                &operator,
                json!({"type": "define_zone", "zone_id": id(WEST_ALEPPO), "code": "WA", "name": "West Aleppo",
                       "kind": "city", "boundary": {"type": "Polygon", "coordinates": [[[37.10, 36.19], [37.15, 36.19], [37.15, 36.23], [37.10, 36.23], [37.10, 36.19]]]}}),
            )
            .await;
        let [ru, opp, un] = <[Signer; 3]>::try_from(signers).unwrap_or_else(|_| unreachable!("three signers"));
        World { fixture, ru, opp, un }
    }

    /// A UN account with `role` (`monitor`, `analyst`), registered by the UN's coordinator,
    /// signing with the key of `seed`.
    pub async fn un_account(&self, account: u32, seed: u8, role: &str) -> Signer {
        let signer = Signer { key: SecretKey::from_seed(&[seed; 32]), account: id(account), party: Some(id(UN)) };
        let body = json!({"type": "register_account", "account_id": signer.account, "party_id": id(UN),
                          "name": format!("UN {role}"), "roles": [role], "public_key": signer.public_key()});
        self.fixture.accept(&self.un, body).await;
        signer
    }
}

/// A corridor out of East Aleppo, open to civilians and the wounded in two windows.
pub fn corridor(corridor_id: u32, code: &str) -> Value {
    json!({
        "corridor_id": id(corridor_id),
        "code": code,
        "name": format!("Corridor {code}"),
        "route": {"type": "LineString", "coordinates": [[37.17, 36.20], [37.14, 36.21]]},
        "half_width_m": 150.0,
        "origin_zone_id": id(EAST_ALEPPO),
        "destination": {"zone_id": id(WEST_ALEPPO), "name": "West Aleppo"},
        "groups": ["civilians", "wounded", "fighters"],
        "windows": [
            {"start": "2016-12-12T10:00:00Z", "end": "2016-12-12T12:00:00Z", "groups": ["civilians", "wounded"]},
            {"start": "2016-12-12T14:00:00Z", "end": "2016-12-12T16:00:00Z", "groups": ["fighters"]}
        ],
    })
}

/// Terms between RU and OPP with one corridor and RU's undertaking not to attack it.
pub fn terms(corridor_id: u32, code: &str, commitment_id: u32) -> Value {
    json!({
        "corridors": [corridor(corridor_id, code)],
        "commitments": [{
            "commitment_id": id(commitment_id),
            "party_id": id(RU),
            "kind": "no_attack",
            "scope": {"corridor": id(corridor_id)},
            "force_ids": [id(SAA)],
            "text": "Forces answered for will not attack the corridor."
        }],
        "signatories": [id(RU), id(OPP)],
    })
}

/// The OpenAPI document with its schemas compiled as the tests need them.
struct Conformance {
    document: Value,
    compiled: RefCell<(boon::Compiler, boon::Schemas)>,
}

const DOCUMENT_URL: &str = "http://truce.test/openapi.json";

thread_local! {
    // Per test thread: boon's compiler is not `Send`.
    static CONFORMANCE: Conformance = {
        let document = crate::openapi_document();
        let mut compiler = boon::Compiler::new();
        compiler.set_default_draft(boon::Draft::V2020_12);
        compiler.enable_format_assertions();
        compiler.add_resource(DOCUMENT_URL, document.clone()).expect("the document URL parses");
        Conformance { document, compiled: RefCell::new((compiler, boon::Schemas::new())) }
    };
}

/// `~` and `/` escaped for a JSON pointer (RFC 6901).
pub fn pointer_escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

impl Conformance {
    /// The document's path template that `path` matches, if any.
    fn template_of(&self, path: &str) -> Option<String> {
        let segments: Vec<&str> = path.split('/').collect();
        let paths = self.document["paths"].as_object()?;
        paths
            .keys()
            .find(|template| {
                let parts: Vec<&str> = template.split('/').collect();
                parts.len() == segments.len()
                    && parts.iter().zip(&segments).all(|(part, segment)| part.starts_with('{') || part == segment)
            })
            .cloned()
    }

    /// A JSON pointer to the response the document gives for this request and status.
    fn response_pointer(&self, method: &Method, path: &str, status: StatusCode) -> String {
        let code = status.as_u16();
        let Some(template) = self.template_of(path) else {
            assert_eq!(code, 404, "{path} matches no documented path, yet did not answer 404");
            return "/components/responses/NotFound".to_owned();
        };
        let method = method.as_str().to_ascii_lowercase();
        let operation = &self.document["paths"][&template][&method];
        if operation.is_null() {
            assert_eq!(code, 405, "{method} {template} is not documented, yet did not answer 405");
            return "/components/responses/MethodNotAllowed".to_owned();
        }
        let response = &operation["responses"][code.to_string()];
        assert!(!response.is_null(), "{method} {template} answered {code}, which the document does not list");
        match response["$ref"].as_str() {
            Some(reference) => reference.trim_start_matches('#').to_owned(),
            None => format!("/paths/{}/{method}/responses/{code}", pointer_escape(&template)),
        }
    }

    /// Validates `body` against the schema at `location` (a URL into the document).
    fn validate(&self, location: &str, body: &Value) -> Result<(), String> {
        let mut compiled = self.compiled.borrow_mut();
        let (compiler, schemas) = &mut *compiled;
        let index = compiler.compile(location, schemas).unwrap_or_else(|err| panic!("{location}: {err:#}"));
        schemas.validate(body, index).map_err(|err| format!("{err:#}"))
    }

    fn check_request_body(&self, method: &Method, path: &str, body: &Value) {
        let template = self.template_of(path).expect("an accepted request is to a documented path");
        let method = method.as_str().to_ascii_lowercase();
        let location = format!(
            "{DOCUMENT_URL}#/paths/{}/{method}/requestBody/content/application~1json/schema",
            pointer_escape(&template)
        );
        if let Err(err) = self.validate(&location, body) {
            panic!("{method} {path} accepted a body that breaks its schema: {err}\n{body}");
        }
    }

    fn check(&self, method: &Method, path: &str, reply: &Reply) {
        let pointer = self.response_pointer(method, path, reply.status);
        let response = self.document.pointer(&pointer).expect("the response pointer resolves");
        let media_type = reply.content_type.split(';').next().unwrap_or_default().trim();
        let content = &response["content"][media_type];
        assert!(
            !content.is_null(),
            "{method} {path} answered {} with {:?}, which the document does not list",
            reply.status,
            reply.content_type
        );
        // Only JSON bodies have a schema beyond "a string"; XML and event streams are checked
        // by their own tests.
        if !media_type.ends_with("json") {
            return;
        }
        let body: Value = serde_json::from_str(&reply.text).expect("a JSON response body parses");
        let location = format!("{DOCUMENT_URL}#{pointer}/content/{}/schema", pointer_escape(media_type));
        if let Err(err) = self.validate(&location, &body) {
            panic!(
                "{method} {path} answered {} with a body that breaks its schema: {err}\n{}",
                reply.status, reply.text
            );
        }
    }
}
