//! The credentials file keeps what it is given, across reopening, and forgets what is
//! deleted: a signed-out or expired session, and only the account's own tokens are revoked.

use crate::{Credentials, TokenRow};

fn token(token_id: &str, account_id: &str) -> TokenRow {
    TokenRow {
        token_id: token_id.to_owned(),
        account_id: account_id.to_owned(),
        name: "dashboard".to_owned(),
        created_at: "2016-12-12T08:00:00Z".to_owned(),
        revoked_at: None,
    }
}

#[test]
fn passwords_sessions_and_tokens_outlive_a_reopening_and_deletions_hold() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("credentials.db");
    {
        let credentials = Credentials::open(&path).expect("created");
        credentials.set_password("a", "$argon2id$first", "t1").expect("stored");
        credentials.set_password("a", "$argon2id$second", "t2").expect("replaced");
        credentials.insert_session("s1", "a", 100).expect("stored");
        credentials.insert_session("s2", "a", 50).expect("stored");
        credentials.insert_token(&token("t1", "a"), "h1").expect("stored");
    }
    let credentials = Credentials::open(&path).expect("reopened");
    assert_eq!(credentials.password("a").expect("read").as_deref(), Some("$argon2id$second"));
    assert_eq!(credentials.password("b").expect("read"), None);
    assert_eq!(credentials.session("s1").expect("read"), Some(("a".to_owned(), 100)));
    // Signing out of s1 at 60 also sweeps s2, which expired at 50.
    credentials.delete_session("s1", 60).expect("deleted");
    assert_eq!(credentials.session("s1").expect("read"), None);
    assert_eq!(credentials.session("s2").expect("read"), None);
    // Another account cannot revoke a's token; a can, once.
    assert!(!credentials.revoke_token("b", "t1", "t3").expect("no change"));
    assert!(credentials.revoke_token("a", "t1", "t3").expect("revoked"));
    assert!(!credentials.revoke_token("a", "t1", "t4").expect("already revoked"));
    let (row, hash) = credentials.token("t1").expect("read").expect("kept");
    assert_eq!((row.revoked_at.as_deref(), hash.as_str()), (Some("t3"), "h1"));
    assert_eq!(credentials.tokens_of("a").expect("listed").len(), 1);
}
