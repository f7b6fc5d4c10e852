//! Judging a pair that only one side found, by the reference distance: at the threshold,
//! PostGIS off by less than the design's accuracy, or something that accuracy does not
//! explain (a bug on one side, or in the comparison).
//!
//! Pure: the caller measures; this only decides.

#[cfg(test)]
mod tests;

/// Within this of the threshold, by the reference distance, either answer is right: the
/// matcher is exact to millimetres there; PostGIS usually to a few centimetres (it finds
/// the nearest point of an edge on the sphere, then measures to it on the spheroid, and its
/// edges are great circles, which part from geodesics by centimetres over a few kilometres).
pub const THRESHOLD_BAND_M: f64 = 0.05;
/// docs/design.md section 5: geodesic distances accurate to 0.5 % or 5 m, whichever is larger.
pub const ACCURACY_RELATIVE: f64 = 0.005;
pub const ACCURACY_M_MIN: f64 = 5.0;

/// Which side found the pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Matcher,
    Postgis,
}

/// What a disagreement is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The incident is within `THRESHOLD_BAND_M` of the threshold.
    AtThreshold,
    /// The reference sides with the matcher, and PostGIS is off by no more than the design's
    /// accuracy.
    PostgisOff,
    /// Anything else: the matcher wrong beyond the band, PostGIS wrong beyond the accuracy,
    /// either wrong about time, or not measured.
    Unexplained,
}

/// What is known of a pair only one side found.
#[derive(Debug, Clone, Copy)]
pub struct Facts {
    pub found_by: Side,
    /// `half_width_m + uncertainty_m` (a zone's half-width is 0).
    pub threshold_m: f64,
    /// The reference distance, negative inside a zone; `None` when not measured.
    pub signed_distance_m: Option<f64>,
    /// Whether the incident's time overlaps one of the scope's windows.
    pub time_overlaps: bool,
}

impl Facts {
    /// How far past the threshold the incident is: negative when it should match.
    pub fn margin_m(&self) -> Option<f64> {
        self.signed_distance_m.map(|signed_distance_m| signed_distance_m - self.threshold_m)
    }
}

pub fn judge(facts: &Facts) -> Verdict {
    let Some(margin_m) = facts.margin_m() else {
        return Verdict::Unexplained;
    };
    // The time rule is exact on both sides: a pair outside every window is no match.
    if !facts.time_overlaps {
        return Verdict::Unexplained;
    }
    if margin_m.abs() <= THRESHOLD_BAND_M {
        return Verdict::AtThreshold;
    }
    let should_match = margin_m < 0.0;
    let matcher_right = should_match == (facts.found_by == Side::Matcher);
    let accuracy_m = (ACCURACY_RELATIVE * facts.threshold_m).max(ACCURACY_M_MIN);
    if matcher_right && margin_m.abs() <= accuracy_m {
        return Verdict::PostgisOff;
    }
    Verdict::Unexplained
}
