//! The dashboard: how invites are doing.

use model::{Dashboard, Permission, DASHBOARD_DAYS};

use crate::access::Caller;
use crate::clock::DAY;
use crate::error::DomainResult;
use crate::store::{dashboard as store, invite_list};
use crate::Services;

impl Services {
    pub async fn dashboard(&self, caller: &Caller) -> DomainResult<Dashboard> {
        caller.require(Permission::ViewInvites)?;
        let now = self.clock.now();
        // Whole days ending now, so the last bar is the last 24 hours.
        let since = now - DASHBOARD_DAYS * DAY;
        let counts = invite_list::counts(&self.db, now).await?;
        let funnel = store::funnel(&self.db, since).await?;
        let mut per_day: Vec<(i64, i64, i64)> = (0..DASHBOARD_DAYS)
            .map(|d| (since + d * DAY, 0, 0))
            .collect();
        for (d, c, a) in store::per_day(&self.db, since).await? {
            if let Some(slot) = per_day.get_mut(d as usize) {
                slot.1 = c;
                slot.2 = a;
            }
        }
        Ok(Dashboard {
            counts,
            window_days: DASHBOARD_DAYS,
            created: funnel.created,
            sent: funnel.sent,
            opened: funnel.opened,
            accepted: funnel.accepted,
            declined: funnel.declined,
            median_accept_ms: store::median_accept(&self.db, since, funnel.accepted).await?,
            per_day,
        })
    }
}
