//! At start-up: what a stopped server left behind. Items it was still processing are marked
//! failed (`interrupted`: the staff upload them again; resuming would re-run a job that may
//! be what stopped the server) and their files removed; folders of items the store no longer
//! knows (a session deleted without its files) and temporary files of interrupted uploads
//! are removed.

use std::collections::HashSet;
use std::time::SystemTime;

use amphi_store::now_ms;

use super::{content_root, notify, plausible_id, remove_files};
use crate::{AppState, Error};

/// Runs the start-up sweep in the background (work begun after `now` is left alone).
pub fn spawn_recovery(state: AppState) {
    let started_ms = now_ms();
    let started = SystemTime::now();
    tokio::spawn(async move {
        if let Err(e) = recover(&state, started_ms, started).await {
            tracing::warn!(error = %e, "the content start-up sweep failed");
        }
    });
}

async fn recover(state: &AppState, started_ms: i64, started: SystemTime) -> Result<(), Error> {
    let root = content_root(&state.config);
    // Folders first, ids second: a folder is only ever created after its item's row, so a
    // folder listed here whose id is missing below is truly orphaned.
    let folders = list_folders(&root).await;

    let interrupted = state
        .store
        .fail_processing_contents(started_ms, "interrupted")
        .await?;
    let mut sessions = HashSet::new();
    for content in &interrupted {
        tracing::warn!(content = %content.id, "content processing was interrupted by a stop");
        remove_files(&state.config, &content.id).await;
        sessions.insert(content.session_id.clone());
    }
    for session in sessions {
        if let Some(session) = state.store.session_by_id(&session).await? {
            notify(state, &session.slug).await;
        }
    }

    let known: HashSet<String> = state
        .store
        .content_ids()
        .await?
        .iter()
        .map(|id| id.as_str().to_owned())
        .collect();
    for name in folders {
        if plausible_id(&name) && !known.contains(&name) {
            tracing::info!(content = %name, "removing the files of a deleted content item");
            let _ = tokio::fs::remove_dir_all(root.join(&name)).await;
        }
    }

    if let Ok(mut entries) = tokio::fs::read_dir(root.join("tmp")).await {
        while let Ok(Some(entry)) = entries.next_entry().await {
            let old = entry
                .metadata()
                .await
                .and_then(|m| m.modified())
                .is_ok_and(|t| t < started);
            if old {
                let _ = tokio::fs::remove_file(entry.path()).await;
            }
        }
    }
    Ok(())
}

async fn list_folders(root: &std::path::Path) -> Vec<String> {
    let mut names = Vec::new();
    let Ok(mut entries) = tokio::fs::read_dir(root).await else {
        return names; // no content yet
    };
    while let Ok(Some(entry)) = entries.next_entry().await {
        if entry.file_type().await.is_ok_and(|t| t.is_dir())
            && let Some(name) = entry.file_name().to_str()
        {
            names.push(name.to_owned());
        }
    }
    names
}
