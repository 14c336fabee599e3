//! The dashboard's figures: counts by status (all invites), and for invites created in the
//! last `window_days`, the funnel, acceptance rate, median time to accept and a daily series.

use serde::{Deserialize, Serialize};

use crate::InviteCounts;

pub const DASHBOARD_DAYS: i64 = 30;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub counts: InviteCounts,
    pub window_days: i64,
    /// Invites created in the window, and how far they got.
    pub created: i64,
    pub sent: i64,
    pub opened: i64,
    pub accepted: i64,
    /// Of those, declined by the invitee (a step of its own, beside accepted).
    pub declined: i64,
    /// Median time from invite to acceptance, in ms, over the window's accepted invites.
    pub median_accept_ms: Option<i64>,
    /// One entry per day of the window, oldest first: (day start in ms, created, accepted).
    pub per_day: Vec<(i64, i64, i64)>,
}

impl Dashboard {
    /// Accepted as a share of created, in whole percent (None when nothing was created).
    pub fn acceptance_percent(&self) -> Option<i64> {
        (self.created > 0).then(|| (self.accepted * 100 + self.created / 2) / self.created)
    }
}

/// "3 h 20 min", "2 d 4 h", "45 s": a duration for people.
pub fn fmt_duration(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    let (d, h, m) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_round_and_durations_read_naturally() {
        let d = Dashboard {
            created: 3,
            accepted: 2,
            ..Dashboard::default()
        };
        assert_eq!(d.acceptance_percent(), Some(67));
        assert_eq!(Dashboard::default().acceptance_percent(), None);
        assert_eq!(fmt_duration(45_000), "45 s");
        assert_eq!(fmt_duration(20 * 60_000), "20 min");
        assert_eq!(fmt_duration(200 * 60_000), "3 h 20 min");
        assert_eq!(fmt_duration(52 * 3_600_000), "2 d 4 h");
    }
}
