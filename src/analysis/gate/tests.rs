use super::*;
use crate::analysis::compare::{CompareOptions, Side};
use crate::analysis::diff::Diff;
use crate::model::frame::FrameRef;
use crate::model::{FrameKind, MetricId, Profile, ProfileBuilder};

fn profile(unit: Unit, samples: &[(&str, Weight)]) -> Profile {
    let mut b = ProfileBuilder::new("test");
    let m = b.add_metric("m", unit);
    for &(stack, w) in samples {
        let mut s = None;
        for name in stack.split(';') {
            let f = b.frame(FrameRef::new(name, "", FrameKind::User));
            s = Some(b.stack(s, f));
        }
        b.add_sample_for(s, m, w, None, None);
    }
    b.finish().unwrap_or_else(|e| panic!("{e}"))
}

fn outcome(expr: &str, unit: Unit, before: &[(&str, Weight)], after: &[(&str, Weight)]) -> Result<Outcome, GateError> {
    let (b, a) = (profile(unit.clone(), before), profile(unit.clone(), after));
    let c = Diff::build(
        Side { profile: &b, metric: MetricId(0) },
        Side { profile: &a, metric: MetricId(0) },
        &CompareOptions::default(),
    );
    parse(expr)?.check(&c, None, &Scale { unit, decimals: 0 }, None)
}

#[test]
fn parses_every_form() {
    let g = |e: &str| parse(e).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (g("total>+5%").subject, g("total>+5%").op, g("total>+5%").threshold),
        (Subject::Total, Op::Gt, Threshold::Percent(5.0))
    );
    assert_eq!(g("fn:main.serializeJSON>+10%").subject, Subject::Function("main.serializeJSON".into()));
    assert_eq!(g("self:sort_records>+2ms").threshold, Threshold::Time(2e6));
    assert_eq!(g("self:sort_records>+2ms").subject, Subject::SelfWeight("sort_records".into()));
    assert_eq!(g("p99>+10%").subject, Subject::Percentile(99));
    assert_eq!(g("service:order-service>+20ms").subject, Subject::Service("order-service".into()));
    assert_eq!(g("service:order-service>+20ms").threshold, Threshold::Time(2e7));
    assert_eq!(g(" total >= -1.5 MiB ").threshold, Threshold::Bytes(-1.5 * 1024.0 * 1024.0));
    assert_eq!(g(" total >= -1.5 MiB ").op, Op::Ge);
    assert_eq!(g("total<=3").op, Op::Le);
    assert_eq!(g("total<3").threshold, Threshold::Plain(3.0));
    assert_eq!(g("total>2us").threshold, Threshold::Time(2000.0));
    assert_eq!(g("total>2µs").threshold, Threshold::Time(2000.0));
    assert_eq!(g("total>1KB").threshold, Threshold::Bytes(1000.0));
    // Names may hold `<` and `>`: the last one is the operator.
    assert_eq!(g("fn:Vec<T>::push>+5%").subject, Subject::Function("Vec<T>::push".into()));
    assert_eq!(g("fn:a::operator>=>=1").subject, Subject::Function("a::operator>=".into()));
}

#[test]
fn bad_expressions_point_at_the_bad_part() {
    let e = |expr: &str| parse(expr).err().unwrap_or_else(|| panic!("{expr} parsed"));
    let at = |expr: &str| {
        let err = e(expr);
        (expr[err.at.clone()].to_string(), err.message)
    };
    assert_eq!(at("total>+5xx").0, "xx");
    assert!(at("total>+5xx").1.contains("unknown unit"));
    assert_eq!(at("totl>+5%").0, "totl");
    assert_eq!(at("func:main>+5%").0, "func");
    assert_eq!(at("fn:>+5%").0, "");
    assert!(at("fn:>+5%").1.contains("needs a name"));
    assert_eq!(at("total>abc").0, "abc");
    assert_eq!(at("total=5%").0, "total=5%");
    assert_eq!(e("total>").at, 6..6);
    assert_eq!(at(">+5%").1.split(':').next(), Some("nothing before the operator"));
    // The message shows the expression with carets under the bad part.
    let shown = e("total>+5xx").to_string();
    assert!(shown.ends_with("  total>+5xx\n          ^^"), "{shown}");
}

#[test]
fn a_gate_trips_only_past_its_threshold() {
    let before = [("main;work", 100), ("main;io", 100)];
    let after = [("main;work", 112), ("main;io", 100)];
    // total: 200 -> 212 = +6%.
    let o = outcome("total>+5%", Unit::Nanoseconds, &before, &after).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((o.before, o.after, o.tripped), (200, 212, true));
    assert!((o.change.unwrap_or(0.0) - 6.0).abs() < 1e-9);
    assert!(!outcome("total>+6%", Unit::Nanoseconds, &before, &after).is_ok_and(|o| o.tripped));
    assert!(outcome("total>=+6%", Unit::Nanoseconds, &before, &after).is_ok_and(|o| o.tripped));
    // fn: a function's total; self: its self; absolute changes in ns.
    assert!(outcome("fn:main>+11", Unit::Nanoseconds, &before, &after).is_ok_and(|o| o.tripped));
    assert!(!outcome("fn:main>+12ns", Unit::Nanoseconds, &before, &after).is_ok_and(|o| o.tripped));
    assert!(outcome("self:work>+10%", Unit::Nanoseconds, &before, &after).is_ok_and(|o| o.tripped));
    assert!(!outcome("self:io>+0%", Unit::Nanoseconds, &before, &after).is_ok_and(|o| o.tripped));
    // An improvement gate: trips when the change is not at least -10%.
    assert!(outcome("total>-10%", Unit::Nanoseconds, &before, &after).is_ok_and(|o| o.tripped));
    assert!(!outcome("total<-10%", Unit::Nanoseconds, &before, &after).is_ok_and(|o| o.tripped));
    // A time on a metric in ms; bytes on bytes.
    assert!(outcome("total>+11ms", Unit::Milliseconds, &before, &after).is_ok_and(|o| o.tripped));
    assert!(!outcome("total>+12ms", Unit::Milliseconds, &before, &after).is_ok_and(|o| o.tripped));
    assert!(outcome("total>+0.011KB", Unit::Bytes, &before, &after).is_ok_and(|o| o.tripped));
}

#[test]
fn a_function_new_after_grows_infinitely_many_percent() {
    let o = outcome("self:new>+1000%", Unit::Count, &[("a", 1)], &[("a", 1), ("new", 1)]);
    let o = o.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((o.before, o.after, o.change, o.tripped), (0, 1, None, true));
}

#[test]
fn gates_that_do_not_fit_the_files_point_at_the_part() {
    let err = |expr: &str, unit: Unit| {
        let e = outcome(expr, unit, &[("main;a", 1)], &[("main;b", 1)]).err().unwrap_or_else(|| panic!("{expr}"));
        (expr[e.at.clone()].to_string(), e.message)
    };
    let (part, msg) = err("fn:mian>+5%", Unit::Count);
    assert_eq!(part, "mian");
    assert!(msg.contains("no function named \"mian\""), "{msg}");
    let (part, msg) = err("fn:ma>+5%", Unit::Count);
    assert!(part == "ma" && msg.contains("did you mean main"), "{msg}");
    let (part, msg) = err("total>+2ms", Unit::Count);
    assert!(part == "ms" && msg.contains("does not fit count"), "{msg}");
    let (part, _) = err("total>+2MiB", Unit::Nanoseconds);
    assert_eq!(part, "MiB");
    let (part, msg) = err("p99>+10%", Unit::Nanoseconds);
    assert!(part == "p99" && msg.contains("two trace files"), "{msg}");
    let (part, _) = err("service:orders>+20ms", Unit::Nanoseconds);
    assert_eq!(part, "orders");
}
