//! The demo community generator.
use crate::api::DemoSummary;
use crate::model::{ProgressSink, UnixSeconds};
use crate::store::Store;
pub fn generate(_store: &mut Store, _seed: u64, _now: UnixSeconds, _progress: ProgressSink<'_>) -> Result<DemoSummary, crate::store::StoreError> {
    Err(crate::store::StoreError::Sql(rusqlite::Error::InvalidQuery))
}
