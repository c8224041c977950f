//! The one integration test binary: drives `hearth::api` and the `hearth` CLI on
//! temporary stores, and checks the architecture's invariants on the source tree.

mod analytics;
mod archive;
mod churn;
mod cli;
mod demo;
mod import_cancel;
mod import_discord;
mod import_git;
mod import_mbox;
mod import_ready;
mod import_slack;
mod import_telegram;
mod import_whatsapp;
mod moderation;
mod people;
mod report;
mod review;
mod store;
mod support;
mod tidy;
