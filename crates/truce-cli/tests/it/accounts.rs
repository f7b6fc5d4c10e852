//! Keys and sign-in with the real binary against a real `truce serve`: key files in PKCS#8
//! PEM (encrypted or not), enrolling a second key with a one-time code, revoking it and
//! seeing its next command refused while the log still verifies, and a password set from
//! the CLI that signs in, reads what is not public, and signs out for good.

use std::process::Command;

use reqwest::{blocking::Client, header, StatusCode};
use serde_json::{json, Value};

use crate::support::{failed, http_client, path_str, run_truce, succeeded, truce_output, Log};

const PASSPHRASE: &str = "a passphrase for the test";

fn truce_with_env(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_truce"));
    command.args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("running truce")
}

#[test]
fn a_second_key_is_enrolled_with_a_code_used_revoked_and_then_refused_while_the_log_verifies() {
    let log = Log::start();
    let server = log.server.base_url.clone();
    let operator_key = log.path("data/operator.key");
    let shown = run_truce(&["keys", "show", path_str(&operator_key)]);
    assert!(shown.starts_with("public key:  "), "{shown}");
    assert!(shown.contains("\nfingerprint: "), "{shown}");
    assert!(std::fs::read_to_string(&operator_key).expect("the key").starts_with("-----BEGIN PRIVATE KEY-----"));

    let second = log.path("second.key");
    let env = [("TRUCE_KEY_PASSPHRASE", PASSPHRASE)];
    let (public_key, _) = succeeded(&truce_with_env(&["keys", "new", "--out", path_str(&second), "--encrypt"], &env));
    let public_key = public_key.trim().to_owned();
    let refused = failed(&truce_output(&["keys", "show", path_str(&second)]));
    assert!(refused.contains("a passphrase is needed"), "{refused}");

    let operator = log.operator_id.clone();
    let (opened, _) = succeeded(&truce_output(&[
        "account",
        "enrolment",
        "--server",
        &server,
        "--key",
        path_str(&operator_key),
        "--author",
        &operator,
        "--account",
        &operator,
        "--hours",
        "1",
    ]));
    let code = opened.lines().next().and_then(|l| l.strip_prefix("enrolment code: ")).expect("a code").to_owned();
    let enrol =
        ["keys", "enrol", "--server", &server, "--code", &code, "--key", path_str(&second), "--account", &operator];
    succeeded(&truce_with_env(&enrol, &env));
    let again = failed(&truce_with_env(&enrol, &env));
    assert!(again.contains("/problems/enrolment-refused"), "{again}");

    let party =
        log.write("party.json", r#"{"type": "register_party", "code": "P1", "name": "Party 1", "kind": "state"}"#);
    let signed_by_second = |file: &std::path::Path| {
        truce_with_env(
            &["submit", path_str(file), "--key", path_str(&second), "--author", &operator, "--server", &server],
            &env,
        )
    };
    succeeded(&signed_by_second(&party));
    succeeded(&truce_output(&[
        "account",
        "revoke-key",
        "--server",
        &server,
        "--key",
        path_str(&operator_key),
        "--author",
        &operator,
        "--account",
        &operator,
        "--public-key",
        &public_key,
        "--reason",
        "rotated",
    ]));
    let party =
        log.write("party2.json", r#"{"type": "register_party", "code": "P2", "name": "Party 2", "kind": "state"}"#);
    let refused = failed(&signed_by_second(&party));
    assert!(refused.contains("/problems/key-revoked"), "{refused}");

    // Every entry replays: the enrolment (its code hashed again) and what the revoked key
    // signed before its revocation.
    let verified = run_truce(&["verify", "--data", path_str(&log.path("data"))]);
    assert!(verified.contains("ok: 5 entries verified"), "{verified}");
}

fn sign_in(http: &Client, server: &str, account: &str, password: &str) -> reqwest::blocking::Response {
    http.post(format!("{server}/api/v1/session"))
        .json(&json!({"account_id": account, "password": password}))
        .send()
        .expect("the server answers")
}

#[test]
fn a_password_set_from_the_cli_signs_in_and_a_cookie_replayed_after_signing_out_is_refused() {
    let log = Log::start();
    let server = log.server.base_url.clone();
    let operator_key = log.path("data/operator.key");
    let password = "a password long enough";
    succeeded(&truce_with_env(
        &["account", "password", "--server", &server, "--key", path_str(&operator_key), "--account", &log.operator_id],
        &[("TRUCE_PASSWORD", password)],
    ));
    let http = http_client();
    assert_eq!(sign_in(&http, &server, &log.operator_id, "not the password").status(), StatusCode::UNAUTHORIZED);
    let signed_in = sign_in(&http, &server, &log.operator_id, password);
    assert_eq!(signed_in.status(), StatusCode::CREATED);
    let set_cookie = signed_in.headers()[header::SET_COOKIE].to_str().expect("ASCII").to_owned();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    let cookie = set_cookie.split(';').next().expect("name=value").to_owned();

    let accounts_url = format!("{server}/api/v1/accounts");
    assert_eq!(http.get(&accounts_url).send().expect("answers").status(), StatusCode::UNAUTHORIZED);
    let accounts: Value =
        http.get(&accounts_url).header(header::COOKIE, &cookie).send().expect("answers").json().expect("JSON");
    assert_eq!(accounts["items"][0]["account_id"], json!(log.operator_id));

    let out = http.delete(format!("{server}/api/v1/session")).header(header::COOKIE, &cookie).send().expect("answers");
    assert_eq!(out.status(), StatusCode::OK);
    let replayed = http.get(&accounts_url).header(header::COOKIE, &cookie).send().expect("answers");
    assert_eq!(replayed.status(), StatusCode::UNAUTHORIZED);
}
