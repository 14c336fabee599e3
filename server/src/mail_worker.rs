//! The background task that drains the outbox. It wakes as soon as a job is queued (and
//! every second anyway, for retries and for jobs queued by other server processes). When
//! told to stop it finishes the email it is sending and takes no other, so a restart
//! neither cuts a send in two nor leaves a job leased to a process that is gone.

use std::time::Duration;

use domain::Services;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub fn spawn(services: Services, mut stop: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        while !*stop.borrow() {
            match services.deliver_next().await {
                Ok(true) => continue,
                Ok(false) => {
                    tokio::select! {
                        _ = services.mail_wakeup.notified() => {}
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                        _ = stop.changed() => {}
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "mail worker error");
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                        _ = stop.changed() => {}
                    }
                }
            }
        }
    })
}
