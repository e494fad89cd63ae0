//! The compositor's clock: `fps` times a second it lays out the stage, copies each input's
//! latest picture into place, mixes the sound, and hands both to the encoder. Inputs are
//! started, resized and stopped as the stage changes; a failed input is started again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use amphi_sfu::{MediaRoom, PublicationId};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use super::canvas::{BACKGROUND, BLANK_TILE, HIGHLIGHT, Picture};
use super::encoder::Encoder;
use super::input::{Input, Kind};
use super::layout::{Frame, Placement, Source, layout};
use super::still::{StillSource, decode};
use super::{ComposeError, CompositionSpec, CompositorState, Output, StageView};
use crate::annotations::AnnotatedStills;
use crate::signaling::{Place, Rooms};

/// A failed input is started again after this long.
const RESTART_AFTER: Duration = Duration::from_secs(2);
/// A resized input's old decoder is kept this long at most, until the new one has a picture.
const RETIRE_AFTER: Duration = Duration::from_secs(5);
/// Behind by more than this, the clock skips ahead rather than bursting (counted as late).
const MAX_CATCH_UP_SECS: u64 = 1;
/// How often a shown still picture is asked for again: a new stroke or page version shows
/// within this plus one render and decode.
const STILL_POLL: Duration = Duration::from_millis(250);

/// Counters for tests, metrics and the benchmark.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompositorStats {
    /// Pictures handed to the encoder.
    pub frames: u64,
    /// Pictures skipped because the clock fell behind.
    pub late_frames: u64,
    /// Packets the taps dropped on full queues (forwarding went on).
    pub tap_dropped: u64,
    /// Decoders started (a resize or a restart starts one more).
    pub inputs_started: u64,
    /// Pictures the video inputs decoded.
    pub decoded_frames: u64,
}

/// A running composition. Stop it with [`Compositor::stop`] (dropping it stops it too, without
/// waiting for the encoder to finish its output).
pub struct Compositor {
    state: watch::Receiver<CompositorState>,
    stats: Arc<Mutex<CompositorStats>>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), ComposeError>>,
}

impl Compositor {
    /// Starts composing the running room or session live at `place` into `output`. `stills`
    /// gives images and PDF pages ([`super::ContentFiles`]); they are wrapped here in
    /// `annotations::AnnotatedStills`, so the room's strokes show on them.
    pub async fn start(
        rooms: &Rooms,
        place: &Place,
        spec: CompositionSpec,
        output: Output,
        stills: Option<Arc<dyn StillSource>>,
    ) -> Result<Compositor, ComposeError> {
        spec.check()?;
        let feed = rooms.stage_feed(place).ok_or(ComposeError::NoRoom)?;
        // Pages and images come out with the room's annotations drawn on them (issue 9).
        let stills = stills.map(|base| AnnotatedStills::wrap(base, rooms, place));
        let run = match &output {
            Output::Segments { dir } => next_run(dir),
            Output::Rtmp { .. } => 0,
        };
        let encoder = Encoder::start(&spec, &output, run).await?;
        let (state_tx, state) = watch::channel(CompositorState::Starting);
        let stats = Arc::new(Mutex::new(CompositorStats::default()));
        let (stop_tx, stop_rx) = oneshot::channel();
        let clock = Clock {
            spec,
            media: feed.media,
            view: feed.view,
            stills,
            encoder: Some(encoder),
            state: state_tx,
            stats: stats.clone(),
            video: HashMap::new(),
            retiring: HashMap::new(),
            audio: HashMap::new(),
            failed_at: HashMap::new(),
            stills_shown: HashMap::new(),
        };
        let task = tokio::spawn(clock.run(stop_rx));
        Ok(Compositor {
            state,
            stats,
            stop: Some(stop_tx),
            task,
        })
    }

    pub fn state(&self) -> watch::Receiver<CompositorState> {
        self.state.clone()
    }

    pub fn stats(&self) -> CompositorStats {
        self.stats.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Stops: the encoder finishes its output (the last segment, the end of the stream).
    pub async fn stop(mut self) -> Result<(), ComposeError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match (&mut self.task).await {
            Ok(result) => result,
            Err(e) => Err(ComposeError::Ffmpeg(format!("compositor task: {e}"))),
        }
    }
}

impl Drop for Compositor {
    fn drop(&mut self) {
        if self.stop.is_some() {
            self.task.abort();
        }
    }
}

/// The first unused run number in a segments folder.
fn next_run(dir: &std::path::Path) -> u32 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_prefix("seg-")?.get(..3)?.parse::<u32>().ok()
        })
        .max()
        .map_or(0, |r| r + 1)
}

type StillKey = (String, Option<u32>, u32, u32);

/// A still picture on the output: what shows, and the background look-up of a newer version.
#[derive(Default)]
struct ShownStill {
    shown: Option<(u64, Arc<Picture>)>,
    /// A version that did not decode: not tried again.
    bad: Option<u64>,
    job: Option<JoinHandle<Fetched>>,
    asked: Option<Instant>,
}

/// What a look-up found.
enum Fetched {
    /// The version shown (or one known bad).
    Same,
    New(u64, Picture),
    Bad(u64),
    /// The source has no picture for it now.
    Gone,
}

struct Clock {
    spec: CompositionSpec,
    media: MediaRoom,
    view: watch::Receiver<StageView>,
    stills: Option<Arc<dyn StillSource>>,
    encoder: Option<Encoder>,
    state: watch::Sender<CompositorState>,
    stats: Arc<Mutex<CompositorStats>>,
    video: HashMap<PublicationId, Input>,
    retiring: HashMap<PublicationId, Input>,
    audio: HashMap<PublicationId, Input>,
    failed_at: HashMap<PublicationId, Instant>,
    stills_shown: HashMap<StillKey, ShownStill>,
}

impl Clock {
    async fn run(mut self, mut stop: oneshot::Receiver<()>) -> Result<(), ComposeError> {
        let fps = u64::from(self.spec.fps);
        let frame = Frame {
            width: self.spec.width,
            height: self.spec.height,
            webcams: self.spec.webcams,
            audio_only: self.spec.audio_only,
        };
        let samples_per_frame = (48_000 / self.spec.fps) as usize;
        let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / fps));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut reconcile = tokio::time::interval(Duration::from_secs(1));
        reconcile.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut placements = layout(&self.view.borrow_and_update(), frame);
        self.reconcile(&placements);
        let start = Instant::now();
        let mut sent: u64 = 0;
        let outcome = loop {
            tokio::select! {
                _ = &mut stop => break Ok(()),
                changed = self.view.changed() => {
                    if changed.is_err() {
                        // The room's actor stopped (everyone left): the composition ends.
                        break Ok(());
                    }
                    placements = layout(&self.view.borrow_and_update(), frame);
                    self.reconcile(&placements);
                }
                _ = reconcile.tick() => self.reconcile(&placements),
                _ = tick.tick() => {
                    let due = start.elapsed().as_micros() as u64 * fps / 1_000_000;
                    if due <= sent {
                        continue;
                    }
                    if due - sent > MAX_CATCH_UP_SECS * fps {
                        let skipped = due - sent - 1;
                        self.stats_mut(|s| s.late_frames += skipped);
                        sent = due - 1;
                    }
                    let picture = self.draw(&placements);
                    let mut failure = None;
                    while sent < due {
                        let audio = self.mix(samples_per_frame);
                        let Some(encoder) = self.encoder.as_mut() else {
                            break;
                        };
                        if let Err(e) = encoder.push(picture.data.clone(), audio).await {
                            failure = Some(encoder.exited().unwrap_or_else(|| e.to_string()));
                            break;
                        }
                        sent += 1;
                    }
                    self.stats_mut(|s| s.frames = sent);
                    if let Some(why) = failure {
                        break Err(ComposeError::Ffmpeg(why));
                    }
                    if let Some(encoder) = self.encoder.as_mut() {
                        if let Some(why) = encoder.exited() {
                            break Err(ComposeError::Ffmpeg(why));
                        }
                        if *encoder.encoded.borrow() > 0.0 {
                            self.state.send_if_modified(|s| {
                                let starting = *s == CompositorState::Starting;
                                if starting {
                                    *s = CompositorState::Running;
                                }
                                starting
                            });
                        }
                    }
                }
            }
        };
        self.video.clear();
        self.retiring.clear();
        self.audio.clear();
        let finished = match self.encoder.take() {
            Some(encoder) => encoder.finish().await,
            None => Ok(()),
        };
        let result = outcome.and(finished);
        self.state.send_replace(match &result {
            Ok(()) => CompositorState::Ended,
            Err(e) => CompositorState::Failed(e.to_string()),
        });
        result
    }

    fn stats_mut(&self, f: impl FnOnce(&mut CompositorStats)) {
        f(&mut self.stats.lock().unwrap_or_else(|p| p.into_inner()));
    }

    /// Starts, resizes, restarts and stops inputs to match `placements` and the view's sound.
    fn reconcile(&mut self, placements: &[Placement]) {
        let now = Instant::now();
        let wanted: HashMap<PublicationId, (u32, u32)> = placements
            .iter()
            .filter_map(|p| match &p.source {
                Source::Video(id) => Some((id.clone(), (p.rect.w, p.rect.h))),
                _ => None,
            })
            .collect();
        let sounds: Vec<PublicationId> = self.view.borrow().audio.clone();
        // Gone or failed inputs go.
        let failed: Vec<PublicationId> = self
            .video
            .iter()
            .chain(self.audio.iter())
            .filter(|(_, i)| i.ended())
            .map(|(id, _)| id.clone())
            .collect();
        for id in failed {
            self.video.remove(&id);
            self.audio.remove(&id);
            self.failed_at.insert(id, now);
        }
        self.video.retain(|id, _| wanted.contains_key(id));
        self.audio.retain(|id, _| sounds.contains(id));
        self.retiring.retain(|id, old| {
            let replaced = self.video.get(id).is_some_and(|i| i.frames() > 0);
            !replaced && wanted.contains_key(id) && old.started.elapsed() < RETIRE_AFTER * 4
        });
        let may_start = |failed_at: &HashMap<PublicationId, Instant>, id: &PublicationId| {
            failed_at
                .get(id)
                .is_none_or(|t| now.duration_since(*t) >= RESTART_AFTER)
        };
        let mut started = 0u64;
        for (id, (w, h)) in &wanted {
            let kind = Kind::Video { w: *w, h: *h };
            if self.video.get(id).is_some_and(|i| i.kind == kind) {
                continue;
            }
            if !may_start(&self.failed_at, id) {
                continue;
            }
            match Input::start(&self.media, id, kind) {
                Ok(input) => {
                    started += 1;
                    if let Some(old) = self.video.insert(id.clone(), input) {
                        self.retiring.insert(id.clone(), old);
                    }
                }
                Err(e) => {
                    tracing::debug!(publication = %id, error = %e, "compositor input not started");
                    self.failed_at.insert(id.clone(), now);
                }
            }
        }
        for id in &sounds {
            if self.audio.contains_key(id) || !may_start(&self.failed_at, id) {
                continue;
            }
            match Input::start(&self.media, id, Kind::Audio) {
                Ok(input) => {
                    started += 1;
                    self.audio.insert(id.clone(), input);
                }
                Err(e) => {
                    tracing::debug!(publication = %id, error = %e, "compositor input not started");
                    self.failed_at.insert(id.clone(), now);
                }
            }
        }
        let dropped: u64 = self
            .video
            .values()
            .chain(self.audio.values())
            .map(Input::tap_dropped)
            .sum();
        let decoded: u64 = self.video.values().map(Input::frames).sum();
        self.stats_mut(|s| {
            s.inputs_started += started;
            s.tap_dropped = s.tap_dropped.max(dropped);
            s.decoded_frames = s.decoded_frames.max(decoded);
        });
        self.stills_shown.retain(|(id, page, w, h), _| {
            placements.iter().any(|p| {
                matches!(&p.source, Source::Still { content_id, page: pg } if content_id == id && pg == page)
                    && p.rect.w == *w
                    && p.rect.h == *h
            })
        });
    }

    /// One picture of the stage.
    fn draw(&mut self, placements: &[Placement]) -> Picture {
        let mut canvas = Picture::filled(self.spec.width, self.spec.height, BACKGROUND);
        for p in placements {
            let r = p.rect;
            match &p.source {
                Source::Video(id) => {
                    let fresh = self.video.get(id).and_then(Input::picture);
                    let old = || self.retiring.get(id).and_then(Input::picture);
                    match fresh.or_else(old) {
                        Some(pic) if pic.w == r.w && pic.h == r.h => canvas.blit(&pic, r.x, r.y),
                        Some(pic) => {
                            // The old size, centred until the new decoder has a picture.
                            canvas.fill(r, BLANK_TILE);
                            let x = r.x + r.w.saturating_sub(pic.w) / 2;
                            let y = r.y + r.h.saturating_sub(pic.h) / 2;
                            canvas.blit(&pic, x, y);
                        }
                        None => canvas.fill(r, BLANK_TILE),
                    }
                }
                Source::Blank(_) => canvas.fill(r, BLANK_TILE),
                Source::Still { content_id, page } => match self.still(content_id, *page, r.w, r.h)
                {
                    Some(pic) => canvas.blit(&pic, r.x, r.y),
                    None => canvas.fill(r, BLANK_TILE),
                },
            }
            if p.highlight {
                canvas.outline(r, 4, HIGHLIGHT);
            }
        }
        canvas
    }

    /// The still picture for a content area of `w`×`h`. Every [`STILL_POLL`] a background
    /// task asks the source for it (file reads and annotation drawing happen there, never on
    /// this clock) and decodes a new version; the previous one shows meanwhile.
    fn still(
        &mut self,
        content_id: &str,
        page: Option<u32>,
        w: u32,
        h: u32,
    ) -> Option<Arc<Picture>> {
        let key: StillKey = (content_id.to_owned(), page, w, h);
        let slot = self.stills_shown.entry(key).or_default();
        if let Some(job) = slot.job.take_if(|j| j.is_finished()) {
            match job.now_or_never_result() {
                Some(Ok(Fetched::New(version, pic))) => slot.shown = Some((version, Arc::new(pic))),
                Some(Ok(Fetched::Bad(version))) => slot.bad = Some(version),
                Some(Ok(Fetched::Gone)) => slot.shown = None,
                Some(Ok(Fetched::Same)) | Some(Err(_)) | None => {}
            }
        }
        if let Some(source) = self.stills.clone()
            && slot.job.is_none()
            && slot.asked.is_none_or(|t| t.elapsed() >= STILL_POLL)
        {
            slot.asked = Some(Instant::now());
            let known = [slot.shown.as_ref().map(|(v, _)| *v), slot.bad];
            slot.job = Some(tokio::spawn(fetch(
                source,
                content_id.to_owned(),
                page,
                (w, h),
                known,
            )));
        }
        slot.shown.as_ref().map(|(_, p)| p.clone())
    }

    /// One picture's worth of sound: every input mixed, clipped, as s16le stereo.
    fn mix(&self, frames: usize) -> Vec<u8> {
        let mut acc = vec![[0i32; 2]; frames];
        for input in self.audio.values() {
            input.mix_into(&mut acc);
        }
        let mut out = Vec::with_capacity(frames * 4);
        for [l, r] in acc {
            out.extend_from_slice(&(l.clamp(-32768, 32767) as i16).to_le_bytes());
            out.extend_from_slice(&(r.clamp(-32768, 32767) as i16).to_le_bytes());
        }
        out
    }
}

/// Asks `source` for a picture off the clock and decodes it at `w`×`h` unless its version is
/// one of `known`.
async fn fetch(
    source: Arc<dyn StillSource>,
    content_id: String,
    page: Option<u32>,
    (w, h): (u32, u32),
    known: [Option<u64>; 2],
) -> Fetched {
    let asked = tokio::task::spawn_blocking(move || source.still(&content_id, page)).await;
    let still = match asked {
        Ok(Some(still)) => still,
        Ok(None) => return Fetched::Gone,
        Err(_) => return Fetched::Same,
    };
    if known.contains(&Some(still.version)) {
        return Fetched::Same;
    }
    match decode(&still.bytes, w, h).await {
        Ok(pic) => Fetched::New(still.version, pic),
        Err(e) => {
            tracing::warn!(error = %e, "still picture not decoded");
            Fetched::Bad(still.version)
        }
    }
}

/// A finished task's result without waiting.
trait NowOrNever<T> {
    fn now_or_never_result(self) -> Option<Result<T, tokio::task::JoinError>>;
}

impl<T> NowOrNever<T> for JoinHandle<T> {
    fn now_or_never_result(self) -> Option<Result<T, tokio::task::JoinError>> {
        futures::FutureExt::now_or_never(self)
    }
}
