//! Languages, health, metrics and static files through HTTP.

mod common;

use common::{TestServer, test_backends};
use reqwest::StatusCode;

#[tokio::test]
async fn pages_speak_french_or_english() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let b = s.browser();
        let fr = b
            .get_with("/signin", &[("accept-language", "fr-FR,fr;q=0.9,en;q=0.5")])
            .await;
        assert!(fr.body.contains("<html lang=\"fr\">"));
        assert!(fr.body.contains("Se connecter"));
        assert!(fr.body.contains("hreflang=\"en\""));
        let missing = b.get_with("/r/nope", &[("accept-language", "fr")]).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert!(
            missing.body.contains("Salle introuvable"),
            "{}",
            missing.body
        );
        assert_eq!(b.get("/no/such/page").await.status, StatusCode::NOT_FOUND);

        // The switch sets a cookie that wins over Accept-Language, and comes back.
        let switch = b.get("/lang/en?next=/signin").await;
        assert_eq!(switch.status, StatusCode::SEE_OTHER);
        assert_eq!(switch.location(), "/signin");
        let en = b.get_with("/signin", &[("accept-language", "fr")]).await;
        assert!(en.body.contains("<html lang=\"en\">"));
        // No open redirect.
        assert_eq!(b.get("/lang/fr?next=//evil.example").await.location(), "/");
        s.stop().await;
    }
}

#[tokio::test]
async fn healthz_reports_the_database() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let b = s.browser();
        let ok = b.get("/healthz").await;
        assert_eq!(ok.status, StatusCode::OK);
        assert_eq!(ok.body.trim(), "ok");
        s.server().state.store.close().await;
        let down = b.get("/healthz").await;
        assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(down.body.contains("database"), "{}", down.body);
        s.stop().await;
    }
}

#[tokio::test]
async fn metrics_count_requests_users_and_rooms() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (_, b) = s.signed_in("ann@example.org", false).await;
        b.create_room("One").await;
        b.get("/nothing-here").await;
        let extra = s
            .server()
            .state
            .metrics
            .counter("amphi_test_things_total", "Things other modules count");
        extra.add(7);
        let m = b.get("/metrics").await;
        assert_eq!(m.status, StatusCode::OK);
        assert!(
            m.headers["content-type"]
                .to_str()
                .expect("ascii")
                .starts_with("text/plain; version=0.0.4")
        );
        assert!(
            m.body.contains("# TYPE amphi_http_requests_total counter"),
            "{}",
            m.body
        );
        assert!(
            m.body
                .contains("amphi_http_requests_total{class=\"4xx\"} 1"),
            "{}",
            m.body
        );
        assert!(m.body.contains("amphi_http_requests_total{class=\"3xx\"}"));
        assert!(m.body.contains("amphi_users 1\n"), "{}", m.body);
        assert!(m.body.contains("amphi_rooms 1\n"), "{}", m.body);
        assert!(m.body.contains("amphi_sign_ins_total 1\n"));
        assert!(m.body.contains("amphi_test_things_total 7\n"));
        s.stop().await;
    }
}

#[tokio::test]
async fn static_files_have_types_and_cache_headers() {
    let s = TestServer::start(amphi_store::Backend::Sqlite).await;
    let b = s.browser();
    let css = b.get("/static/css/backoffice.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.headers["content-type"], "text/css; charset=utf-8");
    let etag = css.headers["etag"].to_str().expect("ascii").to_owned();
    assert!(css.headers.contains_key("cache-control"));
    let js = b.get("/static/js/backoffice.js").await;
    assert!(
        js.headers["content-type"]
            .to_str()
            .expect("ascii")
            .contains("javascript"),
        "{:?}",
        js.headers
    );
    let again = b
        .get_with("/static/css/backoffice.css", &[("if-none-match", &etag)])
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert_eq!(
        b.get("/static/nope.css").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b.get("/static/%2e%2e/Cargo.toml").await.status,
        StatusCode::NOT_FOUND
    );
    s.stop().await;
}

/// Every response carries the security headers, pages, files, errors and plain text alike.
#[tokio::test]
async fn every_response_has_the_security_headers() {
    let s = TestServer::start(amphi_store::Backend::Sqlite).await;
    let (_, b) = s.signed_in("ann@example.org", false).await;
    b.create_room("Weekly").await;
    let anonymous = s.browser();
    for (browser, path) in [
        (&anonymous, "/signin"),
        (&b, "/rooms"),
        (&anonymous, "/r/weekly"),
        (&anonymous, "/r/no-such-room"),
        (&anonymous, "/static/css/backoffice.css"),
        (&anonymous, "/healthz"),
        (&anonymous, "/metrics"),
        (&anonymous, "/"),
        (&anonymous, "/favicon.ico"),
    ] {
        let page = browser.get(path).await;
        let header = |name: &str| {
            page.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        let csp = header("content-security-policy");
        for directive in [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "connect-src 'self'",
            "media-src 'self' blob: mediastream:",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: {directive} in {csp:?}");
        }
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("referrer-policy"), "same-origin", "{path}");
    }
    s.stop().await;
}

/// Pages link an icon that exists (browsers asked for it and logged a 404 on every page).
#[tokio::test]
async fn pages_link_a_favicon_that_exists() {
    let s = TestServer::start(amphi_store::Backend::Sqlite).await;
    let (_, b) = s.signed_in("ann@example.org", false).await;
    b.create_room("Weekly").await;
    let anonymous = s.browser();
    for (browser, path) in [
        (&anonymous, "/signin"),
        (&b, "/rooms"),
        (&anonymous, "/r/weekly"),
    ] {
        let page = browser.get(path).await;
        assert!(
            page.body
                .contains("<link rel=\"icon\" type=\"image/svg+xml\" href=\"/favicon.ico\">"),
            "{path}: {}",
            page.body
        );
    }
    let icon = b.get("/favicon.ico").await;
    assert_eq!(icon.status, StatusCode::OK);
    assert_eq!(icon.headers["content-type"], "image/svg+xml");
    assert!(icon.body.starts_with("<svg"), "{}", icon.body);
    s.stop().await;
}
