//! Integration tests: the real binary against servers started on 127.0.0.1.

mod api_server;
mod batch;
mod chat;
mod doctor;
mod embed;
mod errors;
mod generated;
mod harness;
mod history;
mod hostile;
mod http_request;
mod keys;
mod layers;
mod models;
mod newcomer;
mod print;
mod proxy;
mod redaction;
mod resilience;
mod results_file;
mod schema;
mod script_server;
mod stream;
mod tls;
mod tls_server;
