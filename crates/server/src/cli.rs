//! The command line: `amphi [--config FILE] [serve | migrate | user add | room add|open|close]`.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use amphi_store::{NewUser, StoreError};
use clap::{Parser, Subcommand};

use crate::auth::{password, token};
use crate::room_admin::create_room;
use crate::serve::{self, connect_store};
use crate::{Config, Error, log_noise, validate};

#[derive(Debug, Parser)]
#[command(
    name = "amphi",
    version,
    about = "Amphi: self-hosted web conferencing and webinars"
)]
pub struct Cli {
    /// A TOML configuration file (see config/example.toml). Environment variables
    /// AMPHI_<SECTION>_<KEY> override it.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage rooms.
    #[command(subcommand)]
    Room(RoomCommand),
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. Without --password-stdin a random password is generated and printed.
    Add {
        /// The new user's e-mail address: their sign-in name.
        email: String,
        /// Make the user an administrator.
        #[arg(long)]
        admin: bool,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// The user's display name.
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum RoomCommand {
    /// Create a room and print its URL.
    Add {
        /// The room's name; its URL is made from it (/r/<slug>).
        name: String,
        /// The e-mail address of the owner (an existing user).
        #[arg(long, value_name = "EMAIL")]
        owner: String,
    },
    /// Open a room (R2): people waiting at it get in. A running server applies it within
    /// a few seconds.
    Open {
        /// The room's slug (its URL is /r/<slug>).
        slug: String,
    },
    /// Close a room: a running server ends its meeting within a few seconds.
    Close {
        /// The room's slug (its URL is /r/<slug>).
        slug: String,
    },
}

/// The process entry point: parses the command line, sets up logging, runs.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("amphi: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("amphi: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr (stdout carries the lines tests parse). Filter: `AMPHI_LOG`, else
/// `RUST_LOG`, else [`log_noise::DEFAULT_FILTER`] without the WebRTC stack's known-harmless
/// messages (see `log_noise`: Chrome's handshakes would otherwise flood the log).
fn init_tracing() {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;

    let explicit = std::env::var("AMPHI_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok();
    let wanted = explicit.as_deref().unwrap_or(log_noise::DEFAULT_FILTER);
    let filter = tracing_subscriber::EnvFilter::try_new(wanted).unwrap_or_else(|e| {
        eprintln!("amphi: ignoring invalid log filter {wanted:?}: {e}");
        tracing_subscriber::EnvFilter::new(log_noise::DEFAULT_FILTER)
    });
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    tracing_subscriber::registry()
        .with(filter)
        .with(explicit.is_none().then_some(log_noise::DropHarmless))
        .with(fmt)
        .init();
}

pub async fn run(cli: Cli) -> Result<(), Error> {
    let config = Config::load(cli.config.as_deref())?;
    tracing::debug!(?config, "configuration");
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve::run(config).await,
        Command::Migrate => {
            let store = connect_store(&config).await?;
            store.close().await;
            println!("amphi: database is up to date ({})", store.backend().name());
            Ok(())
        }
        Command::User(UserCommand::Add {
            email,
            admin,
            password_stdin,
            name,
        }) => add_user(&config, &email, admin, password_stdin, name.as_deref()).await,
        Command::Room(RoomCommand::Add { name, owner }) => add_room(&config, &name, &owner).await,
        Command::Room(RoomCommand::Open { slug }) => set_room_open(&config, &slug, true).await,
        Command::Room(RoomCommand::Close { slug }) => set_room_open(&config, &slug, false).await,
    }
}

async fn add_user(
    config: &Config,
    email: &str,
    admin: bool,
    password_stdin: bool,
    name: Option<&str>,
) -> Result<(), Error> {
    let email = validate::email(email).map_err(|i| Error::Cli(i.english().to_owned()))?;
    let display_name = validate::display_name(name.unwrap_or(""))
        .map_err(|i| Error::Cli(i.english().to_owned()))?;
    let (password, generated) = if password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Error::io("reading the password from standard input", e))?;
        (line.trim_end_matches(['\n', '\r']).to_owned(), false)
    } else {
        // 24 characters of base64url: about 144 bits.
        (token::new_token().chars().take(24).collect(), true)
    };
    validate::new_password(&password).map_err(|i| Error::Cli(i.english().to_owned()))?;
    let password_hash = password::hash(&password).await?;
    let store = connect_store(config).await?;
    let created = store
        .create_user(NewUser {
            email: email.clone(),
            display_name,
            password_hash: Some(password_hash),
            is_admin: admin,
        })
        .await;
    store.close().await;
    match created {
        Ok(_) => {
            let role = if admin { "administrator" } else { "user" };
            println!("amphi: {role} {email} created");
            if generated {
                println!("amphi: password for {email}: {password}");
            }
            Ok(())
        }
        Err(StoreError::Conflict) => Err(Error::Cli(format!(
            "a user with the e-mail address {email} already exists"
        ))),
        Err(e) => Err(e.into()),
    }
}

async fn add_room(config: &Config, name: &str, owner: &str) -> Result<(), Error> {
    let name = validate::room_name(name).map_err(|i| Error::Cli(i.english().to_owned()))?;
    let owner_email = owner.trim().to_lowercase();
    let store = connect_store(config).await?;
    let result = async {
        let owner = store.user_by_email(&owner_email).await?.ok_or_else(|| {
            Error::Cli(format!(
                "no user with the e-mail address {owner_email}: create one with `amphi user add`"
            ))
        })?;
        create_room(&store, &name, &owner.id).await
    }
    .await;
    store.close().await;
    let room = result?;
    println!(
        "{}/r/{}",
        serve::base_url(config, config.http.listen),
        room.slug
    );
    Ok(())
}

/// `amphi room open|close SLUG`: writes the store only. A running server's room actor re-reads
/// its row every 2 s while people are in or waiting (contracts §3), so the change reaches
/// them without this process talking to the server.
async fn set_room_open(config: &Config, slug: &str, open: bool) -> Result<(), Error> {
    let slug = slug.trim();
    let store = connect_store(config).await?;
    let result = async {
        let room = store
            .room_by_slug(slug)
            .await?
            .ok_or_else(|| Error::Cli(format!("no room with the slug {slug:?}")))?;
        if room.is_open != open {
            store.set_room_open(&room.id, open).await?;
            // Queued in the store: the running server's webhook worker posts it.
            let room_slug = room.slug.clone();
            let event = if open {
                crate::webhooks::WebhookEvent::RoomOpened {
                    room_slug,
                    by: None,
                }
            } else {
                crate::webhooks::WebhookEvent::RoomClosed {
                    room_slug,
                    by: None,
                }
            };
            crate::webhooks::enqueue(&store, &event).await?;
        }
        Ok::<bool, Error>(room.is_open == open)
    }
    .await;
    store.close().await;
    let already = result?;
    let state = if open { "open" } else { "closed" };
    if already {
        println!("amphi: room {slug} was already {state}");
    } else {
        let done = if open { "opened" } else { "closed" };
        println!("amphi: room {slug} {done}");
    }
    Ok(())
}
