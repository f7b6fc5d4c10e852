//! `listen::serve` on real sockets, bound to 127.0.0.1 only: a crowd of idle connections
//! past the cap never shuts out a new client, and idle or slow connections are closed on
//! time, each by its own timeout. Every wait is bounded.

use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::oneshot,
};

use super::Fixture;
use crate::{
    listen::{self, Limits},
    router,
};

/// Idle connections opened at once: several times the cap below.
const IDLE_CONNECTIONS_COUNT: usize = 300;
const CONNECTIONS_MAX: usize = 32;
/// Longer than any test waits: a timeout that fires did not let the test pass.
const LONG: Duration = Duration::from_secs(600);
/// What any one step of a test may take at the most.
const WAIT_MAX: Duration = Duration::from_secs(10);

/// Serves a fresh log on 127.0.0.1 within `limits`; dropping the sender stops the server.
async fn start(limits: Limits) -> (SocketAddr, oneshot::Sender<()>, Fixture) {
    let fixture = Fixture::new().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port on 127.0.0.1");
    let address = listener.local_addr().expect("a bound address");
    let (stop, stopped) = oneshot::channel::<()>();
    let app = router(fixture.state.clone());
    tokio::spawn(listen::serve(listener, app, limits, None, async {
        let _ = stopped.await;
    }));
    (address, stop, fixture)
}

const CHECKPOINT_REQUEST: &[u8] = b"GET /api/v1/ledger/checkpoint HTTP/1.1\r\nHost: test\r\n\r\n";

/// Reads until the server closes the connection; whether it did within `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    let mut buf = [0_u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

/// Reads one response to `CHECKPOINT_REQUEST`: its head and its `Content-Length` body.
async fn read_response(stream: &mut TcpStream) -> String {
    let mut bytes = Vec::new();
    let mut buf = [0_u8; 4096];
    loop {
        let read = stream.read(&mut buf).await.expect("the response reads");
        assert!(read > 0, "the server closed the connection mid-response");
        bytes.extend_from_slice(&buf[..read]);
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|line| line.to_ascii_lowercase().strip_prefix("content-length: ").map(str::to_owned))
                .and_then(|value| value.trim().parse::<usize>().ok())
                .expect("a Content-Length");
            if body.len() >= length {
                return text;
            }
        }
    }
}

/// A new client's GET of the checkpoint, answered whole.
async fn get_checkpoint(address: SocketAddr) -> String {
    let mut stream = TcpStream::connect(address).await.expect("the new client connects");
    stream.write_all(CHECKPOINT_REQUEST).await.expect("the request is sent");
    read_response(&mut stream).await
}

#[tokio::test]
async fn a_crowd_of_idle_connections_past_the_cap_never_shuts_out_a_new_client() {
    // Timeouts far off: only the cap and its eviction of idle connections can let the new
    // client in.
    let limits = Limits {
        connections_max: CONNECTIONS_MAX,
        header_read_timeout: LONG,
        body_read_timeout: LONG,
        idle_timeout: LONG,
    };
    let (address, _stop, _fixture) = start(limits).await;
    let mut idle = Vec::with_capacity(IDLE_CONNECTIONS_COUNT);
    for idx in 0..IDLE_CONNECTIONS_COUNT {
        // A server that stops accepting fills its backlog, and then a connect hangs.
        let connected = tokio::time::timeout(WAIT_MAX, TcpStream::connect(address)).await;
        let connected = connected.unwrap_or_else(|_| panic!("idle connection {idx} is not even accepted"));
        idle.push(connected.expect("an idle connection"));
    }
    let response = tokio::time::timeout(WAIT_MAX, get_checkpoint(address))
        .await
        .expect("the new client is served although hundreds of idle connections came first");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    // The server holds no more than the cap: the idle connections beyond it were closed.
    let mut open_count = 0;
    for stream in &mut idle {
        if !closed_within(stream, Duration::from_millis(1)).await {
            open_count += 1;
        }
    }
    assert!(open_count < CONNECTIONS_MAX, "{open_count} idle connections are still open, past the cap");
}

#[tokio::test]
async fn half_a_request_head_is_closed_after_the_header_read_timeout_and_silence_after_the_idle_one() {
    let header_read_timeout = Duration::from_millis(200);
    let (address, _stop, _fixture) =
        start(Limits { connections_max: 16, header_read_timeout, body_read_timeout: LONG, idle_timeout: LONG }).await;
    let mut slow = TcpStream::connect(address).await.expect("connects");
    let mut silent = TcpStream::connect(address).await.expect("connects");
    let started = Instant::now();
    slow.write_all(b"GET /api/v1/ledger/checkpoint HTTP/1.1\r\nHost: te").await.expect("half a head is sent");
    assert!(closed_within(&mut slow, WAIT_MAX).await, "a head trickling in is never closed");
    assert!(started.elapsed() >= header_read_timeout);
    // A connection that sends nothing is idle, not slow: the idle timeout (far off) applies.
    assert!(!closed_within(&mut silent, header_read_timeout * 3).await, "a silent connection was closed early");
    silent.write_all(CHECKPOINT_REQUEST).await.expect("the request is sent");
    assert!(read_response(&mut silent).await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn a_connection_idle_past_the_idle_timeout_is_closed_whether_it_asked_before_or_not() {
    let idle_timeout = Duration::from_millis(300);
    let (address, _stop, _fixture) =
        start(Limits { connections_max: 16, header_read_timeout: LONG, body_read_timeout: LONG, idle_timeout }).await;
    let mut silent = TcpStream::connect(address).await.expect("connects");
    let mut kept_alive = TcpStream::connect(address).await.expect("connects");
    kept_alive.write_all(CHECKPOINT_REQUEST).await.expect("the request is sent");
    assert!(read_response(&mut kept_alive).await.starts_with("HTTP/1.1 200"));
    let idle_from = Instant::now();
    // Still open within the timeout: a keep-alive connection is reused.
    kept_alive.write_all(CHECKPOINT_REQUEST).await.expect("a second request on the same connection");
    assert!(read_response(&mut kept_alive).await.starts_with("HTTP/1.1 200"));
    for stream in [&mut silent, &mut kept_alive] {
        assert!(closed_within(stream, WAIT_MAX).await, "an idle connection is never closed");
    }
    assert!(idle_from.elapsed() >= idle_timeout);
}

#[tokio::test]
async fn a_body_trickling_in_is_refused_at_the_body_read_timeout_while_others_are_served() {
    let body_read_timeout = Duration::from_millis(400);
    let (address, _stop, _fixture) =
        start(Limits { connections_max: 16, header_read_timeout: LONG, body_read_timeout, idle_timeout: LONG }).await;
    let mut slow = TcpStream::connect(address).await.expect("connects");
    let started = Instant::now();
    slow.write_all(
        b"POST /api/v1/commands HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{",
    )
    .await
    .expect("the head and a byte of the body are sent");
    // A byte now and then, each well within any per-read timeout: only a deadline for the
    // whole body ends it.
    let trickle = async {
        loop {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if slow.write_all(b" ").await.is_err() {
                break;
            }
        }
    };
    // Meanwhile another client is served at once.
    let other = tokio::time::timeout(WAIT_MAX, get_checkpoint(address)).await.expect("another client is served");
    assert!(other.starts_with("HTTP/1.1 200"), "{other}");
    let _ = tokio::time::timeout(body_read_timeout * 2, trickle).await;
    let mut reply = Vec::new();
    let read = tokio::time::timeout(WAIT_MAX, slow.read_to_end(&mut reply)).await;
    assert!(matches!(read, Ok(Ok(_))), "the slow body's connection is never closed: {read:?}");
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert!(reply.contains("/problems/body-timed-out"), "{reply}");
    assert!(reply.to_ascii_lowercase().contains("connection: close"), "{reply}");
    assert!(started.elapsed() >= body_read_timeout);
}
