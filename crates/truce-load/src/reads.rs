//! `--reads`: the read bar of issue 11 (item 6), measured end to end.
//!
//! It loads a world and N incidents through the HTTP API as signed commands (the same
//! presigning and sending as the write load: `drive::closed_loop`), then drives a fixed mix
//! of filtered reads (lists, GeoJSON layers, the first bytes of exports, incidents by id)
//! with C connections for S seconds, and in the same run the same load against `/healthz`,
//! a route that does nothing; it reports each query kind's p50, p99 and max, the throughput
//! of both, and their ratio.
//!
//! The world: three parties with a force each, a zone and a corridor in the first city of
//! `truce_core::synthetic`'s realistic set, and an agreement in force since 2014 (reported by
//! the monitor, with a source) in which the first party will not attack the corridor and the
//! second will not attack the zone, so incidents there are violations. Incidents are at the
//! realistic set's positions (dense cities), over two years (2015 and 2016), of five kinds;
//! their sources blame one force, the other or none; one in six has a second source and one
//! in 200 a third blaming the other force (so grades differ), one in 30 is corrected (moved a
//! little, another kind).
//!
//! Everything has fixed ids, so a run against a server that an earlier run loaded
//! (`--server URL --data DIR`) finds the world and the incidents there and only adds what
//! is missing: loading a million takes minutes, measuring seconds.

use std::{
    collections::BTreeMap,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use anyhow::{anyhow, bail};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty};
use hyper::{body::Body as _, client::conn::http1, header, Request, StatusCode};
use rand::{rngs::StdRng, Rng, SeedableRng};
use serde_json::{json, Value};
use tokio::task::JoinSet;
use truce_core::{synthetic, Timestamp};
use truce_ledger::{sign_command, SecretKey};

use crate::{
    commands::Operator,
    cpu::{self, CpuUse},
    drive::{self, quantile_ms, Endpoint},
};

/// Commands signed and sent at a time while loading: signed commands expire after 600 s, and
/// a batch is sent in well under that.
const LOAD_BATCH: usize = 20_000;
/// Connections that send the load's commands.
const LOAD_CONCURRENCY: usize = 64;
/// Concrete queries made of each kind (boxes, intervals, ids drawn from the data).
const QUERIES_PER_KIND: usize = 64;
/// Seed of the queries drawn: every run asks the same.
const QUERIES_SEED: u64 = 11_006;
/// The incidents' times: two years from 2015-01-01.
const SPAN_MINUTES: u64 = 2 * 365 * 24 * 60;

const KINDS: [&str; 5] = ["shelling", "airstrike", "gunfire", "obstruction", "remote_explosive"];

/// A fixed UUIDv7 of the world (`kind` keeps the families apart).
fn world_id(kind: u32, n: u64) -> String {
    format!("01900000-{kind:04x}-7000-8000-{n:012x}")
}

fn incident_id(n: u64) -> String {
    world_id(0x1c1d, n)
}

const PARTY_A: u64 = 1;
const PARTY_B: u64 = 2;
const PARTY_C: u64 = 3;

fn party(n: u64) -> String {
    world_id(0x0a1, n)
}
fn force(n: u64) -> String {
    world_id(0x0f0, n)
}
fn account(n: u64) -> String {
    world_id(0x0ac, n)
}
fn zone() -> String {
    world_id(0x020, 1)
}
fn corridor() -> String {
    world_id(0x0c0, 1)
}
fn agreement() -> String {
    world_id(0x0a9, 1)
}
fn commitment(n: u64) -> String {
    world_id(0x0c3, n)
}
fn source_id(n: u64, which: u64) -> String {
    world_id(0x5000 + u32::try_from(which).expect("a few sources"), n)
}

/// The monitor that reports everything: its key comes from a fixed seed, so later runs sign
/// for the same account.
fn monitor_key() -> SecretKey {
    SecretKey::from_seed(&[0x4d; 32])
}

/// What to do.
pub struct ReadsArgs {
    pub incidents: usize,
    pub concurrency: usize,
    pub seconds: u64,
    pub server_pid: Option<String>,
}

/// One signer of commands: an account and its key.
struct Signer {
    account_id: String,
    key: SecretKey,
}

/// Loads what is missing, then measures.
///
/// # Errors
/// A setup command is refused, the server does not answer, or loading fails.
pub fn run(base_url: &str, operator: &Operator, args: &ReadsArgs) -> anyhow::Result<ReadsReport> {
    let http = reqwest::blocking::Client::builder().timeout(Duration::from_secs(60)).build()?;
    let monitor = Signer { account_id: account(1), key: monitor_key() };
    let data = synthetic::Set::Realistic.generate(0, args.incidents);
    let city = data.incidents.first().map(|probe| probe.position()).ok_or_else(|| anyhow!("no incidents asked"))?;
    ensure_world(&http, base_url, operator, &monitor, (city.lon(), city.lat()))?;
    let first_missing = first_missing(&http, base_url, args.incidents)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    if first_missing < args.incidents {
        eprintln!("loading incidents {first_missing} to {} (of {})", args.incidents - 1, args.incidents);
        let started = Instant::now();
        for batch_start in (first_missing..args.incidents).step_by(LOAD_BATCH) {
            let batch = batch_start..(batch_start + LOAD_BATCH).min(args.incidents);
            let (reports, follow_ups) = presign_incidents(&monitor, &data.incidents, batch.clone())?;
            for bodies in [reports, follow_ups] {
                let endpoint = Endpoint::parse(base_url, "/api/v1/commands")?;
                let deadline = Instant::now() + Duration::from_secs(400);
                let outcome =
                    runtime.block_on(drive::closed_loop(endpoint, Arc::new(bodies), LOAD_CONCURRENCY, deadline));
                if outcome.errors_count() > 0 {
                    bail!("loading incidents {batch:?}: {:?}", outcome.errors);
                }
            }
            let done = batch.end - first_missing;
            let rate = done as f64 / started.elapsed().as_secs_f64();
            eprintln!("  {} loaded, {rate:.0} incidents per second", batch.end);
        }
    }
    let queries = queries(&data.incidents);
    eprintln!(
        "reading: {} kinds of query, {} connections, {} s each phase",
        queries.len(),
        args.concurrency,
        args.seconds
    );
    let endpoint = Endpoint::parse(base_url, "/")?;
    let reads = measure(&runtime, &endpoint, &queries, args)?;
    let trivial = vec![QueryKind { name: "healthz", paths: vec!["/healthz".to_owned()], first_bytes: false }];
    let healthz = measure(&runtime, &endpoint, &trivial, args)?;
    Ok(ReadsReport { incidents: args.incidents, concurrency: args.concurrency, reads, healthz })
}

/// Sends one command and insists on a 201.
fn submit(http: &reqwest::blocking::Client, base_url: &str, signer: &Signer, body: Value) -> anyhow::Result<()> {
    let kind = body["type"].as_str().unwrap_or("").to_owned();
    let command = json!({
        "party": null,
        "author": signer.account_id,
        "issued_at": Timestamp::from_datetime(chrono::Utc::now()).to_string(),
        "nonce": format!("reads-{}", uuid::Uuid::now_v7()),
        "body": body,
    });
    let signature = sign_command(&signer.key, &command).map_err(|err| anyhow!("signing: {err}"))?;
    let signed =
        json!({"command": command, "signer": signer.key.public_key().to_base64(), "signature": signature.to_base64()});
    let response = http.post(format!("{base_url}/api/v1/commands")).json(&signed).send()?;
    let status = response.status();
    if status != reqwest::StatusCode::CREATED {
        bail!("{kind}: HTTP {status}: {}", response.text().unwrap_or_default());
    }
    Ok(())
}

fn source(n: u64, which: u64, organisation: &str, force: Option<String>) -> Value {
    json!({"source_id": source_id(n, which), "organisation": organisation, "kind": "media",
           "responsible_force_id": force})
}

/// A square `half_deg` degrees either side of `(lon, lat)`, as a GeoJSON ring.
fn square(lon: f64, lat: f64, half_deg: f64) -> Value {
    json!([
        [lon - half_deg, lat - half_deg],
        [lon + half_deg, lat - half_deg],
        [lon + half_deg, lat + half_deg],
        [lon - half_deg, lat + half_deg],
        [lon - half_deg, lat - half_deg]
    ])
}

/// The parties, forces, monitor, zone, corridor and agreement, unless an earlier run made
/// them (the first party is there).
fn ensure_world(
    http: &reqwest::blocking::Client,
    base_url: &str,
    operator: &Operator,
    monitor: &Signer,
    (lon, lat): (f64, f64),
) -> anyhow::Result<()> {
    let known = http.get(format!("{base_url}/api/v1/parties/{}", party(PARTY_A))).send()?.status().is_success();
    if known {
        eprintln!("the world of an earlier run is there");
        return Ok(());
    }
    eprintln!("making the world: parties, forces, a monitor, a zone, a corridor, an agreement");
    let operator = Signer { account_id: operator.account_id.clone(), key: operator.key.clone() };
    for (n, code, kind) in [(PARTY_A, "RDA", "state"), (PARTY_B, "RDB", "armed_group"), (PARTY_C, "RDC", "state")] {
        let body = json!({"type": "register_party", "party_id": party(n), "code": code,
                          "name": format!("Reads party {code}"), "kind": kind});
        submit(http, base_url, &operator, body)?;
        let body = json!({"type": "register_force", "force_id": force(n), "code": format!("F{code}"),
                          "name": format!("Reads force {code}"), "party_ids": [party(n)]});
        submit(http, base_url, &operator, body)?;
    }
    let body = json!({"type": "register_account", "account_id": monitor.account_id, "party_id": null,
                      "name": "Reads monitor", "roles": ["monitor"], "public_key": monitor.key.public_key().to_base64()});
    submit(http, base_url, &operator, body)?;
    let body = json!({"type": "define_zone", "zone_id": zone(), "code": "RDZ", "name": "Reads district",
                      "kind": "city", "boundary": {"type": "Polygon", "coordinates": [square(lon, lat, 0.03)]}});
    submit(http, base_url, monitor, body)?;
    let terms = json!({
        "corridors": [{
            "corridor_id": corridor(), "code": "RDC-1", "name": "Reads corridor",
            "route": {"type": "LineString", "coordinates": [[lon - 0.1, lat - 0.02], [lon + 0.1, lat + 0.02]]},
            "half_width_m": 300.0, "origin_zone_id": zone(),
            "destination": {"name": "Outside"}, "groups": ["civilians", "wounded"],
            "windows": [{"start": "2015-01-01T00:00:00Z", "end": "2017-01-01T00:00:00Z"}],
        }],
        "commitments": [
            {"commitment_id": commitment(1), "party_id": party(PARTY_A), "kind": "no_attack",
             "scope": {"corridor": corridor()}, "force_ids": [force(PARTY_A)], "text": "No attack on the corridor."},
            {"commitment_id": commitment(2), "party_id": party(PARTY_B), "kind": "no_attack",
             "scope": {"zone": zone()}, "force_ids": [force(PARTY_B)], "text": "No attack in the district."},
        ],
        "signatories": [party(PARTY_A), party(PARTY_B)],
    });
    // Reported acts of 2014 (each with a source of its own): the agreement is in force over
    // the incidents' two years.
    let reported =
        |n: u64, which: u64| json!({"party_id": party(n), "sources": [source(n, which, "Reads wire", None)]});
    let body = json!({"type": "propose_agreement", "agreement_id": agreement(), "title": "Reads agreement",
                      "terms": terms, "effective_at": "2014-12-01T00:00:00Z", "reported": reported(PARTY_A, 9)});
    submit(http, base_url, monitor, body)?;
    for n in [PARTY_A, PARTY_B] {
        let body = json!({"type": "endorse", "agreement_id": agreement(), "version": 1,
                          "effective_at": "2014-12-02T00:00:00Z", "reported": reported(n, 10)});
        submit(http, base_url, monitor, body)?;
    }
    Ok(())
}

/// The first incident of `0..count` the server does not have (`count` when it has all):
/// incidents are loaded in order, so a binary search by id finds it in a few reads.
fn first_missing(http: &reqwest::blocking::Client, base_url: &str, count: usize) -> anyhow::Result<usize> {
    let has = |n: usize| -> anyhow::Result<bool> {
        let url = format!("{base_url}/api/v1/incidents/{}", incident_id(n as u64));
        Ok(http.get(url).send()?.status().is_success())
    };
    let (mut low, mut high) = (0, count);
    while low < high {
        let middle = low + (high - low) / 2;
        if has(middle)? {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    Ok(low)
}

/// The draws of incident `n`: its kind, its start, who its sources blame, what follows it.
struct Shape {
    kind: &'static str,
    start: Timestamp,
    force: Option<String>,
    second_source: bool,
    third_source: bool,
    corrected: bool,
}

fn shape(n: u64) -> Shape {
    let mut rng = StdRng::seed_from_u64(n ^ 0x5eed_1106);
    let minutes = rng.gen_range(0..SPAN_MINUTES);
    let epoch = chrono::DateTime::parse_from_rfc3339("2015-01-01T00:00:00Z").expect("a date").to_utc();
    let force = match rng.gen_range(0..3) {
        0 => Some(force(PARTY_A)),
        1 => Some(force(PARTY_B)),
        _ => None,
    };
    Shape {
        kind: KINDS[rng.gen_range(0..KINDS.len())],
        start: Timestamp::from_datetime(epoch + chrono::Duration::minutes(minutes as i64)),
        force,
        second_source: rng.gen_ratio(1, 6),
        third_source: rng.gen_ratio(1, 200),
        corrected: rng.gen_ratio(1, 30),
    }
}

/// The signed `POST /api/v1/commands` bodies for incidents `batch`: their reports, then what
/// follows them (more sources, corrections), which must come after.
fn presign_incidents(
    monitor: &Signer,
    probes: &[truce_core::matcher::IncidentProbe],
    batch: std::ops::Range<usize>,
) -> anyhow::Result<(Vec<Bytes>, Vec<Bytes>)> {
    let issued_at = Timestamp::from_datetime(chrono::Utc::now()).to_string();
    let signer = monitor.key.public_key().to_base64();
    let sign = |n: usize, what: &str, body: Value| -> anyhow::Result<Bytes> {
        let command = json!({"party": null, "author": monitor.account_id, "issued_at": issued_at,
                             "nonce": format!("reads-{what}-{n:09}"), "body": body});
        let signature = sign_command(&monitor.key, &command).map_err(|err| anyhow!("signing: {err}"))?;
        let signed = json!({"command": command, "signer": signer, "signature": signature.to_base64()});
        Ok(Bytes::from(serde_json::to_vec(&signed)?))
    };
    let (mut reports, mut follow_ups) = (Vec::with_capacity(batch.len()), Vec::new());
    for n in batch {
        let probe = &probes[n];
        let shape = shape(n as u64);
        let id = incident_id(n as u64);
        let position = probe.position();
        let body = json!({"type": "report_incident", "incident_id": id, "kind": shape.kind,
                          "location": {"position": [position.lon(), position.lat()], "uncertainty_m": probe.uncertainty_m()},
                          "when": {"start": shape.start}, "description": "Reported by the read load",
                          "source": source(n as u64, 0, "EFE", shape.force.clone())});
        reports.push(sign(n, "report", body)?);
        if shape.second_source {
            let body = json!({"type": "add_source", "incident_id": id,
                              "source": source(n as u64, 1, "Reuters", shape.force.clone())});
            follow_ups.push(sign(n, "second", body)?);
        }
        if shape.third_source {
            let other = if shape.force.as_deref() == Some(force(PARTY_A).as_str()) { PARTY_B } else { PARTY_A };
            let body = json!({"type": "add_source", "incident_id": id,
                              "source": source(n as u64, 2, "Local committee", Some(force(other)))});
            follow_ups.push(sign(n, "third", body)?);
        }
        if shape.corrected {
            let kind = KINDS[(n + 1) % KINDS.len()];
            let body = json!({"type": "correct_incident", "incident_id": id, "reason": "Geolocated", "kind": kind,
                              "location": {"position": [position.lon() + 0.001, position.lat()], "uncertainty_m": 50.0}});
            follow_ups.push(sign(n, "correct", body)?);
        }
    }
    Ok((reports, follow_ups))
}

/// A kind of query, with the concrete paths it cycles through.
pub struct QueryKind {
    pub name: &'static str,
    pub paths: Vec<String>,
    /// Only the first bytes count (an export): the connection is dropped after them.
    pub first_bytes: bool,
}

/// Makes a path from the generator, an incident's position and its number.
type MakePath<'a> = dyn FnMut(&mut StdRng, (f64, f64), u64) -> String + 'a;

/// The mix: each filter alone and combined, selective and broad boxes, lists, layers, the
/// first bytes of exports, incidents by id. Boxes are drawn around incidents' positions, so
/// they fall where the data is (the cities); intervals anywhere in the two years.
fn queries(probes: &[truce_core::matcher::IncidentProbe]) -> Vec<QueryKind> {
    let mut rng = StdRng::seed_from_u64(QUERIES_SEED);
    let count = probes.len() as u64;
    let mut draw = |make: &mut MakePath| -> Vec<String> {
        (0..QUERIES_PER_KIND)
            .map(|_| {
                let n = rng.gen_range(0..count);
                let position = probes[n as usize].position();
                make(&mut rng, (position.lon(), position.lat()), n)
            })
            .collect()
    };
    let bbox = |(lon, lat): (f64, f64), half: f64| {
        format!("bbox={:.5},{:.5},{:.5},{:.5}", lon - half, lat - half, lon + half, lat + half)
    };
    let interval = |rng: &mut StdRng, hours: i64| {
        let start = shape(rng.gen_range(0..count)).start.as_datetime();
        let end = start + chrono::Duration::hours(hours);
        format!("from={}&to={}", Timestamp::from_datetime(start), Timestamp::from_datetime(end))
    };
    let kind = |rng: &mut StdRng| format!("kind={}", KINDS[rng.gen_range(0..KINDS.len())]);
    let mut kinds = Vec::new();
    let mut add =
        |name: &'static str, first_bytes: bool, paths: Vec<String>| kinds.push(QueryKind { name, paths, first_bytes });
    add("list", false, vec!["/api/v1/incidents".to_owned()]);
    add("list bbox 1 km", false, draw(&mut |_, at, _| format!("/api/v1/incidents?{}", bbox(at, 0.005))));
    add("list bbox 20 km", false, draw(&mut |_, at, _| format!("/api/v1/incidents?{}", bbox(at, 0.1))));
    add("list from/to 1 day", false, draw(&mut |rng, _, _| format!("/api/v1/incidents?{}", interval(rng, 24))));
    add("list from/to 30 days", false, draw(&mut |rng, _, _| format!("/api/v1/incidents?{}", interval(rng, 720))));
    add("list kind", false, draw(&mut |rng, _, _| format!("/api/v1/incidents?{}", kind(rng))));
    add(
        "list grade",
        false,
        vec!["/api/v1/incidents?grade=corroborated".to_owned(), "/api/v1/incidents?grade=contested".to_owned()],
    );
    add("list party", false, vec!["/api/v1/incidents?party=RDA".to_owned(), "/api/v1/incidents?party=RDB".to_owned()]);
    add(
        "list kind after cursor",
        false,
        draw(&mut |rng, _, n| format!("/api/v1/incidents?{}&cursor={}", kind(rng), incident_id(n))),
    );
    add(
        "list all filters",
        false,
        draw(&mut |rng, at, _| {
            format!(
                "/api/v1/incidents?{}&{}&{}&grade=single_source&party=RDA",
                bbox(at, 0.1),
                interval(rng, 24 * 90),
                kind(rng)
            )
        }),
    );
    add("violations bbox 20 km", false, draw(&mut |_, at, _| format!("/api/v1/violations?{}&limit=20", bbox(at, 0.1))));
    add(
        "geojson bbox 1 km + 30 days",
        false,
        draw(&mut |rng, at, _| format!("/api/v1/incidents.geojson?{}&{}", bbox(at, 0.005), interval(rng, 720))),
    );
    add(
        "violations geojson 1 km",
        false,
        draw(&mut |_, at, _| format!("/api/v1/violations.geojson?{}", bbox(at, 0.005))),
    );
    add(
        "export csv kind + bbox 20 km",
        true,
        draw(&mut |rng, at, _| format!("/api/v1/exports/incidents?format=csv&{}&{}", kind(rng), bbox(at, 0.1))),
    );
    add(
        "export geojson 1 day",
        true,
        draw(&mut |rng, _, _| format!("/api/v1/exports/incidents?format=geojson&{}", interval(rng, 24))),
    );
    add("incident by id", false, draw(&mut |_, _, n| format!("/api/v1/incidents/{}", incident_id(n))));
    kinds
}

/// What one phase measured: latencies by kind of query, requests per second overall.
pub struct Phase {
    pub latencies_us: BTreeMap<&'static str, Vec<u64>>,
    pub errors: BTreeMap<String, u64>,
    pub wall_s: f64,
    pub server_cpu: Option<CpuUse>,
    pub load_average: String,
}

impl Phase {
    pub fn requests(&self) -> usize {
        self.latencies_us.values().map(Vec::len).sum()
    }

    pub fn per_s(&self) -> f64 {
        self.requests() as f64 / self.wall_s
    }
}

/// C connections, each asking the mix's next query as soon as the last is answered, for S
/// seconds.
fn measure(
    runtime: &tokio::runtime::Runtime,
    endpoint: &Endpoint,
    queries: &[QueryKind],
    args: &ReadsArgs,
) -> anyhow::Result<Phase> {
    // Every kind in turn, each cycling through its paths.
    let mix: Arc<Vec<(&'static str, String, bool)>> = Arc::new(
        (0..QUERIES_PER_KIND)
            .flat_map(|idx| {
                queries
                    .iter()
                    .map(move |kind| (kind.name, kind.paths[idx % kind.paths.len()].clone(), kind.first_bytes))
            })
            .collect(),
    );
    let server_before = args.server_pid.as_deref().and_then(cpu::sample);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    let next = Arc::new(AtomicUsize::new(0));
    let outcome = runtime.block_on(async {
        let mut workers = JoinSet::new();
        for _ in 0..args.concurrency {
            let (endpoint, mix, next) = (endpoint.clone(), Arc::clone(&mix), Arc::clone(&next));
            workers.spawn(async move {
                let mut latencies: BTreeMap<&'static str, Vec<u64>> = BTreeMap::new();
                let mut errors: BTreeMap<String, u64> = BTreeMap::new();
                let mut connection: Option<http1::SendRequest<Empty<Bytes>>> = None;
                while Instant::now() < deadline {
                    let (name, path, first_bytes) = &mix[next.fetch_add(1, Ordering::Relaxed) % mix.len()];
                    let sent = Instant::now();
                    match get(&endpoint, &mut connection, path, *first_bytes).await {
                        Ok(_) => latencies.entry(*name).or_default().push(sent.elapsed().as_micros() as u64),
                        Err(err) => *errors.entry(format!("{name}: {err}")).or_default() += 1,
                    }
                }
                (latencies, errors)
            });
        }
        let mut latencies: BTreeMap<&'static str, Vec<u64>> = BTreeMap::new();
        let mut errors: BTreeMap<String, u64> = BTreeMap::new();
        while let Some(joined) = workers.join_next().await {
            let (worker_latencies, worker_errors) = joined.map_err(|err| anyhow!("a worker failed: {err}"))?;
            for (name, values) in worker_latencies {
                latencies.entry(name).or_default().extend(values);
            }
            for (kind, count) in worker_errors {
                *errors.entry(kind).or_default() += count;
            }
        }
        Ok::<_, anyhow::Error>((latencies, errors))
    })?;
    let wall_s = started.elapsed().as_secs_f64();
    let server_cpu = server_before.zip(args.server_pid.as_deref().and_then(cpu::sample)).map(|(a, b)| a.until(&b));
    let load_average = std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim().to_owned();
    Ok(Phase { latencies_us: outcome.0, errors: outcome.1, wall_s, server_cpu, load_average })
}

/// One GET on a kept-alive connection (opened when there is none): the whole reply's body, or
/// its status and first body bytes only (then an empty body is returned and the connection is
/// dropped). Anything but a 200 is an error.
pub(crate) async fn get(
    endpoint: &Endpoint,
    connection: &mut Option<http1::SendRequest<Empty<Bytes>>>,
    path: &str,
    first_bytes: bool,
) -> Result<Bytes, String> {
    let attempt = async {
        let mut sender = match connection.take() {
            Some(sender) => sender,
            None => drive::connect(endpoint).await?,
        };
        sender.ready().await.map_err(|err| format!("connection: {err}"))?;
        let request = Request::get(path)
            .header(header::HOST, &*endpoint.authority)
            .body(Empty::new())
            .map_err(|err| format!("request: {err}"))?;
        let response = sender.send_request(request).await.map_err(|err| format!("send: {err}"))?;
        let status = response.status();
        let mut body = response.into_body();
        let bytes = if first_bytes {
            // The first frame with data: the header row, or the collection's opening.
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|err| format!("reply: {err}"))?;
                if frame.data_ref().is_some_and(|data| !data.is_empty()) {
                    break;
                }
            }
            let _ = body.is_end_stream();
            Bytes::new()
        } else {
            body.collect().await.map_err(|err| format!("reply: {err}"))?.to_bytes()
        };
        if status != StatusCode::OK {
            return Err(format!("HTTP {status}"));
        }
        Ok::<_, String>((sender, first_bytes, bytes))
    };
    match tokio::time::timeout(drive::REQUEST_TIMEOUT, attempt).await {
        Ok(Ok((sender, dropped, bytes))) => {
            // An export's rest is not read: that connection is closed, a new one opened.
            if !dropped {
                *connection = Some(sender);
            }
            Ok(bytes)
        }
        Ok(Err(err)) => Err(err),
        Err(_) => Err("timeout".to_owned()),
    }
}

pub struct ReadsReport {
    pub incidents: usize,
    pub concurrency: usize,
    pub reads: Phase,
    pub healthz: Phase,
}

impl ReadsReport {
    pub fn errors_count(&self) -> u64 {
        self.reads.errors.values().sum::<u64>() + self.healthz.errors.values().sum::<u64>()
    }

    pub fn print(&self) {
        println!();
        println!("==================== truce-load reads ====================");
        println!("incidents              {}", self.incidents);
        println!("connections            {}", self.concurrency);
        println!("{:<32} {:>8} {:>9} {:>9} {:>9}", "query", "count", "p50 ms", "p99 ms", "max ms");
        for (name, values) in self.reads.latencies_us.iter().chain(&self.healthz.latencies_us) {
            println!(
                "{name:<32} {:>8} {:>9.2} {:>9.2} {:>9.2}",
                values.len(),
                quantile_ms(values, 0.5),
                quantile_ms(values, 0.99),
                quantile_ms(values, 1.0)
            );
        }
        for (label, phase) in [("reads", &self.reads), ("healthz", &self.healthz)] {
            let cpu = phase.server_cpu.as_ref().map_or(String::new(), |cpu| {
                format!(
                    "; server CPU {:.2} s = {:.0} us per request",
                    cpu.total_s,
                    cpu.total_s * 1e6 / phase.requests() as f64
                )
            });
            println!(
                "{label:<8} {} requests in {:.1} s = {:.0}/s{cpu}; load average {}",
                phase.requests(),
                phase.wall_s,
                phase.per_s(),
                phase.load_average
            );
            for (kind, count) in &phase.errors {
                println!("  error {kind}: {count}");
            }
        }
        let all: Vec<u64> = self.reads.latencies_us.values().flatten().copied().collect();
        println!("reads p99 (every kind)   {:.2} ms (the bar: under 10 ms for a page)", quantile_ms(&all, 0.99));
        println!(
            "ratio                    reads/s : healthz/s = {:.3} (the bar: at least 0.30)",
            self.reads.per_s() / self.healthz.per_s()
        );
        println!("===========================================================");
    }
}
