//! The background tasks of webhooks: workers that send due deliveries (several, so one slow
//! endpoint does not hold up the others), and the scheduler that announces expired
//! invitations every 15 seconds. Every server process runs both; the database decides who
//! sends or announces what.

use std::time::Duration;

use domain::Services;
use tokio::task::JoinHandle;

/// Deliveries one process sends at once.
const WORKERS: usize = 4;
const EXPIRY_EVERY: Duration = Duration::from_secs(15);

pub fn spawn(services: Services) -> Vec<JoinHandle<()>> {
    let mut tasks: Vec<JoinHandle<()>> = (0..WORKERS)
        .map(|_| {
            let services = services.clone();
            tokio::spawn(async move {
                loop {
                    match services.deliver_next_webhook().await {
                        Ok(true) => continue,
                        Ok(false) => tokio::time::sleep(Duration::from_millis(500)).await,
                        Err(e) => {
                            tracing::error!(error = %e, "webhook worker error");
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                    }
                }
            })
        })
        .collect();
    tasks.push(tokio::spawn(async move {
        let mut every = tokio::time::interval(EXPIRY_EVERY);
        loop {
            every.tick().await;
            match services.announce_expired().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(invites = n, "expired invitations announced"),
                Err(e) => tracing::error!(error = %e, "cannot announce expired invitations"),
            }
        }
    }));
    tasks
}
