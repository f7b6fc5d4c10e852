//! The timekeeper: brings the log's time forward when something falls due and nobody writes.
//!
//! The core never reads a clock, so what the passing of time alone makes happen (a corridor
//! window opening or closing, a humanitarian notification's deadline passing) is alerted by
//! the first entry accepted at or after the instant. When the next due instant
//! (`State::next_due`) has passed on the server's clock, this task writes a `mark_time`
//! command signed with the operator's key, through the same writer as every other command.
//!
//! `next_due` is a public scheduled instant (a corridor window, a truce start or end), so
//! its alert goes out within `TICK`, or the next point of the public grid of every whole five
//! minutes of UTC (`MARK_TIME_GRID_S`), which the log is marked at whenever it was idle over
//! it. A confidential deadline is never a reason to write: when marks are written must say
//! nothing about notifications, so its alert goes out with the first entry after it, on an
//! idle log the next grid mark, at most five minutes late (docs/sealing.md).

use std::{sync::Arc, time::Duration};

use tokio::task::JoinHandle;
use truce_core::{AccountId, Command, CommandBody, DomainError, Nonce, State};
use truce_ledger::{sign_command, SecretKey};
use truce_store::{Clock, Node, Submission, SubmitError};

/// How often the timekeeper looks at the clock.
pub const TICK: Duration = Duration::from_millis(250);

/// The account the timekeeper signs as: the log's operator.
pub struct Operator {
    pub account_id: AccountId,
    pub key: SecretKey,
}

/// Starts the timekeeper on the runtime; it runs until the writer stops.
pub fn spawn(node: Node, clock: Arc<dyn Clock>, operator: Operator) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(TICK).await;
            let due = node.read_state(State::next_due);
            if due.is_none_or(|at| at > clock.now()) {
                continue;
            }
            match mark_time(&node, clock.as_ref(), &operator).await {
                Ok(seq) => tracing::info!(seq, "time marked"),
                // Another entry brought the log's time forward first.
                Err(SubmitError::Domain(DomainError::NothingDue { .. })) => {}
                Err(SubmitError::Stopped) => return,
                Err(err) => tracing::warn!(%err, "could not mark time; trying again"),
            }
        }
    })
}

/// Writes one `mark_time` entry now; returns its sequence number.
///
/// # Errors
/// The writer's refusal, `NothingDue` when nothing has fallen due.
pub async fn mark_time(node: &Node, clock: &dyn Clock, operator: &Operator) -> Result<u64, SubmitError> {
    let command = Command {
        party: None,
        author: operator.account_id.clone(),
        issued_at: clock.now(),
        nonce: Nonce::parse(&uuid::Uuid::now_v7().simple().to_string()).expect("32 hex digits"),
        body: CommandBody::MarkTime {},
    };
    let value = serde_json::to_value(&command).map_err(|err| SubmitError::Encoding(err.to_string()))?;
    let signature = sign_command(&operator.key, &value).map_err(|err| SubmitError::Encoding(err.to_string()))?;
    let submission = Submission::verify(value, operator.key.public_key(), signature)
        .map_err(|err| SubmitError::Encoding(err.to_string()))?;
    let receipt = node.submit(submission).await.map_err(|_| SubmitError::Stopped)??;
    Ok(receipt.seq)
}
