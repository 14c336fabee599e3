//! The background task that drains the outbox. It wakes as soon as a job is queued (and
//! every second anyway, for retries and for jobs queued by other server processes).

use std::time::Duration;

use domain::Services;
use tokio::task::JoinHandle;

pub fn spawn(services: Services) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match services.deliver_next().await {
                Ok(true) => continue,
                Ok(false) => {
                    tokio::select! {
                        _ = services.mail_wakeup.notified() => {}
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "mail worker error");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    })
}
