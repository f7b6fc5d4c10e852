//! The HTTP edge of a real `truce serve` under a crowd of idle connections, on 127.0.0.1
//! only: with the cap on connections set low, hundreds of connections that never send a
//! byte neither shut out a new client nor stay open past the cap. Bounded: every connect
//! and request has a timeout.

use std::{
    io::{ErrorKind, Read},
    net::{SocketAddr, TcpStream},
    time::Duration,
};

use crate::support::{get_text, http_client, path_str, run_truce, Server};

const CONNECTIONS_MAX: usize = 64;
const IDLE_CONNECTIONS_COUNT: usize = 300;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

#[test]
fn a_crowd_of_idle_connections_past_the_cap_never_shuts_out_a_new_client() {
    let root = tempfile::tempdir().expect("a temporary directory");
    let data = root.path().join("data");
    run_truce(&["init", "--data", path_str(&data), "--origin", "edge.test/log"]);
    let cap = CONNECTIONS_MAX.to_string();
    let server = Server::start_with(&data, &root.path().join("server.log"), &["--connections-max", &cap]);
    let address: SocketAddr =
        server.base_url.strip_prefix("http://").expect("an http URL").parse().expect("a socket address");
    let idle: Vec<TcpStream> = (0..IDLE_CONNECTIONS_COUNT)
        .map(|idx| {
            TcpStream::connect_timeout(&address, CONNECT_TIMEOUT)
                .unwrap_or_else(|err| panic!("idle connection {idx} is not accepted: {err}"))
        })
        .collect();
    // The new client: within the client's request timeout, although every slot was taken
    // by connections that came first and never said a word.
    let note = get_text(&http_client(), &format!("{}/api/v1/ledger/checkpoint", server.base_url));
    assert_eq!(note.lines().next(), Some("edge.test/log"), "{note}");
    let open_count = idle.iter().filter(|stream| is_open(stream)).count();
    assert!(open_count < CONNECTIONS_MAX, "{open_count} idle connections are open, past the cap of {CONNECTIONS_MAX}");
}

/// Whether the server has not closed `stream`: nothing to read yet, and no end of stream.
fn is_open(mut stream: &TcpStream) -> bool {
    stream.set_nonblocking(true).expect("a socket can be non-blocking");
    let mut buf = [0_u8; 64];
    matches!(stream.read(&mut buf), Err(err) if err.kind() == ErrorKind::WouldBlock)
}
