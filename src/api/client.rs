//! The one HTTP client every command shares: built once with the trust roots, proxy rules, user
//! agent and connect timeout; sends requests, bounds them with our own timers, reads bodies with a
//! size limit and turns error responses into `ApiError`s. Never prints: `--verbose` gets events.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, Response, Url};
use serde::de::DeserializeOwned;

use super::error::{ApiError, HttpFailure, reason_phrase};
use super::headers::ResponseHeaders;
use super::server_message::ServerMessage;
use super::transport::{classify_transport, within_request_timeout};
use super::wire::{ChatCompletion, ChatRequest, ModelList};
use crate::settings::{ProxyRules, ProxySpec, Secret};

/// Largest response body we buffer (a JSON answer or an error page).
pub const MAX_BODY: usize = 64 * 1024 * 1024;

/// How much of an error body is kept as received (for `batch run`'s output).
const ERROR_BODY_KEPT: usize = 64 * 1024;

/// What the client reports to `--verbose`.
#[derive(Debug)]
pub enum TraceEvent<'a> {
    Request {
        method: &'a str,
        url: &'a str,
        proxy: Option<&'a ProxySpec>,
        key_masked: String,
    },
    /// Header values as sent (lossily decoded), in order.
    Response {
        status: u16,
        reason: &'static str,
        elapsed: Duration,
        headers: Vec<(&'a str, String)>,
    },
    Failed {
        elapsed: Duration,
        error: &'a ApiError,
    },
}

pub type Tracer = Arc<dyn Fn(&TraceEvent) + Send + Sync>;

/// How to build the client.
pub struct ClientConfig {
    pub base_url: Url,
    pub key: Secret,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    /// Extra trusted CAs (`--ca-bundle`), in DER.
    pub extra_roots: Vec<rustls::pki_types::CertificateDer<'static>>,
    pub proxies: ProxyRules,
    pub tracer: Option<Tracer>,
}

/// A successful response: the body as received and its parsed value.
#[derive(Debug)]
pub struct Reply<T> {
    /// The body; bytes that are not UTF-8 are replaced by U+FFFD (see `invalid_utf8_at`).
    pub raw: String,
    pub value: T,
    /// What its headers said (request id, rate limits).
    pub headers: ResponseHeaders,
    /// Where the first byte that is not UTF-8 was, when the body had one.
    pub invalid_utf8_at: Option<usize>,
}

impl<T> Reply<T> {
    pub fn request_id(&self) -> Option<&str> {
        self.headers.request_id.as_deref()
    }
}

pub struct Client {
    http: reqwest::Client,
    base: String,
    key: Secret,
    timeout: Duration,
    proxies: ProxyRules,
    tracer: Option<Tracer>,
}

impl Client {
    pub fn new(config: ClientConfig) -> Result<Client, ApiError> {
        // reqwest is built without a default crypto provider; ring is the one we link. Installing
        // twice is harmless, so the result is ignored.
        let _ = rustls::crypto::ring::default_provider().install_default();

        let mut auth =
            HeaderValue::try_from(format!("Bearer {}", config.key.expose())).map_err(|_| ApiError::Setup {
                detail: "OMNIVA_API_KEY holds characters that cannot go in an HTTP header".into(),
                tls: None,
            })?;
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, auth);

        let mut builder = builder(config.connect_timeout, &config.proxies).default_headers(headers);
        if config.base_url.scheme() == "https" {
            // The one trust rule (`trust.rs`): the system's roots, the extra CAs, and a server
            // certificate the user gave.
            let trusted = super::trust::Trust::new(config.extra_roots)
                .and_then(|trust| super::trust::client_config(trust))
                .map_err(|detail| ApiError::Setup { detail, tls: None })?;
            builder = builder.tls_backend_preconfigured(trusted);
        } else {
            // TLS is set up only for https: a plain-http base URL skips loading the system trust
            // store (the slowest part of building the client).
            builder = builder.tls_certs_only(Vec::new());
        }
        let base = config.base_url.as_str().to_string();
        let http = builder.build().map_err(|e| match classify_transport(&e, &base, None) {
            ApiError::Tls { kind, detail, .. } => ApiError::Setup { detail, tls: Some(kind) },
            other => ApiError::Setup { detail: other.to_string(), tls: None },
        })?;
        Ok(Client {
            http,
            base,
            key: config.key,
            timeout: config.timeout,
            proxies: config.proxies,
            tracer: config.tracer,
        })
    }

    pub fn url(&self, path: &str) -> String {
        join(&self.base, path)
    }

    /// `POST /chat/completions`, not streamed.
    pub async fn chat(&self, request: &ChatRequest<'_>) -> Result<Reply<ChatCompletion>, ApiError> {
        let body =
            serde_json::to_vec(request).map_err(|e| ApiError::Decode { what: "request", detail: e.to_string() })?;
        self.json_call(Method::POST, "chat/completions", Some(body), Some(&request.model), "chat completion").await
    }

    /// `POST path` with a JSON body as given (a batch line's body), and its JSON reply read as
    /// `T` (the raw text is in the reply too). `model` names the model the body asks for, for
    /// the error classification.
    pub async fn post_json<T: DeserializeOwned>(
        &self,
        path: &str,
        body: Vec<u8>,
        model: Option<&str>,
    ) -> Result<Reply<T>, ApiError> {
        self.json_call(Method::POST, path, Some(body), model, "response").await
    }

    /// `POST path` with a JSON body, and the reply's text unparsed (for bodies too large to
    /// build a value from: the caller reads the parts it needs, borrowing from the text).
    pub async fn post_for_text(&self, path: &str, body: Vec<u8>, model: Option<&str>) -> Result<Reply<()>, ApiError> {
        let url = self.url(path);
        let exchange = async {
            let response = self.send(Method::POST, &url, Some(body), model).await?;
            self.read_text(response, "response").await
        };
        within_request_timeout(self.timeout, self.timeout, &url, exchange).await
    }

    /// `GET /models`.
    pub async fn models(&self) -> Result<Reply<ModelList>, ApiError> {
        self.json_call(Method::GET, "models", None, None, "model list").await
    }

    /// Sends a request whose whole exchange is bounded by `--timeout`, and parses a JSON reply.
    async fn json_call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        model: Option<&str>,
        what: &'static str,
    ) -> Result<Reply<T>, ApiError> {
        let url = self.url(path);
        let exchange = async {
            let response = self.send(method, &url, body, model).await?;
            self.read_json(response, what).await
        };
        within_request_timeout(self.timeout, self.timeout, &url, exchange).await
    }

    /// Reads a successful response's body and parses it as JSON.
    pub(super) async fn read_json<T: DeserializeOwned>(
        &self,
        response: Response,
        what: &'static str,
    ) -> Result<Reply<T>, ApiError> {
        let Reply { raw, headers, invalid_utf8_at, .. } = self.read_text(response, what).await?;
        let value = serde_json::from_str(&raw).map_err(|e| decode_error(what, &e, &raw))?;
        Ok(Reply { raw, value, headers, invalid_utf8_at })
    }

    /// Reads a successful response's body as text, not empty. A byte that is not UTF-8 becomes
    /// U+FFFD, as in a stream (the reply says where the first one was); a compressed body, which
    /// we never ask for, is an error that says so.
    async fn read_text(&self, response: Response, what: &'static str) -> Result<Reply<()>, ApiError> {
        let headers = ResponseHeaders::read(response.headers(), SystemTime::now());
        let raw = read_body(response).await?;
        if let Some(encoding) = compression(&headers, &raw) {
            return Err(ApiError::Decode {
                what,
                detail: format!(
                    "the body is compressed ({encoding}), which tokenfactory never asks for; a proxy or gateway in between may have compressed it"
                ),
            });
        }
        let (text, invalid_utf8_at) = match String::from_utf8(raw) {
            Ok(text) => (text, None),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(at))
            }
        };
        if text.trim().is_empty() {
            return Err(ApiError::Decode { what, detail: "the body is empty".into() });
        }
        Ok(Reply { raw: text, value: (), headers, invalid_utf8_at })
    }

    pub fn request_timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends one request and returns the response when its status is a success; an error status
    /// becomes `ApiError::Status` with the server's message. The caller bounds the time.
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        body: Option<Vec<u8>>,
        model: Option<&str>,
    ) -> Result<Response, ApiError> {
        let proxy = Url::parse(url).ok().and_then(|u| self.proxies.for_url(&u).cloned());
        self.trace(|| TraceEvent::Request {
            method: method.as_str(),
            url,
            proxy: proxy.as_ref(),
            key_masked: self.key.masked(),
        });
        let started = Instant::now();
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request.header(CONTENT_TYPE, "application/json").body(body);
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => {
                let error = classify_transport(&e, url, proxy.as_ref());
                self.trace(|| TraceEvent::Failed { elapsed: started.elapsed(), error: &error });
                return Err(error);
            }
        };
        let status = response.status().as_u16();
        self.trace(|| TraceEvent::Response {
            status,
            reason: reason_phrase(status),
            elapsed: started.elapsed(),
            headers: response
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect(),
        });
        if response.status().is_success() {
            return Ok(response);
        }
        Err(self.failure(response, url, model, proxy).await)
    }

    async fn failure(&self, response: Response, url: &str, model: Option<&str>, proxy: Option<ProxySpec>) -> ApiError {
        let received = SystemTime::now();
        let headers = ResponseHeaders::read(response.headers(), received);
        let status = response.status().as_u16();
        // The body of an error is small; a failure to read it leaves the status to speak alone.
        let body = read_body(response).await.unwrap_or_default();
        let mut text = String::from_utf8_lossy(&body).into_owned();
        if text.len() > ERROR_BODY_KEPT {
            let mut end = ERROR_BODY_KEPT;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
        }
        ApiError::Status(Box::new(HttpFailure {
            status,
            url: url.to_string(),
            model: model.map(str::to_string),
            server: ServerMessage::parse(&body, headers.content_type.as_deref()),
            body: text,
            headers,
            received,
            proxy,
            retries: 0,
        }))
    }

    fn trace<'a>(&self, event: impl FnOnce() -> TraceEvent<'a>) {
        if let Some(tracer) = &self.tracer {
            tracer(&event());
        }
    }
}

/// What every HTTP client of ours shares: the user agent, the connect timeout, our proxy decision
/// (the same one `--verbose` and doctor report, not reqwest's own reading of the environment), and
/// no redirects (an API answer that redirects means a wrong base URL, and a silently followed POST
/// would turn into a GET; the error names the new location instead).
pub(super) fn builder(connect_timeout: Duration, proxies: &ProxyRules) -> reqwest::ClientBuilder {
    let rules = proxies.clone();
    reqwest::Client::builder()
        .user_agent(concat!("tokenfactory/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(connect_timeout)
        .no_proxy()
        .proxy(reqwest::Proxy::custom(move |url| rules.for_url(url).map(|p| p.url.clone())))
        .redirect(reqwest::redirect::Policy::none())
}

/// The URL of an API path under a base URL: `https://…/v1` and `chat/completions` give
/// `https://…/v1/chat/completions`.
pub fn endpoint(base: &Url, path: &str) -> String {
    join(base.as_str(), path)
}

fn join(base: &str, path: &str) -> String {
    format!("{}/{}", base.trim_end_matches('/'), path.trim_start_matches('/'))
}

/// The compression a body carries, by its `Content-Encoding` or its first bytes (gzip's magic).
fn compression(headers: &ResponseHeaders, body: &[u8]) -> Option<String> {
    headers.content_encoding.clone().or_else(|| body.starts_with(&[0x1f, 0x8b]).then(|| "gzip".to_string()))
}

/// A JSON body that is not what `what` should be.
pub fn decode_error(what: &'static str, e: &serde_json::Error, text: &str) -> ApiError {
    ApiError::Decode {
        what,
        detail: format!("{e}; the body starts with {:?}", text.chars().take(80).collect::<String>()),
    }
}

/// Reads a whole body, refusing more than `MAX_BODY` bytes.
async fn read_body(mut response: Response) -> Result<Vec<u8>, ApiError> {
    let url = response.url().to_string();
    let mut body = Vec::with_capacity(response.content_length().map_or(8192, |n| n.min(MAX_BODY as u64) as usize));
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_BODY {
                    return Err(ApiError::TooLarge { limit: MAX_BODY });
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) => {
                return Err(ApiError::Decode {
                    what: "response",
                    detail: format!(
                        "the body was cut short after {} bytes ({})",
                        body.len(),
                        classify_transport(&e, &url, None)
                    ),
                });
            }
        }
    }
}
