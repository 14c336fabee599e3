//! Talking to the REST API (`/api/v1`) with a key, as an integration would: JSON bodies, a
//! bearer key, no cookies and no Origin.

use domain::model::IssuedApiKey;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{from_json, TestApp};

/// A key and a plain HTTP client (no cookie store, no default headers).
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub key: String,
    pub http: reqwest::Client,
}

/// An answer: its status, headers and body as JSON (`Value::Null` for an empty body).
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Answer {
    /// The body as `T`; fails the test unless the status is `expected`.
    pub fn expect<T: DeserializeOwned>(&self, expected: StatusCode) -> T {
        assert_eq!(self.status, expected, "{}", self.text);
        from_json("API answer", &self.text)
    }

    /// The problem's `field` and `detail`; fails the test unless `status` and a problem.
    pub fn problem(&self, status: StatusCode) -> (Option<String>, String) {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(
            self.headers
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/problem+json"),
            "{}",
            self.text
        );
        (
            self.body["field"].as_str().map(str::to_owned),
            self.body["detail"].as_str().unwrap_or_default().to_owned(),
        )
    }
}

impl Api {
    pub fn new(app: &TestApp, key: &str) -> Api {
        Api {
            base: format!("{}/api/v1", app.base),
            key: key.to_owned(),
            http: reqwest::Client::new(),
        }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        idempotency_key: Option<&str>,
    ) -> Answer {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.key);
        if let Some(b) = body {
            req = req.json(b);
        }
        if let Some(k) = idempotency_key {
            req = req.header("Idempotency-Key", k);
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, None, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.send(Method::POST, path, Some(body), None).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Answer {
        self.send(Method::PATCH, path, Some(body), None).await
    }
}

impl TestApp {
    /// A key made on the API keys page by this app's signed-in user, with `scopes`.
    pub async fn api_key(&self, name: &str, scopes: &[&str]) -> Api {
        self.api_key_with(&self.client, name, scopes).await
    }

    /// `api_key`, made by the user signed in with `client`.
    pub async fn api_key_with(&self, client: &reqwest::Client, name: &str, scopes: &[&str]) -> Api {
        let names: Vec<String> = (0..scopes.len()).map(|i| format!("scopes[{i}]")).collect();
        let mut form = vec![("name", name), ("expires_in_days", "30")];
        form.extend(names.iter().map(String::as_str).zip(scopes.iter().copied()));
        let issued: IssuedApiKey = self.read_with(client, "create_api_key", &form).await;
        Api::new(self, &issued.key)
    }
}
