//! The `amphi` server: configuration, the HTTP application (back office, room pages, static
//! files, health and metrics), start-up and shutdown, and the command line.
//!
//! The binary (`src/main.rs`) only parses the command line and calls [`cli::run`]. Tests build
//! the same application in-process with [`serve::Server::start`] on port 0.

pub mod annotations;
pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod compose;
pub mod config;
pub mod content;
pub mod csv;
pub mod error;
mod favicon;
pub mod i18n;
mod log_noise;
pub mod mail;
mod media_metrics;
pub mod metrics;
pub mod nettest;
pub mod notes;
mod ops;
mod pages;
pub mod polls;
pub mod recording;
pub mod registration;
mod room_admin;
pub mod serve;
pub mod session_admin;
pub mod signaling;
pub mod slug;
pub mod staff_invite;
pub mod state;
mod static_files;
pub mod streaming;
pub mod validate;
pub mod webhooks;

pub use config::Config;
pub use error::Error;
pub use state::AppState;
