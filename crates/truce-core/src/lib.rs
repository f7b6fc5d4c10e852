//! The vocabulary of truce and its rules: parties, forces, zones, corridors, agreements,
//! commitments and consents; the commands that change them, the events they produce,
//! `decide` (may this command happen?) and `State::evolve` (what it changes).
//!
//! Deliberately pure: no I/O, no async, no clock, no randomness. Time and ids arrive with
//! the command and its `Context`. Nothing here knows about SQL, HTTP or signatures; the
//! signer's public key is an opaque, already-verified string by the time it gets here.

mod access;
mod command;
mod coordination;
mod decide;
mod event;
pub mod matcher;
mod monitoring;
mod parse;
mod projection;
pub mod scenario;
#[cfg(feature = "synthetic")]
pub mod synthetic;
mod tagged;
mod vocab;

#[cfg(test)]
mod tests;

pub use crate::{
    access::{Account, Enrolment, RevokedKey, Role},
    command::{Command, CommandBody, Context, Genesis},
    coordination::{
        acts::{ActKind, AgreementAct},
        model::*,
        record::{
            AgreementRecord, ConsentRecord, Coordination, CorridorRecord, Corroboration, Force, FulfilmentRecord,
            Party, StanceRecord, SuspensionRecord, VersionRecord, Zone, ZoneBoundary, ZoneControl,
        },
        status::{
            AgreementStatus, CommitmentStatus, CommitmentStatusKind, CorridorStatus, CorridorStatusKind, VersionStatus,
        },
    },
    decide::decide,
    event::Event,
    matcher::LonLatBox,
    monitoring::{
        index::{GridCell, IncidentIndex, IncidentKey, Placed, Square},
        model::*,
        record::*,
        side_by_side::{destination_key, Movement, MovementSeries, PopulationSeries, Series, Side},
    },
    parse::{ParseError, ParseFault},
    projection::{
        alert::{Alert, AlertKind},
        apply::ScopesRebuilt,
        conditions::{Breach, ConditionOutcomes, Release},
        kept::{Accused, Verdict, Verdicts},
        retraction::RetractionRecord,
        state::{serializing_without_monitoring, State},
        verification::{Figure, GradeExplained, WeighedSource},
        visibility::{
            alert_audience, alert_is_public, confidential_alert, encryption_keys_of, may_read_alert,
            notification_audience, notification_parties, sealing, violation_audience, Audience, ReadClass, Reader,
            RecordKind, Sealing,
        },
        warnings::{warnings, Warning},
    },
    vocab::{
        error::{DomainError, ErrorKind, RingProblem},
        geometry::{
            corridor_area, decoding_trusted, geodesic_distance_m, simplified_ring, LineString, Polygon, Position,
        },
        ids::{
            first_with_text, uuid_text, AccountId, AgreementId, AlertId, CodeHash, CommitmentId, ConsentId, ConvoyId,
            CorridorId, EncryptionKeyText, EnrolmentCode, EstimateId, ForceId, IdText, IncidentId, Nonce,
            NotificationId, ObservationId, PartyId, PassageId, PublicKeyText, ReadingId, SourceId, StatementId,
            TotalId, ZoneId,
        },
        limits::*,
        packed,
        source::{Provenance, ReportedAct},
        text::{Code, LanguageTag, Name, Names, Reason},
        time::{Timestamp, Window},
    },
};
