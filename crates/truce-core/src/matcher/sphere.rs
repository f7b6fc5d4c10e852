//! The conformal sphere and the exact ellipsoid: mapping WGS84 positions to the sphere
//! with their local scale, great-circle arcs and caps, small vector helpers, and the exact
//! geodesic distance from a point to a segment (the third tier).

use super::*;

/// An axis-aligned box in the space of the unit sphere, in `f64`, `lower` at most `upper` on
/// every axis: what a segment, a cap or a scope spans, before the tree rounds it outwards to
/// `f32` (`QueryBox::from_envelope`). Ours rather than a spatial-index crate's because it is
/// two arrays and a union, and the tree that reads it is ours (`tree.rs`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Envelope {
    pub(super) lower: V3,
    pub(super) upper: V3,
}

impl Envelope {
    /// The smallest box holding both.
    pub(super) fn merged(&self, other: &Envelope) -> Envelope {
        Envelope {
            lower: [0, 1, 2].map(|axis| self.lower[axis].min(other.lower[axis])),
            upper: [0, 1, 2].map(|axis| self.upper[axis].max(other.upper[axis])),
        }
    }
}

/// A position on the conformal sphere, with the map's local scale there.
#[derive(Debug, Clone, Copy)]
pub(super) struct SpherePoint {
    pub(super) v: V3,
    /// Radians per metre at this latitude.
    pub(super) k: f64,
}

impl SpherePoint {
    /// Maps geodetic latitude to conformal latitude χ (Karney 2011, eq. 7-9, stable at the
    /// poles) and returns the unit vector and the scale `cos χ / (N cos φ)`.
    pub(super) fn new(position: Position) -> SpherePoint {
        let phi = position.lat().to_radians();
        let lambda = position.lon().to_radians();
        // At φ = ±90°, `tan` of the nearest f64 is about 1.6e16: large but finite.
        let tan_phi = phi.tan();
        let sec_phi = (1.0 + tan_phi * tan_phi).sqrt();
        let sin_phi = tan_phi / sec_phi;
        let sigma = sinh_e_atanh(WGS84_E * sin_phi);
        let tan_chi = tan_phi * (1.0 + sigma * sigma).sqrt() - sigma * sec_phi;
        let sec_chi = (1.0 + tan_chi * tan_chi).sqrt();
        let cos_chi = 1.0 / sec_chi;
        let sin_chi = tan_chi / sec_chi;
        let (sin_lambda, cos_lambda) = lambda.sin_cos();
        let n_radius_m = WGS84_A_M / (1.0 - WGS84_E2 * sin_phi * sin_phi).sqrt();
        SpherePoint { v: [cos_chi * cos_lambda, cos_chi * sin_lambda, sin_chi], k: sec_phi / sec_chi / n_radius_m }
    }
}

/// `sinh(e atanh(z))` for `|z| <= e`, by the Taylor series of both (their next terms are
/// below 1e-19): three times faster than the library functions, and every incident needs it.
/// The polynomials are evaluated by Estrin's scheme, in pairs of terms, rather than Horner's:
/// the same terms, with half the chain of dependent operations, which was the latency of
/// every query.
pub(super) fn sinh_e_atanh(z: f64) -> f64 {
    let z2 = z * z;
    let z4 = z2 * z2;
    let z8 = z4 * z4;
    let atanh = z
        * ((1.0 + z2 * (1.0 / 3.0))
            + z4 * (1.0 / 5.0 + z2 * (1.0 / 7.0))
            + z8 * ((1.0 / 9.0 + z2 * (1.0 / 11.0)) + z4 * (1.0 / 13.0 + z2 * (1.0 / 15.0))));
    let y = WGS84_E * atanh;
    let y2 = y * y;
    let y4 = y2 * y2;
    y * ((1.0 + y2 * (1.0 / 6.0)) + y4 * (1.0 / 120.0 + y2 * (1.0 / 5040.0)))
}

/// A great-circle arc between two vertices on the conformal sphere: what the R-tree's boxes
/// are built from.
#[derive(Debug, Clone, Copy)]
pub(super) struct Arc {
    pub(super) a: V3,
    pub(super) b: V3,
    pub(super) angle: f64,
}

impl Arc {
    pub(super) fn new(a: V3, b: V3) -> Arc {
        Arc { a, b, angle: chord_angle(norm(sub(a, b))) }
    }

    pub(super) fn fast(&self) -> bool {
        self.angle <= FAST_ANGLE_MAX
    }

    /// How far the ellipsoidal segment may be from the arc, radians.
    pub(super) fn deviation(&self) -> f64 {
        DEVIATION_FACTOR * self.angle * self.angle
    }

    /// A box holding every point within `buffer_m` of the ellipsoidal segment.
    ///
    /// A great-circle arc of angle θ between `a` and `b` lies within the box of `a` and `b`
    /// grown by `1 / cos(θ / 2) - 1`: its points are chord points pushed out to the sphere.
    /// The buffer then grows each axis by `cap_growth`.
    pub(super) fn envelope(&self, buffer_m: f64) -> Envelope {
        if !self.fast() {
            return whole_sphere();
        }
        let bulge = 1.0 / (self.angle / 2.0).cos() - 1.0 + self.deviation() + BOX_EPS;
        let mut lower = [0.0; 3];
        let mut upper = [0.0; 3];
        for axis in 0..3 {
            lower[axis] = self.a[axis].min(self.b[axis]) - bulge;
            upper[axis] = self.a[axis].max(self.b[axis]) + bulge;
            // The smallest |v_i| on the arc bounds the growth along axis i.
            let smallest = match lower[axis] <= 0.0 && 0.0 <= upper[axis] {
                true => 0.0,
                false => lower[axis].abs().min(upper[axis].abs()),
            };
            let growth = cap_growth(smallest, K_MAX * buffer_m * (1.0 + 1e-9) + BOX_EPS);
            lower[axis] -= growth;
            upper[axis] += growth;
        }
        Envelope { lower, upper }
    }
}

/// How far along an axis a point within `angle` of a unit vector `v` may be from `v`, given
/// `|v_i| >= smallest`: with `w = cos β v + sin β u`, `u ⟂ v`, we have
/// `|w_i - v_i| <= (1 - cos β) |v_i| + sin β sqrt(1 - v_i²)`.
///
/// Much tighter than growing every axis by the angle: the region around a point is a disc
/// tilted against the axes, and the R-tree's work grows with the boxes' overlap.
pub(super) fn cap_growth(smallest: f64, angle: f64) -> f64 {
    cap_growth_with(smallest, CapAngle::new(angle))
}

pub(super) fn cap_growth_with(smallest: f64, angle: CapAngle) -> f64 {
    angle.one_minus_cos + angle.sin * (1.0 - smallest * smallest).max(0.0).sqrt()
}

/// `1 - cos β` and `sin β` for `cap_growth`, with β capped where each stops growing.
#[derive(Debug, Clone, Copy)]
pub(super) struct CapAngle {
    pub(super) one_minus_cos: f64,
    pub(super) sin: f64,
}

impl CapAngle {
    pub(super) fn new(angle: f64) -> CapAngle {
        if angle <= 0.01 {
            // Taylor series, cut after a positive term so that both err upwards (by under
            // 1e-17, plus rounding; boxes have BOX_EPS to spare): every query needs these,
            // and the library calls cost more than the rest of its box.
            let angle_sq = angle * angle;
            return CapAngle {
                one_minus_cos: angle_sq * (0.5 - angle_sq * (1.0 / 24.0 - angle_sq / 720.0)),
                sin: angle * (1.0 - angle_sq * (1.0 / 6.0 - angle_sq / 120.0)),
            };
        }
        CapAngle { one_minus_cos: 1.0 - angle.min(PI).cos(), sin: angle.min(PI / 2.0).sin() }
    }
}

/// What the fast tier concludes about a distance against its threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Decision {
    Inside,
    Outside,
    Unsure,
}

pub(super) fn whole_sphere() -> Envelope {
    Envelope { lower: [-2.0; 3], upper: [2.0; 3] }
}

/// The angle subtended by a chord of the unit sphere.
pub(super) fn chord_angle(chord: f64) -> f64 {
    2.0 * (chord / 2.0).min(1.0).asin()
}

/// An orthonormal pair perpendicular to the unit vector `center`.
pub(super) fn frame(center: V3) -> (V3, V3) {
    // Cross with the axis least aligned with the centre, so the result is never tiny.
    let axis = if center[2].abs() < 0.9 { [0.0, 0.0, 1.0] } else { [1.0, 0.0, 0.0] };
    let east = cross(axis, center);
    let east = scale(east, 1.0 / norm(east));
    (east, cross(center, east))
}

pub(super) fn dot(a: V3, b: V3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

pub(super) fn cross(a: V3, b: V3) -> V3 {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

pub(super) fn add(a: V3, b: V3) -> V3 {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

pub(super) fn sub(a: V3, b: V3) -> V3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

pub(super) fn scale(a: V3, factor: f64) -> V3 {
    [a[0] * factor, a[1] * factor, a[2] * factor]
}

pub(super) fn norm(a: V3) -> f64 {
    dot(a, a).sqrt()
}

// The exact tier.

pub(super) fn wgs84() -> &'static Geodesic {
    static WGS84: OnceLock<Geodesic> = OnceLock::new();
    WGS84.get_or_init(Geodesic::wgs84)
}

/// Geodesic distance in metres from `p` to the geodesic segment from `a` to `b`.
///
/// Along a geodesic, the distance to a point is unimodal for segments far shorter than the
/// Earth's circumference, and its derivative is `-cos` of the angle between the segment's
/// direction and the direction to the point. So the minimum is at an end unless the segment
/// heads towards the point at `a` and away from it at `b`; then the closest point X is
/// found by moving along the segment by the along-track distance of the point as seen from
/// X (spherical estimate), which converges in a few steps because the error of the
/// estimate shrinks with the step. The result is the least distance met, so it never
/// undercuts the truth.
pub(super) fn segment_distance_exact_m(p: Position, a: Position, b: Position) -> f64 {
    let geod = wgs84();
    let (length_m, azi_a, azi_b, _): (f64, f64, f64, f64) = geod.inverse(a.lat(), a.lon(), b.lat(), b.lon());
    let (distance_a_m, azi_a_p, _, _): (f64, f64, f64, f64) = geod.inverse(a.lat(), a.lon(), p.lat(), p.lon());
    let (distance_b_m, azi_b_p, _, _): (f64, f64, f64, f64) = geod.inverse(b.lat(), b.lon(), p.lat(), p.lon());
    let mut best_m = distance_a_m.min(distance_b_m);
    // NaN, which geographiclib does not return for valid input, counts as no length.
    if length_m.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) || best_m == 0.0 {
        return best_m;
    }
    let approaching_at_a = cos_deg(azi_a_p - azi_a) > 0.0;
    let receding_at_b = cos_deg(azi_b_p - azi_b) < 0.0;
    if !(approaching_at_a && receding_at_b) {
        return best_m;
    }
    let mut along_m = along_track_m(distance_a_m, azi_a_p - azi_a).clamp(0.0, length_m);
    for _ in 0..EXACT_ITERATIONS_MAX {
        let (lat_x, lon_x, azi_x): (f64, f64, f64) = geod.direct(a.lat(), a.lon(), azi_a, along_m);
        let (distance_x_m, azi_x_p, _, _): (f64, f64, f64, f64) = geod.inverse(lat_x, lon_x, p.lat(), p.lon());
        best_m = best_m.min(distance_x_m);
        let along_next_m = (along_m + along_track_m(distance_x_m, azi_x_p - azi_x)).clamp(0.0, length_m);
        if (along_next_m - along_m).abs() <= EXACT_STEP_M_MIN {
            break;
        }
        along_m = along_next_m;
    }
    best_m
}

/// Along-track distance of a point `distance_m` away at `angle_deg` from the direction of
/// travel, on a sphere: `tan(along) = tan(distance) cos(angle)`.
pub(super) fn along_track_m(distance_m: f64, angle_deg: f64) -> f64 {
    let sigma = distance_m / MEAN_RADIUS_M;
    MEAN_RADIUS_M * (sigma.sin() * cos_deg(angle_deg)).atan2(sigma.cos())
}

pub(super) fn cos_deg(angle_deg: f64) -> f64 {
    angle_deg.to_radians().cos()
}
