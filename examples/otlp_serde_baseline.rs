//! The benchmark baseline for `benches/otlp_json.sh`: a bare serde_json
//! decode of an OTLP/JSON file into opentelemetry-proto's
//! `ExportTraceServiceRequest` (its `with-serde` types), nothing else.
//!
//! Usage: `otlp_serde_baseline FILE`; prints the number of spans decoded.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: otlp_serde_baseline FILE")?;
    let bytes = std::fs::read(path)?;
    let req: ExportTraceServiceRequest = serde_json::from_slice(&bytes)?;
    let spans: usize = req.resource_spans.iter().flat_map(|r| &r.scope_spans).map(|s| s.spans.len()).sum();
    println!("{spans} spans");
    Ok(())
}
