//! The waiting half of a profile, above its flamegraph: the syscall table
//! (strace files, perf `syscalls:` tracepoints), the lock table (pprof
//! mutex/block profiles), and the on-CPU/off-CPU split the status bar
//! shows. Computed on the load worker ([`crate::analysis::waits`]); this
//! only draws.

use egui::Ui;
use egui_extras::{Column, TableBuilder};

use crate::analysis::locks::LockTable;
use crate::analysis::syscalls::{self, SyscallTable};
pub use crate::analysis::waits::Waits;
use crate::model::{Unit, units};

fn ns(n: u64) -> String {
    units::format_weight(&Unit::Nanoseconds, i128::from(n), 0)
}

/// The table panel's contents.
pub fn ui(ui: &mut Ui, waits: &Waits) {
    if let Some(t) = &waits.syscalls {
        syscalls_ui(ui, t);
    } else if let Some(t) = &waits.locks {
        locks_ui(ui, t);
    }
}

/// A small latency histogram: one bar per power-of-two bucket.
fn histogram_ui(ui: &mut Ui, h: &[u64; syscalls::BUCKETS]) {
    let max = h.iter().copied().max().unwrap_or(0).max(1);
    let first = h.iter().position(|&c| c > 0).unwrap_or(0);
    let last = h.iter().rposition(|&c| c > 0).unwrap_or(0);
    let (rect, resp) = ui.allocate_exact_size(egui::vec2(120.0, 16.0), egui::Sense::hover());
    let n = (last + 1 - first).max(1) as f32;
    let w = rect.width() / n;
    for (k, &c) in h.iter().enumerate().take(last + 1).skip(first) {
        let frac = c as f32 / max as f32;
        let x = rect.left() + (k - first) as f32 * w;
        let bar = egui::Rect::from_min_max(
            egui::pos2(x, rect.bottom() - rect.height() * frac),
            egui::pos2(x + w - 1.0, rect.bottom()),
        );
        ui.painter().rect_filled(bar, 0.0, ui.visuals().selection.bg_fill);
    }
    let text: Vec<String> = h
        .iter()
        .enumerate()
        .filter(|&(_, &c)| c > 0)
        .map(|(k, c)| match syscalls::bucket_upper_ns(k) {
            Some(u) => format!("< {}: {c}", ns(u)),
            None => format!("longer: {c}"),
        })
        .collect();
    resp.on_hover_text(format!("Calls by latency\n{}", text.join("\n")));
}

/// A table's header row: each title in bold.
pub(super) fn header_cells(h: &mut egui_extras::TableRow, titles: &[&str]) {
    for t in titles {
        h.col(|ui| {
            ui.strong(*t);
        });
    }
}

/// A syscall row's number columns (calls, errors, total, average, maximum,
/// share of `all`), right-aligned, in [`NUMBER_COLUMNS`]' widths.
pub(super) fn number_cells(row: &mut egui_extras::TableRow, r: &syscalls::SyscallRow, all: u64) {
    for text in [
        units::format_int(r.calls),
        units::format_int(r.errors),
        ns(r.total_ns),
        ns(r.avg_ns()),
        ns(r.max_ns),
        format!("{:.1}%", r.share(all) * 100.0),
    ] {
        row.col(|ui| {
            crate::ui::table_fit::number_cell(ui, text, 0.0);
        });
    }
}

/// Widths of the calls, errors, total, average, maximum and share columns,
/// px: room for `4,045`, `859.7 ms`, `39.5%` and their headers, so the
/// per-file table fits beside the syscall table.
pub const NUMBER_COLUMNS: [f32; 6] = [56.0, 50.0, 68.0, 68.0, 70.0, 48.0];

fn syscalls_ui(ui: &mut Ui, t: &SyscallTable) {
    let all = t.total_ns();
    ui.label(format!(
        "{} system calls, {} failed, {} in calls{}",
        units::format_int(t.calls()),
        units::format_int(t.errors()),
        ns(all),
        match t.source {
            syscalls::Source::Strace => " (strace -T)",
            syscalls::Source::PerfTracepoints => " (perf sys_enter/sys_exit pairs)",
        }
    ));
    if t.files.is_empty() {
        syscall_rows_ui(ui, t, all);
        return;
    }
    // Per system call on the left, per file or socket (`-y`) on the right.
    egui_extras::StripBuilder::new(ui)
        .size(egui_extras::Size::relative(0.5).at_least(420.0))
        .size(egui_extras::Size::remainder().at_least(300.0))
        .horizontal(|mut strip| {
            strip.cell(|ui| syscall_rows_ui(ui, t, all));
            strip.cell(|ui| {
                ui.push_id("syscall_files", |ui| crate::ui::profile::syscall_files::ui(ui, t));
            });
        });
}

fn syscall_rows_ui(ui: &mut Ui, t: &SyscallTable, all: u64) {
    let headers = ["Syscall", "Calls", "Errors", "Total", "Average", "Maximum", "Share", "Latency"];
    let mut table = TableBuilder::new(ui)
        .min_scrolled_height(0.0)
        .id_salt("syscall_table")
        .striped(true)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::initial(130.0).at_least(80.0).resizable(true).clip(true));
    for w in crate::ui::profile::waits::NUMBER_COLUMNS {
        table = table.column(Column::exact(w));
    }
    table.column(Column::exact(124.0)).header(22.0, |mut h| header_cells(&mut h, &headers)).body(|body| {
        body.rows(20.0, t.rows.len(), |mut row| {
            let r = &t.rows[row.index()];
            row.col(|ui| {
                let errs: Vec<String> = r.errnos.iter().map(|(e, n)| format!("{e} {n}")).collect();
                let hover =
                    if errs.is_empty() { r.name.clone() } else { format!("{}\nerrors: {}", r.name, errs.join(", ")) };
                ui.label(&r.name).on_hover_text(hover);
            });
            number_cells(&mut row, r, all);
            row.col(|ui| histogram_ui(ui, &r.histogram));
        });
    });
}

fn locks_ui(ui: &mut Ui, t: &LockTable) {
    let holders = t.charged_to_holders();
    let whose = if holders { ", charged where the lock was unlocked (a mutex profile records the holder)" } else { "" };
    ui.label(format!(
        "{} waited over {} contentions{whose}",
        units::format_weight(&Unit::Nanoseconds, t.total_delay_ns, 0),
        t.total_contentions
    ));
    let headers = if holders {
        ["Holding site", "Unlocks in", "Delay", "Contentions", "Share", "Callers that hold most"]
    } else {
        ["Waiting site", "Waits in", "Delay", "Contentions", "Share", "Callers that wait most"]
    };
    TableBuilder::new(ui)
        .min_scrolled_height(0.0)
        .id_salt("lock_table")
        .striped(true)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::initial(200.0).resizable(true))
        .column(Column::initial(170.0).resizable(true))
        .columns(Column::auto().at_least(80.0), 3)
        .column(Column::remainder())
        .header(22.0, |mut h| header_cells(&mut h, &headers))
        .body(|body| {
            body.rows(20.0, t.rows.len(), |mut row| {
                let r = &t.rows[row.index()];
                row.col(|ui| {
                    ui.label(&r.site);
                });
                row.col(|ui| {
                    ui.label(&r.primitive);
                });
                for text in [
                    units::format_weight(&Unit::Nanoseconds, r.delay_ns, 0),
                    r.contentions.to_string(),
                    format!("{:.1}%", t.share(r) * 100.0),
                ] {
                    row.col(|ui| {
                        crate::ui::table_fit::number_cell(ui, text, 0.0);
                    });
                }
                row.col(|ui| {
                    let c: Vec<String> = r.callers.iter().map(|(n, _)| n.clone()).collect();
                    ui.label(c.join(", "));
                });
            });
        });
}
