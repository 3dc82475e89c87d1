//! Benchmark: pprof decode plus model build (`load::pprof::load_bytes`)
//! against a bare prost decode (`proto::Profile::decode`) of the same bytes.
//!
//! The input is generated (deterministically) the first time: a Go-like
//! service profile of at least `BENCH_MB` MB (default 64) of uncompressed
//! protobuf with two sample types (samples, cpu ns), 30 000 functions,
//! 60 000 locations (15 % with inlined lines), a call tree of 150 000
//! distinct paths 8 to ~40 frames deep under a runtime prefix, and labels
//! (endpoint x shard on most samples, a numeric `bytes` label on some).
//! Both sides start from the same bytes in memory; gzip is not timed.
//!
//! Run: `cargo bench --no-default-features --bench pprof_decode` (or
//! `benches/pprof_decode.sh`). Env: `BENCH_MB` (64), `BENCH_RUNS` (7),
//! `BENCH_FILE` (/tmp/firesight-bench/pprof-<MB>mb.pb), `BENCH_GENERATE_ONLY`
//! (write the file if missing and stop; benches/memory.sh uses it). Prints
//! each side's median and best time and the speed ratio bare/ours (target >= 0.80).

use std::time::{Duration, Instant};

use firesight::load::pprof::{load_bytes, proto};
use prost::Message;
use prost::bytes::Bytes;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn string(p: &mut proto::Profile, s: String) -> i64 {
    p.string_table.push(s.into_bytes());
    p.string_table.len() as i64 - 1
}

/// Builds the benchmark profile: at least `min_bytes` when encoded.
fn generate(min_bytes: usize) -> Vec<u8> {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    let mut p = proto::Profile { string_table: vec![Vec::new()], ..Default::default() };
    let ty = [
        string(&mut p, "samples".into()),
        string(&mut p, "count".into()),
        string(&mut p, "cpu".into()),
        string(&mut p, "nanoseconds".into()),
    ];
    p.sample_type =
        vec![proto::ValueType { r#type: ty[0], unit: ty[1] }, proto::ValueType { r#type: ty[2], unit: ty[3] }];
    p.period_type = Some(proto::ValueType { r#type: ty[2], unit: ty[3] });
    p.period = 10_000_000;
    p.duration_nanos = 60_000_000_000;
    for (i, name) in
        ["/srv/shop/bin/shopd", "/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libm.so.6", "[vdso]"]
            .iter()
            .enumerate()
    {
        let filename = string(&mut p, (*name).into());
        let base = (i as u64 + 1) << 32;
        p.mapping.push(proto::Mapping {
            id: i as u64 + 1,
            memory_start: base,
            memory_limit: base + (1 << 30),
            filename,
            has_functions: true,
            ..Default::default()
        });
    }
    let files: Vec<i64> =
        (0..400).map(|i| string(&mut p, format!("github.com/acme/shop/pkg{:03}/file{:02}.go", i / 4, i % 4))).collect();
    for id in 1..=30_000u64 {
        let name =
            string(&mut p, format!("github.com/acme/shop/pkg{:03}.(*Type{:02}).Method{:05}", id % 100, id % 37, id));
        let filename = files[(id % 400) as usize];
        p.function.push(proto::Function { id, name, system_name: name, filename, start_line: (id % 900) as i64 + 1 });
    }
    for id in 1..=60_000u64 {
        let lines = match r.below(100) {
            0..=84 => 1,
            85..=94 => 2,
            _ => 3,
        };
        let line = (0..lines)
            .map(|_| proto::Line { function_id: 1 + r.below(30_000), line: 1 + r.below(2_000) as i64, column: 0 })
            .collect();
        let mapping_id = if id % 50 == 0 { 2 } else { 1 };
        p.location.push(proto::Location {
            id,
            mapping_id,
            address: (mapping_id << 32) + id * 16,
            line,
            is_folded: false,
        });
    }
    // The call tree: a runtime prefix (locations 1..=8), then a random
    // recursive tree; node -> (parent, location id).
    let mut nodes: Vec<(usize, u64)> = vec![(usize::MAX, 1)];
    for l in 2..=8 {
        nodes.push((nodes.len() - 1, l));
    }
    let prefix = nodes.len();
    for _ in 0..150_000 {
        let parent = prefix - 1 + r.below((nodes.len() - prefix + 1) as u64) as usize;
        nodes.push((parent, 9 + r.below(59_992)));
    }
    let label_keys =
        [string(&mut p, "endpoint".into()), string(&mut p, "shard".into()), string(&mut p, "bytes".into())];
    let endpoints: Vec<i64> = (0..20).map(|i| string(&mut p, format!("/api/v1/resource{i:02}"))).collect();
    let shards: Vec<i64> = (0..8).map(|i| string(&mut p, format!("shard-{i}"))).collect();
    let bytes_unit = string(&mut p, "bytes".into());
    let mut size = p.encoded_len();
    let mut stack = Vec::new();
    while size < min_bytes {
        let mut n = prefix + r.below((nodes.len() - prefix) as u64) as usize;
        stack.clear();
        while n != usize::MAX {
            stack.push(nodes[n].1);
            n = nodes[n].0;
        }
        let count = 1 + r.below(20) as i64;
        let mut label = Vec::new();
        if r.below(10) < 8 {
            label.push(proto::Label { key: label_keys[0], str: endpoints[r.below(20) as usize], num: 0, num_unit: 0 });
            label.push(proto::Label { key: label_keys[1], str: shards[r.below(8) as usize], num: 0, num_unit: 0 });
        }
        if r.below(20) == 0 {
            label.push(proto::Label { key: label_keys[2], str: 0, num: 1 << r.below(16), num_unit: bytes_unit });
        }
        let s = proto::Sample { location_id: stack.clone(), value: vec![count, count * 10_000_000], label };
        size += s.encoded_len() + 4;
        p.sample.push(s);
    }
    p.encode_to_vec()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let mb: usize = std::env::var("BENCH_MB").ok().and_then(|s| s.parse().ok()).unwrap_or(64);
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|s| s.parse().ok()).unwrap_or(7).max(1);
    let file = std::env::var("BENCH_FILE").unwrap_or_else(|_| format!("/tmp/firesight-bench/pprof-{mb}mb.pb"));
    let path = std::path::Path::new(&file);
    if !path.exists() {
        eprintln!("generating {file} ({mb} MB) ...");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        }
        std::fs::write(path, generate(mb << 20)).unwrap_or_else(|e| panic!("{file}: {e}"));
    }
    if std::env::var_os("BENCH_GENERATE_ONLY").is_some() {
        return;
    }
    let data = Bytes::from(std::fs::read(path).unwrap_or_else(|e| panic!("{file}: {e}")));
    let (mut bare, mut lazy, mut ours) = (Vec::new(), Vec::new(), Vec::new());
    let mut info = String::new();
    if std::env::var_os("BENCH_PROFILE_OURS").is_some() {
        // For `perf record`: only our side, so its profile is not mixed with prost's.
        for _ in 0..runs {
            let t = Instant::now();
            let profile = load_bytes(data.clone(), None).unwrap_or_else(|e| panic!("load: {e}"));
            println!(
                "decode + model build: {:.1} ms ({} stacks)",
                t.elapsed().as_secs_f64() * 1e3,
                profile.stacks.len()
            );
        }
        return;
    }
    for _ in 0..runs {
        let t = Instant::now();
        let p = proto::Profile::decode(data.clone()).unwrap_or_else(|e| panic!("bare decode: {e}"));
        let n = p.sample.len();
        drop(p);
        bare.push(t.elapsed());
        let t = Instant::now();
        let tables = proto::ProfileTables::decode(data.clone()).unwrap_or_else(|e| panic!("tables: {e}"));
        let mut one = proto::Sample::default();
        for raw in &tables.sample {
            one.clear();
            one.merge(&raw[..]).unwrap_or_else(|e| panic!("sample: {e}"));
        }
        drop(tables);
        lazy.push(t.elapsed());
        let t = Instant::now();
        let profile = load_bytes(data.clone(), None).unwrap_or_else(|e| panic!("load: {e}"));
        let stacks = profile.stacks.len();
        drop(profile);
        ours.push(t.elapsed());
        info = format!("{n} samples, {stacks} distinct stacks");
    }
    let (b, o) = (median(bare.clone()), median(ours.clone()));
    let mbs = |d: Duration| data.len() as f64 / 1e6 / d.as_secs_f64();
    println!("input: {file}, {:.1} MB, {info}", data.len() as f64 / 1e6);
    println!(
        "bare prost decode:      median {:>8.1} ms  best {:>8.1} ms  ({:.0} MB/s)",
        b.as_secs_f64() * 1e3,
        bare.iter().min().map_or(0.0, |d| d.as_secs_f64() * 1e3),
        mbs(b)
    );
    let l = median(lazy);
    println!("decode one sample at a time, no model: median {:>6.1} ms", l.as_secs_f64() * 1e3);
    println!(
        "decode + model build:   median {:>8.1} ms  best {:>8.1} ms  ({:.0} MB/s)",
        o.as_secs_f64() * 1e3,
        ours.iter().min().map_or(0.0, |d| d.as_secs_f64() * 1e3),
        mbs(o)
    );
    println!("speed ratio (bare time / ours): {:.2} (target >= 0.80)", b.as_secs_f64() / o.as_secs_f64());
}
