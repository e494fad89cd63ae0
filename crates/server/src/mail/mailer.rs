//! The [`Mailer`]: SMTP when configured, else the outbox.

use std::sync::Arc;
use std::time::Duration;

use amphi_store::{NewOutboxMail, Store, now_ms};
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::message::build;
use super::smtp_url::{SmtpTls, SmtpUrl};
use super::{Delivery, Mail, MailError, valid_address};
use crate::config::MailConfig;
use crate::metrics::{Counter, Metrics};

/// The sender of every mail; cheap to clone (in `AppState.mailer`).
#[derive(Clone)]
pub struct Mailer {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Transport,
    from: Mailbox,
    store: Store,
    timeout: Duration,
    failures: Counter,
    sent: Counter,
    kept: Counter,
}

enum Transport {
    Smtp {
        smtp: AsyncSmtpTransport<Tokio1Executor>,
        /// The URL without its password, for messages and logs.
        server: String,
    },
    /// Configured, but the TLS set-up failed at start: every send fails with this reason.
    Broken {
        server: String,
        reason: String,
    },
    Outbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let to = match &self.inner.transport {
            Transport::Smtp { server, .. } | Transport::Broken { server, .. } => server.as_str(),
            Transport::Outbox => "outbox",
        };
        write!(f, "Mailer({to})")
    }
}

impl Mailer {
    /// The mailer of `[mail]`; its metrics registered in `metrics`.
    pub fn new(config: &MailConfig, store: Store, metrics: &Metrics) -> Mailer {
        let timeout = Duration::from_secs(config.send_timeout_secs);
        let transport = match &config.smtp_url {
            None => Transport::Outbox,
            Some(url) => smtp_transport(url, timeout),
        };
        let help_sent = "Mails handed over, by delivery (smtp, outbox), one per recipient copy";
        Mailer {
            inner: Arc::new(Inner {
                transport,
                from: config.from.clone(),
                store,
                timeout,
                failures: metrics.counter(
                    "amphi_mail_failures_total",
                    "Mails that could not be sent (SMTP unreachable, refused, timed out)",
                ),
                sent: metrics.counter_with("amphi_mails_total", help_sent, &[("delivery", "smtp")]),
                kept: metrics.counter_with(
                    "amphi_mails_total",
                    help_sent,
                    &[("delivery", "outbox")],
                ),
            }),
        }
    }

    /// Whether mail goes out through SMTP (else to the outbox).
    pub fn uses_smtp(&self) -> bool {
        !matches!(self.inner.transport, Transport::Outbox)
    }

    /// Sends `mail` to each recipient (SMTP), or keeps it once in the outbox.
    pub async fn send(&self, mail: &Mail) -> Result<Delivery, MailError> {
        if mail.to.is_empty() {
            return Err(MailError::NoRecipients);
        }
        let mut to = Vec::with_capacity(mail.to.len());
        for address in &mail.to {
            to.push(
                valid_address(address).ok_or_else(|| MailError::InvalidAddress(address.clone()))?,
            );
        }
        let inner = &self.inner;
        let (smtp, server) = match &inner.transport {
            Transport::Outbox => {
                inner
                    .store
                    .add_to_outbox(NewOutboxMail {
                        recipients: to,
                        subject: mail.subject.clone(),
                        text: mail.text.clone(),
                        html: mail.html.clone(),
                        created_at: now_ms(),
                    })
                    .await?;
                inner.kept.inc();
                tracing::info!(subject = %mail.subject, "no SMTP configured: mail kept in the outbox");
                return Ok(Delivery::Outbox);
            }
            Transport::Broken { server, reason } => {
                inner.failures.inc();
                tracing::warn!(server = %server, reason = %reason, "mail not sent");
                return Err(MailError::Smtp {
                    server: server.clone(),
                    failed: to,
                    reason: reason.clone(),
                });
            }
            Transport::Smtp { smtp, server } => (smtp, server),
        };
        // Built first, all of them: a bad message sends nothing rather than half.
        let mut messages = Vec::with_capacity(to.len());
        for address in &to {
            let message = build(
                &inner.from,
                address,
                &mail.subject,
                &mail.text,
                mail.html.as_deref(),
            )
            .map_err(MailError::Build)?;
            messages.push((address, message));
        }
        let mut failed = Vec::new();
        let mut reason = String::new();
        for (address, message) in messages {
            let outcome = tokio::time::timeout(inner.timeout, smtp.send(message)).await;
            let error = match outcome {
                Ok(Ok(_)) => {
                    inner.sent.inc();
                    continue;
                }
                Ok(Err(e)) => describe(&e),
                Err(_) => format!("no answer within {} s", inner.timeout.as_secs()),
            };
            inner.failures.inc();
            tracing::warn!(server = %server, to = %address, error = %error, "mail not sent");
            failed.push(address.clone());
            reason = error;
        }
        if failed.is_empty() {
            tracing::info!(server = %server, recipients = to.len(), subject = %mail.subject, "mail sent");
            Ok(Delivery::Sent)
        } else {
            Err(MailError::Smtp {
                server: server.clone(),
                failed,
                reason,
            })
        }
    }
}

fn smtp_transport(url: &SmtpUrl, timeout: Duration) -> Transport {
    let server = url.redacted();
    let tls = match url.tls {
        SmtpTls::None => Ok(Tls::None),
        SmtpTls::StartTls => TlsParameters::new(url.host.clone()).map(Tls::Required),
        SmtpTls::Wrapper => TlsParameters::new(url.host.clone()).map(Tls::Wrapper),
    };
    let tls = match tls {
        Ok(tls) => tls,
        Err(e) => {
            tracing::error!(server = %server, error = %e, "cannot set up TLS for SMTP");
            return Transport::Broken {
                server,
                reason: format!("TLS set-up failed: {e}"),
            };
        }
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(url.host.as_str())
        .port(url.port)
        .tls(tls)
        .timeout(Some(timeout));
    if let Some((user, password)) = &url.credentials {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Transport::Smtp {
        smtp: builder.build(),
        server,
    }
}

/// A lettre error as one line, with its cause (e.g. "Connection refused"): lettre's own
/// text alone says only "Connection error".
fn describe(e: &lettre::transport::smtp::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
