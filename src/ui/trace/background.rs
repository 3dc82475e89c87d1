//! A computation over a trace set off the UI thread: the slow-versus-rest
//! report and the operations table of 100 000 traces take long enough to
//! drop frames, so they run on a thread of their own when the view holds
//! the set shared (`Arc`), and inline on small sets (and in tests, which
//! hand the view a plain reference). Imports `model` and egui.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError, channel};

use crate::model::trace::TraceSet;

/// Sets with fewer spans are computed inline: a thread costs more.
pub const INLINE_SPANS: usize = 20_000;

/// A result of type `T` being computed, or computed.
#[derive(Debug, Default)]
pub enum Background<T> {
    /// Nothing asked.
    #[default]
    Idle,
    /// Running on a worker thread.
    Running(Receiver<T>),
    /// Done.
    Done(T),
}

impl<T: Send + 'static> Background<T> {
    /// Starts `work` over the set: on a thread when `shared` holds it and it
    /// is big, else right away. The thread asks `ctx` for a repaint when done.
    pub fn start(
        set: &TraceSet,
        shared: Option<&Arc<TraceSet>>,
        ctx: &egui::Context,
        work: impl FnOnce(&TraceSet) -> T + Send + 'static,
    ) -> Self {
        match shared {
            Some(arc) if set.span_count() >= INLINE_SPANS => {
                let (tx, rx) = channel();
                let arc = Arc::clone(arc);
                let ctx = ctx.clone();
                std::thread::spawn(move || {
                    // A closed channel means the view moved on: nothing to do.
                    let _ = tx.send(work(&arc));
                    ctx.request_repaint();
                });
                Self::Running(rx)
            }
            _ => Self::Done(work(set)),
        }
    }

    /// Takes a finished result in; true while still running.
    pub fn poll(&mut self) -> bool {
        if let Self::Running(rx) = self {
            match rx.try_recv() {
                Ok(v) => *self = Self::Done(v),
                Err(TryRecvError::Empty) => return true,
                Err(TryRecvError::Disconnected) => *self = Self::Idle,
            }
        }
        false
    }

    /// The result, when done.
    pub fn done(&self) -> Option<&T> {
        match self {
            Self::Done(v) => Some(v),
            _ => None,
        }
    }
}
