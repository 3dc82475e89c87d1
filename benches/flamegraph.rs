//! Flamegraph frame cost: layout plus tessellation of a 1 000 000-node call
//! tree at 1920x1080, headless (no window, no GPU). Not a timed test.
//!
//! `cargo bench --bench flamegraph` prints the mean, median and worst frame
//! for the whole tree, a zoomed subtree and a wheel-zoomed window.
//! `cargo bench --bench flamegraph -- --load FILE` also measures how long
//! the window's frames take while FILE loads on the worker thread (the
//! window's own `FiresightApp`, driven headless).

// A benchmark may stop on a broken synthetic profile.
#![allow(clippy::expect_used)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::{Pos2, RawInput, Rect, Vec2};
use firesight::model::{CallTree, NodeId, Profile, SampleFilter};
use firesight::ui::flamegraph::{self, FlameInput, FlameState};
use firesight::ui::settings::Orientation;
use firesight::ui::view_range::ViewRange;

#[path = "common/synthetic.rs"]
mod synthetic;
use synthetic::synthetic_profile;

fn frame(ctx: &egui::Context, state: &mut FlameState, input: &FlameInput<'_>) -> usize {
    let raw = RawInput {
        screen_rect: Some(Rect::from_min_size(Pos2::ZERO, Vec2::new(1920.0, 1080.0))),
        ..Default::default()
    };
    let out = ctx.run_ui(raw, |ui| {
        egui::CentralPanel::default().frame(egui::Frame::NONE).show(ui, |ui| {
            black_box(flamegraph::ui(ui, state, input));
        });
    });
    let prims = ctx.tessellate(out.shapes, out.pixels_per_point);
    prims.len()
}

fn measure(name: &str, profile: &Profile, tree: &CallTree, zoom: NodeId, view: ViewRange) {
    let ctx = egui::Context::default();
    let mut state = FlameState::default();
    let input = FlameInput {
        profile,
        tree,
        metric: profile.metric(tree.metric),
        zoom,
        view,
        orientation: Orientation::Icicle,
        selected: None,
        matches: None,
        unfiltered_total: None,
    };
    for _ in 0..5 {
        frame(&ctx, &mut state, &input);
    }
    let mut times: Vec<Duration> = (0..100)
        .map(|_| {
            let t = Instant::now();
            black_box(frame(&ctx, &mut state, &input));
            t.elapsed()
        })
        .collect();
    times.sort();
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    // The pure layout alone, for comparison with the whole frame.
    let params = firesight::ui::flamegraph::layout::LayoutParams {
        zoom,
        view,
        width_px: 1920.0,
        first_level: 0,
        levels: 60,
        min_box_px: 1.0,
    };
    let t = Instant::now();
    for _ in 0..100 {
        black_box(firesight::ui::flamegraph::layout::layout(tree, &params));
    }
    let layout_ms = t.elapsed().as_secs_f64() * 10.0;
    let boxes: usize = state.last.as_ref().map_or(0, |(l, _, _)| l.rows.iter().map(|r| r.boxes.len()).sum());
    println!(
        "{name:<28} mean {:>7.3} ms  median {:>7.3} ms  worst {:>7.3} ms  ({boxes} boxes drawn; layout alone {layout_ms:.3} ms)",
        mean.as_secs_f64() * 1e3,
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let t = Instant::now();
    let profile = synthetic_profile(1);
    let tree = CallTree::build(&profile, profile.default_metric, &SampleFilter::default());
    println!(
        "synthetic tree: {} nodes, depth {}, built in {:.2} s",
        tree.len(),
        tree.max_depth,
        t.elapsed().as_secs_f64()
    );
    measure("whole tree", &profile, &tree, NodeId(0), ViewRange::FULL);
    let mid = NodeId::from_index(tree.len() / 1000);
    let e = firesight::ui::flamegraph::layout::extent(&tree, mid);
    measure("zoomed to a subtree", &profile, &tree, mid, e);
    measure("wheel-zoomed 1/50 window", &profile, &tree, NodeId(0), ViewRange::new(0.4, 0.02));
    if let Some(i) = args.iter().position(|a| a == "--load")
        && let Some(path) = args.get(i + 1)
    {
        load_frames(path);
    }
}

/// Frame times of the real app while `path` loads on its worker thread.
fn load_frames(path: &str) {
    use egui_kittest::Harness;
    use firesight::ui::{AppOptions, FiresightApp};
    let opts = AppOptions { files: vec![path.into()], bundled_sample: false };
    let mut harness =
        Harness::builder().with_size(Vec2::new(1920.0, 1080.0)).build_eframe(|cc| FiresightApp::new(cc, opts));
    let mut times = Vec::new();
    let start = Instant::now();
    while harness.state().is_busy() && start.elapsed() < Duration::from_secs(600) {
        let t = Instant::now();
        harness.step();
        times.push(t.elapsed());
        std::thread::sleep(Duration::from_millis(16));
    }
    let load_s = start.elapsed().as_secs_f64();
    times.sort();
    let Some(worst) = times.last() else { return };
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    println!(
        "while loading {path}: {} frames in {load_s:.1} s, mean {:.3} ms, median {:.3} ms, worst {:.3} ms",
        times.len(),
        mean.as_secs_f64() * 1e3,
        times[times.len() / 2].as_secs_f64() * 1e3,
        worst.as_secs_f64() * 1e3
    );
    let _ = Arc::new(());
}
