//! The route table and the OpenAPI 3.1 document made from it.
//!
//! `routes()` is the one list of routes: `router()` mounts exactly these handlers, and
//! `build_document()` describes exactly these operations, so neither can have a route the other
//! lacks. Each route states its path and handler once; its parameters and bodies come from
//! the same Rust types the handlers parse and return (query structs, DTOs and, through the
//! `schema` feature of truce-core, the command and projection types), rendered by schemars
//! as JSON Schema 2020-12, which OpenAPI 3.1 uses as it is. What is written by hand here is
//! prose: summaries, descriptions and which error responses an operation can give.

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
    api::{self, CommandReceipt, SignedCommand},
    as_of::{AsOf, AsOfParams},
    auth::{
        routes::{
            self as auth_routes, CreatedToken, NewToken, PasswordSet, SessionView, SignIn, SignedOut,
            SignedPasswordRequest, TokenView, TokensView,
        },
        ClientAddr, Viewer,
    },
    extract::{ApiJsonText, ApiPath, ApiQuery},
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
        self, AgreementView, CommitmentView, CorridorView, FeatureCollection, ListQuery, Page, PartyDetail, StatusView,
        ZoneDetail, ZoneProperties, ZoneView, GEOJSON_CONTENT_TYPE,
    },
    stream, tlog,
    webhooks::{self, CreatedSubscription, DeliveriesView, NewSubscription, SubscriptionsView},
    AppState,
};

/// Renders the schema of a type into the generator's components, returning a `$ref` to it
/// (or the schema itself, for types schemars inlines).
pub(crate) type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

fn schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// A query struct's own object schema, whose properties become the query parameters.
fn object_schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    T::json_schema(generator)
}

/// Whether a handler takes `AsOf`, read off its type. axum implements `Handler<T, S>` for a
/// function of extractors `T1, .., Tn` with `T = (M, T1, .., Tn)` (and `((),)` for none), so
/// `Route::get` learns it from `T`; the document then gives the route `at` and `known_at`.
/// A handler with an extractor not listed here does not compile until it is.
pub(crate) trait HandlerArgs {
    const TAKES_AS_OF: bool;
}

/// An extractor a handler may take; only `AsOf` reads the projection as of two times.
pub(crate) trait HandlerArg {
    const IS_AS_OF: bool = false;
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

impl HandlerArgs for ((),) {
    const TAKES_AS_OF: bool = false;
}

macro_rules! handler_args {
    ($($arg:ident),+) => {
        impl<M, $($arg: HandlerArg),+> HandlerArgs for (M, $($arg,)+) {
            const TAKES_AS_OF: bool = false $(|| $arg::IS_AS_OF)+;
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
    /// The route's own query parameters, besides `at` and `known_at`.
    pub query: Option<SchemaFn>,
    pub body: Option<SchemaFn>,
    pub ok_status: u16,
    pub ok_description: &'static str,
    pub ok_body: Body,
    /// Error statuses beyond those `error_statuses` derives from the request's parts.
    pub extra_errors: Vec<u16>,
}

/// What a successful response carries.
pub(crate) enum Body {
    Json(SchemaFn),
    GeoJson(SchemaFn),
    /// `text/plain`, with what the text is.
    Text(&'static str),
    /// A non-JSON document: its media type and what it is.
    Document(&'static str, &'static str),
}

impl Route {
    fn get<H: Handler<T, AppState>, T: HandlerArgs + 'static>(path: &'static str, handler: H, doc: Doc) -> Route {
        let doc = Doc { as_of: T::TAKES_AS_OF, ..doc };
        Route { method: Method::GET, path, mount: path, handler: routing::get(handler), doc }
    }

    fn mounted_at(mut self, mount: &'static str) -> Route {
        self.mount = mount;
        self
    }

    fn post<H: Handler<T, AppState>, T: HandlerArgs + 'static>(path: &'static str, handler: H, doc: Doc) -> Route {
        let doc = Doc { as_of: T::TAKES_AS_OF, ..doc };
        Route { method: Method::POST, path, mount: path, handler: routing::post(handler), doc }
    }

    fn delete<H: Handler<T, AppState>, T: HandlerArgs + 'static>(path: &'static str, handler: H, doc: Doc) -> Route {
        let doc = Doc { as_of: T::TAKES_AS_OF, ..doc };
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
            query: None,
            body: None,
            ok_status: 200,
            ok_description: "",
            ok_body: Body::Text(""),
            extra_errors: Vec::new(),
        }
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

    fn text(mut self, description: &'static str, what: &'static str) -> Doc {
        (self.ok_description, self.ok_body) = (description, Body::Text(what));
        self
    }

    /// The error responses this operation can give, by status, each a shared component.
    fn error_statuses(&self) -> Vec<u16> {
        let mut statuses = Vec::new();
        let parameters = self.as_of || self.query.is_some() || !self.path_params.is_empty() || !self.headers.is_empty();
        if parameters || self.body.is_some() {
            statuses.push(400);
        }
        // `AsOf` reads who is reading, and refuses stale credentials.
        if self.as_of {
            statuses.push(401);
        }
        if self.body.is_some() {
            statuses.extend([401, 403, 408, 409, 413, 422, 503]);
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

/// Every route of the API, in the order the document lists them.
pub(crate) fn routes() -> Vec<Route> {
    vec![
        Route::post(
            "/api/v1/commands",
            api::submit_command,
            Doc::new("submitCommand", "commands", "Submit a signed command")
                .describe(
                    "Verifies the Ed25519 signature over `\"truce/command/v1\\n\" || JCS(command)`, parses the \
                     command, decides it against the log and appends it. Replies only once the entry is durable, \
                     with its sequence number and an RFC 9162 inclusion proof against the checkpoint that \
                     includes it. A refused command changes nothing.",
                )
                .body::<SignedCommand>()
                .json::<CommandReceipt>(201, "The command was accepted; the entry is durable."),
        ),
        Route::get(
            "/api/v1/ledger/checkpoint",
            ledger::checkpoint,
            Doc::new("getCheckpoint", "ledger", "The latest signed checkpoint").text(
                "The latest checkpoint.",
                "A C2SP signed note (`tlog-checkpoint`): origin line, tree size, base64 root hash, a blank line \
                 and the log key's signature line.",
            ),
        ),
        Route::get(
            "/api/v1/ledger/key",
            ledger::key,
            Doc::new("getLogKey", "ledger", "The log's verifier key")
                .text("The verifier key.", "The C2SP verifier key of the checkpoint signer: `name+hash+base64`."),
        ),
        Route::get(
            "/api/v1/ledger/entries",
            ledger::entries,
            Doc::new("listEntries", "ledger", "Ledger entries, as hashed")
                .describe("Each entry's canonical text `e` satisfies `leaf_hash = SHA-256(0x00 || e)`.")
                .query::<EntriesQuery>()
                .json::<EntriesPage>(200, "A page of entries."),
        ),
        Route::get(
            "/api/v1/ledger/proof/inclusion",
            ledger::inclusion_proof,
            Doc::new("getInclusionProof", "ledger", "Proof that an entry is in the log")
                .query::<InclusionQuery>()
                .json::<InclusionProof>(200, "The inclusion proof."),
        ),
        Route::get(
            "/api/v1/ledger/proof/consistency",
            ledger::consistency_proof,
            Doc::new("getConsistencyProof", "ledger", "Proof that an earlier tree is a prefix of a later one")
                .query::<ConsistencyQuery>()
                .json::<ConsistencyProof>(200, "The consistency proof."),
        ),
        Route::get(
            "/api/v1/parties",
            read::parties,
            Doc::new("listParties", "projection", "Parties recorded by `known_at` (parties have no valid time)")
                .query::<ListQuery>()
                .json::<Page<Party>>(200, "A page of parties."),
        ),
        Route::get(
            "/api/v1/parties/{id}",
            read::party,
            Doc::new("getParty", "projection", "A party and the forces it answers for")
                .path_param("id", ID_OR_CODE)
                .json::<PartyDetail>(200, "The party."),
        ),
        Route::get(
            "/api/v1/accounts",
            read::accounts,
            Doc::new("listAccounts", "projection", "Accounts recorded by `known_at`, to signed-in accounts")
                .describe(
                    "Names and keys of accounts are not public: signed in (session cookie or bearer token), an \
                     account of a party sees that party's accounts, and an account of no party sees every one.",
                )
                .query::<ListQuery>()
                .error(401)
                .json::<Page<Account>>(200, "A page of accounts."),
        ),
        Route::get(
            "/api/v1/forces",
            read::forces,
            Doc::new("listForces", "projection", "Forces recorded by `known_at` (forces have no valid time)")
                .query::<ListQuery>()
                .json::<Page<Force>>(200, "A page of forces."),
        ),
        Route::get(
            "/api/v1/zones",
            read::zones,
            Doc::new("listZones", "projection", "Zones as of `at`, with the boundary in effect then")
                .query::<ListQuery>()
                .json::<Page<ZoneView>>(200, "A page of zones."),
        ),
        Route::get(
            "/api/v1/zones.geojson",
            read::zones_geojson,
            Doc::new("getZonesGeoJson", "geojson", "Zones as of `at`, as a GeoJSON FeatureCollection")
                .describe("RFC 7946: positions are `[longitude, latitude]`, WGS84.")
                .geojson::<FeatureCollection<Polygon, ZoneProperties>>("Every zone in effect at `at` (from the valid time of its first boundary), as recorded by `known_at`."),
        ),
        Route::get(
            "/api/v1/zones/{id}",
            read::zone,
            Doc::new("getZone", "projection", "A zone as of `at`, with its boundary and control history")
                .path_param("id", ID_OR_CODE)
                .json::<ZoneDetail>(200, "The zone."),
        ),
        Route::get(
            "/api/v1/corridors",
            read::corridors,
            Doc::new("listCorridors", "projection", "Corridors as of `at`, with their status then")
                .describe(
                    "A corridor is proposed, agreed, open (in a window of an agreement in force), closed or suspended.",
                )
                .query::<ListQuery>()
                .json::<Page<CorridorView>>(200, "A page of corridors."),
        ),
        Route::get(
            "/api/v1/corridors.geojson",
            read::corridors_geojson,
            Doc::new("getCorridorsGeoJson", "geojson", "Corridors as of `at`, as a GeoJSON FeatureCollection")
                .describe("RFC 7946: positions are `[longitude, latitude]`, WGS84. One feature per window of each corridor (`start`, `end`), with flat properties a GIS reads as columns; `as=area` gives each corridor's area within its half-width instead of its route (docs/geojson.md).")
                .query::<read::CorridorLayerQuery>()
                .geojson::<FeatureCollection<read::CorridorGeometry, read::CorridorWindowProperties>>("Every window of every corridor proposed by `at` (valid time), as recorded by `known_at`."),
        ),
        Route::get(
            "/api/v1/corridors/{id}",
            read::corridor,
            Doc::new("getCorridor", "projection", "A corridor as of `at`, with its status then")
                .path_param("id", ID_OR_CODE)
                .json::<CorridorView>(200, "The corridor."),
        ),
        Route::get(
            "/api/v1/agreements",
            read::agreements,
            Doc::new("listAgreements", "projection", "Agreement threads as of `at`").query::<ListQuery>().json::<Page<
                AgreementView,
            >>(
                200,
                "A page of agreements.",
            ),
        ),
        Route::get(
            "/api/v1/agreements/{id}",
            read::agreement,
            Doc::new("getAgreement", "projection", "An agreement thread as of `at`: versions, stances, status")
                .path_param("id", "The agreement id (UUIDv7).")
                .json::<AgreementView>(200, "The agreement."),
        ),
        Route::get(
            "/api/v1/commitments",
            read::commitments,
            Doc::new("listCommitments", "projection", "Commitments as of `at`, with their status then")
                .query::<ListQuery>()
                .json::<Page<CommitmentView>>(200, "A page of commitments."),
        ),
        Route::get(
            "/api/v1/consents",
            read::consents,
            Doc::new("listConsents", "projection", "Consents given by `at` (their `effective_at`), as recorded by `known_at`")
                .query::<ListQuery>()
                .json::<Page<ConsentRecord>>(200, "A page of consents."),
        ),
        Route::get(
            "/api/v1/incidents",
            monitoring::incidents,
            Doc::new("listIncidents", "monitoring", "Incidents, with sources, grade, figures and violations")
                .describe(
                    "Derived from the record as it stands, or as it stood at `at` (only the reports, sources, \
                     corrections, grades, duplicates and dismissals recorded by then): the grade (derived, or an \
                     analyst's override with its history), figures per casualty field with whether the sources \
                     agree, accused and attributed forces, duplicates, statements and violations of commitments. \
                     Violations of confidential humanitarian notifications are never shown.",
                )
                .query::<ListQuery>()
                .json::<Page<IncidentView>>(200, "A page of incidents."),
        ),
        Route::get(
            "/api/v1/incidents/{id}",
            monitoring::incident,
            Doc::new("getIncident", "monitoring", "An incident with every revision, source, grade and violation")
                .path_param("id", "The incident id (UUIDv7).")
                .json::<IncidentView>(200, "The incident as the world stood at `at` (its sources that had spoken by then), as recorded by `known_at`."),
        ),
        Route::get(
            "/api/v1/violations",
            monitoring::violations,
            Doc::new("listViolations", "monitoring", "Violations of commitments, by incident")
                .describe(
                    "Alleged while the incident is single-source, substantiated once corroborated or verified, \
                     dismissed by an analyst; as the record stands, or as it stood at `at`. Violations of \
                     confidential humanitarian notifications are never shown.",
                )
                .query::<ViolationsQuery>()
                .json::<Page<ViolationView>>(200, "A page of violations."),
        ),
        Route::get(
            "/api/v1/incidents.geojson",
            layers::incidents_geojson,
            Doc::new("getIncidentsGeoJson", "geojson", "Incidents as of `at`, as a GeoJSON FeatureCollection of points")
                .describe(
                    "RFC 7946: positions are `[longitude, latitude]`, WGS84. One feature per incident, with flat \
                     properties a GIS reads as columns: `start`, `end`, precision, grade, killed and injured \
                     figures, the zone's and the attributed force's names beside their ids.",
                )
                .geojson::<FeatureCollection<layers::Point, layers::IncidentProperties>>("Every incident as the record stood at `at`, as recorded by `known_at`."),
        ),
        Route::get(
            "/api/v1/violations.geojson",
            layers::violations_geojson,
            Doc::new("getViolationsGeoJson", "geojson", "Violations of commitments as of `at`, as GeoJSON points at their incidents")
                .describe(
                    "RFC 7946. One feature per violation, at its incident's position, with flat properties: \
                     status, grade, the agreement's title, the parties by id and by name. Violations of \
                     confidential humanitarian notifications are never shown.",
                )
                .geojson::<FeatureCollection<layers::Point, layers::ViolationProperties>>("Every violation as the record stood at `at`, as recorded by `known_at`."),
        ),
        Route::get(
            "/api/v1/retractions",
            monitoring::retractions,
            Doc::new("listRetractions", "monitoring", "Records retracted as mistaken, as recorded by `known_at`")
                .describe("Each names the ledger entry whose record was taken out, the reason and the author.")
                .query::<ListQuery>()
                .json::<Page<RetractionRecord>>(200, "A page of retractions."),
        ),
        Route::get(
            "/api/v1/statements",
            monitoring::statements,
            Doc::new("listStatements", "monitoring", "Parties' statements made by `at` (valid time), as recorded by `known_at`")
                .query::<ListQuery>()
                .json::<Page<StatementView>>(200, "A page of statements."),
        ),
        Route::get(
            "/api/v1/zones/{id}/population",
            monitoring::population,
            Doc::new("getZonePopulation", "monitoring", "Every population estimate of a zone, side by side")
                .describe(
                    "Grouped by organisation (the organisation that decides each source's independence, names \
                     compared case- and whitespace-insensitively), then by kind and destination: each series' \
                     latest estimate by `as_of` beside its history, as given by `at` (the instant it describes \
                     had passed and its source had spoken); never averaged.",
                )
                .path_param("id", ID_OR_CODE)
                .json::<PopulationView>(200, "The estimates."),
        ),
        Route::get(
            "/api/v1/corridors/{id}/movement",
            monitoring::movement,
            Doc::new("getCorridorMovement", "monitoring", "Every organisation's counts of movement, side by side")
                .describe(
                    "Passages through the corridor and totals reported for it (or for its origin zone), grouped \
                     by organisation as in the population view, then by direction and basis (increment or \
                     cumulative): each series' latest figure by valid time beside its history, as given by `at` \
                     (its period had ended and its source had spoken). None is picked as the truth, and none is \
                     added to another's.",
                )
                .path_param("id", ID_OR_CODE)
                .json::<MovementView>(200, "The movement."),
        ),
        Route::get(
            "/api/v1/passages",
            monitoring::passages,
            Doc::new("listPassages", "monitoring", "Passages counted, given by `at`")
                .query::<PassagesQuery>()
                .json::<Page<PassageView>>(200, "A page of passages."),
        ),
        Route::get(
            "/api/v1/convoys",
            monitoring::convoys,
            Doc::new("listConvoys", "monitoring", "Convoys, with their status as of `at`, passages and incidents")
                .query::<ListQuery>()
                .json::<Page<ConvoyView>>(200, "A page of convoys."),
        ),
        Route::get(
            "/api/v1/notifications",
            notifications::notifications,
            Doc::new("listNotifications", "monitoring", "Humanitarian notifications the viewer is entitled to")
                .describe(
                    "Confidential: only signed-in accounts of the notifying party and of the notified parties see a \
                     notification; to anyone else, operators included, the list is as if there were none \
                     (docs/visibility.md).",
                )
                .query::<ListQuery>()
                .json::<Page<notifications::NotificationView>>(200, "A page of notifications, each with its violations."),
        ),
        Route::get(
            "/api/v1/notifications/{id}",
            notifications::notification,
            Doc::new("getNotification", "monitoring", "A humanitarian notification, to a viewer entitled to it")
                .describe("To a viewer not entitled to it, a 404, the same as for an unknown id (docs/visibility.md).")
                .path_param("id", "The notification id (UUIDv7).")
                .json::<notifications::NotificationView>(
                    200,
                    "The notification, its acknowledgements and withdrawal, and the incidents that violated it.",
                ),
        ),
        Route::get(
            "/api/v1/observations",
            observations::observations,
            Doc::new(
                "listObservations",
                "monitoring",
                "Counted observations (explosions heard or seen, weapon, bearing, distance), made by `at`",
            )
            .query::<ListQuery>()
            .json::<Page<ObservationView>>(200, "A page of observations."),
        ),
        Route::get(
            "/api/v1/alerts",
            alerts::alerts,
            Doc::new("listAlerts", "alerts", "Alerts, oldest first")
                .describe(
                    "Alerts about confidential humanitarian notifications are shown only to signed-in accounts of \
                     the notification's parties (docs/visibility.md).",
                )
                .query::<AlertsQuery>()
                .json::<Page<AlertView>>(200, "A page of alerts."),
        ),
        Route::get(
            "/api/v1/alerts.atom",
            alerts::alerts_atom,
            Doc::new("getAlertsAtom", "alerts", "The alerts the viewer may read, as a paged Atom feed")
                .describe(
                    "Newest first, `ATOM_ENTRIES_MAX` entries a page; the `next` link (RFC 5005 section 3) gives the \
                     older ones. Every link is absolute, from the `Host` the request was sent to. Anonymous readers \
                     get public alerts; a signed-in account of a notification's party its confidential ones too \
                     (docs/visibility.md).",
                )
                .query::<AtomQuery>()
                .error(401)
                .document(
                    ATOM_CONTENT_TYPE,
                    "A page of the feed.",
                    "An Atom feed (RFC 4287), newest first; each entry links to its CAP 1.2 message.",
                ),
        ),
        Route::get(
            "/api/v1/alerts/{id}.cap",
            alerts::alert_cap,
            Doc::new("getAlertCap", "alerts", "One alert the viewer may read, as an OASIS CAP 1.2 message")
                .describe(
                    "A confidential alert is served only to signed-in accounts of its notification's parties, with \
                     `<scope>Restricted</scope>`; to anyone else a 404, as for an unknown id.",
                )
                .path_param("id", "The alert id, `<seq>.<n>`.")
                .error(401)
                .document(CAP_CONTENT_TYPE, "The CAP message.", "An OASIS CAP 1.2 `alert`."),
        )
        .mounted_at("/api/v1/alerts/{id}"),
        Route::get(
            "/api/v1/stream",
            stream::stream,
            Doc::new("streamAlerts", "alerts", "Public alerts, live, as server-sent events")
                .describe(
                    "One event per public alert: `event` is the alert kind, `id` the alert id, `data` the alert as \
                     JSON. Reconnect with `Last-Event-ID` to get the alerts missed, then the live ones. A consumer \
                     too slow to keep up is disconnected. Comments keep an idle stream open.",
                )
                .header("Last-Event-ID", "The id of the last alert received; the alerts after it are sent first.")
                .error(503)
                .document("text/event-stream", "The event stream.", "Server-sent events (HTML Living Standard)."),
        ),
        Route::post(
            "/api/v1/webhooks/subscriptions",
            webhooks::create_subscription,
            Doc::new("createWebhookSubscription", "alerts", "Subscribe a URL to the alerts, for the viewer's party")
                .describe(
                    "For a signed-in coordinator of a party. Deliveries carry every public alert and the party's own \
                     confidential ones, signed per Standard Webhooks with the secret in the reply, shown only once. \
                     Kept in the data directory, never in the log; at most 10 per party.",
                )
                .body::<NewSubscription>()
                .error(401)
                .error(403)
                .error(404)
                .json::<CreatedSubscription>(201, "The subscription, with its secret."),
        ),
        Route::get(
            "/api/v1/webhooks/subscriptions",
            webhooks::subscriptions,
            Doc::new("listWebhookSubscriptions", "alerts", "The viewer's party's webhook subscriptions")
                .describe("For a signed-in coordinator of a party; without their secrets.")
                .error(401)
                .error(403)
                .error(404)
                .json::<SubscriptionsView>(200, "The subscriptions."),
        ),
        Route::delete(
            "/api/v1/webhooks/subscriptions/{id}",
            webhooks::delete_subscription,
            Doc::new("deleteWebhookSubscription", "alerts", "End one of the viewer's party's webhook subscriptions")
                .describe("Deliveries still owed to it are dropped.")
                .path_param("id", "The subscription's id.")
                .error(401)
                .error(403)
                .json::<SubscriptionsView>(200, "The party's subscriptions left."),
        ),
        Route::get(
            "/api/v1/webhooks/deliveries",
            webhooks::deliveries,
            Doc::new("listWebhookDeliveries", "alerts", "The log of webhook deliveries, oldest first")
                .describe(
                    "In memory and bounded. No secrets, no URL query strings, and nothing confidential. For \
                     signed-in accounts only.",
                )
                .error(401)
                .json::<DeliveriesView>(200, "The log."),
        ),
        Route::post(
            "/api/v1/password",
            auth_routes::set_password,
            Doc::new("setPassword", "sign-in", "Set an account's password")
                .describe(
                    "The request is signed with a key registered (not revoked) to the account: Ed25519 over \
                     `\"truce/request/v1\\n\" || JCS(request)`. The password is kept only as an Argon2id hash, \
                     on the server, never in the log.",
                )
                .body::<SignedPasswordRequest>()
                .json::<PasswordSet>(200, "The password is set."),
        ),
        Route::post(
            "/api/v1/session",
            auth_routes::sign_in,
            Doc::new("signIn", "sign-in", "Sign in with an account and its password")
                .describe(
                    "Sets an HttpOnly, SameSite=Strict session cookie (`truce_session`) that expires. A wrong \
                     account or password gets the same answer. Failed sign-ins are limited per account and per \
                     client address (429).",
                )
                .body::<SignIn>()
                .error(429)
                .json::<SessionView>(201, "Signed in; the cookie is set."),
        ),
        Route::get(
            "/api/v1/session",
            auth_routes::session,
            Doc::new("getSession", "sign-in", "Who is signed in")
                .error(401)
                .json::<SessionView>(200, "The signed-in account."),
        ),
        Route::delete(
            "/api/v1/session",
            auth_routes::sign_out,
            Doc::new("signOut", "sign-in", "Sign out")
                .describe("Ends the session: its cookie is refused from then on.")
                .error(401)
                .json::<SignedOut>(200, "Signed out; the cookie is cleared."),
        ),
        Route::post(
            "/api/v1/tokens",
            auth_routes::create_token,
            Doc::new("createToken", "sign-in", "Create an API token for the signed-in account")
                .describe("The token is shown once; the server keeps only its hash. Send it as `Authorization: Bearer`.")
                .body::<NewToken>()
                .json::<CreatedToken>(201, "The token."),
        ),
        Route::get(
            "/api/v1/tokens",
            auth_routes::tokens,
            Doc::new("listTokens", "sign-in", "The signed-in account's API tokens, without their secrets")
                .error(401)
                .json::<TokensView>(200, "The tokens."),
        ),
        Route::delete(
            "/api/v1/tokens/{id}",
            auth_routes::revoke_token,
            Doc::new("revokeToken", "sign-in", "Revoke one of the signed-in account's API tokens")
                .path_param("id", "The token's id.")
                .error(401)
                .json::<TokenView>(200, "The revoked token."),
        ),
        Route::get(
            "/api/v1/tlog/checkpoint",
            tlog::checkpoint,
            Doc::new("getTlogCheckpoint", "ledger", "The checkpoint, where tlog-tiles clients look for it").text(
                "The latest checkpoint.",
                "The C2SP signed note, as at `/api/v1/ledger/checkpoint`: `/api/v1/tlog/` is the prefix of the \
                 log as C2SP tlog-tiles.",
            ),
        ),
        Route::get(
            "/api/v1/tlog/tile/{path}",
            tlog::tile,
            Doc::new("getTlogTile", "ledger", "A C2SP tlog-tiles tile or entry bundle")
                .describe(
                    "`path` is `<L>/<N>[.p/<W>]` (the hashes of the subtrees of height 8L numbered 256N to \
                     256N+W-1, 32 bytes each) or `entries/<N>[.p/<W>]` (those entries' canonical texts, each after \
                     its length as a big-endian 16-bit integer); N in groups of three digits, all but the last \
                     prefixed `x`. Full tiles are immutable.",
                )
                .path_param("path", "The tile path, e.g. `0/x001/234` or `entries/000.p/17`.")
                .document("application/octet-stream", "The tile.", "The tile's bytes."),
        )
        .mounted_at("/api/v1/tlog/tile/{*path}"),
        Route::get(
            "/healthz",
            read::healthz,
            Doc::new("getHealth", "meta", "Whether the process answers").text(
                "The process is up and serving.",
                "`ok` and a newline. For a liveness probe; the node's state is at `/api/v1/status`.",
            ),
        ),
        Route::get(
            "/readyz",
            read::readyz,
            Doc::new("getReady", "meta", "Whether the node takes writes")
                .error(503)
                .text("The node takes writes.", "`ready` and a newline. For a readiness probe."),
        ),
        Route::get(
            "/api/v1/status",
            read::status,
            Doc::new("getStatus", "meta", "The node at a glance").json::<StatusView>(200, "The status."),
        ),
        Route::get(
            "/api/v1/openapi.json",
            openapi_json,
            Doc::new("getOpenApi", "meta", "This document")
                .json::<OpenApiDocument>(200, "The OpenAPI 3.1 document of the API."),
        ),
    ]
}

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

/// The webhook a subscription receives (OpenAPI 3.1 `webhooks`): each alert it may read, as
/// the Standard Webhooks convention signs it.
fn webhooks_section(generator: &mut SchemaGenerator) -> Value {
    let header = |name: &str, description: &str| json!({ "name": name, "in": "header", "required": true, "description": description, "schema": { "type": "string" } });
    json!({
        "alert": {
            "post": {
                "operationId": "deliverAlert",
                "summary": "An alert, delivered to a webhook subscription",
                "description": "Sent to the subscription's URL for every alert it may read, at least once, retried with \
                    backoff until a 2xx answer. Verify `webhook-signature` over `webhook-id.webhook-timestamp.body` \
                    with the subscription's `whsec_` secret (Standard Webhooks), refuse a timestamp far from now, \
                    and keep the ids seen: a replayed delivery has an id already seen.",
                "parameters": [
                    header(webhooks::ID_HEADER, "The alert id, the same on every retry of this delivery."),
                    header(webhooks::TIMESTAMP_HEADER, "Seconds since the Unix epoch when this attempt was signed."),
                    header(webhooks::SIGNATURE_HEADER, "`v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`."),
                ],
                "requestBody": {
                    "required": true,
                    "content": { "application/json": { "schema": generator.subschema_for::<truce_core::Alert>() } }
                },
                "responses": {
                    "2XX": { "description": "Received; the delivery is settled." },
                    "default": { "description": "Not received: retried with backoff." }
                }
            }
        }
    })
}

/// The key that signs the examples of `POST /api/v1/commands` (a fixed seed: the examples
/// verify, and are the same in every build).
const EXAMPLE_KEY_SEED: [u8; 32] = [7; 32];

/// A signed example of each kind of command the bundled scenario holds whole, by type: a
/// body the scenario submits, as one account would sign it. (Not yet one of every kind: the
/// test of the examples lists the kinds covered.)
pub(crate) fn command_examples() -> Map<String, Value> {
    let scenario: Value =
        serde_json::from_str(truce_core::scenario::ALEPPO_2016_12_12_JSON).expect("the bundled scenario is JSON");
    let key = truce_ledger::SecretKey::from_seed(&EXAMPLE_KEY_SEED);
    let mut examples = Map::new();
    for step in scenario["steps"].as_array().into_iter().flatten() {
        let mut body = step["body"].clone();
        let Some(kind) = body["type"].as_str().map(str::to_owned) else { continue };
        if examples.contains_key(&kind) {
            continue;
        }
        // The scenario names an account's key by a handle that the loader makes a key for.
        if let Some(object) = body.as_object_mut() {
            if object.remove("handle").is_some() {
                object.insert("public_key".to_owned(), json!(key.public_key().to_base64()));
            }
        }
        let command = json!({
            "party": null,
            "author": "0158f1d4-b980-7000-8000-000000000001",
            "issued_at": step["at"],
            "nonce": format!("example-nonce-{kind}"),
            "body": body,
        });
        // A step whose ids the scenario loader fills in is not a whole command: no example.
        if truce_core::Command::from_json(&command).is_err() {
            continue;
        }
        let signature = truce_ledger::sign_command(&key, &command).expect("an example command signs");
        let summary = format!("{kind}, from the bundled Aleppo 2016 scenario");
        examples.insert(
            kind.clone(),
            json!({ "summary": summary, "value": {
                "command": command, "signer": key.public_key().to_base64(), "signature": signature.to_base64()
            }}),
        );
    }
    examples
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
