//! The trace view through egui_kittest, on real trace files: open a file,
//! click the slowest bar of the latency histogram, and the waterfall shows
//! the slowest trace while the service table names the slow service first;
//! collapse a subtree, zoom and fit in the waterfall. Every run also checks
//! that every interactive widget has an accessible name (the harness's
//! default accessibility check).

use egui::emath::TSTransform;
use egui::epaint::{ClippedShape, Shape};
use egui::{Event, Modifiers, PointerButton, Pos2, Rect, Vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use firesight::analysis::traces::slowest_trace;
use firesight::model::trace::TraceSet;
use firesight::ui::trace_view::TraceView;
use firesight::ui::waterfall::paint::LabelPlace;

use crate::common;

struct State {
    traces: TraceSet,
    view: TraceView,
}

fn harness(rel: &str) -> Harness<'static, State> {
    harness_sized(rel, Vec2::new(1600.0, 1000.0))
}

fn harness_sized(rel: &str, size: Vec2) -> Harness<'static, State> {
    let traces = common::load(rel).traces.expect("a trace file");
    let view = TraceView::new(&traces);
    Harness::builder().with_size(size).with_max_steps(16).with_step_dt(1.0 / 60.0).build_ui_state(
        |ui, s: &mut State| {
            let _ = s.view.ui(ui, &s.traces);
        },
        State { traces, view },
    )
}

fn click_at<S>(h: &mut Harness<'_, S>, pos: Pos2) {
    h.hover_at(pos);
    h.run();
    for pressed in [true, false] {
        h.event(Event::PointerButton { pos, button: PointerButton::Primary, pressed, modifiers: Modifiers::NONE });
    }
    h.run();
}

fn double_click_at(h: &mut Harness<'_, State>, pos: Pos2) {
    h.hover_at(pos);
    h.run();
    for _ in 0..2 {
        for pressed in [true, false] {
            h.event(Event::PointerButton { pos, button: PointerButton::Primary, pressed, modifiers: Modifiers::NONE });
        }
        h.step();
    }
    h.run();
}

#[test]
fn slowest_bar_opens_the_slowest_trace_and_names_the_slow_service() {
    let mut h = harness("otlp/traces.otlp.json");
    h.run();
    assert_eq!(h.state().traces.traces.len(), 280);

    // First the fastest bar: its slowest trace opens, and the list shows that bar's traces.
    let first = h.state().view.histogram().bins().iter().position(|b| !b.traces.is_empty()).expect("a bar");
    let first_traces = h.state().view.histogram().bins()[first].traces.clone();
    let pos = h.state().view.histogram().bar_point(first).expect("bar drawn");
    click_at(&mut h, pos);
    assert_eq!(h.state().view.histogram().selected(), Some(first));
    assert_eq!(h.state().view.waterfall().trace(), Some(first_traces[0]));
    assert_eq!(h.state().view.list().order(), first_traces.as_slice());

    // Then the slowest bar: the slowest trace of the file (oracle: 2 596 640 423 ns).
    let slow_bin = h.state().view.histogram().slowest_bin().expect("a bar");
    let pos = h.state().view.histogram().bar_point(slow_bin).expect("bar drawn");
    click_at(&mut h, pos);
    let s = h.state();
    let slowest = slowest_trace(&s.traces).expect("traces");
    assert_eq!(s.view.waterfall().trace(), Some(slowest));
    let trace = &s.traces.traces[slowest];
    assert_eq!(trace.id.to_string(), "b9443dbfc415284e082045c2b3d49513");
    assert_eq!(trace.duration_ns(), 2_596_640_423);
    assert_eq!(s.view.list().order().first(), Some(&slowest));
    // The toolbar above the waterfall names the trace.
    h.get_by_label_contains("trace b9443dbfc415284e082045c2b3d49513");

    // The service table names the slow service first (self time of the
    // postgres query is order-service's own), and the row is on screen.
    let services = s.view.tables().services();
    assert_eq!(services[0].service, "order-service");
    assert_eq!(services.len(), 4);
    assert!(services[0].self_ns > 2_000_000_000, "order-service self {}", services[0].self_ns);
    assert!(h.query_all_by_label("order-service").count() >= 1);
    // The critical path's largest share is the slow query.
    let path = s.view.tables().path();
    let (label, service) = s.view.tables().path_op(&path[0]);
    assert!(label.starts_with("order-service: "), "{label}");
    assert_eq!(service, "order-service");
    assert!(path[0].path_ns > 1_000_000_000);
}

#[test]
fn waterfall_collapses_zooms_and_fits_on_a_jaeger_trace() {
    let mut h = harness("jaeger/hotrod-5915e2d0f3575298.json");
    h.run();
    let s = h.state();
    let trace = &s.traces.traces[0];
    let n = trace.spans.len();
    assert_eq!(s.view.waterfall().rows().len(), n, "all rows expanded");
    let layout = s.view.waterfall().layout().expect("drawn");
    let root_depth = trace.spans[0].depth;

    // Click the root's triangle: its subtree collapses to one row.
    let tri = Pos2::new(layout.triangle_x(root_depth), layout.row_mid_y(0));
    click_at(&mut h, tri);
    assert_eq!(h.state().view.waterfall().rows(), &[0]);
    click_at(&mut h, tri);
    assert_eq!(h.state().view.waterfall().rows().len(), n);

    // The wheel over the bars zooms the time axis in.
    let full = h.state().view.waterfall().window().expect("window").width_ns();
    let over_bars = Pos2::new(layout.bars.center().x, layout.row_mid_y(1));
    h.hover_at(over_bars);
    h.event(Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta: Vec2::new(0.0, 120.0),
        modifiers: Modifiers::NONE,
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
    });
    h.run_steps(60);
    h.remove_cursor();
    h.run();
    let zoomed = h.state().view.waterfall().window().expect("window").width_ns();
    assert!(zoomed < full * 0.9, "wheel zoomed from {full} to {zoomed}");

    // Double-click a row: the time axis fits that span (5 % margin each side).
    let row = 3;
    let span = h.state().view.waterfall().rows()[row];
    let layout = h.state().view.waterfall().layout().expect("drawn");
    double_click_at(&mut h, Pos2::new(layout.labels.center().x + 60.0, layout.row_mid_y(row)));
    let s = &h.state().traces.traces[0].spans[span as usize];
    let trace_ns = h.state().traces.traces[0].duration_ns() as f64;
    let want = (s.duration_ns() as f64 * 1.1).max(100.0).min(trace_ns);
    let got = h.state().view.waterfall().window().expect("window").width_ns();
    assert!((got - want).abs() <= want * 0.01 + 1.0, "fit {got} ns, span {} ns", s.duration_ns());
    assert_eq!(h.state().view.waterfall().selected(), Some(span));
}

#[test]
fn clicking_the_text_of_a_trace_list_row_opens_that_trace() {
    let mut h = harness("otlp/traces.otlp.json");
    h.run();
    // The list shows the slowest trace first (open); its second row is another trace.
    let second = h.state().view.list().order()[1];
    let duration = firesight::model::units::format_duration_ns(h.state().traces.traces[second].duration_ns() as f64);
    let center = h.query_all_by_label(&duration).next().expect("the row's duration label").rect().center();
    click_at(&mut h, center);
    assert_eq!(h.state().view.waterfall().trace(), Some(second));
}

/// Every unrotated text painted last frame: its string, where it is, and
/// the clip rectangle it was painted with.
fn texts<S>(h: &Harness<'_, S>) -> Vec<(String, Rect, Rect)> {
    let mut out = Vec::new();
    let mut stack: Vec<(Rect, TSTransform, &Shape)> = h
        .output()
        .shapes
        .iter()
        .map(|ClippedShape { clip_rect, shape, transform_after_tessellation: t }| (*clip_rect, *t, shape))
        .collect();
    while let Some((clip, tf, shape)) = stack.pop() {
        match shape {
            Shape::Vec(v) => stack.extend(v.iter().map(|s| (clip, tf, s))),
            Shape::Text(t) if t.angle == 0.0 && !t.galley.text().trim().is_empty() => {
                out.push((t.galley.text().to_string(), tf * t.visual_bounding_rect(), tf * clip));
            }
            _ => {}
        }
    }
    out
}

/// The texts painted inside the histogram's panel, each asserted to lie
/// wholly inside its clip rectangle (nothing cut at the panel's edges).
fn histogram_texts_unclipped(h: &Harness<'_, State>) -> Vec<String> {
    let area = h.state().view.histogram().rect().expect("histogram drawn");
    let mut seen = Vec::new();
    for (text, rect, clip) in texts(h) {
        if !area.contains(rect.center()) {
            continue;
        }
        assert!(clip.expand(0.5).contains_rect(rect), "{text:?} at {rect:?} is clipped by {clip:?}");
        seen.push(text);
    }
    seen
}

#[test]
fn one_trace_is_one_labelled_bar_and_no_histogram_text_is_clipped() {
    let mut h = harness("otlp/trace-slowest.otlp.json");
    h.run();
    let hist = h.state().view.histogram();
    // Nine bins over 0.2 decades; the lone trace (2 596 640 423 ns) sits in the middle one.
    assert_eq!(hist.bins().len(), 9);
    let used: Vec<usize> = (0..9).filter(|&k| !hist.bins()[k].traces.is_empty()).collect();
    assert_eq!(used, vec![4]);
    let bar = &hist.bins()[4];
    let centre = 10f64.powf((bar.x_lo + bar.x_hi) / 2.0);
    assert!((centre - 2_596_640_423.0).abs() < 1.0, "bar centred at {centre} ns");
    assert_eq!(hist.bin_label(bar), "2.60 s");
    let seen = histogram_texts_unclipped(&h);
    // The bar carries its value, and the time axis has round labels around it.
    for want in ["1 trace · 2.60 s", "2.50 s", "3.00 s", "trace duration (log scale)"] {
        assert!(seen.iter().any(|t| t == want), "{want:?} not among {seen:?}");
    }
    // The lone bar is a ninth of the x range, not the whole plot: its screen
    // x sits mid-plot, and the axis labels sit left and right of it.
    let mid = hist.bar_point(4).expect("bar drawn").x;
    let area = hist.rect().expect("drawn");
    let x_of = |label: &str| {
        texts(&h).into_iter().find(|(t, r, _)| t == label && area.contains(r.center())).map(|(_, r, _)| r.center().x)
    };
    let (left, right) = (x_of("2.50 s").expect("2.50 s"), x_of("3.00 s").expect("3.00 s"));
    assert!(left < mid && mid < right, "2.50 s at {left}, bar at {mid}, 3.00 s at {right}");
    assert!(
        mid > area.left() + area.width() * 0.3 && mid < area.right() - area.width() * 0.3,
        "bar at {mid} in {area:?}"
    );
}

#[test]
fn histogram_tick_labels_stay_inside_a_narrow_panel() {
    // At 900 points wide the histogram gets its narrowest panels; no tick
    // label, legend entry or axis title may be cut at the edges.
    for size in [Vec2::new(900.0, 700.0), Vec2::new(1600.0, 1000.0)] {
        let mut h = harness_sized("otlp/traces.otlp.json", size);
        h.run();
        // The panel keeps its width from frame to frame (it fits its content).
        let before = h.state().view.histogram().rect().expect("drawn");
        h.run_steps(5);
        assert_eq!(h.state().view.histogram().rect(), Some(before));
        let seen = histogram_texts_unclipped(&h);
        for want in ["10.0 ms", "100.0 ms", "1.00 s", "P99 1.85 s", "trace duration (log scale)"] {
            assert!(seen.iter().any(|t| t == want), "{size:?}: {want:?} not among {seen:?}");
        }
    }
}

#[test]
fn critical_path_strips_never_cross_duration_labels() {
    let mut h = harness("otlp/trace-slowest.otlp.json");
    h.run();
    let s = h.state();
    let trace = &s.traces.traces[0];
    let rows = s.view.waterfall().painted_rows();
    assert_eq!(rows.len(), 13, "all 13 spans on screen");
    let strips: Vec<Rect> = rows.iter().flat_map(|r| r.critical.iter().copied()).collect();
    assert!(strips.len() >= 5, "{} critical strips", strips.len());
    for row in rows {
        let (label, _) = row.duration.expect("every bar is in view");
        for strip in &strips {
            assert!(!label.intersects(*strip), "span {}: label {label:?} crosses strip {strip:?}", row.span);
        }
        // A strip lies under its own bar, in a lane of its own.
        let bar = row.bar.expect("bar");
        for strip in &row.critical {
            assert!(strip.top() >= bar.bottom() && strip.bottom() <= bar.bottom() + 6.0, "{strip:?} under {bar:?}");
        }
    }
    // The slow query (2.56 s of 2.60 s) carries its label inside its bar,
    // right over the stretch where its strip runs underneath.
    let query = trace.spans.iter().position(|sp| &*sp.name == "SELECT shop.orders").expect("query span");
    let row = rows.iter().find(|r| r.span as usize == query).expect("query row");
    let (label, place) = row.duration.expect("label");
    assert_eq!(place, LabelPlace::Inside);
    let strip = row.critical.iter().max_by(|a, b| a.width().total_cmp(&b.width())).expect("query on the path");
    assert!(strip.x_range().contains(label.center().x), "{strip:?} / {label:?}");
    assert!(row.bar.expect("bar").contains_rect(label), "label inside the bar");
    // The time ruler's labels all fit: the last one (2.50 s, near the right
    // edge) turns to the left of its tick instead of being cut.
    let bars = s.view.waterfall().layout().expect("drawn").bars;
    let ruler = Rect::from_x_y_ranges(bars.x_range(), bars.top() - 22.0..=bars.top());
    let ticks: Vec<(String, Rect, Rect)> =
        texts(&h).into_iter().filter(|(_, r, _)| ruler.contains(r.center())).collect();
    assert!(ticks.iter().any(|(t, ..)| t == "2.50 s"), "{ticks:?}");
    for (t, r, clip) in &ticks {
        assert!(clip.expand(0.5).contains_rect(*r), "ruler label {t:?} at {r:?} cut by {clip:?}");
    }
    let label_text = firesight::model::units::format_duration_ns(trace.spans[query].duration_ns() as f64);
    assert_eq!(label_text, "2.56 s");
    assert!(texts(&h).iter().any(|(t, r, _)| *t == label_text && (r.center() - label.center()).length() < 1.0));
}

#[test]
fn the_first_frame_of_a_trace_tab_is_laid_out_as_the_settled_one() {
    let options =
        firesight::ui::AppOptions { files: vec![common::data("otlp/traces.otlp.json")], bundled_sample: false };
    let mut h = crate::ui::harness_with(options);
    let start = std::time::Instant::now();
    // Step until the tab arrives and its views are built on their worker:
    // that frame is the trace view's first.
    while h.state().documents().is_empty() || h.state().is_busy() {
        assert!(start.elapsed().as_secs() < 60, "load did not finish");
        std::thread::sleep(std::time::Duration::from_millis(5));
        h.step();
    }
    let first = texts(&h);
    h.run();
    let settled = texts(&h);
    let at = |all: &[(String, Rect, Rect)], want: &str| all.iter().find(|(t, ..)| t == want).map(|(_, r, _)| *r);
    for want in ["Service", "Root span", "Duration", "trace duration (log scale)", "Errors", "On path", "order-service"]
    {
        let (a, b) = (at(&first, want), at(&settled, want));
        assert!(b.is_some(), "{want:?} not drawn");
        assert_eq!(a, b, "{want:?} moved after the first frame");
    }
}

#[test]
fn names_get_their_width_and_the_tables_sum_this_trace_or_all() {
    let mut h = harness("otlp/traces.otlp.json");
    h.run();
    h.get_by_label("Span names").click();
    h.run();
    // Whole names, never "SELE…", while the numbers have their width too.
    // The tables' texts: right of the waterfall.
    let right_of = h.state().view.waterfall().layout().expect("drawn").bars.right() + 12.0;
    let painted: Vec<String> = texts(&h).into_iter().filter(|(_, r, _)| r.left() > right_of).map(|(t, ..)| t).collect();
    for name in ["SELECT shop.orders", "POST /payments/charge", "payment-service", "order-service"] {
        assert!(painted.iter().any(|t| t == name), "{name:?} not painted whole");
    }
    assert!(!painted.iter().any(|t| t.contains('…')), "something elided: {painted:?}");
    // Wall time, not a sum of nested spans: no service runs longer than its trace.
    assert_eq!(h.query_all_by_label("Wall").count(), 2, "a Wall column in both tables");
    let s = h.state();
    let trace = &s.traces.traces[s.view.tables().trace().expect("open")];
    for r in s.view.tables().services() {
        assert!(r.wall_ns <= trace.duration_ns(), "{}: {} in a {} trace", r.service, r.wall_ns, trace.duration_ns());
    }
    // Over every trace, as `firesight services` sums them (oracle: order-service self 10 491 528 821 ns).
    h.get_by_label("All traces").click();
    h.run();
    h.get_by_label("Services in all 280 traces");
    let all = h.state().view.tables().all_services();
    assert_eq!((all[0].service.as_str(), all[0].self_ns), ("order-service", 10_491_528_821));
    let ops = h.state().view.tables().all_operations();
    assert_eq!(ops.iter().map(|r| r.spans).sum::<usize>(), 3595);
}

#[test]
fn show_all_clears_the_picked_bar_and_the_count_axis_keeps_its_labels_apart() {
    // A low window: the histogram gets its shortest plot.
    let mut h = harness_sized("otlp/traces.otlp.json", Vec2::new(1200.0, 420.0));
    h.run();
    let slow = h.state().view.histogram().slowest_bin().expect("a bar");
    let pos = h.state().view.histogram().bar_point(slow).expect("drawn");
    click_at(&mut h, pos);
    assert_eq!(h.state().view.histogram().selected(), Some(slow));
    h.get_by_label("Show all").click();
    h.run();
    assert!(h.state().view.list().pick().is_none());
    assert_eq!(h.state().view.histogram().selected(), None, "no bar stays highlighted");
    // The y axis: "0" and "1" are 0.3 decades apart; on a short plot only one is drawn.
    let area = h.state().view.histogram().rect().expect("drawn");
    let count = |label: &str| -> Vec<Rect> {
        texts(&h).into_iter().filter(|(t, r, _)| t == label && area.contains(r.center())).map(|(_, r, _)| r).collect()
    };
    for zero in count("0") {
        for one in count("1") {
            assert!(!zero.intersects(one.expand(1.0)), "0 at {zero:?} and 1 at {one:?} overlap");
        }
    }
    // The percentile key sits above the plot, clear of the lines.
    let top_tick = count("100").first().copied().or_else(|| count("10").first().copied()).expect("a count label");
    let key = texts(&h).into_iter().find(|(t, ..)| t == "P99 1.85 s").expect("P99 in the key").1;
    assert!(key.bottom() < top_tick.top(), "P99 key {key:?} inside the plot (top tick {top_tick:?})");
}

/// Two traces as OTLP/JSON: trace 1 of `big` spans (a root of 900 ms and
/// its children, 10 µs each), trace 2 of two spans (7 ms).
fn big_and_small_json(big: usize) -> Vec<u8> {
    use serde_json::{Value, json};
    const T0: u64 = 1_800_000_000_000_000_000;
    let span = |trace: &str, id: usize, parent: Option<usize>, name: &str, a: u64, b: u64| -> Value {
        json!({
            "traceId": trace,
            "spanId": format!("{id:016x}"),
            "parentSpanId": parent.map(|p| format!("{p:016x}")).unwrap_or_default(),
            "name": name,
            "kind": 1,
            "startTimeUnixNano": (T0 + a).to_string(),
            "endTimeUnixNano": (T0 + b).to_string(),
        })
    };
    let t1 = "0af7651916cd43dd8448eb211c80319c";
    let t2 = "1bf7651916cd43dd8448eb211c80319d";
    let mut spans = vec![span(t1, 1, None, "GET /big", 0, 900_000_000)];
    spans.extend((2..=big).map(|i| span(t1, i, Some(1), "step", i as u64 * 20_000, i as u64 * 20_000 + 10_000)));
    spans.push(span(t2, big + 1, None, "GET /small", 0, 7_000_000));
    spans.push(span(t2, big + 2, Some(big + 1), "lookup", 1_000_000, 2_000_000));
    let doc = json!({"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "api"}}]},
        "scopeSpans": [{"scope": {"name": "shop"}, "spans": spans}],
    }]});
    doc.to_string().into_bytes()
}

#[test]
fn a_big_trace_clicked_in_the_list_opens_on_a_worker_while_the_window_draws() {
    let loaded = common::load_bytes(big_and_small_json(25_000), &firesight::load::LoadOptions::default());
    let traces = std::sync::Arc::new(loaded.expect("loads").traces.expect("a trace file"));
    let big = traces.traces.iter().position(|t| t.spans.len() == 25_000).expect("the big trace");
    let small = 1 - big;
    // A shared set, as the window has it: big traces open on a worker.
    let view = TraceView::new_shared(&traces);
    let mut h = Harness::builder().with_size(Vec2::new(1600.0, 1000.0)).with_max_steps(16).build_ui_state(
        |ui, s: &mut (std::sync::Arc<TraceSet>, TraceView)| {
            let _ = s.1.ui(ui, &s.0);
        },
        (traces, view),
    );
    h.run();
    // The slowest (big) trace is open; a click on the small one's row opens
    // it at once (two spans).
    assert_eq!(h.state().1.waterfall().trace(), Some(big));
    let row = |h: &Harness<'_, (std::sync::Arc<TraceSet>, TraceView)>, t: usize| {
        let d = firesight::model::units::format_duration_ns(h.state().0.traces[t].duration_ns() as f64);
        h.query_all_by_label(&d).next().expect("the row's duration label").rect().center()
    };
    let pos = row(&h, small);
    click_at(&mut h, pos);
    assert_eq!((h.state().1.waterfall().trace(), h.state().1.opening()), (Some(small), None));
    // Back to the big one: the frame of the click hands it to a worker and
    // shows a spinner where the waterfall and the tables were.
    // (One frame after the press and release, not `run`: the worker may
    // be done by the next.)
    let pos = row(&h, big);
    h.hover_at(pos);
    h.run();
    for pressed in [true, false] {
        h.event(Event::PointerButton { pos, button: PointerButton::Primary, pressed, modifiers: Modifiers::NONE });
    }
    h.step();
    assert_eq!(h.state().1.opening(), Some(big));
    assert_eq!(h.query_all_by_label_contains("Opening trace").count(), 2, "waterfall and tables say so");
    // Frames go on until the worker hands the trace back.
    for _ in 0..500 {
        if h.state().1.opening().is_none() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
        h.step();
    }
    h.run();
    let v = &h.state().1;
    assert_eq!((v.opening(), v.waterfall().trace(), v.tables().trace()), (None, Some(big), Some(big)));
}
