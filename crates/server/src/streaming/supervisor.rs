//! Keeps a stream sending while it should: makes an attempt (a [`Feed`]), reports `starting`
//! then `live`, and when the attempt ends by itself (the RTMP server dropped or refused the
//! connection) reports `retrying` and tries again after a back-off that doubles from
//! `retry_min_secs` up to `retry_max_secs`. A stream that never went live gives up after
//! `retry_attempts` failures in a row (`failed`: a wrong URL or key); one that went live
//! retries for as long as it is wanted.

use std::sync::Arc;
use std::time::Duration;

use amphi_proto::{StreamInfo, StreamReason, StreamState};
use futures::future::BoxFuture;
use tokio::sync::{oneshot, watch};

use super::feed::{Feed, FeedState};
use super::target::Target;
use crate::config::StreamingConfig;

/// Starts one attempt at sending to a target.
pub type Starter = Arc<dyn Fn(Target) -> BoxFuture<'static, Result<Feed, String>> + Send + Sync>;

/// A stream being kept up. Dropping it without [`Supervisor::stop`] stops it too (the sender
/// is killed rather than ended cleanly).
pub struct Supervisor {
    stop: oneshot::Sender<oneshot::Sender<()>>,
    /// `starting`, `live`, `retrying` or `failed`.
    pub state: watch::Receiver<StreamInfo>,
}

impl Supervisor {
    pub fn start(starter: Starter, target: Target, config: StreamingConfig) -> Supervisor {
        let (state_tx, state) = watch::channel(StreamInfo::new(StreamState::Starting, None));
        let (stop, stop_rx) = oneshot::channel();
        tokio::spawn(run(starter, target, config, state_tx, stop_rx));
        Supervisor { stop, state }
    }

    /// Ends the current attempt cleanly and waits for it.
    pub async fn stop(self) {
        let (done_tx, done_rx) = oneshot::channel();
        if self.stop.send(done_tx).is_ok() {
            let _ = done_rx.await;
        }
    }
}

/// The wait before retry number `attempt` (1-based).
pub fn backoff(config: &StreamingConfig, attempt: u32) -> Duration {
    let doubled = config
        .retry_min_secs
        .saturating_mul(1u64 << attempt.saturating_sub(1).min(20));
    Duration::from_secs(doubled.min(config.retry_max_secs))
}

async fn run(
    starter: Starter,
    target: Target,
    config: StreamingConfig,
    state: watch::Sender<StreamInfo>,
    mut stop: oneshot::Receiver<oneshot::Sender<()>>,
) {
    // Failed attempts since the stream was last live (or since the start).
    let mut failures: u32 = 0;
    let mut ever_live = false;
    loop {
        let attempt = tokio::select! {
            attempt = starter(target.clone()) => attempt,
            done = &mut stop => return finish(done.ok()),
        };
        let reason = match attempt {
            Err(reason) => reason,
            Ok(feed) => match watch_feed(feed, &state, &mut stop).await {
                Watched::Stopped(done) => return finish(done),
                Watched::Ended(reason) => {
                    if reason.live {
                        ever_live = true;
                        failures = 0;
                    }
                    reason.why
                }
            },
        };
        failures += 1;
        tracing::info!(failures, reason = %reason, "stream sender ended");
        if !ever_live && failures >= config.retry_attempts {
            let failed = StreamInfo::new(
                StreamState::Failed,
                Some(StreamReason::Error { detail: reason }),
            );
            let _ = state.send(failed);
            // Nothing more to do until the stream is stopped (or started again, anew).
            let done = stop.await;
            return finish(done.ok());
        }
        let mut retrying = StreamInfo::new(
            StreamState::Retrying,
            Some(StreamReason::Error { detail: reason }),
        );
        retrying.attempt = Some(failures);
        let _ = state.send(retrying);
        tokio::select! {
            () = tokio::time::sleep(backoff(&config, failures)) => {}
            done = &mut stop => return finish(done.ok()),
        }
    }
}

fn finish(done: Option<oneshot::Sender<()>>) {
    if let Some(done) = done {
        let _ = done.send(());
    }
}

struct EndReason {
    why: String,
    /// The attempt went live before it ended.
    live: bool,
}

enum Watched {
    /// Asked to stop: the feed is stopped.
    Stopped(Option<oneshot::Sender<()>>),
    /// The feed ended by itself.
    Ended(EndReason),
}

/// Follows one attempt until it ends or the stream is stopped.
async fn watch_feed(
    feed: Feed,
    state: &watch::Sender<StreamInfo>,
    stop: &mut oneshot::Receiver<oneshot::Sender<()>>,
) -> Watched {
    let mut feed_state = feed.state.clone();
    let mut live = false;
    loop {
        let now = feed_state.borrow_and_update().clone();
        match now {
            FeedState::Starting => {}
            FeedState::Running => {
                if !live {
                    live = true;
                    let _ = state.send(StreamInfo::new(StreamState::Live, None));
                }
            }
            FeedState::Failed(why) => return Watched::Ended(EndReason { why, live }),
            FeedState::Ended => {
                return Watched::Ended(EndReason {
                    why: "the sender ended".into(),
                    live,
                });
            }
        }
        tokio::select! {
            changed = feed_state.changed() => {
                if changed.is_err() {
                    return Watched::Ended(EndReason { why: "the sender went away".into(), live });
                }
            }
            done = &mut *stop => {
                feed.stop().await;
                return Watched::Stopped(done.ok());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_max() {
        let config = StreamingConfig {
            retry_min_secs: 2,
            retry_max_secs: 30,
            ..StreamingConfig::default()
        };
        let waits: Vec<u64> = (1..=6).map(|a| backoff(&config, a).as_secs()).collect();
        assert_eq!(waits, [2, 4, 8, 16, 30, 30]);
        assert_eq!(backoff(&config, 500).as_secs(), 30);
    }
}
