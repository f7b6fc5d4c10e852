//! A humanitarian notification in the public ledger: an outsider reading every ledger route,
//! every proof and the checkpoint finds nothing of it, while the server derives from it.

use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};
use truce_core::{IncidentId, NotificationId};

use super::{
    id,
    monitoring::{source, world_in_force},
    Fixture, OPP, RU,
};

/// A name and a position found nowhere else in the test world.
const SITE_NAME: &str = "Qadi Askar Underground Clinic 4471";
const LON: &str = "37.18731";
const LAT: &str = "36.21179";
const NOTIFICATION: u32 = 960;
const STRIKE: u32 = 961;

/// Every public byte of the ledger routes, as an anonymous reader gets them.
async fn every_public_ledger_text(fixture: &Fixture) -> Vec<(String, String)> {
    let mut texts = Vec::new();
    let mut get = async |uri: String| {
        let reply = fixture.get(&uri).await;
        assert!(reply.status.is_success(), "{uri}: {}", reply.text);
        texts.push((uri, reply.text.clone()));
        reply.text
    };
    // Both plain text: a signed note and a verifier key.
    get("/api/v1/ledger/checkpoint".to_owned()).await;
    get("/api/v1/ledger/key".to_owned()).await;
    let page: Value = serde_json::from_str(&get("/api/v1/ledger/entries".to_owned()).await).expect("json");
    let size = page["tree_size"].as_u64().expect("a tree size");
    assert!(page.get("next_from").is_none(), "one page holds the whole test log");
    for seq in 0..size {
        get(format!("/api/v1/ledger/entries?from={seq}&limit=1")).await;
        get(format!("/api/v1/ledger/proof/inclusion?seq={seq}&size={size}")).await;
        if seq > 0 {
            get(format!("/api/v1/ledger/proof/consistency?from={seq}&to={size}")).await;
        }
    }
    texts
}

#[tokio::test]
async fn a_notified_sites_name_and_position_are_in_no_public_ledger_byte_while_the_server_derives_from_them() {
    let (world, monitor) = world_in_force().await;
    let fixture = &world.fixture;
    let position: Value = serde_json::from_str(&format!("[{LON}, {LAT}]")).expect("a position");
    let reply = fixture
        .submit(
            &world.ru,
            json!({"type": "notify_humanitarian", "notification_id": id(NOTIFICATION),
                   "notified": {"kind": "site", "name": SITE_NAME, "site_kind": "hospital",
                                "position": position, "radius_m": 100.0},
                   "party_ids": [id(RU), id(OPP)], "deadline": "2016-12-12T12:00:00Z"}),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 201, "{}", reply.text);
    let receipt = reply.json();
    assert_eq!(receipt["sealed"], json!(true));
    let seq = receipt["seq"].as_u64().expect("a seq");
    // The receipt's proof and checkpoint are of the sealed text, which is what is served.
    assert!(!receipt["checkpoint"].as_str().expect("a note").contains(SITE_NAME));
    // A public report of a strike some 40 m from the site, inside its radius: the incident is
    // public, the site it hit is not.
    fixture
        .accept(
            &monitor,
            json!({"type": "report_incident", "incident_id": id(STRIKE), "kind": "airstrike",
                   "location": {"position": [37.1877, 36.2120], "uncertainty_m": 20.0},
                   "when": {"start": "2016-12-12T10:00:00Z"}, "description": "Airstrike on a clinic",
                   "source": source(3, "SAMS")}),
        )
        .await;

    let texts = every_public_ledger_text(fixture).await;
    for (uri, text) in &texts {
        for secret in [SITE_NAME, LON, LAT, "notify_humanitarian", &id(NOTIFICATION)] {
            assert!(!text.contains(secret), "{uri} holds {secret}: {text}");
        }
    }
    // The notification's entry is served sealed, and its hash is the receipt's leaf hash.
    let page = fixture.get(&format!("/api/v1/ledger/entries?from={seq}&limit=1")).await.json();
    let text = page["entries"][0]["entry"].as_str().expect("the entry text");
    let entry: Value = serde_json::from_str(text).expect("json");
    assert!(entry["sealed"]["ciphertext"].is_string(), "{text}");
    let mut parties = vec![id(OPP), id(RU)];
    parties.sort();
    assert_eq!(entry["sealed"]["parties"], json!(parties));
    let digest: [u8; 32] = Sha256::new().chain_update([0u8]).chain_update(text.as_bytes()).finalize().into();
    assert_eq!(receipt["leaf_hash"], json!(hex::encode(digest)));

    // The server itself knows the site: the strike violates the notification.
    let strike = IncidentId::parse(&id(STRIKE)).expect("an id");
    let notification = NotificationId::parse(&id(NOTIFICATION)).expect("an id");
    let violated = fixture.state.node.read_state(|state| {
        state.violations_of(&strike).iter().any(|v| v.notification_id.as_ref() == Some(&notification))
    });
    assert!(violated, "the server derives the violation from the sealed notification");
}

#[tokio::test]
async fn an_account_sets_its_own_encryption_key_which_is_parsed_as_an_age_recipient_and_shown() {
    let world = super::World::new().await;
    let fixture = &world.fixture;
    let key = truce_ledger::AgeIdentity::generate().encryption_key().to_string();
    let body =
        |account: &str, key: &str| json!({"type": "set_encryption_key", "account_id": account, "encryption_key": key});
    // The right shape, a wrong checksum: only the age crate at the edge tells.
    let last = if key.ends_with('q') { "p" } else { "q" };
    let bad_checksum = format!("{}{last}", &key[..key.len() - 1]);
    let reply = fixture.submit(&world.ru, body(&world.ru.account, &bad_checksum)).await;
    assert_eq!(reply.status.as_u16(), 422, "{}", reply.text);
    assert_eq!(reply.json()["field"], json!("command.body.encryption_key"));
    let reply = fixture.submit(&world.ru, body(&world.opp.account, &key)).await;
    assert_eq!(reply.status.as_u16(), 403, "{}", reply.text);
    assert_eq!(reply.json()["field"], json!("account_id"));

    let reply = fixture.submit(&world.ru, body(&world.ru.account, &key)).await;
    assert_eq!(reply.status.as_u16(), 201, "{}", reply.text);
    assert_eq!(reply.json()["sealed"], json!(false));
    // Account lists are for signed-in accounts: RU reads its own.
    let accounts = fixture.get_as(&world.ru.account, "/api/v1/accounts").await.json();
    let shown =
        accounts["items"].as_array().expect("items").iter().find(|a| a["account_id"] == json!(world.ru.account));
    assert_eq!(shown.expect("the account")["encryption_key"], json!(key));
}
