//! Active speaker detection from the RFC 6464 audio level each audio packet carries: the
//! loudest participant over about a second, changing only with a clear margin (hysteresis), so
//! the highlighted tile does not flicker between two people talking at once.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::time::{Duration, Instant};

/// Loudness 0 (silence) ..= 127 (full scale): 127 minus the -dBov value of the extension.
pub(crate) fn loudness(audio_level_byte: u8) -> u8 {
    127 - (audio_level_byte & 0x7f)
}

const BUCKET: Duration = Duration::from_millis(250);
const BUCKETS: usize = 4; // ~1 s of history
/// Below this mean loudness a participant is silent (-80 dBov and quieter).
const SILENT: u8 = 47;
/// A packet at -50 dBov or louder carries voice.
const VOICED: u8 = 77;
/// Speaking: at least this share (percent) of the last second's packets carry voice, so a
/// cough or a door does not take the floor but speech with its pauses does.
const SPEAKING_PERCENT: u64 = 30;
/// A challenger must be this much louder than the current speaker to take over.
const HYSTERESIS: u8 = 6;

#[derive(Default)]
struct History {
    /// (loudness sum, packets, voiced packets) per bucket, newest last.
    buckets: VecDeque<(u64, u32, u32)>,
    current: (u64, u32, u32),
}

impl History {
    fn mean(&self) -> u8 {
        let (s, c) = self
            .buckets
            .iter()
            .fold((0u64, 0u32), |(s, c), (bs, bc, _)| (s + bs, c + bc));
        // Buckets without packets (DTX, muted, just joined) count as silence.
        let expected = BUCKETS as u64;
        if c == 0 {
            return 0;
        }
        // Mean over packets, scaled down by the share of buckets that had packets.
        let filled = self.buckets.iter().filter(|(_, bc, _)| *bc > 0).count() as u64;
        ((s / u64::from(c)) * filled / expected) as u8
    }

    /// Share (percent) of the window's packets that carry voice; a bucket without packets
    /// counts as the average bucket's worth of silence.
    fn voiced_percent(&self) -> u64 {
        let (c, v) = self
            .buckets
            .iter()
            .fold((0u64, 0u64), |(c, v), (_, bc, bv)| {
                (c + u64::from(*bc), v + u64::from(*bv))
            });
        let filled = self.buckets.iter().filter(|(_, bc, _)| *bc > 0).count() as u64;
        if c == 0 || filled == 0 {
            return 0;
        }
        let per_bucket = c / filled;
        let expected = c + per_bucket * (BUCKETS as u64 - filled);
        v * 100 / expected.max(1)
    }
}

/// Feeds on audio levels, ticks about four times a second.
pub(crate) struct ActiveSpeakerDetector<K> {
    histories: HashMap<K, History>,
    speaker: Option<K>,
    last_tick: Option<Instant>,
    silent_since: Option<Instant>,
}

/// What a tick produced.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Tick<K> {
    /// Smoothed loudness of everyone above silence.
    pub(crate) levels: Vec<(K, u8)>,
    /// `Some(new)` when the active speaker changed.
    pub(crate) speaker_changed: Option<Option<K>>,
}

impl<K: Clone + Eq + Hash + Ord> ActiveSpeakerDetector<K> {
    pub(crate) fn new() -> Self {
        Self {
            histories: HashMap::new(),
            speaker: None,
            last_tick: None,
            silent_since: None,
        }
    }

    pub(crate) fn tick_interval() -> Duration {
        BUCKET
    }

    /// One audio packet's level (the extension byte).
    pub(crate) fn feed(&mut self, who: K, audio_level_byte: u8) {
        let h = self.histories.entry(who).or_default();
        let l = loudness(audio_level_byte);
        h.current.0 += u64::from(l);
        h.current.1 += 1;
        h.current.2 += u32::from(l >= VOICED);
    }

    /// Someone left: forget them.
    pub(crate) fn remove(&mut self, who: &K) -> Option<Option<K>> {
        self.histories.remove(who);
        if self.speaker.as_ref() == Some(who) {
            self.speaker = None;
            return Some(None);
        }
        None
    }

    /// Closes the current bucket and decides.
    pub(crate) fn tick(&mut self, now: Instant) -> Tick<K> {
        self.last_tick = Some(now);
        let mut levels = Vec::new();
        let mut speaking = Vec::new();
        for (k, h) in self.histories.iter_mut() {
            let cur = std::mem::take(&mut h.current);
            h.buckets.push_back(cur);
            while h.buckets.len() > BUCKETS {
                h.buckets.pop_front();
            }
            let m = h.mean();
            if m > SILENT {
                levels.push((k.clone(), m));
            }
            if h.voiced_percent() >= SPEAKING_PERCENT {
                speaking.push((k.clone(), m));
            }
        }
        levels.sort();
        let loudest = speaking
            .iter()
            .max_by_key(|(k, m)| (*m, std::cmp::Reverse(k.clone())))
            .cloned();
        // The current speaker's level, if still speaking.
        let current_level = self
            .speaker
            .as_ref()
            .and_then(|s| speaking.iter().find(|(k, _)| k == s).map(|(_, m)| *m));
        let mut changed = None;
        match loudest {
            Some((k, m)) => {
                self.silent_since = None;
                let take_over = match &self.speaker {
                    None => true,
                    Some(s) if *s == k => false,
                    Some(_) => current_level.is_none_or(|c| m >= c.saturating_add(HYSTERESIS)),
                };
                if take_over {
                    self.speaker = Some(k.clone());
                    changed = Some(Some(k));
                }
            }
            None => {
                // Keep the last speaker through short pauses; clear after 2 s of silence.
                let since = *self.silent_since.get_or_insert(now);
                if self.speaker.is_some()
                    && now.saturating_duration_since(since) >= Duration::from_secs(2)
                {
                    self.speaker = None;
                    changed = Some(None);
                }
            }
        }
        Tick {
            levels,
            speaker_changed: changed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 50 packets per second per talker for `secs`, level byte per talker; returns speaker changes.
    fn run(
        d: &mut ActiveSpeakerDetector<&'static str>,
        t: &mut Instant,
        secs: f64,
        talkers: &[(&'static str, u8)],
    ) -> Vec<Option<&'static str>> {
        let mut changes = Vec::new();
        let ticks = (secs * 4.0) as usize;
        for _ in 0..ticks {
            for _ in 0..12 {
                for (who, lvl) in talkers {
                    d.feed(*who, *lvl);
                }
            }
            *t += BUCKET;
            if let Some(c) = d.tick(*t).speaker_changed {
                changes.push(c);
            }
        }
        changes
    }

    #[test]
    fn loudest_takes_the_floor_and_hysteresis_holds_it() {
        let mut d = ActiveSpeakerDetector::new();
        let mut t = Instant::now();
        // Alice at -30 dBov, Bob murmuring at -90
        assert_eq!(
            run(&mut d, &mut t, 2.0, &[("alice", 30), ("bob", 90)]),
            vec![Some("alice")]
        );
        // Bob about as loud (-28): not enough margin, Alice keeps the floor
        assert!(run(&mut d, &mut t, 2.0, &[("alice", 30), ("bob", 28)]).is_empty());
        // Bob clearly louder and Alice quiet: Bob takes it
        assert_eq!(
            run(&mut d, &mut t, 2.0, &[("alice", 100), ("bob", 20)]),
            vec![Some("bob")]
        );
        // Everyone silent for long enough: nobody
        assert_eq!(
            run(&mut d, &mut t, 3.0, &[("alice", 127), ("bob", 127)]),
            vec![None]
        );
    }

    #[test]
    fn speech_with_pauses_speaks_a_short_beep_does_not() {
        let mut d = ActiveSpeakerDetector::new();
        let mut t = Instant::now();
        let mut changes = Vec::new();
        for tick in 0..12 {
            for i in 0..12 {
                // Alice: half her packets are voice at -35 dBov, half pauses.
                d.feed("alice", if i % 2 == 0 { 35 } else { 127 });
                // Bob: a loud beep one packet in ten, silence otherwise.
                d.feed("bob", if (tick * 12 + i) % 10 == 0 { 10 } else { 127 });
            }
            t += BUCKET;
            if let Some(c) = d.tick(t).speaker_changed {
                changes.push(c);
            }
        }
        assert_eq!(changes, vec![Some("alice")]);
    }

    #[test]
    fn a_cough_does_not_switch() {
        let mut d = ActiveSpeakerDetector::new();
        let mut t = Instant::now();
        run(&mut d, &mut t, 2.0, &[("alice", 35)]);
        // Bob: one loud bucket (a cough) while Alice keeps talking
        for _ in 0..12 {
            d.feed("bob", 5);
            d.feed("alice", 35);
        }
        t += BUCKET;
        assert_eq!(d.tick(t).speaker_changed, None);
    }

    #[test]
    fn levels_list_only_non_silent_and_leaving_clears() {
        let mut d = ActiveSpeakerDetector::new();
        let mut t = Instant::now();
        run(&mut d, &mut t, 1.0, &[("alice", 40), ("bob", 127)]);
        for _ in 0..12 {
            d.feed("alice", 40);
            d.feed("bob", 127);
        }
        t += BUCKET;
        let tick = d.tick(t);
        assert_eq!(tick.levels.len(), 1);
        assert_eq!(tick.levels[0].0, "alice");
        assert_eq!(loudness(40), 87);
        assert_eq!(d.remove(&"alice"), Some(None));
    }
}
