//! The machine's bound for sign-ups: how many passwords per second the server's own hasher
//! (argon2id, OWASP's parameters, one hash per blocking thread, as many at once as cores)
//! can hash here. `scripts/bench.sh` prints it beside the accept + sign-up rate.
//!
//!     cargo run --release -p domain --example argon2_rate [seconds]

use std::time::{Duration, Instant};

use domain::password::{NewPassword, PasswordHasherPool};

#[tokio::main]
async fn main() {
    let secs: u64 = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("seconds: a whole number"))
        .unwrap_or(5);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pool = PasswordHasherPool::new(cores);
    let started = Instant::now();
    let until = started + Duration::from_secs(secs);
    let workers: Vec<_> = (0..cores)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move {
                let password = NewPassword::parse("a benchmark password", "a benchmark password")
                    .expect("a valid password");
                let mut hashed = 0u64;
                while Instant::now() < until {
                    pool.hash(&password).await.expect("hashing works");
                    hashed += 1;
                }
                hashed
            })
        })
        .collect();
    let mut hashed = 0;
    for w in workers {
        hashed += w.await.expect("a hashing task");
    }
    let rate = hashed as f64 / started.elapsed().as_secs_f64();
    println!("argon2id bound: {rate:.0} hashes/s on {cores} cores ({hashed} in {secs} s)");
}
