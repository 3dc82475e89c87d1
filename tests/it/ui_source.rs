//! The source view, driven through egui_kittest on the real app: a double
//! click on a hot-table row opens the function's source with self and
//! total per line (the numbers `go tool pprof -list` gives, see
//! tests/it/source_lines.rs; for callgrind, `callgrind_annotate`'s, see
//! tests/it/source_lines_formats.rs), and a file that cannot be found still shows
//! the line table with where it was looked for.

use std::path::PathBuf;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use firesight::ui::FiresightApp;
use firesight::ui::command::Command;

use crate::common::data;
use crate::ui::{doc, open, settle};

/// Double-clicks the first row labelled `label` (two clicks in one frame)
/// and lets the source view open.
fn double_click_row(h: &mut Harness<'static, FiresightApp>, label: &str) {
    let row = h.query_all_by_label(label).next().expect("a hot-table row");
    row.click();
    row.click();
    settle(h);
    settle(h);
}

fn go_shop(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-profiles/go-shop").join(name)
}

#[test]
fn double_clicking_a_row_opens_its_source_with_the_hottest_lines_numbers() {
    let mut h = open(&[go_shop("cpu.pb.gz")]);
    assert!(!doc(&h).source.open);
    double_click_row(&mut h, "main.renderTree");
    let d = doc(&h);
    assert!(d.source.open);
    let listing = d.source.listing.as_ref().expect("the listing was built");
    assert_eq!(listing.name, "main.renderTree");
    let file = &listing.files[0].lines;
    // go tool pprof -list: line 59 flat 120ms cum 120ms, line 65 cum 130ms (the recursive call).
    let l59 = file.lines.iter().find(|l| l.line == 59).expect("line 59");
    assert_eq!((l59.self_weight, l59.total), (120_000_000, 120_000_000));
    assert_eq!(file.inclusive, 130_000_000, "the function's total counts each sample once");
    // Drawn: where the file was found, the hottest line's text and numbers.
    h.get_by_label_contains("sample-profiles/go-shop/main.go");
    h.get_by_label_contains("s += i * i % 7");
    assert!(h.query_all_by_label("120.0 ms").count() >= 2, "self and total of line 59");
    h.get_by_label_contains("self 130.0 ms · total 130.0 ms (13.98% of all cpu)");
    // The close button hides the view.
    h.get_by_label("✖").click();
    settle(&mut h);
    assert!(!doc(&h).source.open);
}

#[test]
fn a_callgrind_rows_source_shows_ir_per_line_as_callgrind_annotate() {
    // Recorded at /tmp/gaps-cg/kvstore.c; found through a source folder
    // holding gaps-cg/kvstore.c (the recorded path's folder and file).
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("gaps-cg")).expect("mkdir");
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-profiles/src/kvstore.c");
    std::fs::copy(src, dir.path().join("gaps-cg/kvstore.c")).expect("copy the source");
    let mut h = open(&[data("callgrind/kvstore-O1.callgrind.out")]);
    h.state_mut().apply(Command::SetSourceFolders(vec![dir.path().to_path_buf()]));
    h.run();
    double_click_row(&mut h, "merge");
    let d = doc(&h);
    assert!(d.source.open);
    let listing = d.source.listing.as_ref().expect("the listing was built");
    assert_eq!(listing.name, "merge");
    let file = &listing.files[0].lines;
    assert_eq!(file.file, "/tmp/gaps-cg/kvstore.c");
    // callgrind_annotate --auto=yes (tests/data/callgrind/oracle): line 104
    // 10,999,626 Ir; line 107 458,742 Ir and its memcpy calls 1,965,427.
    let line = |n: u32| file.lines.iter().find(|l| l.line == n).map(|l| (l.self_weight, l.total));
    assert_eq!(line(104), Some((10_999_626, 10_999_626)));
    assert_eq!(line(107), Some((458_742, 458_742 + 1_964_610 + 817)));
    h.get_by_label_contains("while (i < mid && j < hi) tmp[k++]");
    assert!(h.query_all_by_label("10,999,626").count() >= 2, "self and total of line 104");
    // --inclusive=yes: merge 15,214,413 Ir of 97,182,010.
    h.get_by_label_contains("self 13,248,986 · total 15,214,413 (15.66% of all Ir)");
}

#[test]
fn a_source_file_that_cannot_be_found_keeps_the_line_table_and_says_where_it_looked() {
    // Recorded at /srv/shop/go-shopd/main.go, which is nowhere on this machine.
    let mut h = open(&[data("pprof/generated/cpu.pb.gz")]);
    let f = {
        let d = doc(&h);
        d.profile.frames.iter().find(|(_, f)| f.name == "main.databaseQuery").map(|(id, _)| id).expect("frame")
    };
    h.state_mut().apply(Command::ShowSource(Some(f)));
    settle(&mut h);
    settle(&mut h);
    let d = doc(&h);
    let listing = d.source.listing.as_ref().expect("listing");
    assert!(!listing.files[0].lines.lines.is_empty());
    h.get_by_label_contains("source file /srv/shop/go-shopd/main.go not found; looked at");
    // The lines with a weight are still listed: the hottest line's number is shown.
    let hottest = firesight::analysis::source_lines::hottest_line(&listing.files[0].lines).expect("a line");
    h.get_by_label(&hottest.to_string());
}

#[test]
fn source_folders_are_added_from_the_view_menu_and_persist() {
    let mut h = open(&[go_shop("cpu.pb.gz")]);
    h.get_by_label("View").click();
    h.run();
    h.get_by_label("Source folders…").click();
    h.run();
    h.get_by_label_contains("No folders yet");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-profiles");
    h.state_mut().apply(Command::SetSourceFolders(vec![dir.clone()]));
    h.run();
    assert_eq!(h.state().settings().source_dirs, vec![dir.clone()]);
    h.get_by_label(&dir.display().to_string());
}
