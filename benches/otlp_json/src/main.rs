//! Driver for `benches/otlp_json.sh`: one mode per command, so hyperfine
//! times each as a whole process on the same file.
//!
//! - `otlp-json-bench baseline FILE`: `std::fs::read` and a bare serde_json
//!   decode into opentelemetry-proto's `ExportTraceServiceRequest` (its
//!   `with-serde` types), nothing else.
//! - `otlp-json-bench firesight FILE`: Firesight's `load_path`: read, sniff,
//!   lenient decode, trace trees and the profile projection.
//!
//! Both print the number of spans.

use std::sync::Arc;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(mode), Some(path)) = (args.next(), args.next()) else {
        return Err("usage: otlp-json-bench baseline|firesight FILE".into());
    };
    let spans = match mode.as_str() {
        "baseline" => {
            let bytes = std::fs::read(&path)?;
            let req: ExportTraceServiceRequest = serde_json::from_slice(&bytes)?;
            req.resource_spans.iter().flat_map(|r| &r.scope_spans).map(|s| s.spans.len()).sum::<usize>()
        }
        "firesight" => {
            let opts = firesight::load::LoadOptions::default();
            let progress = Arc::new(firesight::load::Progress::default());
            let loaded = firesight::load::load_path(path.as_ref(), &opts, progress)?;
            loaded.traces.map_or(0, |t| t.span_count())
        }
        _ => return Err(format!("unknown mode {mode}").into()),
    };
    println!("{spans} spans");
    Ok(())
}
