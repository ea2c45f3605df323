//! The demo study generator (being written; see branch `demo`).

use crate::service::{Fieldwork, Result, ServiceError};

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DemoSummary {
    pub participants: usize,
}

pub fn generate(_fw: &mut Fieldwork, _scale: u32) -> Result<DemoSummary> {
    Err(ServiceError::Refused(
        "the demo generator is not built yet".into(),
    ))
}
