//! The vocabulary of truce and its rules: parties, forces, zones, corridors, agreements,
//! commitments and consents; the commands that change them, the events they produce,
//! `decide` (may this command happen?) and `State::evolve` (what it changes).
//!
//! Deliberately pure: no I/O, no async, no clock, no randomness. Time and ids arrive with
//! the command and its `Context`. Nothing here knows about SQL, HTTP or signatures; the
//! signer's public key is an opaque, already-verified string by the time it gets here.

mod command;
mod decide;
mod error;
mod event;
mod geometry;
mod ids;
mod limits;
mod model;
pub mod scenario;
#[cfg(feature = "schema")]
mod schema;
mod state;
mod status;
mod text;
mod time;

#[cfg(test)]
mod tests;

pub use crate::{
    command::{Command, CommandBody, Context, Genesis},
    decide::decide,
    error::DomainError,
    event::Event,
    geometry::{geodesic_distance_m, LineString, Polygon, Position},
    ids::{
        AccountId, AgreementId, CommitmentId, ConsentId, CorridorId, ForceId, Nonce, PartyId, PublicKeyText, ZoneId,
    },
    limits::*,
    model::*,
    state::{
        Account, AgreementRecord, ConsentRecord, CorridorRecord, Force, FulfilmentRecord, Party, StanceRecord, State,
        SuspensionRecord, VersionRecord, Zone, ZoneBoundary, ZoneControl,
    },
    status::{
        AgreementStatus, CommitmentStatus, CommitmentStatusKind, CorridorStatus, CorridorStatusKind, VersionStatus,
    },
    text::{Code, Name, Reason},
    time::{Timestamp, Window},
};
