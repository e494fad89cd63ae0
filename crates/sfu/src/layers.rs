//! Simulcast layer choice: which of a publication's layers a subscriber should receive, from the
//! size it renders the video at and the layers that are currently flowing.

/// Rank of a rid: low to high. Chrome uses q/h/f (quarter, half, full); others use numbers or
/// l/m/h names. Unknown names sort in the middle.
pub(crate) fn rid_rank(rid: &str) -> u8 {
    match rid.to_ascii_lowercase().as_str() {
        "" => 0,
        "q" | "l" | "lo" | "low" => 0,
        "h" | "m" | "mid" | "medium" => 1,
        "f" | "hi" | "high" | "full" => 2,
        other => other.parse::<u8>().map(|n| n.min(7)).unwrap_or(1),
    }
}

/// What the selector knows about one layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LayerView {
    pub(crate) rank: u8,
    /// Height in pixels, when a keyframe told us; 0 if unknown.
    pub(crate) height: u16,
    /// Packets arrived recently (Chrome switches high layers off when its uplink is short).
    pub(crate) active: bool,
}

/// Picks the layer (its rank) to forward.
/// - No size requested: the highest active layer.
/// - A size: the smallest active layer at least about as tall as the requested height; the
///   highest active one if none is tall enough.
/// - `bandwidth_cap`: the highest rank allowed by the bandwidth estimate, if any.
/// - Nothing active: keep `current` (or the lowest known layer).
pub(crate) fn select_layer(
    layers: &[LayerView],
    requested_height: Option<u16>,
    bandwidth_cap: Option<u8>,
    current: Option<u8>,
) -> Option<u8> {
    let mut active: Vec<LayerView> = layers
        .iter()
        .copied()
        .filter(|l| l.active && bandwidth_cap.is_none_or(|cap| l.rank <= cap))
        .collect();
    if active.is_empty() {
        // Even the cap leaves nothing: take the lowest active layer rather than nothing.
        if let Some(lowest) = layers.iter().filter(|l| l.active).min_by_key(|l| l.rank) {
            return Some(lowest.rank);
        }
        return current.or_else(|| layers.iter().map(|l| l.rank).min());
    }
    active.sort_by_key(|l| l.rank);
    let highest = active[active.len() - 1];
    let Some(want) = requested_height.filter(|h| *h > 0) else {
        return Some(highest.rank);
    };
    let top_rank = layers.iter().map(|l| l.rank).max().unwrap_or(0);
    let top_height = layers
        .iter()
        .filter(|l| l.height > 0)
        .map(|l| (l.rank, l.height))
        .max_by_key(|(r, _)| *r);
    let height_of = |l: &LayerView| -> u32 {
        if l.height > 0 {
            return u32::from(l.height);
        }
        // Unknown: each rank below the top halves the height (simulcast's usual scale).
        let (ref_rank, ref_height) = top_height.unwrap_or((top_rank, 720));
        let shift = u32::from(ref_rank.saturating_sub(l.rank));
        let up = u32::from(l.rank.saturating_sub(ref_rank));
        (u32::from(ref_height) << up) >> shift
    };
    // "About as tall": allow 10 % upscaling rather than jumping a layer up.
    let need = u32::from(want) * 9 / 10;
    active
        .iter()
        .find(|l| height_of(l) >= need)
        .or(Some(&highest))
        .map(|l| l.rank)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(rank: u8, height: u16, active: bool) -> LayerView {
        LayerView {
            rank,
            height,
            active,
        }
    }

    #[test]
    fn rid_ranks() {
        assert!(rid_rank("q") < rid_rank("h") && rid_rank("h") < rid_rank("f"));
        assert_eq!(rid_rank("0"), 0);
        assert_eq!(rid_rank("2"), 2);
        assert_eq!(rid_rank(""), 0);
    }

    #[test]
    fn picks_by_requested_height() {
        let ls = [l(0, 180, true), l(1, 360, true), l(2, 720, true)];
        assert_eq!(select_layer(&ls, None, None, None), Some(2));
        assert_eq!(select_layer(&ls, Some(180), None, None), Some(0));
        assert_eq!(select_layer(&ls, Some(170), None, None), Some(0));
        assert_eq!(
            select_layer(&ls, Some(195), None, None),
            Some(0),
            "<10 % upscale is fine"
        );
        assert_eq!(select_layer(&ls, Some(210), None, None), Some(1));
        assert_eq!(select_layer(&ls, Some(300), None, None), Some(1));
        assert_eq!(select_layer(&ls, Some(1080), None, None), Some(2));
    }

    #[test]
    fn unknown_heights_are_estimated_from_rank() {
        let ls = [l(0, 0, true), l(1, 0, true), l(2, 0, true)];
        assert_eq!(select_layer(&ls, Some(180), None, None), Some(0));
        assert_eq!(select_layer(&ls, Some(360), None, None), Some(1));
        // the top layer is known: 1080p, so 540 is "h"
        let ls = [l(0, 0, true), l(1, 0, true), l(2, 1080, true)];
        assert_eq!(select_layer(&ls, Some(500), None, None), Some(1));
    }

    #[test]
    fn inactive_layers_are_skipped_and_cap_applies() {
        let ls = [l(0, 180, true), l(1, 360, true), l(2, 720, false)];
        assert_eq!(select_layer(&ls, Some(720), None, None), Some(1));
        let ls = [l(0, 180, true), l(1, 360, true), l(2, 720, true)];
        assert_eq!(select_layer(&ls, Some(720), Some(0), None), Some(0));
        let ls = [l(0, 180, false), l(1, 360, false)];
        assert_eq!(
            select_layer(&ls, None, None, Some(1)),
            Some(1),
            "keep current"
        );
        assert_eq!(select_layer(&ls, None, None, None), Some(0));
        assert_eq!(select_layer(&[], None, None, None), None);
    }
}
