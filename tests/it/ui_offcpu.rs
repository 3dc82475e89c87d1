//! The window on the waiting half: a perf file with context switches offers
//! the `off-cpu` and `wall` metrics and draws off-CPU boxes blue; an strace
//! file opens on its syscall table; a mutex profile shows its lock table.

use egui_kittest::kittest::Queryable;
use firesight::ui::theme;

use crate::common::data;
use crate::ui::{doc, open, settle};

#[test]
fn perf_file_with_switches_shows_off_cpu_and_wall_in_blue() {
    let mut h = open(&[data("offcpu/shop-switch-fields.perf.txt.gz")]);
    let names: Vec<String> = doc(&h).profile.metrics.iter().map(|m| m.name.clone()).collect();
    assert!(names.iter().any(|n| n == "off-cpu") && names.iter().any(|n| n == "wall"), "{names:?}");
    // The status bar says how the time splits.
    assert!(h.query_by_label_contains("off-CPU 431.0 ms").is_some());
    let combo = h.get_by_role(egui::accesskit::Role::ComboBox);
    combo.click();
    h.run();
    h.get_by_label("wall (nanoseconds)").click();
    settle(&mut h);
    let d = doc(&h);
    assert_eq!(d.metric().name, "wall");
    assert_eq!(d.tree.total(), 201_201_201 + 430_971_000);
    // Off-CPU boxes are in the tree, and their colour is blue.
    let off = d.profile.frames.iter().find(|(_, f)| f.name.starts_with("[off-CPU S")).expect("an off-CPU frame");
    assert!(d.tree.nodes.iter().any(|n| n.frame == Some(off.0)));
    let c = theme::frame_color(&off.1.name, off.1.kind);
    assert!(c.b() > 200 && c.b() > c.r() + 80 && c.b() > c.g() + 60, "{c:?}");
}

#[test]
fn strace_file_opens_on_the_syscall_table() {
    let h = open(&[data("syscalls/shop.strace.txt.gz")]);
    let d = doc(&h);
    assert_eq!(d.format, "strace");
    assert!(d.waits_open);
    let t = d.waits.syscalls.as_ref().expect("a syscall table");
    assert_eq!(t.rows[0].name, "clock_nanosleep");
    h.get_by_label("Syscall table");
    // In the table (and in the flamegraph and hot table below it).
    assert!(h.query_all_by_label("clock_nanosleep").count() >= 2);
    h.get_by_label("Average");
    assert!(h.query_by_label_contains("2,422 system calls").is_some());
}

#[test]
fn mutex_profile_shows_the_lock_table() {
    let h = open(&[data("pprof/generated/mutex.pb.gz")]);
    assert!(doc(&h).waits.locks.is_some());
    h.get_by_label("Lock table");
    assert!(h.query_all_by_label("main.reserveInventory").count() >= 2);
    // Go's mutex profile records the goroutine that unlocked: holders.
    h.get_by_label("Callers that hold most");
    h.get_by_label("Holding site");
    assert!(h.query_by_label_contains("charged where the lock was unlocked").is_some());
}

#[test]
fn strace_yy_file_shows_the_per_file_table_beside_the_syscall_table() {
    let h = open(&[data("syscalls/shop-yy.strace.txt.gz")]);
    let t = doc(&h).waits.syscalls.clone().expect("a syscall table");
    // The oracle's heaviest path (`per_fd_path` of shop-yy.strace.txt.json).
    assert_eq!(t.files[0].name, "pipe:[718912]");
    assert_eq!((t.files[0].calls, t.files[0].total_ns), (110, 39_490_000));
    h.get_by_label("File or socket");
    h.get_by_label("Syscall");
    // In the file table (and the label panel's `path` values).
    assert!(h.query_all_by_label("pipe:[718912]").count() >= 1);
    assert!(h.query_all_by_label("/tmp/perf_shop_Yp0Ta4").count() >= 1);
    // The pipe's row: 110 calls, 39.5 ms, its share of all syscall time.
    assert!(h.query_all_by_label("110").count() >= 1);
    assert!(h.query_all_by_label("39.49 ms").count() >= 1 || h.query_all_by_label("39.5 ms").count() >= 1);
}
