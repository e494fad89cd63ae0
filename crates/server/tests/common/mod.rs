//! Test helpers: the real application in-process on 127.0.0.1:0 over a fresh database of
//! each backend, and an HTTP client that keeps cookies and does not follow redirects.
#![allow(dead_code)] // each test binary uses a different subset

use amphi_server::Config;
use amphi_server::serve::Server;
use amphi_store::testing::{TestStore, fresh_store};
use amphi_store::{Backend, NewUser, User};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION};

#[allow(unused_imports)] // not every test binary runs on each backend
pub use amphi_store::testing::test_backends;

pub const PASSWORD: &str = "correct horse battery";

pub struct TestServer {
    pub server: Option<Server>,
    pub base: String,
    pub db: TestStore,
    _data: tempfile::TempDir,
}

impl TestServer {
    pub async fn start(backend: Backend) -> TestServer {
        TestServer::start_with(backend, |_| {}).await
    }

    /// With a configuration changed by `adjust` (listen address and data folder are set).
    pub async fn start_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestServer {
        let db = fresh_store(backend).await;
        let data = tempfile::tempdir().expect("temp data dir");
        let mut config = Config::default();
        adjust(&mut config);
        config.http.listen = "127.0.0.1:0".parse().expect("valid address");
        config.data.dir = data.path().to_owned();
        let server = Server::start_with_store(config, db.store.clone())
            .await
            .expect("server starts");
        let base = server.listen_url();
        TestServer {
            server: Some(server),
            base,
            db,
            _data: data,
        }
    }

    pub fn server(&self) -> &Server {
        self.server.as_ref().expect("server running")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A new browser: its own cookie jar.
    pub fn browser(&self) -> Browser {
        Browser {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: self.base.clone(),
        }
    }

    /// A user created directly in the store, with [`PASSWORD`].
    pub async fn user(&self, email: &str, is_admin: bool) -> User {
        let hash = amphi_server::auth::password::hash(PASSWORD)
            .await
            .expect("hashing");
        self.db
            .store
            .create_user(NewUser {
                email: email.to_owned(),
                display_name: String::new(),
                password_hash: Some(hash),
                is_admin,
            })
            .await
            .expect("user created")
    }

    /// A user, and a browser signed in as them.
    pub async fn signed_in(&self, email: &str, is_admin: bool) -> (User, Browser) {
        let user = self.user(email, is_admin).await;
        let browser = self.browser();
        let r = browser.sign_in(email, PASSWORD).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "sign-in of {email}: {}",
            r.body
        );
        (user, browser)
    }

    pub async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.expect("clean stop");
        }
    }
}

pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The value of the first hidden `csrf` field.
    pub fn csrf(&self) -> String {
        hidden_field(&self.body, "csrf").unwrap_or_default()
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect()
    }
}

/// `<input type="hidden" name="NAME" value="VALUE">` -> VALUE.
pub fn hidden_field(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}

pub struct Browser {
    pub client: reqwest::Client,
    pub base: String,
}

impl Browser {
    pub async fn get(&self, path: &str) -> Page {
        self.send(self.client.get(format!("{}{path}", self.base)))
            .await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Page {
        let mut request = self.client.get(format!("{}{path}", self.base));
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        self.send(request).await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        self.send(self.client.post(format!("{}{path}", self.base)).form(form))
            .await
    }

    pub async fn post_with(
        &self,
        path: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Page {
        let mut request = self.client.post(format!("{}{path}", self.base)).form(form);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        self.send(request).await
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Page {
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.expect("body read");
        Page {
            status,
            headers,
            body,
        }
    }

    /// GETs the sign-in form (for its token), then posts it.
    pub async fn sign_in(&self, email: &str, password: &str) -> Page {
        let form = self.get("/signin").await;
        assert_eq!(form.status, StatusCode::OK);
        self.post(
            "/signin",
            &[
                ("email", email),
                ("password", password),
                ("csrf", &form.csrf()),
            ],
        )
        .await
    }

    /// The CSRF token of this browser's login, read from a page.
    pub async fn csrf(&self) -> String {
        let page = self.get("/rooms").await;
        assert_eq!(page.status, StatusCode::OK, "signed in");
        page.csrf()
    }

    pub async fn create_room(&self, name: &str) -> Page {
        let csrf = self.csrf().await;
        self.post("/rooms", &[("name", name), ("csrf", &csrf)])
            .await
    }
}
