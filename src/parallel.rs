//! Two pieces of work side by side, for the passes that split in two (the
//! two sides of a comparison, a tree and its function table, the halves of
//! opening a trace). Imports nothing of the crate: any layer may use it.

/// `a` on a thread of its own (named `name`) beside `b` on this one; both
/// here, one after the other, when no thread can be started. A panic in
/// `a` goes on in the caller, as if `a` had run here.
pub fn join<A: Send, B>(name: &str, a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B) -> (A, B) {
    let a = std::sync::Mutex::new(Some(a));
    // Takes `a` out under the lock and runs it after: whoever comes first.
    let run = || a.lock().ok().and_then(|mut f| f.take()).map(|f| f());
    std::thread::scope(|s| {
        let handle = std::thread::Builder::new().name(name.into()).spawn_scoped(s, run).ok();
        let rb = b();
        let ra = match handle.map(|h| h.join()) {
            Some(Ok(Some(ra))) => ra,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            // No thread was started: `a` is still here to run.
            Some(Ok(None)) | None => match run() {
                Some(ra) => ra,
                None => unreachable!("`a` runs once, on the thread or here"),
            },
        };
        (ra, rb)
    })
}

#[cfg(test)]
mod tests {
    use super::join;

    #[test]
    fn both_run_and_return_in_order() {
        let (a, b) = join("test", || (1..=10).sum::<u32>(), || "here");
        assert_eq!((a, b), (55, "here"));
    }
}
