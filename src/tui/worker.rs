//! The load worker: a thread with its own read-only connection to the same database file
//! (WAL lets it read while the interface's connection writes) that computes the slow loads
//! (`app::Slow`) while the interface keeps handling keys.
//!
//! A request carries the slot it fills, a generation number (`State::begin`) and the work:
//! a closure that reads through the service and returns what to put in the state. The
//! answer goes back over a channel; the event loop applies it only if its generation is
//! still the newest for its slot (`State::accept`), so moving on supersedes work instead of
//! waiting for it. Requests still queued in the worker when a newer one for the same slot
//! arrives are skipped without being computed. Each piece of work reads one snapshot of the
//! database (a read transaction), so it never mixes data from before and after a write.
//!
//! Writes stay on the interface's connection: they are single short transactions, and the
//! views they change are requested again afterwards.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::service::{Fieldwork, Result, Settings};
use crate::tui::core::{Slow, State};

/// What to do to the state with a computed load (run on the interface's thread).
pub type Apply = Box<dyn FnOnce(&mut State) + Send>;
/// A load computed through the service on some connection.
pub type Work = Box<dyn FnOnce(&Fieldwork) -> Result<Apply> + Send>;

/// One load to compute.
pub struct Request {
    pub job: Slow,
    pub gen: u64,
    pub work: Work,
}

/// A computed load (or the error computing it), for the request `job`/`gen`.
pub struct Answer {
    pub job: Slow,
    pub gen: u64,
    pub result: Result<Apply>,
    /// How long the work took on the worker.
    pub took: Duration,
}

/// Which thread computes a job: the work over the whole corpus (suspects, export
/// previews: seconds on a large study) has a thread of its own, so the lists, details,
/// searches and reports never queue behind it.
fn lane(job: Slow) -> usize {
    match job {
        Slow::Data(_) => 1,
        _ => 0,
    }
}

/// How many threads (each with its own read-only connection).
const LANES: usize = 2;

/// The handle the interface keeps: send requests, collect answers.
pub struct Worker {
    lanes: Vec<(Sender<Request>, JoinHandle<()>)>,
    rx: Receiver<Answer>,
}

impl Worker {
    /// Open `db` read-only (once per thread) with the interface's settings and start the
    /// threads.
    pub fn open(
        db: &Path,
        settings: Settings,
        coding: crate::config::CodingConfig,
    ) -> Result<Worker> {
        let mut logs = Vec::with_capacity(LANES);
        for _ in 0..LANES {
            logs.push(Fieldwork::open_read_only(
                db,
                settings.clone(),
                coding.clone(),
            )?);
        }
        Ok(Worker::start(logs))
    }

    /// Start one thread per open log (read-only ones: the worker never writes); a job goes
    /// to the thread of its lane, or to the last thread there is.
    pub fn start(logs: Vec<Fieldwork>) -> Worker {
        let (answers, rx) = mpsc::channel::<Answer>();
        let mut lanes = Vec::new();
        for (i, fw) in logs.into_iter().enumerate() {
            let (tx, requests) = mpsc::channel::<Request>();
            let answers = answers.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("fieldwork-loads-{i}"))
                .spawn(move || serve(fw, requests, answers));
            if let Ok(h) = spawned {
                lanes.push((tx, h));
            }
        }
        Worker { lanes, rx }
    }

    /// Hand a request to the worker; if there is no thread to take it, it comes back (the
    /// caller then runs the work itself).
    pub fn send(&self, r: Request) -> std::result::Result<(), Request> {
        if self.lanes.is_empty() {
            return Err(r);
        }
        let i = lane(r.job).min(self.lanes.len() - 1);
        self.lanes[i].0.send(r).map_err(|e| e.0)
    }

    /// An answer, if one is ready.
    pub fn try_recv(&self) -> Option<Answer> {
        self.rx.try_recv().ok()
    }

    /// Wait up to `d` for an answer.
    pub fn recv_timeout(&self, d: Duration) -> Option<Answer> {
        self.rx.recv_timeout(d).ok()
    }
}

impl Drop for Worker {
    /// Closing the request channels ends each thread once its current work is done;
    /// quitting does not wait for it (the handles are detached).
    fn drop(&mut self) {
        self.lanes.clear();
    }
}

fn serve(mut fw: Fieldwork, requests: Receiver<Request>, answers: Sender<Answer>) {
    let mut queue: VecDeque<Request> = VecDeque::new();
    let mut seen_version = data_version(&fw);
    loop {
        if queue.is_empty() {
            match requests.recv() {
                Ok(r) => queue.push_back(r),
                Err(_) => return,
            }
        }
        queue.extend(requests.try_iter());
        newest_per_slot(&mut queue);
        let Some(r) = queue.pop_front() else { continue };
        let t = Instant::now();
        // The study's reference data (sites, phases, roles, targets) as the interface's
        // connection last committed it.
        let version = data_version(&fw);
        if version != seen_version {
            seen_version = version;
            let _ = fw.refresh_reference();
        }
        let result = snapshot(&fw, r.work);
        let a = Answer {
            job: r.job,
            gen: r.gen,
            result,
            took: t.elapsed(),
        };
        if answers.send(a).is_err() {
            return;
        }
    }
}

/// Keep only the newest request of each slot (the later one in the queue), in order.
pub(crate) fn newest_per_slot(queue: &mut VecDeque<Request>) {
    let mut seen = Vec::new();
    let mut keep = VecDeque::with_capacity(queue.len());
    while let Some(r) = queue.pop_back() {
        let slot = r.job.slot();
        if !seen.contains(&slot) {
            seen.push(slot);
            keep.push_front(r);
        }
    }
    *queue = keep;
}

/// Drop a large value (the last suspects of a large corpus: millions of strings) on a
/// thread of its own instead of the interface's (freeing it took ~0.3 s at scale 100).
pub fn drop_off_thread<T: Send + 'static>(x: T) {
    let _ = std::thread::Builder::new()
        .name("fieldwork-drop".into())
        .spawn(move || drop(x));
}

/// SQLite's count of commits by other connections (`PRAGMA data_version`).
fn data_version(fw: &Fieldwork) -> Option<i64> {
    fw.store
        .conn()
        .pragma_query_value(None, "data_version", |r| r.get(0))
        .ok()
}

/// Run `work` inside one read transaction, so it sees one state of the database.
fn snapshot(fw: &Fieldwork, work: Work) -> Result<Apply> {
    let began = fw.store.conn().execute_batch("BEGIN DEFERRED").is_ok();
    let r = work(fw);
    if began {
        let _ = fw.store.conn().execute_batch("COMMIT");
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::core::Pane;

    fn req(job: Slow, gen: u64) -> Request {
        Request {
            job,
            gen,
            work: Box::new(|_| Ok(Box::new(|_| {}))),
        }
    }

    #[test]
    fn only_the_newest_request_of_a_slot_is_computed() {
        let mut q: VecDeque<Request> = [
            req(Slow::Search, 1),
            req(Slow::Coverage, 2),
            req(Slow::SearchRanked, 3),
            req(Slow::Detail(Pane::Participants), 4),
            req(Slow::Search, 5),
        ]
        .into_iter()
        .collect();
        newest_per_slot(&mut q);
        let left: Vec<(Slow, u64)> = q.iter().map(|r| (r.job, r.gen)).collect();
        assert_eq!(
            left,
            vec![
                (Slow::Coverage, 2),
                (Slow::Detail(Pane::Participants), 4),
                (Slow::Search, 5)
            ]
        );
    }
}
