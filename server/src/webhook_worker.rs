//! The background tasks of webhooks and time: workers that send due deliveries (several, so
//! one slow endpoint does not hold up the others), and the scheduler that does the work that
//! comes due every 15 seconds (expired invitations announced, access ended at end dates, the
//! warnings before them: `Services::run_due_work`). Every server process runs both; the
//! database decides who sends or does what.

use std::time::Duration;

use domain::Services;
use tokio::task::JoinHandle;

/// Deliveries one process sends at once.
const WORKERS: usize = 4;
const DUE_EVERY: Duration = Duration::from_secs(15);

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
        let mut every = tokio::time::interval(DUE_EVERY);
        loop {
            every.tick().await;
            match services.run_due_work().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(items = n, "time-driven work done"),
                Err(e) => tracing::error!(error = %e, "cannot do the work that came due"),
            }
        }
    }));
    tasks
}
