//! Rings with fewer positions, for readers that choke on long ones: CAP's `<polygon>`
//! (docs/cap.md), where a zone outline of thousands of vertices would be refused or
//! drawn slowly by alerting software built for a few hundred.

use geo::SimplifyIdx;

use super::Position;

/// Positions a simplified ring keeps at the least: CAP's minimum, a triangle closed.
const RING_POSITIONS_MIN: usize = 4;

/// `ring` (closed: first = last) with at most `positions_max` positions (never fewer than
/// 4), unchanged when it fits already. Ramer–Douglas–Peucker on longitude and latitude
/// (the `geo` crate), its tolerance doubled from about a metre until the ring fits; the
/// positions kept are the ring's own, its first and last among them, so it stays closed.
/// Should the tolerance leave fewer than 4, every k-th position is kept instead.
pub fn simplified_ring(ring: &[Position], positions_max: usize) -> Vec<Position> {
    let positions_max = positions_max.max(RING_POSITIONS_MIN);
    if ring.len() <= positions_max {
        return ring.to_vec();
    }
    let line: geo::LineString = ring.iter().map(|p| geo::coord! { x: p.lon(), y: p.lat() }).collect();
    // A hundred-thousandth of a degree is about a metre.
    let mut tolerance_deg = 1e-5;
    while tolerance_deg < 360.0 {
        let kept = line.simplify_idx(tolerance_deg);
        if kept.len() <= positions_max {
            if kept.len() >= RING_POSITIONS_MIN {
                return kept.into_iter().map(|idx| ring[idx]).collect();
            }
            break;
        }
        tolerance_deg *= 2.0;
    }
    // Every k-th position of the open ring, then its first again: at most
    // `positions_max - 1` and the closing one.
    let open = &ring[..ring.len() - 1];
    let step = open.len().div_ceil(positions_max - 1);
    let mut kept: Vec<Position> = open.iter().step_by(step).copied().collect();
    kept.push(ring[0]);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A closed ring of `n` positions on a circle of about 1 km around Aleppo.
    fn circle(n: usize) -> Vec<Position> {
        let mut ring: Vec<Position> = (0..n - 1)
            .map(|i| {
                let angle = std::f64::consts::TAU * i as f64 / (n - 1) as f64;
                Position::new(37.16 + 0.01 * angle.cos(), 36.2 + 0.01 * angle.sin()).expect("in range")
            })
            .collect();
        ring.push(ring[0]);
        ring
    }

    #[test]
    fn a_ring_that_fits_is_kept_as_it_is_and_a_long_one_is_cut_to_the_bound_and_stays_closed() {
        let short = circle(50);
        assert_eq!(simplified_ring(&short, 300), short);
        let long = circle(5_000);
        let simpler = simplified_ring(&long, 300);
        assert!((RING_POSITIONS_MIN..=300).contains(&simpler.len()), "{}", simpler.len());
        assert_eq!(simpler.first(), simpler.last());
        assert!(simpler.iter().all(|p| long.contains(p)));
        // The bound is a bound, not a target: well under it is fine, but not a triangle.
        assert!(simpler.len() > 20, "{}", simpler.len());
        let tiny = simplified_ring(&long, 1);
        assert_eq!(tiny.len(), RING_POSITIONS_MIN);
        assert_eq!(tiny.first(), tiny.last());
    }
}
