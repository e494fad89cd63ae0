//! Calls into the SFU that the actor bounds in time without ever cancelling them halfway.
//!
//! Dropping an SFU future midway can leave its state torn (a `close` that marked itself closed
//! but never gave its ports back, a `subscriber_answer` that left an offer in flight forever).
//! So every call runs in its own task: the actor stops waiting after its limit, the call still
//! finishes, and whatever it created that nobody took is given back.

use std::future::Future;
use std::time::Duration;

use amphi_sfu::{MediaParticipant, MediaRoom, ParticipantId, SfuError};
use tokio::sync::oneshot;

/// The SFU did not finish within the limit (the call goes on in the background), or its task
/// panicked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoAnswer;

/// Runs `call` to completion in its own task; waits for it at most `limit`.
pub async fn call<T, F>(limit: Duration, call: F) -> Result<T, NoAnswer>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    let task = tokio::spawn(call);
    match tokio::time::timeout(limit, task).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "an SFU call panicked");
            Err(NoAnswer)
        }
        Err(_) => Err(NoAnswer),
    }
}

/// Like [`call`], for calls that create something: if the value comes after the caller gave
/// up, `undo` gets it, so nothing created is left behind.
pub async fn call_or_undo<T, F, U, UF>(limit: Duration, call: F, undo: U) -> Result<T, NoAnswer>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
    U: FnOnce(T) -> UF + Send + 'static,
    UF: Future<Output = ()> + Send,
{
    let (tx, rx) = oneshot::channel();
    tokio::spawn(async move {
        if let Err(late) = tx.send(call.await) {
            undo(late).await;
        }
    });
    match tokio::time::timeout(limit, rx).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(_)) | Err(_) => Err(NoAnswer),
    }
}

/// Creates a participant's peer connections (a `viewer`'s: the subscriber leg only), waiting
/// at most `limit`. Connections that come too late for the caller are closed at once, so their
/// ports and id are not lost.
pub async fn add_participant(
    room: &MediaRoom,
    id: ParticipantId,
    viewer: bool,
    limit: Duration,
) -> Result<Result<MediaParticipant, SfuError>, NoAnswer> {
    let room = room.clone();
    call_or_undo(
        limit,
        async move {
            if viewer {
                room.add_viewer(id).await
            } else {
                room.add_participant(id).await
            }
        },
        |added| async move {
            if let Ok(late) = added {
                late.close().await;
            }
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[tokio::test]
    async fn a_call_past_its_limit_still_completes() {
        let done = Arc::new(AtomicBool::new(false));
        let flag = done.clone();
        let r = call(Duration::from_millis(10), async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            flag.store(true, Ordering::SeqCst);
        })
        .await;
        assert_eq!(r, Err(NoAnswer));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            done.load(Ordering::SeqCst),
            "the call was cancelled halfway"
        );
        assert_eq!(call(Duration::from_secs(1), async { 7 }).await, Ok(7));
    }

    #[tokio::test]
    async fn what_comes_too_late_is_undone() {
        let undone = Arc::new(AtomicBool::new(false));
        let flag = undone.clone();
        let r = call_or_undo(
            Duration::from_millis(10),
            async {
                tokio::time::sleep(Duration::from_millis(100)).await;
                5
            },
            move |v| async move {
                assert_eq!(v, 5);
                flag.store(true, Ordering::SeqCst);
            },
        )
        .await;
        assert_eq!(r, Err(NoAnswer));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            undone.load(Ordering::SeqCst),
            "the late value was not undone"
        );
        let kept = Arc::new(AtomicBool::new(false));
        let flag = kept.clone();
        let r = call_or_undo(Duration::from_secs(1), async { 6 }, move |_| async move {
            flag.store(true, Ordering::SeqCst);
        })
        .await;
        assert_eq!(r, Ok(6));
        assert!(
            !kept.load(Ordering::SeqCst),
            "a value in time is not undone"
        );
    }
}
