//! truce-cli.
