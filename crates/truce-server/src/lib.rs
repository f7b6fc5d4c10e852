//! truce-server.
