//! Each format of issue 15 opens in the window (egui_kittest on the real
//! `FiresightApp`): the flamegraph and hot table of a speedscope, V8
//! .cpuprofile, callgrind and massif profile, the heap chart of a massif
//! profile, and a Chrome trace's spans on the trace view.

use egui_kittest::kittest::Queryable;
use firesight::load::Format;

use crate::common::data;
use crate::ui::{doc, open};

#[test]
fn every_new_format_opens_in_the_window() {
    let cases = [
        ("speedscope/shop.speedscope.json", Format::Speedscope, "time: 1.64 s total", "JSONEncoder.iterencode"),
        ("cpuprofile/node-shop.cpuprofile", Format::CpuProfile, "cpu time: 2.03 s total", "(garbage collector)"),
        ("valgrind/shop.callgrind.out", Format::Callgrind, "Ir: 82,122,491 total", "compute_checksum"),
        ("valgrind/heap.massif.out", Format::Massif, "useful heap at peak: 2.74 MiB total", "alloc_chunk"),
    ];
    for (rel, format, status, function) in cases {
        let h = open(&[data(rel)]);
        let d = doc(&h);
        assert_eq!(d.format, format.name(), "{rel}");
        h.get_by_label(status);
        assert!(h.query_all_by_label(function).count() > 0, "{rel}: {function} not shown");
    }
}

#[test]
fn massif_shows_heap_over_time_with_its_peak() {
    let h = open(&[data("valgrind/heap.massif.out")]);
    // ms_print: peak snapshot 32 at 6,463,921 instructions, 2,873,176 bytes.
    h.get_by_label_contains("Heap over time (67 snapshots, time in instructions): peak 2.74 MiB at 6,463,921");
}

#[test]
fn chrome_trace_opens_as_spans_per_thread() {
    let h = open(&[data("chrome-trace/viztracer-min50us.json")]);
    let d = doc(&h);
    assert_eq!(d.format, Format::ChromeTrace.name());
    let traces = &d.traces.as_ref().expect("a trace view").set;
    // Oracle: MainThread and cache-warmer, 4997 X events.
    assert_eq!(traces.traces.len(), 2);
    assert_eq!(traces.span_count(), 4997);
    assert!(h.query_all_by_label_contains("MainThread").count() > 0);
}
