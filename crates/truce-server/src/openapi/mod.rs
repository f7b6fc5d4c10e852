//! The route table and the OpenAPI 3.1 document made from it.
//!
//! `routes()` is the one list of routes: `router()` mounts exactly these handlers, and
//! `build_document()` describes exactly these operations, so neither can have a route the other
//! lacks. Each route states its path and handler once; its parameters and bodies come from
//! the same Rust types the handlers parse and return (query structs, DTOs and, through the
//! `schema` feature of truce-core, the command and projection types), rendered by schemars
//! as JSON Schema 2020-12, which OpenAPI 3.1 uses as it is. What is written by hand here is
//! prose: summaries, descriptions and which error responses an operation can give.

mod examples;
mod routes;

use std::sync::OnceLock;

use axum::{
    handler::Handler,
    http::{header, HeaderMap, Method},
    response::{IntoResponse, Response},
    routing::{self, MethodRouter},
};
use schemars::{generate::SchemaSettings, JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Map, Value};
use truce_core::{Account, ConsentRecord, Force, Party, Polygon, RetractionRecord};

use crate::{
    alerts::{self, AlertView, AlertsQuery, AtomQuery, ATOM_CONTENT_TYPE, CAP_CONTENT_TYPE},
    api::{self, BatchReply, CommandReceipt, SignedCommand, SignedCommands},
    as_of::{AsOf, AsOfParams},
    auth::{
        routes::{
            self as auth_routes, CreatedToken, NewToken, PasswordSet, SessionView, SignIn, SignedOut,
            SignedPasswordRequest, TokenView, TokensView,
        },
        ClientAddr, Viewer,
    },
    counts,
    exports::{self, CSV_MEDIA_TYPE},
    extract::{ApiJsonText, ApiPath, ApiQuery},
    filters::{FilterParams, Filters, Paging},
    layers,
    ledger::{self, ConsistencyProof, ConsistencyQuery, EntriesPage, EntriesQuery, InclusionProof, InclusionQuery},
    monitoring::{
        self, ConvoyView, IncidentView, MovementView, PassageView, PassagesQuery, PopulationView, StatementView,
        ViolationView, ViolationsQuery,
    },
    notifications,
    observations::{self, ObservationView},
    problem::{Problem, PROBLEM_CONTENT_TYPE},
    read::{
        self, AgreementView, CommitmentView, CorridorView, FeatureCollection, Page, PartyDetail, StatusView,
        ZoneDetail, ZoneProperties, ZoneView, GEOJSON_CONTENT_TYPE,
    },
    stream, tlog,
    webhooks::{self, CreatedSubscription, DeliveriesView, NewSubscription, SubscriptionsView},
    AppState,
};

use self::examples::webhooks_section;
/// Renders the schema of a type into the generator's components, returning a `$ref` to it
/// (or the schema itself, for types schemars inlines).
pub(crate) use self::{examples::command_examples, routes::routes};

pub(crate) type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

fn schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// A query struct's own object schema, whose properties become the query parameters.
fn object_schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    T::json_schema(generator)
}

/// What a handler's extractors mean for the document, read off its type. axum implements
/// `Handler<T, S>` for a function of extractors `T1, .., Tn` with `T = (M, T1, .., Tn)` (and
/// `((),)` for none), so `Route::get` learns from `T` whether the handler takes `AsOf` (the
/// document then gives the route `at` and `known_at`) and which query parameters its other
/// extractors take (`Paging`, `Filters`). A handler with an extractor not listed here does not
/// compile until it is.
pub(crate) trait HandlerArgs {
    const TAKES_AS_OF: bool;

    /// The query parameters the extractors take, besides `AsOf`'s and the route's own.
    fn queries() -> Vec<SchemaFn> {
        Vec::new()
    }

    /// Whether every extractor that takes query parameters comes before `AsOf`, which
    /// refuses the parameters left when it runs.
    fn in_order() -> bool {
        true
    }
}

/// An extractor a handler may take; only `AsOf` reads the projection as of two times.
pub(crate) trait HandlerArg {
    const IS_AS_OF: bool = false;
    /// The query parameters it takes out of the query string, for those that take some.
    const QUERY: Option<SchemaFn> = None;
}

impl<S> HandlerArg for axum::extract::State<S> {}
impl<T> HandlerArg for ApiJsonText<T> {}
impl<T> HandlerArg for ApiPath<T> {}
impl<T> HandlerArg for ApiQuery<T> {}
impl HandlerArg for HeaderMap {}
impl HandlerArg for Viewer {}
impl HandlerArg for ClientAddr {}
impl<Q> HandlerArg for AsOf<Q> {
    const IS_AS_OF: bool = true;
}
impl HandlerArg for Paging {
    const QUERY: Option<SchemaFn> = Some(object_schema_of::<Paging>);
}
impl HandlerArg for Filters {
    const QUERY: Option<SchemaFn> = Some(object_schema_of::<FilterParams>);
}

impl HandlerArgs for ((),) {
    const TAKES_AS_OF: bool = false;
}

macro_rules! handler_args {
    ($($arg:ident),+) => {
        impl<M, $($arg: HandlerArg),+> HandlerArgs for (M, $($arg,)+) {
            const TAKES_AS_OF: bool = false $(|| $arg::IS_AS_OF)+;

            fn queries() -> Vec<SchemaFn> {
                [$($arg::QUERY),+].into_iter().flatten().collect()
            }

            fn in_order() -> bool {
                let mut as_of_seen = false;
                for (is_as_of, takes_query) in [$(($arg::IS_AS_OF, $arg::QUERY.is_some())),+] {
                    if takes_query && as_of_seen {
                        return false;
                    }
                    as_of_seen |= is_as_of;
                }
                true
            }
        }
    };
}

handler_args!(A);
handler_args!(A, B);
handler_args!(A, B, C);
handler_args!(A, B, C, D);

/// One route: where, which handler, and what the document says about it.
pub(crate) struct Route {
    pub method: Method,
    /// The path as documented.
    pub path: &'static str,
    /// The path as the router matches it: the documented path, except where the router
    /// cannot match a parameter followed by a suffix (`{id}.cap`), which the handler checks.
    pub mount: &'static str,
    pub handler: MethodRouter<AppState>,
    pub doc: Doc,
}

/// What the OpenAPI document says about one operation.
pub(crate) struct Doc {
    pub operation_id: &'static str,
    pub tag: &'static str,
    pub summary: &'static str,
    pub description: &'static str,
    /// The `{name}` segments of the path, each with its description.
    pub path_params: Vec<(&'static str, &'static str)>,
    /// Request headers the operation reads, each with its description.
    pub headers: Vec<(&'static str, &'static str)>,
    /// Whether the handler takes `AsOf`, so the operation takes `at` and `known_at`; set by
    /// `Route::get` from the handler's type, never by hand.
    pub as_of: bool,
    /// The query parameters of the handler's other extractors (`Paging`, `Filters`); set by
    /// `Route::get` from the handler's type, never by hand.
    pub arg_queries: Vec<SchemaFn>,
    /// The route's own query parameters, besides `at` and `known_at`.
    pub query: Option<SchemaFn>,
    pub body: Option<SchemaFn>,
    pub ok_status: u16,
    pub ok_description: &'static str,
    pub ok_body: Body,
    /// Error statuses beyond those `error_statuses` derives from the request's parts.
    pub extra_errors: Vec<u16>,
    /// Whether a refusal of what the body carries is answered in the body of a 200, one per
    /// item (a batch), rather than as the reply's status.
    pub refusals_in_body: bool,
}

/// What a successful response carries.
pub(crate) enum Body {
    Json(SchemaFn),
    GeoJson(SchemaFn),
    /// `text/plain`, with what the text is.
    Text(&'static str),
    /// A non-JSON document: its media type and what it is.
    Document(&'static str, &'static str),
    /// An export: GeoJSON of this schema, or CSV (plain or HXL-tagged) of the same columns.
    Export(SchemaFn),
}

impl Route {
    fn get<H: Handler<T, AppState>, T: HandlerArgs + 'static>(path: &'static str, handler: H, doc: Doc) -> Route {
        assert!(T::in_order(), "{path}: `Paging` and `Filters` come before `AsOf` in the handler's arguments");
        let doc = Doc { as_of: T::TAKES_AS_OF, arg_queries: T::queries(), ..doc };
        Route { method: Method::GET, path, mount: path, handler: routing::get(handler), doc }
    }

    fn mounted_at(mut self, mount: &'static str) -> Route {
        self.mount = mount;
        self
    }

    fn post<H: Handler<T, AppState>, T: HandlerArgs + 'static>(path: &'static str, handler: H, doc: Doc) -> Route {
        assert!(T::in_order(), "{path}: `Paging` and `Filters` come before `AsOf` in the handler's arguments");
        let doc = Doc { as_of: T::TAKES_AS_OF, arg_queries: T::queries(), ..doc };
        Route { method: Method::POST, path, mount: path, handler: routing::post(handler), doc }
    }

    fn delete<H: Handler<T, AppState>, T: HandlerArgs + 'static>(path: &'static str, handler: H, doc: Doc) -> Route {
        assert!(T::in_order(), "{path}: `Paging` and `Filters` come before `AsOf` in the handler's arguments");
        let doc = Doc { as_of: T::TAKES_AS_OF, arg_queries: T::queries(), ..doc };
        Route { method: Method::DELETE, path, mount: path, handler: routing::delete(handler), doc }
    }
}

impl Doc {
    fn new(operation_id: &'static str, tag: &'static str, summary: &'static str) -> Doc {
        Doc {
            operation_id,
            tag,
            summary,
            description: "",
            path_params: Vec::new(),
            headers: Vec::new(),
            as_of: false,
            arg_queries: Vec::new(),
            query: None,
            body: None,
            ok_status: 200,
            ok_description: "",
            ok_body: Body::Text(""),
            extra_errors: Vec::new(),
            refusals_in_body: false,
        }
    }

    /// The body's items are refused one by one in the reply (`refusals_in_body`).
    fn refusals_in_body(mut self) -> Doc {
        self.refusals_in_body = true;
        self
    }

    fn describe(mut self, description: &'static str) -> Doc {
        self.description = description;
        self
    }

    fn path_param(mut self, name: &'static str, description: &'static str) -> Doc {
        self.path_params.push((name, description));
        self
    }

    fn header(mut self, name: &'static str, description: &'static str) -> Doc {
        self.headers.push((name, description));
        self
    }

    fn error(mut self, status: u16) -> Doc {
        self.extra_errors.push(status);
        self
    }

    fn document(mut self, media_type: &'static str, description: &'static str, what: &'static str) -> Doc {
        (self.ok_description, self.ok_body) = (description, Body::Document(media_type, what));
        self
    }

    fn query<Q: JsonSchema>(mut self) -> Doc {
        self.query = Some(object_schema_of::<Q>);
        self
    }

    fn body<B: JsonSchema>(mut self) -> Doc {
        self.body = Some(schema_of::<B>);
        self
    }

    fn json<R: JsonSchema>(mut self, status: u16, description: &'static str) -> Doc {
        (self.ok_status, self.ok_description, self.ok_body) = (status, description, Body::Json(schema_of::<R>));
        self
    }

    fn geojson<R: JsonSchema>(mut self, description: &'static str) -> Doc {
        (self.ok_description, self.ok_body) = (description, Body::GeoJson(schema_of::<R>));
        self
    }

    fn export<R: JsonSchema>(mut self, description: &'static str) -> Doc {
        (self.ok_description, self.ok_body) = (description, Body::Export(schema_of::<R>));
        self
    }

    fn text(mut self, description: &'static str, what: &'static str) -> Doc {
        (self.ok_description, self.ok_body) = (description, Body::Text(what));
        self
    }

    /// The error responses this operation can give, by status, each a shared component.
    fn error_statuses(&self) -> Vec<u16> {
        let mut statuses = Vec::new();
        let parameters = self.as_of
            || !self.arg_queries.is_empty()
            || self.query.is_some()
            || !self.path_params.is_empty()
            || !self.headers.is_empty();
        if parameters || self.body.is_some() {
            statuses.push(400);
        }
        // `AsOf` reads who is reading, and refuses stale credentials.
        if self.as_of {
            statuses.push(401);
        }
        match (self.body.is_some(), self.refusals_in_body) {
            (true, false) => statuses.extend([401, 403, 408, 409, 413, 422, 503]),
            // The body as a whole can still be late or too large.
            (true, true) => statuses.extend([408, 413]),
            (false, _) => {}
        }
        if !self.path_params.is_empty() {
            statuses.push(404);
        }
        statuses.push(500);
        statuses.extend(&self.extra_errors);
        statuses.sort_unstable();
        statuses.dedup();
        statuses
    }
}

const ID_OR_CODE: &str = "The id (UUIDv7) or the short code (`EA-1`) of the thing.";

/// The OpenAPI document as a JSON object; a schema only.
struct OpenApiDocument;

impl JsonSchema for OpenApiDocument {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "OpenApiDocument".into()
    }

    fn json_schema(_generator: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({
            "description": "An OpenAPI 3.1 document.",
            "type": "object",
            "required": ["openapi", "info", "paths"]
        })
    }
}

/// The shared error responses: status, component name, and the problem types each can carry.
const ERROR_RESPONSES: [(u16, &str, &str); 12] = [
    (400, "InvalidRequest", "The request is malformed: `invalid-request` (body not JSON or not of the right shape, a bad query parameter, a bad signer or signature encoding)."),
    (401, "Unauthorized", "`bad-signature`: the signature does not verify for this command and signer key. `unauthenticated`: sign in first, or the session or token is unknown, expired, signed out or revoked. `sign-in-failed`: the account or the password is wrong."),
    (403, "Forbidden", "The signer may not do this: `key-not-registered`, `key-revoked`, `enrolment-refused`, `party-mismatch`, `forbidden`, `genesis`."),
    (404, "NotFound", "`not-found`: nothing has this id or code as of `at`, as recorded by `known_at`."),
    (405, "MethodNotAllowed", "`method-not-allowed`: the path exists, but not with this method."),
    (409, "Conflict", "The command clashes with the log as it stands: `nonce-replayed`, `duplicate`, `version-superseded`, `version-not-latest`, `already-endorsed`, `agreement-state`."),
    (429, "TooManySignIns", "`too-many-sign-ins`: too many failed sign-ins for the account or from the address; retry later."),
    (408, "BodyTimedOut", "`body-timed-out`: the body did not arrive whole in time; the connection is closed."),
    (413, "BodyTooLarge", "`body-too-large`: the body is over the size limit."),
    (422, "Unprocessable", "The command is well-formed JSON but not acceptable: `invalid-input` (a field does not parse or is out of bounds), `unknown-reference`, `invalid-reference`, `not-a-signatory`, `no-endorsement`, `issued-at-skew`, `invalid-terms`, `consent-or-fulfilment`, `window-not-after-start`, `zero-length-route`."),
    (500, "Internal", "`internal`: an internal error; details are logged, never shown."),
    (503, "Busy", "`busy`: the writer queue is full; retry with the same nonce. `too-many-streams`: the most live event streams allowed are open; retry later."),
];

fn error_response_name(status: u16) -> &'static str {
    ERROR_RESPONSES
        .iter()
        .find(|(s, _, _)| *s == status)
        .map(|(_, name, _)| *name)
        .expect("every error status a route lists has a shared response")
}

/// Builds the document from `routes()`.
pub(crate) fn build_document() -> Value {
    let settings = SchemaSettings::draft2020_12().with(|settings| {
        settings.definitions_path = "/components/schemas".into();
        settings.meta_schema = None;
    });
    let mut generator = settings.into_generator();
    let mut paths = Map::new();
    for route in routes() {
        let operation = operation(&route.doc, &mut generator);
        let item = paths.entry(route.path).or_insert_with(|| json!({}));
        item[route.method.as_str().to_ascii_lowercase()] = operation;
    }
    let problem = generator.subschema_for::<Problem>();
    let mut responses = Map::new();
    for (_, name, description) in ERROR_RESPONSES {
        responses.insert(
            name.to_owned(),
            json!({ "description": description, "content": { PROBLEM_CONTENT_TYPE: { "schema": problem } } }),
        );
    }
    let webhooks = webhooks_section(&mut generator);
    let schemas = generator.take_definitions(true);
    json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "truce",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": "Ceasefire coordination: signed commands in an append-only RFC 9162 Merkle log.",
            "description": "Every write is a command signed with Ed25519 and appended to a transparency log; \
                every read is the projection of that log: the world as of any instant (`?at=`, valid time), \
                as the log had recorded it by any instant (`?known_at=`, record time). Errors are RFC 9457 \
                problem details (`application/problem+json`) with a stable `type` per kind of problem.",
            "license": { "name": "Apache-2.0", "identifier": "Apache-2.0" }
        },
        "tags": [
            { "name": "commands", "description": "Writing: signed commands." },
            { "name": "ledger", "description": "The log as any RFC 9162 verifier reads it." },
            { "name": "projection", "description": "What the log has established, as of any instant." },
            { "name": "geojson", "description": "Map layers, RFC 7946." },
            { "name": "exports", "description": "Whole files for analysts: GeoJSON, CSV and HXL-tagged CSV, streamed." },
            { "name": "monitoring", "description": "Incidents, violations, statements, population and movement." },
            { "name": "alerts", "description": "Public alerts: JSON, OASIS CAP 1.2, Atom, server-sent events, webhooks." },
            { "name": "sign-in", "description": "Passwords, sessions and API tokens: kept by the server, never in the log." },
            { "name": "meta", "description": "About the node and the API." }
        ],
        "paths": paths,
        "webhooks": webhooks,
        // Any operation may be called anonymously or signed in; those that need an account
        // answer 401 without one, and say so. Commands are authenticated by their signature.
        "security": [{}, { "sessionCookie": [] }, { "bearerToken": [] }],
        "components": {
            "schemas": schemas,
            "responses": responses,
            "securitySchemes": {
                "sessionCookie": {
                    "type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE,
                    "description": "Set by `POST /api/v1/session` (HttpOnly, SameSite=Strict); docs/signin.md."
                },
                "bearerToken": {
                    "type": "http", "scheme": "bearer",
                    "description": "An API token `<id>.<secret>` from `POST /api/v1/tokens`; docs/signin.md."
                }
            }
        }
    })
}

fn operation(doc: &Doc, generator: &mut SchemaGenerator) -> Value {
    let mut parameters: Vec<Value> = doc
        .path_params
        .iter()
        .map(|(name, description)| {
            json!({ "name": name, "in": "path", "required": true, "description": description, "schema": { "type": "string" } })
        })
        .collect();
    parameters.extend(doc.headers.iter().map(|(name, description)| {
        json!({ "name": name, "in": "header", "required": false, "description": description, "schema": { "type": "string" } })
    }));
    if doc.as_of {
        parameters.extend(query_parameters(object_schema_of::<AsOfParams>(generator)));
    }
    for query in &doc.arg_queries {
        parameters.extend(query_parameters(query(generator)));
    }
    if let Some(query) = doc.query {
        parameters.extend(query_parameters(query(generator)));
    }
    let ok_content = match &doc.ok_body {
        Body::Json(schema) => json!({ "application/json": { "schema": schema(generator) } }),
        Body::GeoJson(schema) => json!({ GEOJSON_CONTENT_TYPE: { "schema": schema(generator) } }),
        Body::Text(what) => json!({ "text/plain": { "schema": { "type": "string", "description": what } } }),
        Body::Document(media_type, what) => {
            json!({ *media_type: { "schema": { "type": "string", "description": what } } })
        }
        Body::Export(schema) => json!({
            GEOJSON_CONTENT_TYPE: { "schema": schema(generator) },
            CSV_MEDIA_TYPE: { "schema": { "type": "string", "description": "RFC 4180 CSV with a header row \
                (`format=csv`); with `format=hxl`, a second row of HXL hashtags (docs/exports.md)." } }
        }),
    };
    let mut responses = Map::new();
    responses.insert(doc.ok_status.to_string(), json!({ "description": doc.ok_description, "content": ok_content }));
    for status in doc.error_statuses() {
        responses.insert(
            status.to_string(),
            json!({ "$ref": format!("#/components/responses/{}", error_response_name(status)) }),
        );
    }
    let mut operation = json!({
        "operationId": doc.operation_id,
        "tags": [doc.tag],
        "summary": doc.summary,
        "responses": responses,
    });
    if !doc.description.is_empty() {
        operation["description"] = json!(doc.description);
    }
    if !parameters.is_empty() {
        operation["parameters"] = Value::Array(parameters);
    }
    if let Some(body) = doc.body {
        let mut media = json!({ "schema": body(generator) });
        if doc.operation_id == "submitCommand" {
            media["examples"] = Value::Object(command_examples());
        }
        operation["requestBody"] = json!({ "required": true, "content": { "application/json": media } });
    }
    operation
}

/// One query parameter per property of the query struct's object schema.
fn query_parameters(schema: Schema) -> Vec<Value> {
    let object = schema.to_value();
    let required: Vec<&str> =
        object["required"].as_array().map(|names| names.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    let Some(properties) = object["properties"].as_object() else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(name, property)| {
            let mut schema = property.clone();
            let description = schema.as_object_mut().and_then(|s| s.remove("description"));
            // An absent optional parameter is absent, not null.
            if schema.get("default").is_some_and(Value::is_null) {
                schema.as_object_mut().map(|s| s.remove("default"));
            }
            let mut parameter = json!({
                "name": name,
                "in": "query",
                "required": required.contains(&name.as_str()),
                "schema": schema,
            });
            if let Some(description) = description {
                parameter["description"] = description;
            }
            parameter
        })
        .collect()
}

static DOCUMENT: OnceLock<String> = OnceLock::new();

/// The document as served, rendered once.
pub(crate) fn document_text() -> &'static str {
    DOCUMENT.get_or_init(|| serde_json::to_string_pretty(&build_document()).expect("a JSON value always serialises"))
}

pub async fn openapi_json() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], document_text()).into_response()
}
