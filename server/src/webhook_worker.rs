//! The background tasks of webhooks and time: workers that send due deliveries (several, so
//! one slow endpoint does not hold up the others), and the scheduler that does the work that
//! comes due every 15 seconds (expired invitations announced, access ended at end dates, the
//! warnings before them: `Services::run_due_work`). Every server process runs both; the
//! database decides who sends or does what. Told to stop, each finishes what it is doing
//! and takes nothing new (see `mail_worker`).

use std::time::Duration;

use domain::Services;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Deliveries one process sends at once.
const WORKERS: usize = 4;
const DUE_EVERY: Duration = Duration::from_secs(15);

pub fn spawn(services: Services, stop: watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
    let mut tasks: Vec<JoinHandle<()>> = (0..WORKERS)
        .map(|_| {
            let services = services.clone();
            let mut stop = stop.clone();
            tokio::spawn(async move {
                while !*stop.borrow() {
                    let pause = match services.deliver_next_webhook().await {
                        Ok(true) => continue,
                        Ok(false) => Duration::from_millis(500),
                        Err(e) => {
                            tracing::error!(error = %e, "webhook worker error");
                            Duration::from_secs(1)
                        }
                    };
                    tokio::select! {
                        _ = tokio::time::sleep(pause) => {}
                        _ = stop.changed() => {}
                    }
                }
            })
        })
        .collect();
    let mut stop = stop;
    tasks.push(tokio::spawn(async move {
        let mut every = tokio::time::interval(DUE_EVERY);
        while !*stop.borrow() {
            tokio::select! {
                _ = every.tick() => {}
                _ = stop.changed() => continue,
            }
            match services.run_due_work().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(items = n, "time-driven work done"),
                Err(e) => tracing::error!(error = %e, "cannot do the work that came due"),
            }
        }
    }));
    tasks
}
