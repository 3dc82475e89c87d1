//! The label filter's analysis ([`firesight::analysis::labels`]) headless:
//! shares that follow the picks of the other keys, the "(none)" row of each
//! key, and the sentence for picks that keep nothing; and the CLI's
//! `--no-tag`, which keeps what the "(none)" row keeps.
//!
//! `tests/data/pprof/shop-labels.pb.gz` is built here with prost (like
//! `synthetic.pb.gz`) so that two keys have an empty intersection, which no
//! recorded profile at hand has: a shop whose `/orders` samples are never
//! `tier=premium`. `FIRESIGHT_BLESS=1 cargo test` rewrites it after a change.
//! Its samples (weights `samples` and `cpu`, 10 ms each):
//!
//! | endpoint | tier | samples | leaf |
//! |---|---|---|---|
//! | /orders | free | 40 | main.queryOrders |
//! | /orders | (none) | 10 | encoding/json.Marshal |
//! | /cart | premium | 20 | main.renderPremium |
//! | /cart | free | 15 | main.handleCart |
//! | (none) | (none) | 15 | runtime.gcBgMarkWorker |

// Tests stop at the first broken expectation.
#![allow(clippy::expect_used)]

use std::io::{Read, Write};

use firesight::analysis::labels::{LabelShares, empty_filter_text, label_shares, picks_of, with_picks};
use firesight::analysis::sample_count::count_samples;
use firesight::load::pprof::proto;
use firesight::model::{CallTree, MetricId, SampleFilter};
use prost::Message;

use super::synthetic::Make;
use super::{data, load};

/// The shop profile's protobuf bytes (uncompressed).
pub fn shop_labels_bytes() -> Vec<u8> {
    let mut m = Make::default();
    m.s(b"");
    let (samples, count, cpu, ns) = (m.s(b"samples"), m.s(b"count"), m.s(b"cpu"), m.s(b"nanoseconds"));
    m.p.sample_type =
        vec![proto::ValueType { r#type: samples, unit: count }, proto::ValueType { r#type: cpu, unit: ns }];
    m.p.period_type = Some(proto::ValueType { r#type: cpu, unit: ns });
    m.p.period = 10_000_000;
    m.p.duration_nanos = 1_000_000_000;
    let app = m.s(b"/usr/bin/shop");
    m.p.mapping.push(proto::Mapping { id: 1, memory_limit: 0x10_0000, filename: app, ..Default::default() });
    let names: [&[u8]; 7] = [
        b"main.main",
        b"main.handleOrders",
        b"main.queryOrders",
        b"encoding/json.Marshal",
        b"main.handleCart",
        b"main.renderPremium",
        b"runtime.gcBgMarkWorker",
    ];
    for (i, n) in names.iter().enumerate() {
        m.function(i as u64 + 1, n);
        m.location(i as u64 + 1, 1, &[i as u64 + 1]);
    }
    let (endpoint, tier) = (m.s(b"endpoint"), m.s(b"tier"));
    let (orders, cart, free, premium) = (m.s(b"/orders"), m.s(b"/cart"), m.s(b"free"), m.s(b"premium"));
    let label = |key, str| proto::Label { key, str, num: 0, num_unit: 0 };
    let rows: [(&[u64], Vec<proto::Label>, usize); 5] = [
        (&[3, 2, 1], vec![label(endpoint, orders), label(tier, free)], 40),
        (&[4, 2, 1], vec![label(endpoint, orders)], 10),
        (&[6, 5, 1], vec![label(endpoint, cart), label(tier, premium)], 20),
        (&[5, 1], vec![label(endpoint, cart), label(tier, free)], 15),
        (&[7], vec![], 15),
    ];
    for (stack, labels, n) in rows {
        for _ in 0..n {
            m.sample(stack, [1, 10_000_000], labels.clone());
        }
    }
    m.p.encode_to_vec()
}

#[test]
fn shop_labels_profile_file_is_current() {
    let want = shop_labels_bytes();
    let path = data("shop-labels.pb.gz");
    if std::env::var_os("FIRESIGHT_BLESS").is_some() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&want).unwrap_or_default();
        std::fs::write(&path, gz.finish().unwrap_or_default()).unwrap_or_default();
    }
    let mut got = Vec::new();
    let file = std::fs::read(&path).unwrap_or_default();
    flate2::read::GzDecoder::new(&file[..]).read_to_end(&mut got).unwrap_or_default();
    assert!(got == want, "tests/data/pprof/shop-labels.pb.gz is stale: rerun with FIRESIGHT_BLESS=1");
}

/// `key`'s rows as (value, weight in ms), values then "(none)".
fn rows(shares: &LabelShares, key: &str) -> Vec<(String, i128)> {
    let k = shares.keys.iter().find(|k| k.key == key).expect("key");
    let mut out: Vec<(String, i128)> = k.values.iter().map(|v| (v.value.clone(), v.weight / 1_000_000)).collect();
    if let Some(n) = k.none {
        out.push(("(none)".to_string(), n.weight / 1_000_000));
    }
    out
}

fn owned(v: &[(&str, i128)]) -> Vec<(String, i128)> {
    v.iter().map(|(s, w)| (s.to_string(), *w)).collect()
}

fn picked(picks: &[(&str, Option<&str>)]) -> SampleFilter {
    let picks: Vec<(String, Option<String>)> =
        picks.iter().map(|(k, v)| (k.to_string(), v.map(str::to_string))).collect();
    with_picks(&SampleFilter::default(), &picks)
}

#[test]
fn shares_follow_the_other_keys_picks_and_every_key_has_a_none_row() {
    let p = load(&data("shop-labels.pb.gz"));
    let cpu = MetricId::from_index(1);
    assert_eq!(p.metric(cpu).name, "cpu");

    let all = label_shares(&p, cpu, &SampleFilter::default());
    assert_eq!(all.total, 1_000_000_000);
    assert_eq!(rows(&all, "endpoint"), owned(&[("/orders", 500), ("/cart", 350), ("(none)", 150)]));
    assert_eq!(rows(&all, "tier"), owned(&[("free", 550), ("premium", 200), ("(none)", 250)]));
    assert!(all.keys.iter().all(|k| k.total == 1_000_000_000 && !k.narrowed));

    // endpoint=/orders: tier splits the /orders samples; endpoint itself still lists every endpoint.
    let orders = label_shares(&p, cpu, &picked(&[("endpoint", Some("/orders"))]));
    assert_eq!(rows(&orders, "endpoint"), rows(&all, "endpoint"));
    assert_eq!(rows(&orders, "tier"), owned(&[("free", 400), ("premium", 0), ("(none)", 100)]));
    let tier = orders.keys.iter().find(|k| k.key == "tier").expect("tier");
    assert_eq!((tier.total, tier.narrowed), (500_000_000, true));

    // Both: nothing is kept, and each key shows what the other leaves.
    let both = picked(&[("endpoint", Some("/orders")), ("tier", Some("premium"))]);
    let shares = label_shares(&p, cpu, &both);
    assert_eq!(rows(&shares, "endpoint"), owned(&[("/cart", 200), ("/orders", 0), ("(none)", 0)]));
    assert_eq!(rows(&shares, "tier"), rows(&orders, "tier"));
    let count = count_samples(&p, cpu, &both);
    assert_eq!((count.kept, count.matching, count.in_metric), (0, 0, 100));
    assert_eq!(CallTree::build(&p, cpu, &both).total(), 0);
    assert_eq!(
        empty_filter_text(&picks_of(&both), count.matching, "cpu"),
        "no sample has both endpoint=/orders and tier=premium"
    );

    // The "(none)" row of tier as a pick: the samples without a tier.
    let no_tier = picked(&[("tier", None)]);
    assert_eq!(CallTree::build(&p, cpu, &no_tier).total(), 250_000_000);
    assert_eq!(count_samples(&p, cpu, &no_tier).kept, 25);
    let shares = label_shares(&p, cpu, &no_tier);
    assert_eq!(rows(&shares, "endpoint"), owned(&[("/orders", 100), ("/cart", 0), ("(none)", 150)]));
    let none_and_cart = picked(&[("endpoint", Some("/cart")), ("tier", None)]);
    assert_eq!(
        empty_filter_text(&picks_of(&none_and_cart), 0, "cpu"),
        "no sample has both endpoint=/cart and no tier label"
    );
}

#[test]
fn a_real_cpu_profile_has_a_none_row_for_samples_without_an_endpoint() {
    // Oracle (go tool pprof via the generated set's JSON): cpu 7.65 s in all,
    // endpoint=/orders 5.22 s, endpoint=/cart 1.83 s; so 0.60 s carry no endpoint.
    let p = load(&data("generated/cpu.pb.gz"));
    let cpu = p.metrics.iter().position(|m| m.name == "cpu").map(MetricId::from_index).expect("cpu");
    let shares = label_shares(&p, cpu, &SampleFilter::default());
    let endpoint = shares.keys.iter().find(|k| k.key == "endpoint").expect("endpoint");
    let none = endpoint.none.expect("a (none) row");
    assert_eq!(none.weight, 7_650_000_000 - 5_220_000_000 - 1_830_000_000);
    let no_endpoint = picked(&[("endpoint", None)]);
    assert_eq!(CallTree::build(&p, cpu, &no_endpoint).total(), none.weight);
    assert_eq!(count_samples(&p, cpu, &no_endpoint).kept, none.samples);
}

#[test]
fn the_cli_no_tag_keeps_what_the_none_row_keeps() {
    let file = data("shop-labels.pb.gz");
    let file = file.to_str().expect("utf-8 path");
    let (code, out, _) = crate::common::run_cli(&["top", file, "--metric", "cpu", "--no-tag", "tier", "--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let names: Vec<&str> = v["functions"].as_array().expect("rows").iter().filter_map(|f| f["name"].as_str()).collect();
    assert!(names.contains(&"runtime.gcBgMarkWorker") && names.contains(&"encoding/json.Marshal"), "{names:?}");
    assert!(!names.contains(&"main.renderPremium"), "{names:?}");
    let (code, _, err) =
        crate::common::run_cli(&["top", file, "--metric", "cpu", "--tag", "endpoint=/orders", "--tag", "tier=premium"]);
    assert_eq!(code, 0);
    assert!(err.contains("no sample carries endpoint=/orders and tier=premium"), "{err}");
}
