//! The per-file table beside the syscall table: for a trace whose file
//! descriptors are named (`strace -y`/`-yy`), each file or socket with its
//! calls, errors, total, average and maximum time and share of all syscall
//! time; hovering a path lists its calls by system call. Draws only: the
//! rows come from [`crate::analysis::syscalls`].

use egui::Ui;
use egui_extras::{Column, TableBuilder};

use crate::analysis::syscalls::SyscallTable;

/// The table of `t.files` (nothing when the trace names no file).
pub fn ui(ui: &mut Ui, t: &SyscallTable) {
    if t.files.is_empty() {
        return;
    }
    let all = t.total_ns();
    let headers = ["File or socket", "Calls", "Errors", "Total", "Average", "Maximum", "Share"];
    let mut table = TableBuilder::new(ui)
        .min_scrolled_height(0.0)
        .id_salt("syscall_file_table")
        .striped(true)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::remainder().at_least(140.0).clip(true));
    for w in crate::ui::profile::waits::NUMBER_COLUMNS {
        table = table.column(Column::exact(w));
    }
    table.header(22.0, |mut h| super::waits::header_cells(&mut h, &headers)).body(|body| {
        body.rows(20.0, t.files.len(), |mut row| {
            let r = &t.files[row.index()];
            row.col(|ui| {
                let calls: Vec<String> = r.by_syscall.iter().map(|(n, c)| format!("{n} {c}")).collect();
                let errs: Vec<String> = r.errnos.iter().map(|(e, n)| format!("{e} {n}")).collect();
                let mut hover = format!("{}\ncalls: {}", r.name, calls.join(", "));
                if !errs.is_empty() {
                    hover.push_str(&format!("\nerrors: {}", errs.join(", ")));
                }
                ui.add(egui::Label::new(&r.name).truncate()).on_hover_text(hover);
            });
            super::waits::number_cells(&mut row, r, all);
        });
    });
}
