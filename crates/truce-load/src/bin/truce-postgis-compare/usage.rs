//! Who had the cores while something was timed: this process, the PostgreSQL backends
//! doing the work, and the rest of the machine. These machines are shared and noisy, and
//! the two sides do not need the same cores (the matcher one, PostGIS two), so a busy
//! machine skews the ratio; the CPU each side used says by how much.
//!
//! From Linux `/proc` (`crate::cpu`); elsewhere, or for a server on another machine, the
//! readings are simply absent.

use std::{fs, time::Instant};

use crate::cpu::{self, CpuSample};

/// Readings taken when the timing started.
pub struct Meter {
    started: Instant,
    own: Option<CpuSample>,
    watched: Vec<(u32, Option<CpuSample>)>,
    machine_busy_ticks: Option<u64>,
}

/// CPU used over the timed span, in cores (CPU seconds per second).
pub struct Usage {
    pub wall_s: f64,
    pub own_cores: Option<f64>,
    /// The watched processes together: `None` if any could not be read.
    pub watched_cores: Option<f64>,
    /// The rest of the machine: busy time less this process and the watched ones.
    pub rest_cores: Option<f64>,
}

impl Meter {
    /// Starts metering this process and the processes `watched_pids`.
    pub fn start(watched_pids: &[u32]) -> Meter {
        let watched = watched_pids.iter().map(|&pid| (pid, cpu::sample(&pid.to_string()))).collect();
        Meter {
            own: cpu::sample("self"),
            watched,
            machine_busy_ticks: cpu::machine_busy_ticks(),
            // Last, so that reading /proc is not in the span.
            started: Instant::now(),
        }
    }

    pub fn stop(self) -> Usage {
        let wall_s = self.started.elapsed().as_secs_f64();
        let own_s = self.own.zip(cpu::sample("self")).map(|(before, after)| before.until(&after).total_s);
        let watched_s = self
            .watched
            .iter()
            .map(|(pid, before)| {
                let after = cpu::sample(&pid.to_string());
                before.as_ref().zip(after).map(|(before, after)| before.until(&after).total_s)
            })
            .sum::<Option<f64>>();
        let machine_s = self
            .machine_busy_ticks
            .zip(cpu::machine_busy_ticks())
            .map(|(before, after)| cpu::ticks_to_s(after.saturating_sub(before)));
        let rest_s = match (machine_s, own_s, watched_s) {
            (Some(machine_s), Some(own_s), Some(watched_s)) => Some((machine_s - own_s - watched_s).max(0.0)),
            _ => None,
        };
        let cores = |seconds: Option<f64>| seconds.map(|seconds| seconds / wall_s);
        Usage { wall_s, own_cores: cores(own_s), watched_cores: cores(watched_s), rest_cores: cores(rest_s) }
    }
}

/// Whether `pid` is a PostgreSQL process on this machine: a server elsewhere has its own
/// process ids, which may name something else here.
pub fn is_local_postgres(pid: u32) -> bool {
    fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|cmdline| cmdline.starts_with(b"postgres"))
}
