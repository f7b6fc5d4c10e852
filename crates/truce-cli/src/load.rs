//! Loading a scenario (`truce_core::scenario`) through the HTTP API, for `truce demo` and
//! `truce import`: a fresh key for each account of the scenario, then each step signed by
//! its account and submitted in order, stopping at the first refusal.
//!
//! A step's `issued_at` is the time on `clock` when it is signed, not the step's `at`: the
//! time something happened travels in the command's body, and `issued_at` is only when the
//! command was signed, which the server checks against its own clock.

use std::collections::BTreeMap;

use anyhow::anyhow;
use serde_json::Value;
use truce_core::{
    scenario::{Scenario, ScenarioStep, OPERATOR_HANDLE},
    Nonce, PublicKeyText,
};
use truce_ledger::SecretKey;
use truce_store::Clock;

use crate::client::{self, Client, Signer, Tally};

/// The signer of each account handle: `operator` as given, and a fresh key for every account
/// of the scenario.
pub fn signers(scenario: &Scenario, operator: Signer) -> BTreeMap<String, Signer> {
    let mut signers = BTreeMap::new();
    signers.insert(OPERATOR_HANDLE.to_owned(), operator);
    for account in &scenario.accounts {
        let key = SecretKey::generate(&mut rand::rngs::OsRng);
        let signer = Signer { key, author: account.account_id.clone(), party: account.party_id.clone() };
        signers.insert(account.handle.clone(), signer);
    }
    signers
}

/// Submits every step of `scenario` in order, each signed by the signer of its handle in
/// `signers` (from `signers`) and issued at `clock`'s time. `before_step` runs before each
/// step is signed, `accepted` after each is accepted, with its index and receipt.
///
/// # Errors
/// A scenario whose steps and accounts do not fit together, and the first step that cannot
/// be signed or is refused, as `steps[N] (<type>): <why>; <what was accepted before it>`.
pub fn load(
    scenario: &Scenario,
    signers: &BTreeMap<String, Signer>,
    client: &Client,
    clock: &dyn Clock,
    mut before_step: impl FnMut(&ScenarioStep),
    mut accepted: impl FnMut(usize, &Value),
) -> anyhow::Result<Tally> {
    let operator = signers.get(OPERATOR_HANDLE).ok_or_else(|| anyhow!("no signer for the operator"))?;
    let keys: BTreeMap<String, PublicKeyText> = signers
        .iter()
        .map(|(handle, signer)| {
            let key = PublicKeyText::parse(&signer.key.public_key().to_base64()).expect("a public key is 32 bytes");
            (handle.clone(), key)
        })
        .collect();
    let steps = scenario
        .commands(&operator.author, &keys, || Nonce::parse(&client::new_nonce()).expect("a hex nonce of 32 characters"))
        .map_err(|err| anyhow!("{err}"))?;
    let mut tally = Tally::default();
    for (idx, mut step) in steps.into_iter().enumerate() {
        let kind = step.command.body.kind();
        let signer = signers.get(&step.handle).ok_or_else(|| anyhow!("steps[{idx}]: no key for {:?}", step.handle))?;
        before_step(&step);
        step.command.issued_at = clock.now();
        let sent = serde_json::to_value(&step.command)
            .map_err(anyhow::Error::from)
            .and_then(|command| client::sign(signer, command))
            .and_then(|signed| client.submit(&signed));
        match sent {
            Ok(receipt) => {
                tally.add(&receipt);
                accepted(idx, &receipt);
            }
            Err(err) => return Err(anyhow!("steps[{idx}] ({kind}): {err:#}; {}", tally.before_refusal())),
        }
    }
    Ok(tally)
}
