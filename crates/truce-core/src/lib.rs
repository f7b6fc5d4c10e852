//! The vocabulary of truce and its rules: parties, forces, zones, corridors, agreements,
//! commitments and consents; the commands that change them, the events they produce,
//! `decide` (may this command happen?) and `State::evolve` (what it changes).
//!
//! Deliberately pure: no I/O, no async, no clock, no randomness. Time and ids arrive with
//! the command and its `Context`. Nothing here knows about SQL, HTTP or signatures; the
//! signer's public key is an opaque, already-verified string by the time it gets here.

mod active_scopes;
mod alerts;
mod command;
mod decide;
mod decide_monitor;
mod error;
mod event;
mod geometry;
mod ids;
mod limits;
pub mod matcher;
mod model;
mod monitor;
mod monitor_state;
mod parse;
pub mod scenario;
#[cfg(feature = "schema")]
mod schema;
mod state;
mod status;
#[cfg(feature = "synthetic")]
pub mod synthetic;
mod tagged;
mod text;
mod time;
mod verification;

#[cfg(test)]
mod tests;

pub use crate::{
    alerts::{Alert, AlertKind},
    command::{Command, CommandBody, Context, Genesis},
    decide::decide,
    error::{DomainError, ErrorKind},
    event::Event,
    geometry::{geodesic_distance_m, LineString, Polygon, Position},
    ids::{
        AccountId, AgreementId, AlertId, CommitmentId, ConsentId, ConvoyId, CorridorId, EstimateId, ForceId,
        IncidentId, Nonce, NotificationId, PartyId, PassageId, PublicKeyText, SourceId, StatementId, TotalId, ZoneId,
    },
    limits::*,
    model::*,
    monitor::*,
    monitor_state::*,
    parse::{ParseError, ParseFault},
    state::{
        Account, AgreementRecord, ConsentRecord, CorridorRecord, Force, FulfilmentRecord, Party, StanceRecord, State,
        SuspensionRecord, VersionRecord, Zone, ZoneBoundary, ZoneControl,
    },
    status::{
        AgreementStatus, CommitmentStatus, CommitmentStatusKind, CorridorStatus, CorridorStatusKind, VersionStatus,
    },
    text::{Code, Name, Reason},
    time::{Timestamp, Window},
    verification::Figure,
};
