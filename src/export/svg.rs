//! Flamegraph SVG through inferno's `flamegraph::from_lines` (jonhoo/inferno),
//! fed the folded lines of [`super::folded`].

use std::io;
use std::path::Path;

use inferno::flamegraph::{self, Options};

use crate::model::calltree::SampleFilter;
use crate::model::{MetricId, Profile};

/// Writes a flamegraph SVG of `profile`'s `metric` to `out` (atomically),
/// titled `title`. Errors: nothing to draw (all weights zero), an inferno
/// error, or an I/O error writing `out`.
pub fn write_svg(
    profile: &Profile,
    metric: MetricId,
    filter: &SampleFilter,
    title: &str,
    out: &Path,
) -> io::Result<()> {
    let lines = super::folded::fold(profile, metric, filter);
    if lines.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "nothing to draw: every stack weighs 0 for this metric",
        ));
    }
    let m = profile.metric(metric);
    let text: Vec<String> = lines.iter().map(|(s, w)| format!("{s} {}", m.format_exact(*w))).collect();
    let mut opts = Options::default();
    opts.title = title.to_string();
    opts.count_name = format!("{} ({})", m.name, m.unit.name());
    super::write_atomically(out, |w| {
        flamegraph::from_lines(&mut opts, text.iter().map(String::as_str), w).map_err(io::Error::other)
    })
}
