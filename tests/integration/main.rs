//! The integration tests, as one test binary: each module was once a binary of its own, and
//! each linked the whole crate (19 links of a 170 MB crate). `cargo test --test integration
//! MODULE::` runs one module.

mod common;
mod server;

mod breaks;
mod check_cli;
mod followup;
mod garbled_input;
mod generator;
mod layers;
mod mail;
mod matching;
mod output_sets;
mod publish;
mod replan;
mod rules_v2;
mod schedule_cli;
mod schedule_oracle;
mod serve_api;
mod serve_browser;
mod serve_durability;
mod serve_mail;
mod serve_secrets;
mod spreadsheet_safety;
mod time_limit;
mod webhook;
mod workbooks;
