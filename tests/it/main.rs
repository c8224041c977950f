//! The one integration test binary: drives `hearth::api` and the `hearth` CLI on
//! temporary stores, and checks the architecture's invariants on the source tree.

mod support;
mod tidy;
mod import_telegram;
