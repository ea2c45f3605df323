//! Reading sessions: resolving a reference, one session, the list.

use crate::domain::{Session, SessionFilter, SessionKind};
use crate::service::{one, Fieldwork, Result, ServiceError};
use crate::store::{sessions as store, transcripts};

impl Fieldwork {
    pub fn resolve_session(&self, key: &str) -> Result<String> {
        one("session", key, store::resolve(self.store.conn(), key)?)
    }

    /// A session with its transcript link.
    pub fn session(&self, key: &str) -> Result<Session> {
        let id = self.resolve_session(key)?;
        let c = self.store.conn();
        let mut s = store::get(c, &id)?.ok_or(ServiceError::NotFound {
            what: "session",
            key: key.to_string(),
        })?;
        s.transcript = transcripts::for_session(c, &id)?;
        Ok(s)
    }

    pub fn sessions(
        &self,
        filter: &SessionFilter,
        newest_first: bool,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Session>> {
        let c = self.store.conn();
        let mut list = store::list(c, filter, newest_first, offset, limit)?;
        for s in &mut list {
            if s.kind == SessionKind::Interview {
                s.transcript = transcripts::for_session(c, &s.id)?;
            }
        }
        Ok(list)
    }

    pub fn session_count(&self, filter: &SessionFilter) -> Result<usize> {
        Ok(store::count(self.store.conn(), filter)?)
    }
}
