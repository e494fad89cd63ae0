//! The administrator's allow-list of landing-page domains (issue 6, G5): an organiser's
//! "after registering, go to" URL is accepted only on these hosts (the server checks).

use crate::{Store, StoreError};

/// Lowercased, trimmed, without a final dot, as the list keeps a domain.
fn normalise_domain(domain: &str) -> String {
    domain.trim().trim_end_matches('.').to_lowercase()
}

impl Store {
    /// The allowed domains, lowercase, in alphabetical order.
    pub async fn landing_domains(&self) -> Result<Vec<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT domain FROM landing_domains ORDER BY domain")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Replaces the list at once (lowercased, duplicates merged). An empty domain is
    /// [`StoreError::Invalid`] and changes nothing.
    pub async fn set_landing_domains(&self, domains: &[String]) -> Result<(), StoreError> {
        let mut list: Vec<String> = domains.iter().map(|d| normalise_domain(d)).collect();
        if list.iter().any(String::is_empty) {
            return Err(StoreError::Invalid("empty landing domain"));
        }
        list.sort();
        list.dedup();
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM landing_domains")
            .execute(&mut *tx)
            .await?;
        for domain in &list {
            sqlx::query("INSERT INTO landing_domains (domain) VALUES ($1)")
                .bind(domain)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::normalise_domain;

    #[test]
    fn domains_are_normalised() {
        assert_eq!(normalise_domain(" Example.ORG. "), "example.org");
        assert_eq!(normalise_domain(" "), "");
    }
}
