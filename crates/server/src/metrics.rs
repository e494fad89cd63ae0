//! A small Prometheus registry: counters and gauges, optionally with labels, rendered in the
//! text exposition format at `/metrics`. Any module registers its own at start-up:
//!
//! ```ignore
//! let joins = state.metrics.counter("amphi_participants_joined_total", "Participants who joined a room");
//! joins.inc();
//! let live = state.metrics.gauge("amphi_rooms_live", "Rooms with a meeting in progress");
//! live.set(3);
//! ```
//! Registering the same name and labels twice returns the same value (handy for modules
//! started more than once in tests).
//!
//! Values another component keeps itself (the SFU's counters) are copied in just before each
//! render by a closure given to [`Metrics::on_render`], through handles it registered.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// A value that only goes up.
#[derive(Debug, Clone, Default)]
pub struct Counter(Arc<AtomicU64>);

impl Counter {
    pub fn inc(&self) {
        self.add(1);
    }

    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Mirrors a total counted elsewhere: takes `total` unless the counter is already higher,
    /// so it still never goes down.
    pub fn raise_to(&self, total: u64) {
        self.0.fetch_max(total, Ordering::Relaxed);
    }
}

/// A value that goes up and down.
#[derive(Debug, Clone, Default)]
pub struct Gauge(Arc<AtomicI64>);

impl Gauge {
    pub fn set(&self, v: i64) {
        self.0.store(v, Ordering::Relaxed);
    }

    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    pub fn dec(&self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }

    pub fn get(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

#[derive(Debug, Clone)]
enum Value {
    Counter(Counter),
    Gauge(Gauge),
}

impl Value {
    fn kind(&self) -> &'static str {
        match self {
            Value::Counter(_) => "counter",
            Value::Gauge(_) => "gauge",
        }
    }
}

#[derive(Debug)]
struct Family {
    help: String,
    /// Rendered label set (`{a="b"}` or empty) -> value.
    series: BTreeMap<String, Value>,
}

/// Called before each render to refresh values kept elsewhere.
type Collector = Arc<dyn Fn() + Send + Sync>;

#[derive(Default)]
struct Collectors(Mutex<Vec<Collector>>);

impl std::fmt::Debug for Collectors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.0.lock().map(|c| c.len()).unwrap_or_default();
        write!(f, "Collectors({n})")
    }
}

/// The registry. Cheap to clone; the lock is taken only to register and to render.
#[derive(Debug, Clone, Default)]
pub struct Metrics {
    families: Arc<Mutex<BTreeMap<String, Family>>>,
    collectors: Arc<Collectors>,
}

impl Metrics {
    pub fn new() -> Metrics {
        Metrics::default()
    }

    pub fn counter(&self, name: &str, help: &str) -> Counter {
        self.counter_with(name, help, &[])
    }

    /// A counter in a family with labels, e.g. `&[("class", "2xx")]`.
    pub fn counter_with(&self, name: &str, help: &str, labels: &[(&str, &str)]) -> Counter {
        match self.register(name, help, labels, Value::Counter(Counter::default())) {
            Value::Counter(c) => c,
            // A name registered earlier as a gauge: a programming error. Keep running with a
            // detached counter rather than panic in production.
            Value::Gauge(_) => {
                tracing::error!(name, "metric registered as a gauge, then as a counter");
                Counter::default()
            }
        }
    }

    pub fn gauge(&self, name: &str, help: &str) -> Gauge {
        self.gauge_with(name, help, &[])
    }

    pub fn gauge_with(&self, name: &str, help: &str, labels: &[(&str, &str)]) -> Gauge {
        match self.register(name, help, labels, Value::Gauge(Gauge::default())) {
            Value::Gauge(g) => g,
            Value::Counter(_) => {
                tracing::error!(name, "metric registered as a counter, then as a gauge");
                Gauge::default()
            }
        }
    }

    fn register(&self, name: &str, help: &str, labels: &[(&str, &str)], fresh: Value) -> Value {
        let mut families = self.families.lock().unwrap_or_else(|e| e.into_inner());
        let family = families.entry(name.to_owned()).or_insert_with(|| Family {
            help: help.to_owned(),
            series: BTreeMap::new(),
        });
        if let Some(existing) = family.series.values().next()
            && existing.kind() != fresh.kind()
        {
            return existing.clone();
        }
        family
            .series
            .entry(render_labels(labels))
            .or_insert(fresh)
            .clone()
    }

    /// Runs `collect` before every render, e.g. to copy a snapshot into counters and gauges
    /// registered here. It must be quick and must not render.
    pub fn on_render(&self, collect: impl Fn() + Send + Sync + 'static) {
        let mut collectors = self.collectors.0.lock().unwrap_or_else(|e| e.into_inner());
        collectors.push(Arc::new(collect));
    }

    /// The Prometheus text format (version 0.0.4).
    pub fn render(&self) -> String {
        // Cloned out so that no lock of ours is held while a collector runs.
        let collectors = self
            .collectors
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for collect in collectors {
            collect();
        }
        let families = self.families.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        for (name, family) in families.iter() {
            let Some(first) = family.series.values().next() else {
                continue;
            };
            // Writing to a String cannot fail.
            let _ = writeln!(out, "# HELP {name} {}", escape_help(&family.help));
            let _ = writeln!(out, "# TYPE {name} {}", first.kind());
            for (labels, value) in &family.series {
                let v = match value {
                    Value::Counter(c) => c.get().to_string(),
                    Value::Gauge(g) => g.get().to_string(),
                };
                let _ = writeln!(out, "{name}{labels} {v}");
            }
        }
        out
    }
}

fn render_labels(labels: &[(&str, &str)]) -> String {
    if labels.is_empty() {
        return String::new();
    }
    let inner: Vec<String> = labels
        .iter()
        .map(|(k, v)| {
            let v = v
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n");
            format!("{k}=\"{v}\"")
        })
        .collect();
    format!("{{{}}}", inner.join(","))
}

fn escape_help(help: &str) -> String {
    help.replace('\\', "\\\\").replace('\n', "\\n")
}

/// The server's own metrics, registered at start-up.
#[derive(Debug, Clone)]
pub struct ServerMetrics {
    /// HTTP responses by status class: index 0 is 1xx ... index 4 is 5xx.
    pub http_responses: [Counter; 5],
    pub users: Gauge,
    pub rooms: Gauge,
    /// Open rooms (read from the store at scrape time).
    pub rooms_open: Gauge,
    /// Webhook deliveries waiting for an attempt (read from the store at scrape time).
    pub webhook_pending: Gauge,
    pub sign_in_failures: Counter,
    pub sign_ins: Counter,
    /// Recordings in progress (state `recording` in the store, read at scrape time).
    pub recordings_active: Gauge,
    /// Streams starting, live or retrying on this server (read at scrape time).
    pub streams_active: Gauge,
    /// Recording jobs (finalize, import) pending or running (the store's queue, at scrape time).
    pub recording_jobs_queued: Gauge,
}

impl ServerMetrics {
    pub fn register(m: &Metrics) -> ServerMetrics {
        let class = |c: &str| {
            m.counter_with(
                "amphi_http_requests_total",
                "HTTP requests answered, by status class",
                &[("class", c)],
            )
        };
        ServerMetrics {
            http_responses: [
                class("1xx"),
                class("2xx"),
                class("3xx"),
                class("4xx"),
                class("5xx"),
            ],
            users: m.gauge("amphi_users", "User accounts (enabled and disabled)"),
            rooms: m.gauge("amphi_rooms", "Rooms"),
            rooms_open: m.gauge("amphi_rooms_open", "Open rooms (people may join)"),
            webhook_pending: m.gauge(
                "amphi_webhook_deliveries_pending",
                "Webhook deliveries waiting for an attempt (the queue's length)",
            ),
            sign_in_failures: m.counter(
                "amphi_sign_in_failures_total",
                "Refused sign-in attempts (wrong credentials or throttled)",
            ),
            sign_ins: m.counter("amphi_sign_ins_total", "Successful sign-ins"),
            recordings_active: m.gauge("amphi_recordings_active", "Recordings in progress"),
            streams_active: m.gauge(
                "amphi_streams_active",
                "RTMP streams starting, live or retrying",
            ),
            recording_jobs_queued: m.gauge(
                "amphi_recording_jobs_queued",
                "Recording jobs (finalize, import) waiting or running",
            ),
        }
    }

    pub fn count_response(&self, status: u16) {
        let index = usize::from(status / 100).clamp(1, 5) - 1;
        if let Some(counter) = self.http_responses.get(index) {
            counter.inc();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_text_format() {
        let m = Metrics::new();
        let s = ServerMetrics::register(&m);
        s.count_response(200);
        s.count_response(204);
        s.count_response(404);
        s.users.set(3);
        let again = m.counter_with("amphi_http_requests_total", "ignored", &[("class", "2xx")]);
        assert_eq!(again.get(), 2, "same name and labels give the same counter");
        let text = m.render();
        assert!(
            text.contains("# TYPE amphi_http_requests_total counter\n"),
            "{text}"
        );
        assert!(
            text.contains("amphi_http_requests_total{class=\"2xx\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("amphi_http_requests_total{class=\"4xx\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("# TYPE amphi_users gauge\namphi_users 3\n"),
            "{text}"
        );
    }
}
