//! CPU time of a process and of each of its threads, from Linux `/proc`, so a run can say
//! where the time went (the writer thread, the HTTP workers, the load client itself).
//!
//! Readings are in clock ticks of `USER_HZ`, 100 per second on Linux for every supported
//! architecture. Elsewhere the readings are simply absent.

use std::{collections::BTreeMap, fs};

const TICKS_PER_S: f64 = 100.0;

/// CPU ticks used so far: by the whole process (threads that have exited included) and by
/// each live thread, keyed by thread id.
#[derive(Debug, Clone)]
pub struct CpuSample {
    process_ticks: u64,
    threads: BTreeMap<u32, (String, u64)>,
}

/// CPU seconds used between two samples, in total and by thread name.
#[derive(Debug, Clone)]
pub struct CpuUse {
    pub total_s: f64,
    pub by_thread_name: Vec<(String, f64)>,
}

/// Busy ticks of the whole machine, all CPUs together (`/proc/stat`, less idle and iowait).
pub fn machine_busy_ticks() -> Option<u64> {
    let text = fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> =
        text.lines().next()?.split_whitespace().skip(1).map(|field| field.parse().ok()).collect::<Option<_>>()?;
    // user nice system idle iowait irq softirq steal ...; guest time is already in user.
    let busy = fields.iter().take(8).sum::<u64>() - fields.get(3)? - fields.get(4)?;
    Some(busy)
}

/// Seconds of CPU between two readings of `machine_busy_ticks`.
pub fn ticks_to_s(ticks: u64) -> f64 {
    ticks as f64 / TICKS_PER_S
}

/// `pid` is `self` for the calling process.
pub fn sample(pid: &str) -> Option<CpuSample> {
    let (_, process_ticks) = read_stat(&format!("/proc/{pid}/stat"))?;
    let mut threads = BTreeMap::new();
    for task in fs::read_dir(format!("/proc/{pid}/task")).ok()?.flatten() {
        let Some(tid) = task.file_name().to_str().and_then(|name| name.parse::<u32>().ok()) else { continue };
        if let Some(reading) = read_stat(&format!("/proc/{pid}/task/{tid}/stat")) {
            threads.insert(tid, reading);
        }
    }
    Some(CpuSample { process_ticks, threads })
}

impl CpuSample {
    pub fn until(&self, later: &CpuSample) -> CpuUse {
        let mut by_name: BTreeMap<String, u64> = BTreeMap::new();
        for (tid, (name, ticks)) in &later.threads {
            let before = self.threads.get(tid).map_or(0, |(_, ticks)| *ticks);
            *by_name.entry(name.clone()).or_default() += ticks.saturating_sub(before);
        }
        let total_ticks = later.process_ticks.saturating_sub(self.process_ticks);
        let named_ticks: u64 = by_name.values().sum();
        if total_ticks > named_ticks {
            by_name.insert("(threads that exited)".to_owned(), total_ticks - named_ticks);
        }
        let mut by_thread_name: Vec<(String, f64)> = by_name
            .into_iter()
            .filter(|(_, ticks)| *ticks > 0)
            .map(|(name, t)| (name, t as f64 / TICKS_PER_S))
            .collect();
        by_thread_name.sort_by(|a, b| b.1.total_cmp(&a.1));
        CpuUse { total_s: total_ticks as f64 / TICKS_PER_S, by_thread_name }
    }
}

/// The command name and `utime + stime` of a `stat` file.
fn read_stat(path: &str) -> Option<(String, u64)> {
    let text = fs::read_to_string(path).ok()?;
    // The name is in parentheses and may hold spaces; the fields after it are plain.
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let name = text.get(open + 1..close)?.to_owned();
    let fields: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
    // Fields 14 and 15 of proc(5), counted from the state (field 3) at index 0.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((name, utime + stime))
}
