//! Signing in: a password set by a request signed with one of the account's keys, a session
//! cookie that sign-out ends, API tokens, limits on failed sign-ins, and reads that are for
//! signed-in accounts only.

use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};
use serde_json::{json, Value};
use truce_ledger::{sign_request, SecretKey};
use truce_store::Clock as _;

use super::{id, Fixture, Reply, Signer, World};

const PASSWORD: &str = "correct horse battery staple";

fn password_request(fixture: &Fixture, signer: &Signer, account: &str, password: &str) -> Value {
    let request = json!({"type": "set_password", "account_id": account, "password": password,
                         "issued_at": fixture.clock.now()});
    let signature = sign_request(&signer.key, &request).expect("a JSON object signs");
    json!({"request": request, "signer": signer.public_key(), "signature": signature.to_base64()})
}

async fn set_password(fixture: &Fixture, signer: &Signer) {
    let reply =
        fixture.post_json("/api/v1/password", &password_request(fixture, signer, &signer.account, PASSWORD)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

async fn sign_in(fixture: &Fixture, account: &str, password: &str) -> Reply {
    fixture.post_json("/api/v1/session", &json!({"account_id": account, "password": password})).await
}

/// The session cookie's `name=value` from a sign-in reply.
fn cookie_of(fixture: &Fixture, reply: &Reply, set_cookie: &str) -> String {
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let _ = fixture;
    set_cookie.split(';').next().expect("a cookie pair").to_owned()
}

async fn send_with(fixture: &Fixture, method: &str, uri: &str, name: header::HeaderName, value: &str) -> Reply {
    let request = Request::builder().method(method).uri(uri).header(name, value).body(Body::empty());
    fixture.send(request.expect("a valid request")).await
}

/// Signs in through the router directly, to read the `Set-Cookie` header `Reply` drops.
async fn sign_in_for_cookie(fixture: &Fixture, account: &str) -> (Reply, String) {
    use http_body_util::BodyExt as _;
    use tower::ServiceExt as _;
    let body = json!({"account_id": account, "password": PASSWORD}).to_string();
    let request = Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .expect("a valid request");
    let response = crate::router(fixture.state.clone()).oneshot(request).await.expect("infallible");
    let set_cookie = response.headers()[header::SET_COOKIE].to_str().expect("ASCII").to_owned();
    let status = response.status();
    let bytes = response.into_body().collect().await.expect("a body").to_bytes();
    let text = String::from_utf8(bytes.to_vec()).expect("UTF-8");
    (Reply { status, content_type: "application/json".to_owned(), text }, set_cookie)
}

#[tokio::test]
async fn a_session_cookie_reads_what_is_not_public_and_is_refused_once_signed_out() {
    let world = World::new().await;
    let fixture = &world.fixture;
    set_password(fixture, &world.ru).await;
    let (reply, set_cookie) = sign_in_for_cookie(fixture, &world.ru.account).await;
    assert!(set_cookie.contains("; HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("; SameSite=Strict"), "{set_cookie}");
    assert!(set_cookie.contains("; Max-Age=43200"), "{set_cookie}");
    assert!(!set_cookie.contains("Secure"), "no TLS in tests: {set_cookie}");
    let cookie = cookie_of(fixture, &reply, &set_cookie);
    assert_eq!(reply.json()["account_id"], json!(world.ru.account));

    // Anonymous: the accounts are not public.
    let anonymous = fixture.get("/api/v1/accounts").await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{}", anonymous.text);
    assert_eq!(anonymous.json()["type"], "/problems/unauthenticated");
    // Signed in as Russia's liaison: only Russia's accounts.
    let accounts = send_with(fixture, "GET", "/api/v1/accounts", header::COOKIE, &cookie).await;
    let ids: Vec<Value> =
        accounts.json()["items"].as_array().expect("a page").iter().map(|a| a["account_id"].clone()).collect();
    assert_eq!(ids, [json!(world.ru.account)]);
    // The operator, of no party, sees every account.
    let all = fixture.get_as(&id(1), "/api/v1/accounts").await;
    assert_eq!(all.json()["items"].as_array().map(Vec::len), Some(4));

    let out = send_with(fixture, "DELETE", "/api/v1/session", header::COOKIE, &cookie).await;
    assert_eq!(out.status, StatusCode::OK, "{}", out.text);
    let replayed = send_with(fixture, "GET", "/api/v1/accounts", header::COOKIE, &cookie).await;
    expect_test::expect![[r#"
        401
        {
          "detail": "the session is unknown, expired or signed out",
          "instance": "/api/v1/accounts",
          "status": 401,
          "title": "Unauthenticated",
          "type": "/problems/unauthenticated"
        }"#]]
    .assert_eq(&replayed.problem());
}

#[tokio::test]
async fn a_session_expires() {
    let world = World::new().await;
    let fixture = &world.fixture;
    set_password(fixture, &world.ru).await;
    let (reply, set_cookie) = sign_in_for_cookie(fixture, &world.ru.account).await;
    let cookie = cookie_of(fixture, &reply, &set_cookie);
    let now = send_with(fixture, "GET", "/api/v1/session", header::COOKIE, &cookie).await;
    assert_eq!(now.json()["expires_at"], json!("2016-12-12T20:00:00Z"), "{}", now.text);
    fixture.clock.set("2016-12-12T20:00:00Z");
    let later = send_with(fixture, "GET", "/api/v1/session", header::COOKIE, &cookie).await;
    assert_eq!(later.status, StatusCode::UNAUTHORIZED, "{}", later.text);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_account_get_one_answer_and_failures_pause_sign_ins() {
    let world = World::new().await;
    let fixture = &world.fixture;
    set_password(fixture, &world.ru).await;
    let wrong = sign_in(fixture, &world.ru.account, "not the password at all").await;
    let unknown = sign_in(fixture, &id(999), PASSWORD).await;
    assert_eq!(wrong.problem(), unknown.problem());
    expect_test::expect![[r#"
        401
        {
          "detail": "the account or the password is wrong",
          "instance": "/api/v1/session",
          "status": 401,
          "title": "Sign in failed",
          "type": "/problems/sign-in-failed"
        }"#]]
    .assert_eq(&wrong.problem());
    for _ in 1..crate::auth::SIGN_IN_FAILURES_PER_ACCOUNT_MAX {
        let reply = sign_in(fixture, &world.ru.account, "still not the password").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    // Paused: even the right password is not tried, until the window has passed.
    let paused = sign_in(fixture, &world.ru.account, PASSWORD).await;
    assert_eq!(paused.status, StatusCode::TOO_MANY_REQUESTS, "{}", paused.text);
    assert_eq!(paused.json()["type"], "/problems/too-many-sign-ins");
    fixture.clock.set("2016-12-12T08:15:00Z");
    let again = sign_in(fixture, &world.ru.account, PASSWORD).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
}

#[tokio::test]
async fn a_password_is_set_only_with_a_live_key_of_the_account() {
    let world = World::new().await;
    let fixture = &world.fixture;
    // Another account's key.
    let body = password_request(fixture, &world.opp, &world.ru.account, PASSWORD);
    let reply = fixture.post_json("/api/v1/password", &body).await;
    assert_eq!(reply.json()["type"], "/problems/key-not-registered", "{}", reply.text);
    // A tampered request.
    let mut body = password_request(fixture, &world.ru, &world.ru.account, PASSWORD);
    body["request"]["password"] = json!("another password entirely");
    let reply = fixture.post_json("/api/v1/password", &body).await;
    assert_eq!(reply.json()["type"], "/problems/bad-signature", "{}", reply.text);
    // Too short.
    let body = password_request(fixture, &world.ru, &world.ru.account, "short");
    let reply = fixture.post_json("/api/v1/password", &body).await;
    assert_eq!(reply.json()["field"], "request.password", "{}", reply.text);
    // A revoked key.
    let second = Signer { key: SecretKey::from_seed(&[90; 32]), ..world.ru.clone() };
    let code = "0123456789abcdef0123456789abcdef";
    fixture
        .accept(&world.ru, json!({"type": "create_enrolment", "account_id": world.ru.account,
                                  "code_sha256": truce_ledger::enrolment_code_sha256(code), "expires_at": "2016-12-12T09:00:00Z"}))
        .await;
    fixture.accept(&second, json!({"type": "enrol_key", "code": code})).await;
    fixture
        .accept(
            &world.ru,
            json!({"type": "revoke_key", "account_id": world.ru.account, "public_key": second.public_key()}),
        )
        .await;
    let body = password_request(fixture, &second, &world.ru.account, PASSWORD);
    let reply = fixture.post_json("/api/v1/password", &body).await;
    assert_eq!(reply.json()["type"], "/problems/key-revoked", "{}", reply.text);
}

#[tokio::test]
async fn api_tokens_are_created_listed_used_and_revoked() {
    let world = World::new().await;
    let fixture = &world.fixture;
    set_password(fixture, &world.ru).await;
    let (reply, set_cookie) = sign_in_for_cookie(fixture, &world.ru.account).await;
    let cookie = cookie_of(fixture, &reply, &set_cookie);
    let request = Request::post("/api/v1/tokens")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, &cookie)
        .body(Body::from(json!({"name": "dashboard"}).to_string()))
        .expect("a valid request");
    let created = fixture.send(request).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let token = created.json()["token"].as_str().expect("the token").to_owned();
    let token_id = created.json()["token_id"].as_str().expect("an id").to_owned();
    let bearer = format!("Bearer {token}");
    let listed = send_with(fixture, "GET", "/api/v1/tokens", header::AUTHORIZATION, &bearer).await;
    assert_eq!(listed.json()["items"][0]["name"], "dashboard");
    assert!(!listed.text.contains(&token), "a listing never shows the secret");
    let me = send_with(fixture, "GET", "/api/v1/session", header::AUTHORIZATION, &bearer).await;
    assert_eq!(me.json()["account_id"], json!(world.ru.account), "{}", me.text);
    // A wrong secret for a real id is refused.
    let forged = format!("Bearer {token_id}.not-the-secret");
    let refused = send_with(fixture, "GET", "/api/v1/session", header::AUTHORIZATION, &forged).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let revoked =
        send_with(fixture, "DELETE", &format!("/api/v1/tokens/{token_id}"), header::AUTHORIZATION, &bearer).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
    let after = send_with(fixture, "GET", "/api/v1/tokens", header::AUTHORIZATION, &bearer).await;
    assert_eq!(after.json()["type"], "/problems/unauthenticated", "{}", after.text);
    let listed = send_with(fixture, "GET", "/api/v1/tokens", header::COOKIE, &cookie).await;
    assert!(listed.json()["items"][0]["revoked_at"].is_string(), "{}", listed.text);
}

#[tokio::test]
async fn failures_from_one_address_pause_sign_ins_from_it_for_every_account() {
    let world = World::new().await;
    let auth = &world.fixture.state.auth;
    let now = super::ts(super::T0);
    let address = Some(std::net::IpAddr::from([192, 0, 2, 7]));
    let elsewhere = Some(std::net::IpAddr::from([192, 0, 2, 8]));
    for n in 0..crate::auth::SIGN_IN_FAILURES_PER_ADDRESS_MAX {
        assert_eq!(auth.sign_in_paused(&format!("guess-{n}"), address, now), None);
        auth.note_failure(&format!("guess-{n}"), address, now);
    }
    assert_eq!(auth.sign_in_paused(&world.ru.account, address, now), Some(crate::auth::SIGN_IN_WINDOW_S));
    assert_eq!(auth.sign_in_paused(&world.ru.account, elsewhere, now), None);
    let later = super::ts("2016-12-12T08:15:00Z");
    assert_eq!(auth.sign_in_paused(&world.ru.account, address, later), None);
}

#[tokio::test]
async fn an_authorization_header_that_is_not_a_bearer_token_is_refused_not_ignored() {
    let world = World::new().await;
    // Every read of the projection knows who reads (`AsOf` carries the `Viewer`).
    let reply = send_with(&world.fixture, "GET", "/api/v1/parties", header::AUTHORIZATION, "Basic dXNlcjpwYXNz").await;
    assert_eq!(reply.json()["type"], "/problems/unauthenticated", "{}", reply.text);
    let token = format!("Bearer {}", super::token_for(&world.fixture.state, &world.ru.account));
    let reply = send_with(&world.fixture, "GET", "/api/v1/parties", header::AUTHORIZATION, &token).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let reply = send_with(&world.fixture, "GET", "/api/v1/session", header::AUTHORIZATION, "Basic dXNlcjpwYXNz").await;
    assert_eq!(reply.json()["type"], "/problems/unauthenticated", "{}", reply.text);
}
