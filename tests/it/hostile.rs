//! What a first hostile run found (issue 17 item 4): inputs whose errors
//! hid why, a FIFO nobody writes to, and a gzip that expands a
//! thousandfold. Inputs are generated here, small enough to keep the test fast.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use firesight::load::{self, Input, LoadOptions, Progress};

use crate::common::{load_bytes, run_cli};

fn error_of(bytes: Vec<u8>) -> String {
    match load_bytes(bytes, &LoadOptions::default()) {
        Ok(l) => panic!("loaded as {:?}", l.format),
        Err(e) => e.to_string(),
    }
}

#[test]
fn jaeger_spans_all_past_the_time_range_name_the_reason_and_the_first_span() {
    let spans: Vec<String> = (0..3)
        .map(|i| {
            format!(
                r#"{{"traceID":"a1","spanID":"b{i}","operationName":"op","references":[],"startTime":9223372036854775000,"duration":5,"processID":"p1"}}"#
            )
        })
        .collect();
    let json = format!(
        r#"{{"data":[{{"traceID":"a1","spans":[{}],"processes":{{"p1":{{"serviceName":"svc"}}}}}}]}}"#,
        spans.join(",")
    );
    let e = error_of(json.into_bytes());
    assert!(e.contains("all 3 spans of the file"), "{e}");
    assert!(e.contains("3 for a time in ns past 2^64"), "{e}");
    assert!(e.contains(r#"span "b0" startTime 9223372036854775000 µs"#), "{e}");
    // A duration past the range names the duration.
    let json = r#"{"data":[{"traceID":"a1","spans":[{"traceID":"a1","spanID":"c1","operationName":"op","startTime":1,"duration":18446744073709551615,"processID":"p1"}],"processes":{"p1":{"serviceName":"svc"}}}]}"#;
    let e = error_of(json.as_bytes().to_vec());
    assert!(e.contains(r#"span "c1" duration 18446744073709551615 µs"#), "{e}");
}

#[test]
fn otlp_spans_all_with_bad_ids_name_the_field_the_value_and_where() {
    let json = r#"{"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"spans":[{"traceId":"zz","spanId":"00f067aa0ba902b7","name":"GET /x","startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}"#;
    let e = error_of(json.as_bytes().to_vec());
    assert!(e.contains("all 1 were skipped"), "{e}");
    assert!(e.contains(r#"traceId "zz" of span "GET /x", in resourceSpans entry 1"#), "{e}");
}

#[test]
fn deeply_nested_or_broken_json_is_a_json_error_at_its_position() {
    let e = error_of(vec![b'['; 100_000]);
    assert!(e.contains("nested more than 128 levels"), "{e}");
    assert!(e.contains("byte offset 128"), "{e}");
    let e = error_of(br#"{"a": [1, 2,, 3]}"#.to_vec());
    // Broken on its first line: named as JSON that is not, with the position.
    assert!(e.contains("starts like JSON but is not") && e.contains("line 1 column 13"), "{e}");
}

#[cfg(unix)]
#[test]
fn the_cli_says_it_waits_on_a_fifo_and_reads_what_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("stacks.fifo");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(status.success());
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || {
        // Opening for writing waits for the reader, as the shell's `<(...)` does.
        let mut f = std::fs::OpenOptions::new().write(true).open(&writer_path).unwrap();
        f.write_all(b"main;work 3\nmain;idle 1\n").unwrap();
    });
    let (code, out, err) = run_cli(&["fold", fifo.to_str().unwrap()]);
    writer.join().unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("is a FIFO: waiting for a process to write to it"), "{err}");
    assert_eq!(out, "main;idle 1\nmain;work 3\n");
}

#[test]
fn a_gzip_that_expands_reports_its_decompressed_bytes_while_it_loads() {
    // 8 MiB of folded lines gzip to a few KiB: the progress counts both.
    let line = b"main;parse;lex 1\n";
    let mut raw = Vec::with_capacity(8 << 20);
    while raw.len() < 8 << 20 {
        raw.extend_from_slice(line);
    }
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&raw).unwrap();
    let gz = enc.finish().unwrap();
    assert!(gz.len() < 200_000, "{}", gz.len());
    let progress = Arc::new(Progress::default());
    let mut input =
        Input::from_reader(std::io::Cursor::new(gz.clone()), None, Arc::clone(&progress), 1 << 16, 1 << 30).unwrap();
    let loaded = load::load_input(&mut input, &LoadOptions::default()).unwrap();
    assert_eq!(loaded.profile.total(loaded.profile.default_metric), (raw.len() / line.len()) as i128);
    assert_eq!(progress.bytes_decompressed.load(Ordering::Relaxed), raw.len() as u64);
    assert_eq!(progress.bytes_read.load(Ordering::Relaxed), gz.len() as u64);
}

#[test]
fn a_perf_script_cut_off_inside_a_sample_says_so() {
    // Two samples; the file stops after the second one's first frame line.
    let whole = "app 7/7 [001] 1.000000: 1000 cpu-clock:u: \n\t1000 leaf+0x0 (/bin/app)\n\t2000 main+0x0 (/bin/app)\n\n\
                 app 7/7 [001] 1.001000: 1000 cpu-clock:u: \n\t1000 leaf+0x0 (/bin/app)\n";
    let p = load_bytes(whole.as_bytes().to_vec(), &LoadOptions::default()).unwrap().profile;
    assert_eq!(p.samples.len(), 2);
    let w: Vec<_> = p.warnings.iter().filter(|w| w.message.contains("ends inside this sample")).collect();
    assert_eq!(w.len(), 1, "{:?}", p.warnings);
    assert_eq!(w[0].line, Some(5));
    // A whole file says nothing of the kind.
    let p = load_bytes(format!("{whole}\t2000 main+0x0 (/bin/app)\n\n").into_bytes(), &LoadOptions::default())
        .unwrap()
        .profile;
    assert_eq!(p.warnings_total, 0, "{:?}", p.warnings);
}
