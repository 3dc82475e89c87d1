use super::*;
use crate::load::perf_script::block::{LocalSample, NewFrame, NewThread};
use crate::load::perf_script::stacks::NewStack;
use crate::model::FrameKind;

fn frame(name: &str) -> NewFrame {
    NewFrame { name: name.into(), module: "m".into(), kind: FrameKind::User, file: None }
}

/// A parser whose frames 0 and 1 are one frame of the profile: its flags
/// (made on its own frames) cannot be trusted, and the profile makes the
/// column itself.
#[test]
fn two_local_frames_of_one_profile_frame_leave_the_recursion_column_to_the_profile() {
    let delta = |frames: Vec<NewFrame>| Delta {
        frames,
        stacks: vec![
            NewStack { parent: NONE, frame: 0, recursive: false },
            NewStack { parent: 0, frame: 1, recursive: false },
        ],
        threads: vec![NewThread { comm: "t".into(), pid: Some(1), tid: Some(1) }],
        events: vec!["cpu-clock".into()],
        samples: vec![LocalSample {
            stack: 1,
            frameless: false,
            event: 0,
            period: Some(1000),
            time_ns: None,
            thread: 0,
        }],
        ..Delta::default()
    };
    let load = |frames: Vec<NewFrame>| {
        let mut m = Merger::new(1);
        m.merge(0, delta(frames));
        m.finish(&PerfOptions::default()).unwrap_or_else(|e| panic!("{e}"))
    };
    let p = load(vec![frame("f"), frame("f")]);
    assert!(!p.stacks.recursion_is_known());
    assert_eq!(p.stacks.recursion(), [false, true]);
    // Two frames of their own: the parser's flags are the column.
    let p = load(vec![frame("f"), frame("g")]);
    assert!(p.stacks.recursion_is_known());
    assert_eq!(p.stacks.recursion(), [false, false]);
}
