//! The window on big inputs (issue 16 item 4, issue 17 item 5): the real
//! `FiresightApp` driven headless through egui_kittest at 1920x1080, one
//! frame per input event, as a person would drive it. Not a timed test.
//!
//! For each case it measures the time to the first drawn frame after the
//! load finishes (the frame that takes the worker's result, builds the tab
//! and draws it) and every frame afterwards while scrolling, zooming,
//! hovering and selecting: median, p99 and worst. A frame is the app's
//! `update` (egui's run, with kittest's AccessKit tree, which the real
//! window builds only for a screen reader: so these are upper bounds) plus
//! tessellation, as eframe does before handing the meshes to the GPU.
//!
//! Cases (inputs from `benches/window.sh`, under `BENCH_DIR`, default
//! `/tmp/firesight-bench/bigwindow`):
//! - `perf-1g`: a 1 GB perf script (`gen_perf.py --mb 1000`), flamegraph.
//! - `tree-10m`: a synthetic 10 000 000-node call tree, the flamegraph view
//!   alone in an egui context (no file holds such a tree at a sane size).
//! - `deep-100k`: a folded file with a stack 100 000 frames deep among
//!   shallow ones: the depth scrollbar dragged and wheeled end to end.
//! - `trace-1m-spans`: one trace of 1 000 000 spans: waterfall and list.
//! - `traces-200k`: 200 000 one-span traces: the trace list scrolled,
//!   sorted and clicked.
//! - `waterfall-100k`: one trace of 100 000 spans.
//!
//! Run: `cargo bench --bench window -- [CASE...]` (default: every case).
//! Targets: first frame within 300 ms, every frame under 16 ms; the
//! flamegraph alone under 2 ms on the 10 000 000-node tree.

// A benchmark may stop on a broken input.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use egui::{Event, Modifiers, MouseWheelSource, MouseWheelUnit, PointerButton, Pos2, Rect, TouchPhase, Vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use firesight::ui::{AppOptions, FiresightApp};

#[path = "common/synthetic.rs"]
mod synthetic;

const SIZE: Vec2 = Vec2::new(1920.0, 1080.0);

type App = Harness<'static, FiresightApp>;

/// Frame times of one case.
#[derive(Default)]
struct Frames {
    times: Vec<Duration>,
    /// What each frame was doing, for the worst one.
    what: Vec<&'static str>,
}

impl Frames {
    fn push(&mut self, d: Duration, what: &'static str) {
        self.times.push(d);
        self.what.push(what);
    }

    fn report(&self, name: &str, extra: &str) {
        if self.times.is_empty() {
            println!("{name:<16} no frames");
            return;
        }
        let mut sorted = self.times.clone();
        sorted.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let p99 = sorted[(sorted.len() * 99 / 100).min(sorted.len() - 1)];
        let (worst_i, worst) = self.times.iter().enumerate().max_by_key(|(_, d)| **d).unwrap();
        let over = self.times.iter().filter(|d| d.as_secs_f64() > 0.016).count();
        println!(
            "{name:<16} {extra}frames {:>5}  median {:>7.3} ms  p99 {:>7.3} ms  worst {:>7.3} ms ({}, frame {})  over 16 ms: {over}  over 2 ms: {}",
            sorted.len(),
            ms(sorted[sorted.len() / 2]),
            ms(p99),
            ms(*worst),
            self.what[worst_i],
            worst_i + 1,
            self.times.iter().filter(|d| d.as_secs_f64() > 0.002).count(),
        );
    }
}

/// One frame: the app's update, then tessellation.
fn frame(h: &mut App) -> Duration {
    let t = Instant::now();
    h.step();
    let ran = t.elapsed();
    let shapes = h.output().shapes.clone();
    let ppp = h.output().pixels_per_point;
    let t = Instant::now();
    std::hint::black_box(h.ctx.tessellate(shapes, ppp));
    ran + t.elapsed()
}

/// Queues `event` and runs the one frame that handles it.
fn frame_with(h: &mut App, event: Event, frames: &mut Frames, what: &'static str) {
    h.event(event);
    let d = frame(h);
    frames.push(d, what);
}

fn hover(h: &mut App, p: Pos2, f: &mut Frames) {
    frame_with(h, Event::PointerMoved(p), f, "hover");
}

fn wheel(h: &mut App, p: Pos2, delta: Vec2, modifiers: Modifiers, f: &mut Frames, what: &'static str) {
    hover(h, p, f);
    frame_with(
        h,
        Event::MouseWheel {
            unit: MouseWheelUnit::Point,
            delta,
            modifiers,
            phase: TouchPhase::Move,
            source: MouseWheelSource::Wheel,
        },
        f,
        what,
    );
    // egui spreads a wheel turn over the next frames (smooth scrolling).
    for _ in 0..6 {
        f.push(frame(h), what);
    }
}

fn button(h: &mut App, p: Pos2, pressed: bool, f: &mut Frames, what: &'static str) {
    frame_with(
        h,
        Event::PointerButton { pos: p, button: PointerButton::Primary, pressed, modifiers: Modifiers::NONE },
        f,
        what,
    );
}

fn click(h: &mut App, p: Pos2, f: &mut Frames, what: &'static str) {
    hover(h, p, f);
    button(h, p, true, f, what);
    button(h, p, false, f, what);
    f.push(frame(h), what);
}

/// Drags from `a` to `b` in `steps` pointer moves.
fn drag(h: &mut App, a: Pos2, b: Pos2, steps: usize, f: &mut Frames, what: &'static str) {
    hover(h, a, f);
    button(h, a, true, f, what);
    for i in 1..=steps {
        let p = a + (b - a) * (i as f32 / steps as f32);
        frame_with(h, Event::PointerMoved(p), f, what);
    }
    button(h, b, false, f, what);
}

fn rect_of(h: &App, label: &str) -> Rect {
    h.get_by_label(label).rect()
}

fn building(h: &App) -> bool {
    h.state().active_document().and_then(|d| d.traces.as_ref()).is_some_and(|t| t.view.is_building())
}

/// Opens `path` in the real app; steps at 200 fps until its tab appears,
/// then until a trace tab's views are built on their worker.
/// Returns the harness, the load time, the first frame's time and the
/// time from the load's end to the frame that drew the trace views.
fn open(path: &Path) -> (App, f64, Duration, Duration) {
    let (mut h, load_s, first) = open_tab(path);
    let t = Instant::now();
    while building(&h) {
        std::thread::sleep(Duration::from_millis(5));
        frame(&mut h);
    }
    let ready = if t.elapsed() > Duration::from_millis(1) { first + t.elapsed() } else { first };
    (h, load_s, first, ready)
}

fn open_tab(path: &Path) -> (App, f64, Duration) {
    let opts = AppOptions { files: vec![path.to_path_buf()], bundled_sample: false };
    let mut h =
        Harness::builder().with_size(SIZE).with_step_dt(1.0 / 60.0).build_eframe(move |cc| FiresightApp::new(cc, opts));
    let start = Instant::now();
    loop {
        let d = frame(&mut h);
        if !h.state().documents().is_empty() {
            let load_s = start.elapsed().as_secs_f64() - d.as_secs_f64();
            return (h, load_s, d);
        }
        if let Some(failed) = h.state().failed_loads().first() {
            panic!("{} failed: {}", path.display(), failed.error);
        }
        assert!(start.elapsed() < Duration::from_secs(900), "{} did not load", path.display());
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The frames right after the first: the tab settling (panels sized, jobs
/// such as insights finishing on their workers), at 60 fps, at most 2 s.
fn settle(h: &mut App, f: &mut Frames) {
    let start = Instant::now();
    for _ in 0..10 {
        f.push(frame(h), "settle");
    }
    while h.state().is_busy() && start.elapsed() < Duration::from_secs(2) {
        f.push(frame(h), "settle");
        std::thread::sleep(Duration::from_millis(16));
    }
}

/// With `BENCH_SCREENSHOTS=DIR`, saves what the window shows now as
/// `DIR/NAME.png` (kittest's wgpu renderer; not timed).
fn screenshot(h: &mut App, name: &str) {
    let Some(dir) = std::env::var_os("BENCH_SCREENSHOTS") else { return };
    let path = PathBuf::from(dir).join(format!("{name}.png"));
    match h.render() {
        Ok(img) => match img.save(&path) {
            Ok(()) => println!("saved {}", path.display()),
            Err(e) => println!("cannot save {}: {e}", path.display()),
        },
        Err(e) => println!("cannot render {name}: {e}"),
    }
}

fn header(name: &str, path: &Path, load_s: f64, first: Duration, ready: Duration) -> String {
    let mb = std::fs::metadata(path).map_or(0.0, |m| m.len() as f64 / 1e6);
    println!("{name}: {} ({mb:.0} MB) loaded in {load_s:.2} s", path.display());
    format!("first frame {:>6.1} ms  views drawn {:>6.1} ms  ", first.as_secs_f64() * 1e3, ready.as_secs_f64() * 1e3)
}

/// The flamegraph of a profile tab: hover across it, wheel-zoom in and
/// out, drag to pan, click a box (zoom), zoom out, the depth scrollbar.
fn flamegraph_case(name: &str, path: &Path) {
    let (mut h, load_s, first, ready) = open(path);
    let extra = header(name, path, load_s, first, ready);
    let mut f = Frames::default();
    settle(&mut h, &mut f);
    let r = rect_of(&h, "Flamegraph");
    let row = |k: f32| r.top() + 9.0 + k * 18.0;
    for i in 0..60 {
        hover(&mut h, Pos2::new(r.left() + r.width() * i as f32 / 60.0, row((i % 12) as f32)), &mut f);
    }
    let mid = Pos2::new(r.center().x, row(3.0));
    for _ in 0..8 {
        wheel(&mut h, mid, Vec2::new(0.0, 120.0), Modifiers::NONE, &mut f, "wheel zoom in");
    }
    for i in 0..40 {
        hover(&mut h, Pos2::new(r.left() + r.width() * i as f32 / 40.0, row((i % 20) as f32)), &mut f);
    }
    drag(&mut h, mid, mid + Vec2::new(-600.0, -200.0), 30, &mut f, "drag pan");
    for _ in 0..8 {
        wheel(&mut h, mid, Vec2::new(0.0, -120.0), Modifiers::NONE, &mut f, "wheel zoom out");
    }
    click(&mut h, Pos2::new(r.left() + r.width() * 0.3, row(4.0)), &mut f, "click box");
    for _ in 0..10 {
        f.push(frame(&mut h), "after click");
    }
    h.key_press(egui::Key::Escape);
    f.push(frame(&mut h), "escape");
    if let Some(bar) = h.query_by_label("Flamegraph depth scroll").map(|n| n.rect()) {
        drag(
            &mut h,
            Pos2::new(bar.center().x, bar.top() + 5.0),
            Pos2::new(bar.center().x, bar.bottom()),
            40,
            &mut f,
            "scrollbar drag",
        );
        for _ in 0..5 {
            wheel(&mut h, bar.center(), Vec2::new(0.0, 400.0), Modifiers::NONE, &mut f, "scrollbar wheel");
        }
        for i in 0..30 {
            hover(&mut h, Pos2::new(r.left() + r.width() * i as f32 / 30.0, row((i % 30) as f32)), &mut f);
        }
    }
    f.report(name, &extra);
    screenshot(&mut h, name);
}

/// A trace tab: the waterfall scrolled by wheel and scrollbar, zoomed,
/// hovered, a span selected and collapsed; the trace list scrolled,
/// sorted and clicked.
fn trace_case(name: &str, path: &Path) {
    let (mut h, load_s, first, ready) = open(path);
    let extra = header(name, path, load_s, first, ready);
    let mut f = Frames::default();
    settle(&mut h, &mut f);
    screenshot(&mut h, name);
    let w = rect_of(&h, "Span waterfall");
    let labels_x = w.left() + 80.0;
    let bars_x = w.left() + w.width() * 0.6;
    let y = |k: f32| w.top() + 40.0 + k * 22.0;
    for i in 0..40 {
        hover(&mut h, Pos2::new(bars_x - 200.0 + i as f32 * 10.0, y((i % 20) as f32)), &mut f);
    }
    for _ in 0..10 {
        wheel(
            &mut h,
            Pos2::new(labels_x, y(5.0)),
            Vec2::new(0.0, -400.0),
            Modifiers::NONE,
            &mut f,
            "waterfall wheel scroll",
        );
    }
    for _ in 0..6 {
        wheel(
            &mut h,
            Pos2::new(bars_x, y(5.0)),
            Vec2::new(0.0, 120.0),
            Modifiers::NONE,
            &mut f,
            "waterfall wheel zoom",
        );
    }
    drag(&mut h, Pos2::new(bars_x, y(8.0)), Pos2::new(bars_x - 300.0, y(2.0)), 20, &mut f, "waterfall drag");
    if let Some(bar) = h.query_by_label("Waterfall scroll bar").map(|n| n.rect()) {
        drag(
            &mut h,
            Pos2::new(bar.center().x, bar.top() + 4.0),
            Pos2::new(bar.center().x, bar.bottom() - 4.0),
            40,
            &mut f,
            "waterfall scrollbar drag",
        );
    }
    click(&mut h, Pos2::new(bars_x, y(6.0)), &mut f, "select span");
    h.key_press(egui::Key::Escape);
    f.push(frame(&mut h), "escape");
    if let Some(b) = h.query_by_label("Collapse to 2 levels").map(|n| n.rect()) {
        click(&mut h, b.center(), &mut f, "collapse to 2 levels");
    }
    if let Some(b) = h.query_by_label("Expand all").map(|n| n.rect()) {
        click(&mut h, b.center(), &mut f, "expand all");
    }
    // The trace list: its rows sit under the "Start (UTC)" header (which
    // carries the sort arrow: the list opens sorted by start).
    // (A file of one trace may show no list.)
    let head = h.query_all_by_label_contains("Start (UTC)").next().map(|n| n.rect());
    if let Some(head) = head {
        list_case(&mut h, &mut f, head);
    }
    f.report(name, &extra);
}

/// Scrolls, clicks and sorts the trace list under its header `head`.
fn list_case(h: &mut App, f: &mut Frames, head: Rect) {
    let list_row = |k: f32| Pos2::new(head.center().x, head.bottom() + 12.0 + k * 20.0);
    for _ in 0..10 {
        wheel(h, list_row(2.0), Vec2::new(0.0, -600.0), Modifiers::NONE, f, "list wheel scroll");
    }
    for k in 0..5 {
        click(h, list_row(k as f32), f, "list row click (open trace)");
    }
    for title in ["Duration", "Spans", "Root span", "Start (UTC)"] {
        let found = h
            .query_all_by_label_contains(title)
            .map(|n| n.rect())
            .find(|r| (r.center().y - head.center().y).abs() < 4.0);
        if let Some(r) = found {
            click(h, r.center(), f, "list sort");
        }
    }
    for _ in 0..5 {
        wheel(h, list_row(2.0), Vec2::new(0.0, 600.0), Modifiers::NONE, f, "list wheel scroll");
    }
}

/// The flamegraph view alone on a 10 000 000-node tree (egui context, no app).
fn tree_case(nodes: usize) {
    use firesight::model::{CallTree, NodeId, SampleFilter};
    use firesight::ui::flamegraph::{self, FlameInput, FlameState};
    use firesight::ui::settings::Orientation;
    use firesight::ui::view_range::ViewRange;
    let t = Instant::now();
    let profile = synthetic::synthetic_profile_of(1, nodes);
    let tree = CallTree::build(&profile, profile.default_metric, &SampleFilter::default());
    println!(
        "tree-10m: synthetic tree of {} nodes, depth {}, built in {:.1} s",
        tree.len(),
        tree.max_depth,
        t.elapsed().as_secs_f64()
    );
    let ctx = egui::Context::default();
    let mut state = FlameState::default();
    let mut f = Frames::default();
    for i in 0..400 {
        // Whole tree, then a wheel zoom toward 1/1000 of the width and back, the pointer moving.
        let k = i % 200;
        let span = if k < 100 { 0.93f64.powi(k) } else { 0.93f64.powi(200 - k) };
        let what = if span > 0.5 { "wide view" } else { "zoomed view" };
        let view = ViewRange::new((0.37 * (1.0 - span)).clamp(0.0, 1.0 - span), span.max(1e-6));
        let input = FlameInput {
            profile: &profile,
            tree: &tree,
            metric: profile.metric(tree.metric),
            zoom: NodeId(0),
            view,
            orientation: Orientation::Icicle,
            selected: None,
            matches: None,
            unfiltered_total: None,
        };
        let pointer = Pos2::new(100.0 + (i as f32 * 37.0) % 1700.0, 20.0 + (i as f32 * 13.0) % 900.0);
        let raw = egui::RawInput {
            screen_rect: Some(Rect::from_min_size(Pos2::ZERO, SIZE)),
            events: vec![Event::PointerMoved(pointer)],
            ..Default::default()
        };
        let t = Instant::now();
        let out = ctx.run_ui(raw, |ui| {
            egui::CentralPanel::default().frame(egui::Frame::NONE).show(ui, |ui| {
                std::hint::black_box(flamegraph::ui(ui, &mut state, &input));
            });
        });
        std::hint::black_box(ctx.tessellate(out.shapes, out.pixels_per_point));
        f.push(t.elapsed(), what);
    }
    f.report("tree-10m", "");
}

/// A case: its name, its input file, how it is driven.
type Case<'a> = (&'a str, &'a str, fn(&str, &Path));

fn main() {
    let dir = PathBuf::from(std::env::var_os("BENCH_DIR").unwrap_or_else(|| "/tmp/firesight-bench/bigwindow".into()));
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let want = |c: &str| args.is_empty() || args.iter().any(|a| a == c);
    let cases: [Case; 5] = [
        ("perf-1g", "perf-1g.txt", flamegraph_case),
        ("deep-100k", "deep-100k.folded", flamegraph_case),
        ("trace-1m-spans", "trace-1m.otlp.json", trace_case),
        ("traces-200k", "traces-200k.otlp.json", trace_case),
        ("waterfall-100k", "waterfall-100k.otlp.json", trace_case),
    ];
    for (name, file, run) in cases {
        if want(name) {
            let p = dir.join(file);
            if p.exists() {
                run(name, &p);
            } else {
                println!("{name}: {} is missing (benches/window.sh writes it)", p.display());
            }
        }
    }
    if want("tree-10m") {
        tree_case(10_000_000);
    }
}
