//! The one table of routes: each operation's path, handler and documentation.

use super::*;

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
        Route::post(
            "/api/v1/commands/batch",
            api::submit_commands,
            Doc::new("submitCommands", "commands", "Submit signed commands together, in order")
                .describe(
                    "Up to 256 signed commands, each as `submitCommand` takes it, decided in the order sent with no \
                     other command between them, up to the first refused: the commands after it are not decided \
                     (`not-tried`, 424). The accepted ones become durable together, in one transaction, and the \
                     reply comes once they are: a receipt for each, as `submitCommand` gives it, then the problem of \
                     the refused one (its `field` a path into this body, `commands[3].signature`), then `not-tried` \
                     for each after it. Bulk loading goes this way: one request and one group commit for many \
                     commands.",
                )
                .body::<SignedCommands>()
                .refusals_in_body()
                .json::<BatchReply>(200, "What became of each command, in order."),
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
                .error(401)
                .json::<Page<Account>>(200, "A page of accounts."),
        ),
        Route::get(
            "/api/v1/forces",
            read::forces,
            Doc::new("listForces", "projection", "Forces recorded by `known_at` (forces have no valid time)")
                .json::<Page<Force>>(200, "A page of forces."),
        ),
        Route::get(
            "/api/v1/zones",
            read::zones,
            Doc::new("listZones", "projection", "Zones as of `at`, with the boundary in effect then")
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
            Doc::new("listAgreements", "projection", "Agreement threads as of `at`").json::<Page<
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
                .json::<Page<CommitmentView>>(200, "A page of commitments."),
        ),
        Route::get(
            "/api/v1/consents",
            read::consents,
            Doc::new("listConsents", "projection", "Consents given by `at` (their `effective_at`), as recorded by `known_at`")
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
            "/api/v1/exports/incidents",
            exports::incidents,
            Doc::new("exportIncidents", "exports", "Every incident selected, as one file: GeoJSON, CSV or HXL")
                .describe(
                    "The incidents layer's columns, one row per incident, streamed (docs/exports.md). `bbox`: its \
                     position; `from`/`to`: its start; `kind`: its kind; `grade`: its grade; `party`: a party \
                     answering for a force accused of it.",
                )
                .query::<exports::ExportQuery>()
                .export::<FeatureCollection<Option<exports::ExportGeometry>, layers::IncidentProperties>>("The file, as an attachment."),
        ),
        Route::get(
            "/api/v1/exports/violations",
            exports::violations,
            Doc::new("exportViolations", "exports", "Every violation of a commitment selected, as one file")
                .describe(
                    "The violations layer's columns, one row per violation, at its incident's position. `bbox`, \
                     `from`/`to` and `kind`: its incident's position, start and kind; `grade`: the violation's \
                     grade; `party`: one of its parties. Violations of confidential humanitarian notifications are \
                     in no export.",
                )
                .query::<exports::ExportQuery>()
                .export::<FeatureCollection<Option<exports::ExportGeometry>, layers::ViolationProperties>>("The file, as an attachment."),
        ),
        Route::get(
            "/api/v1/exports/passages",
            exports::passages,
            Doc::new("exportPassages", "exports", "Every passage counted, given by `at`, as one file")
                .describe(
                    "One row per passage, at its corridor's route. `bbox`: the route's bounding box meets it; \
                     `from`/`to`: the instant its count describes; `party`: its observer's party. `kind` and \
                     `grade` are refused.",
                )
                .query::<exports::ExportQuery>()
                .export::<FeatureCollection<Option<exports::ExportGeometry>, exports::PassageRow>>("The file, as an attachment."),
        ),
        Route::get(
            "/api/v1/exports/counts",
            exports::counts,
            Doc::new("exportCounts", "exports", "Every total and population estimate given by `at`, as one file")
                .describe(
                    "Totals of people evacuated, then population estimates, one row each, without geometry. \
                     `bbox`: the corridor's route or the zone's boundary meets it; `from`/`to`: the instant \
                     described; `kind`: `total`, `trapped`, `residents` or `displaced`; `party`: the reporter's \
                     party. `grade` is refused.",
                )
                .query::<exports::ExportQuery>()
                .export::<FeatureCollection<Option<exports::ExportGeometry>, exports::CountRow>>("The file, as an attachment."),
        ),
        Route::get(
            "/api/v1/exports/commitments",
            exports::commitments,
            Doc::new("exportCommitments", "exports", "Every commitment of every agreement as of `at`, as one file")
                .describe(
                    "One row per commitment with its status then, at its scope (a corridor's route, a zone's \
                     boundary). `bbox`: the scope meets it; `from`/`to`: its window meets `[from, to)`; `kind`: its \
                     kind; `party`: the party bound. `grade` is refused.",
                )
                .query::<exports::ExportQuery>()
                .export::<FeatureCollection<Option<exports::ExportGeometry>, exports::CommitmentRow>>("The file, as an attachment."),
        ),
        Route::get(
            "/api/v1/exports/corridors",
            exports::corridors,
            Doc::new("exportCorridors", "exports", "Every window of every corridor as of `at`, as one file")
                .describe(
                    "The corridors layer's columns, one row per window, at the route. `bbox`: the route meets it; \
                     `from`/`to`: the window meets `[from, to)`; `party`: a signatory of the agreement version \
                     that defines it. `kind` and `grade` are refused.",
                )
                .query::<exports::ExportQuery>()
                .export::<FeatureCollection<Option<exports::ExportGeometry>, read::CorridorWindowProperties>>("The file, as an attachment."),
        ),
        Route::get(
            "/api/v1/retractions",
            monitoring::retractions,
            Doc::new("listRetractions", "monitoring", "Records retracted as mistaken, as recorded by `known_at`")
                .describe("Each names the ledger entry whose record was taken out, the reason and the author.")
                .json::<Page<RetractionRecord>>(200, "A page of retractions."),
        ),
        Route::get(
            "/api/v1/statements",
            monitoring::statements,
            Doc::new("listStatements", "monitoring", "Parties' statements made by `at` (valid time), as recorded by `known_at`")
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
            "/api/v1/counts",
            counts::counts,
            Doc::new("listCounts", "monitoring", "Totals evacuated and population estimates, given by `at`, as flat rows")
                .describe(
                    "Every total and every estimate whose instant had come and whose source had spoken by `at`, a row \
                     each with the columns of `/exports/counts`. `bbox`: the corridor's route or the zone's boundary \
                     meets it; `from`/`to`: the instant described; `kind`: `total`, `trapped`, `residents` or \
                     `displaced`; `party`: the reporter's party. `grade` is refused. Side by side by organisation: \
                     the movement and population views.",
                )
                .json::<Page<exports::CountRow>>(200, "A page of counts."),
        ),
        Route::get(
            "/api/v1/convoys",
            monitoring::convoys,
            Doc::new("listConvoys", "monitoring", "Convoys, with their status as of `at`, passages and incidents")
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
