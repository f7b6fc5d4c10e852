//! The yardstick the write rate is compared with: how many Ed25519 signatures one thread
//! verifies per second on this machine, measured in the same run because these machines
//! are noisy (docs/design.md section 9: ratios are taken side by side).
//!
//! Two figures: the bare `verify_strict` over the signed bytes, and `verify_command`, which
//! also canonicalizes the command (what the server does for every submission).

use std::{
    hint::black_box,
    time::{Duration, Instant},
};

use anyhow::{anyhow, bail};
use ed25519_dalek::VerifyingKey;
use truce_ledger::{verify_command, PublicKey};

use crate::commands::SignatureSample;

pub struct VerifyRates {
    pub signatures_count: usize,
    pub strict_per_s: f64,
    pub command_per_s: f64,
}

/// Verifies every sample on the calling thread, twice over, timing each pass.
///
/// # Errors
/// No samples, or a sample that does not verify (a bug in signing).
pub fn measure(public: &PublicKey, samples: &[SignatureSample]) -> anyhow::Result<VerifyRates> {
    if samples.is_empty() {
        bail!("no signatures to verify");
    }
    let key = VerifyingKey::from_bytes(public.as_bytes()).map_err(|err| anyhow!("operator key: {err}"))?;
    let signatures: Vec<ed25519_dalek::Signature> =
        samples.iter().map(|sample| ed25519_dalek::Signature::from_bytes(sample.signature.as_bytes())).collect();
    // One short untimed pass warms caches and the CPU's clock.
    for (sample, signature) in samples.iter().zip(&signatures).take(1000) {
        black_box(key.verify_strict(&sample.message, signature)).map_err(|_| anyhow!("a sample does not verify"))?;
    }
    let strict = time(|| {
        for (sample, signature) in samples.iter().zip(&signatures) {
            if black_box(key.verify_strict(black_box(&sample.message), signature)).is_err() {
                return Err(anyhow!("a sample does not verify"));
            }
        }
        Ok(())
    })?;
    let command = time(|| {
        for sample in samples {
            if black_box(verify_command(public, black_box(&sample.command), &sample.signature)).is_err() {
                return Err(anyhow!("a sample command does not verify"));
            }
        }
        Ok(())
    })?;
    let per_s = |elapsed: Duration| samples.len() as f64 / elapsed.as_secs_f64();
    Ok(VerifyRates { signatures_count: samples.len(), strict_per_s: per_s(strict), command_per_s: per_s(command) })
}

fn time(run: impl FnOnce() -> anyhow::Result<()>) -> anyhow::Result<Duration> {
    let start = Instant::now();
    run()?;
    Ok(start.elapsed())
}
