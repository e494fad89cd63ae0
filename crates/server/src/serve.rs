//! Starting and stopping the server: database, listener, the first-run link, background
//! jobs, graceful shutdown.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use amphi_store::{Store, now_ms};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::auth::token::{hash_token, new_token};
use crate::{AppState, Config, Error, app};

/// How long the first-run link stays valid (a new one is printed at every start while no
/// user exists).
const SETUP_LINK_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// After SIGTERM, how long open connections (WebSockets) get to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
const LOGIN_SWEEP_EVERY: Duration = Duration::from_secs(3600);
/// How long the outbox keeps a mail (docs/operations.md, "Mail").
pub const OUTBOX_KEPT: Duration = Duration::from_secs(30 * 24 * 3600);
/// How long the webhook delivery log keeps a delivery (docs/operations.md, "Webhooks").
pub const WEBHOOK_DELIVERIES_KEPT: Duration = Duration::from_secs(30 * 24 * 3600);

/// A running server.
pub struct Server {
    /// The bound address (the real port when configured with port 0).
    pub addr: SocketAddr,
    /// Where `/metrics` is served when `[metrics] listen` is set (the real port).
    pub metrics_addr: Option<SocketAddr>,
    pub state: AppState,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<Result<(), Error>>,
    /// The webhook delivery worker and the metrics listener: waited for at stop.
    background: Vec<JoinHandle<()>>,
}

/// Connects to the configured database (SQLite in the data folder unless a URL is set) and
/// applies migrations.
pub async fn connect_store(config: &Config) -> Result<Store, Error> {
    if config.database.url.is_none() {
        std::fs::create_dir_all(&config.data.dir).map_err(|e| {
            Error::io(
                format!(
                    "cannot create the data folder {}",
                    config.data.dir.display()
                ),
                e,
            )
        })?;
    }
    Ok(Store::connect(&config.database_url()).await?)
}

impl Server {
    /// Connects the database, binds, and serves in a background task.
    pub async fn start(config: Config) -> Result<Server, Error> {
        let store = connect_store(&config).await?;
        Server::start_with_store(config, store).await
    }

    /// As [`Server::start`], on a store already connected (tests use a fresh one).
    pub async fn start_with_store(config: Config, store: Store) -> Result<Server, Error> {
        let listener = TcpListener::bind(config.http.listen)
            .await
            .map_err(|e| Error::io(format!("cannot listen on {}", config.http.listen), e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::io("reading the bound address", e))?;
        let (shutdown, shutdown_rx) = watch::channel(false);
        let state = AppState::new(store, config, shutdown_rx.clone());
        let router = app::router(state.clone());
        let (metrics_addr, metrics_task) = match state.config.metrics.listen {
            Some(listen) => {
                let (addr, task) = serve_metrics(listen, state.clone()).await?;
                (Some(addr), Some(task))
            }
            None => (None, None),
        };

        spawn_login_sweeper(state.clone());
        let mut background = vec![crate::webhooks::worker::spawn(
            state.webhooks.clone(),
            Duration::from_secs(state.config.webhooks.retry_base_secs),
            &state.metrics,
            state.shutdown.clone(),
        )];
        background.extend(metrics_task);
        crate::content::spawn_recovery(state.clone());
        background.push(crate::webhooks::recording::spawn(
            &state.recordings,
            state.webhooks.clone(),
            base_url(&state.config, addr),
            state.shutdown.clone(),
        ));
        background.push(state.recordings.spawn_background());
        let mut stop = shutdown_rx;
        let task = tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move { stopped(&mut stop).await })
            .await
            .map_err(|e| Error::io("serving HTTP", e))
        });
        tracing::info!(%addr, "listening");
        Ok(Server {
            addr,
            metrics_addr,
            state,
            shutdown,
            task,
            background,
        })
    }

    /// `http://ADDR`, the address printed on the listening line.
    pub fn listen_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Where people reach the server: the public URL, else the bound address (with a
    /// wildcard address replaced by loopback, which a browser on this machine can open).
    pub fn base_url(&self) -> String {
        base_url(&self.state.config, self.addr)
    }

    /// While no user exists: a new one-time setup link (its hash stored), else `None`.
    pub async fn first_run_link(&self) -> Result<Option<String>, Error> {
        if self.state.store.count_users().await? > 0 {
            return Ok(None);
        }
        let token = new_token();
        let lifetime = i64::try_from(SETUP_LINK_LIFETIME.as_millis()).unwrap_or(i64::MAX);
        self.state
            .store
            .create_setup_token(&hash_token(&token), now_ms().saturating_add(lifetime))
            .await?;
        Ok(Some(format!("{}/setup/{token}", self.base_url())))
    }

    /// Asks the server to stop, and waits for open connections to finish (at most
    /// [`SHUTDOWN_GRACE`]).
    pub async fn stop(self) -> Result<(), Error> {
        let _ = self.shutdown.send(true);
        let result = match tokio::time::timeout(SHUTDOWN_GRACE, self.task).await {
            Ok(Ok(result)) => result,
            Ok(Err(join)) => Err(Error::Internal(format!("server task: {join}"))),
            Err(_) => {
                tracing::warn!("connections still open after {SHUTDOWN_GRACE:?}; stopping anyway");
                Ok(())
            }
        };
        // Webhook attempts under way finish (each takes at most 10 s) before the store closes.
        for task in self.background {
            if tokio::time::timeout(SHUTDOWN_GRACE, task).await.is_err() {
                tracing::warn!("a background task still ran after {SHUTDOWN_GRACE:?}");
            }
        }
        // The shared notes changed in the last seconds are not lost (issue 9, C5).
        self.state.rooms.notes().flush_all().await;
        self.state.store.close().await;
        result
    }
}

/// `[metrics] listen`: `/metrics` alone on an address of its own, until shutdown.
async fn serve_metrics(
    listen: SocketAddr,
    state: AppState,
) -> Result<(SocketAddr, JoinHandle<()>), Error> {
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|e| Error::io(format!("cannot listen on {listen} ([metrics] listen)"), e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::io("reading the metrics listener's address", e))?;
    let mut stop = state.shutdown.clone();
    let router = crate::ops::metrics_router(state);
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(async move { stopped(&mut stop).await })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "the metrics listener stopped");
        }
    });
    tracing::info!(%addr, "metrics listening");
    Ok((addr, task))
}

/// The base of links printed on the command line.
pub fn base_url(config: &Config, addr: SocketAddr) -> String {
    if let Some(url) = &config.http.public_url {
        return url.clone();
    }
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

/// Resolves once shutdown has begun (or the sender is gone).
pub async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is not Send: drop it here, inside this function.
    let _ = shutdown.wait_for(|stopping| *stopping).await.is_ok();
}

/// Every hour (the first time at start), until shutdown: deletes expired logins, expired
/// sign-in codes, and outbox mails older than [`OUTBOX_KEPT`].
fn spawn_login_sweeper(state: AppState) {
    let mut stop = state.shutdown.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(LOGIN_SWEEP_EVERY);
        loop {
            tokio::select! {
                _ = every.tick() => sweep(&state.store).await,
                () = stopped(&mut stop) => break,
            }
        }
    });
}

async fn sweep(store: &Store) {
    let now = now_ms();
    let kept_ms = i64::try_from(OUTBOX_KEPT.as_millis()).unwrap_or(i64::MAX);
    let webhooks_kept_ms = i64::try_from(WEBHOOK_DELIVERIES_KEPT.as_millis()).unwrap_or(i64::MAX);
    let outcomes = [
        ("expired logins", store.delete_expired_logins(now).await),
        (
            "expired sign-in codes",
            store.delete_expired_signin_codes(now).await,
        ),
        (
            "outbox mails older than 30 days",
            store
                .delete_outbox_before(now.saturating_sub(kept_ms))
                .await,
        ),
        (
            "webhook deliveries older than 30 days",
            store
                .delete_webhook_deliveries_before(now.saturating_sub(webhooks_kept_ms))
                .await,
        ),
    ];
    for (what, outcome) in outcomes {
        match outcome {
            Ok(0) => {}
            Ok(n) => tracing::info!(count = n, "{what} deleted"),
            Err(e) => tracing::warn!(error = %e, "deleting {what} failed"),
        }
    }
}

/// `amphi serve`: starts, prints the contract's stdout lines, runs until SIGTERM or Ctrl-C.
pub async fn run(config: Config) -> Result<(), Error> {
    // Handlers first: a signal that arrives right after the lines are printed (a test that
    // stops the server at once) must still shut down cleanly.
    let signals = Signals::install()?;
    let server = Server::start(config).await?;
    println!("amphi: listening on {}", server.listen_url());
    if let Some(addr) = server.metrics_addr {
        println!("amphi: metrics on http://{addr}/metrics");
    }
    if let Some(link) = server.first_run_link().await? {
        println!("amphi: first-run setup link: {link}");
    }
    signals.wait().await;
    tracing::info!("shutting down");
    server.stop().await?;
    tracing::info!("stopped");
    Ok(())
}

/// SIGTERM and SIGINT (Ctrl-C), listened to from installation on.
struct Signals {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> Result<Signals, Error> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let listen =
                |kind| signal(kind).map_err(|e| Error::io("installing signal handlers", e));
            Ok(Signals {
                terminate: listen(SignalKind::terminate())?,
                interrupt: listen(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    async fn wait(mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.terminate.recv() => {}
            _ = self.interrupt.recv() => {}
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
