//! Keys in the ledger over HTTP: a coordinator opens an enrolment, the new device enrols
//! with the code (its hash computed by the node, as on replay), signs, is revoked, and its
//! next command is refused with `key-revoked`.

use axum::http::StatusCode;
use serde_json::json;
use truce_ledger::{enrolment_code_sha256, SecretKey};

use super::{id, Signer, World};

const CODE: &str = "00112233445566778899aabbccddeeff";

#[tokio::test]
async fn a_second_key_is_enrolled_with_a_code_and_once_revoked_signs_nothing_more() {
    let world = World::new().await;
    let fixture = &world.fixture;
    let expires_at = "2016-12-12T20:00:00Z";
    // The operator may not open it: the account is Russia's.
    let open = json!({"type": "create_enrolment", "account_id": world.ru.account,
                      "code_sha256": enrolment_code_sha256(CODE), "expires_at": expires_at});
    let reply = fixture.submit(&fixture.operator, open.clone()).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text);
    assert_eq!(reply.json()["field"], "account_id");
    fixture.accept(&world.ru, open).await;
    let second = Signer { key: SecretKey::from_seed(&[77; 32]), ..world.ru.clone() };
    let wrong = fixture.submit(&second, json!({"type": "enrol_key", "code": "ffeeddccbbaa99887766554433221100"})).await;
    expect_test::expect![[r#"
        403
        {
          "detail": "no open enrolment of account 01900000-0000-7000-8000-00000000006e has this code (unknown, already used or expired)",
          "field": "code",
          "instance": "/api/v1/commands",
          "status": 403,
          "title": "Enrolment refused",
          "type": "/problems/enrolment-refused"
        }"#]]
    .assert_eq(&wrong.problem());
    fixture.accept(&second, json!({"type": "enrol_key", "code": CODE})).await;
    let accounts = fixture.get_as(&world.ru.account, "/api/v1/accounts").await.json();
    let ru =
        accounts["items"].as_array().expect("a page").iter().find(|a| a["account_id"] == world.ru.account).cloned();
    let keys = ru.expect("Russia's account is listed")["public_keys"].clone();
    assert_eq!(keys, json!([world.ru.public_key(), second.public_key()]));
    fixture
        .accept(&second, json!({"type": "define_zone", "zone_id": id(700), "code": "Z7", "name": "Zone 7",
                                "kind": "other", "boundary": {"type": "Polygon", "coordinates": [super::east_aleppo_ring()]}}))
        .await;
    let revoke = json!({"type": "revoke_key", "account_id": world.ru.account, "public_key": second.public_key(),
                        "reason": "device lost"});
    fixture.accept(&world.ru, revoke).await;
    let refused = fixture.submit(&second, json!({"type": "mark_time"})).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert_eq!(refused.json()["type"], "/problems/key-revoked");
    assert_eq!(refused.json()["field"], "signer");
    // The code opened one enrolment: it does not open another.
    let third = Signer { key: SecretKey::from_seed(&[78; 32]), ..world.ru.clone() };
    let again = fixture.submit(&third, json!({"type": "enrol_key", "code": CODE})).await;
    assert_eq!(again.json()["type"], "/problems/enrolment-refused");
}
