//! Randomized templates and inputs (proptest): compiling any text is a template or an error,
//! parsing any input with a compiled template is records or an error, never a panic, and the
//! records are bounded by the input. 256 cases per property by default (a few seconds);
//! `PROPTEST_CASES=N` runs more.

use netpulse_plugin_textfsm::Template;
use proptest::prelude::*;
use serde_json::Value;

/// Cases per property unless `PROPTEST_CASES` says otherwise.
const DEFAULT_CASES: u32 = 256;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    ProptestConfig {
        cases,
        // Shrinking a failure is worth it; an endless shrink is not.
        max_shrink_iters: 2048,
        ..ProptestConfig::default()
    }
}

/// Regex fragments as templates write them, mostly valid, some with Python-only syntax the
/// translator must take or refuse cleanly, some broken.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(vec![r"\S+", r"\d+", r".*", r"\w+", r"up|down", r"[a-z]+", r"\S+\s+\S+"])
            .prop_map(String::from),
        2 => prop::sample::select(vec![r"(?<=a)b", r"(\w)\1", r"a*+", r"(?i)up", r"(a|b|)", r"x{2,5}", r"(?P<x>\w+)"])
            .prop_map(String::from),
        1 => prop::sample::select(vec![r"[", r"(", r"\", r"x{99999}", r"(?P<"]).prop_map(String::from),
        1 => "[ -~]{0,12}",
    ]
}

const NAMES: &[&str] = &["NAME", "ADDR", "STATUS", "IFACE", "Mixed_case", "x"];

/// A `Value` line for `name`: options (rarely an unknown one), a regex.
fn value_line(name: &'static str) -> impl Strategy<Value = String> {
    let option = prop_oneof![
        3 => Just("Filldown"),
        1 => Just("Required"),
        3 => Just("List"),
        3 => Just("Key"),
        3 => Just("Fillup"),
        1 => Just("Bogus"),
    ];
    (prop::collection::vec(option, 0..2), fragment()).prop_map(move |(options, regex)| {
        if options.is_empty() {
            format!("Value {name} ({regex})")
        } else {
            format!("Value {} {name} ({regex})", options.join(","))
        }
    })
}

/// A rule line over the `declared` values: a regex with `${VAR}`s and an action.
fn rule_line(declared: Vec<&'static str>) -> impl Strategy<Value = String> {
    let action = prop_oneof![
        4 => Just(""),
        4 => Just(" -> Record"),
        2 => Just(" -> Next"),
        2 => Just(" -> Continue"),
        2 => Just(" -> Continue.Record"),
        1 => Just(" -> Next.Clear"),
        1 => Just(" -> Clearall"),
        1 => Just(" -> Error \"bad line\""),
        2 => Just(" -> Other"),
        2 => Just(" -> Record Other"),
        1 => Just(" -> Continue Other"),
        1 => Just(" -> End"),
        1 => Just(" -> EOF"),
        1 => Just(" -> Nowhere"),
    ];
    let mut names = declared;
    // Sometimes a name that is not declared.
    names.push("UNDECLARED");
    let part = prop_oneof![
        2 => fragment(),
        6 => prop::sample::select(names.clone()).prop_map(|n| format!("${{{n}}}")),
        1 => prop::sample::select(names).prop_map(|n| format!("${n}")),
        2 => Just(r"\s+".to_string()),
    ];
    (prop::collection::vec(part, 1..3), action)
        .prop_map(|(parts, action)| format!("  ^{}{action}", parts.concat()))
}

/// A template that mostly looks like one: values, a blank line, `Start` and maybe `Other`
/// or `EOF`, rules; sometimes with a line of noise where it does not belong.
fn structured_template() -> impl Strategy<Value = String> {
    prop::sample::subsequence(NAMES, 1..5)
        .prop_flat_map(|declared| {
            let values: Vec<_> = declared.iter().map(|n| value_line(n)).collect();
            (
                values,
                prop::collection::vec(rule_line(declared.clone()), 1..6),
                prop::collection::vec(rule_line(declared), 0..4),
                prop_oneof![6 => Just("Other"), 2 => Just("EOF"), 1 => Just("Start"), 1 => Just("End")],
                prop::option::weighted(0.1, "[ -~]{0,30}"),
                any::<bool>(),
            )
        })
        .prop_map(|(values, start, other, second, noise, comment)| {
            let mut text = String::new();
            if comment {
                text.push_str("# a comment\n");
            }
            for v in values {
                text.push_str(&v);
                text.push('\n');
            }
            text.push_str("\nStart\n");
            for r in start {
                text.push_str(&r);
                text.push('\n');
            }
            if let Some(noise) = noise {
                text.push_str(&noise);
                text.push('\n');
            }
            text.push('\n');
            text.push_str(second);
            text.push('\n');
            for r in other {
                text.push_str(&r);
                text.push('\n');
            }
            text
        })
}

/// Any template text: structured, or arbitrary characters (control characters and
/// non-ASCII included).
fn template_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => structured_template(),
        1 => "(?s).{0,300}",
        1 => "[A-Za-z${}()\\\\^ \n-]{0,200}",
    ]
}

/// Device-like output: lines of words, numbers and addresses, or arbitrary text.
fn input_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::collection::vec(
            prop_oneof![
                "[a-z]{1,8} [0-9]{1,4}",
                "(up|down|NAME|x) [ -~]{0,20}",
                "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}",
                Just(String::new()),
                "[ -~]{0,40}",
            ],
            0..40,
        )
        .prop_map(|lines| lines.join("\n")),
        1 => "(?s).{0,500}",
        1 => "[\r\n\t ]{0,50}",
    ]
}

/// Characters a JSON value can hold for `input`: each record value is made of the input's
/// text (a `List` value joins several matches), so its size is bounded by the input's.
fn value_chars(value: &Value) -> usize {
    match value {
        Value::String(s) => s.chars().count(),
        Value::Array(items) => items.iter().map(value_chars).sum(),
        _ => 0,
    }
}

fn check(template: &str, input: &str) -> Result<(), TestCaseError> {
    let Ok(compiled) = Template::parse("random", template) else {
        return Ok(());
    };
    let Ok(records) = compiled.parse_records(input) else {
        return Ok(());
    };
    // A record per matching rule per line at most (`Continue.Record` can record twice on
    // one line), plus the implicit one at end of input.
    let lines = input.lines().count() + 1;
    let rules: usize = compiled.states.iter().map(|s| s.rules.len()).sum::<usize>() + 1;
    prop_assert!(
        records.len() <= lines * rules,
        "{} records from {lines} lines and {rules} rules",
        records.len()
    );
    for record in &records {
        prop_assert_eq!(record.len(), compiled.values.len());
        for (_, value) in record.iter() {
            // Each match is part of one line, and a line gives a value at most one match
            // per rule (a `List` value keeps them all).
            prop_assert!(
                value_chars(value) <= input.chars().count() * rules,
                "value {value} is larger than the input allows"
            );
        }
    }
    // The JSON writer agrees with the records, and is bounded with them.
    let json = compiled
        .parse_json(input)
        .map_err(|e| TestCaseError::fail(format!("records but no JSON: {e}")))?;
    let back: Value = serde_json::from_str(&json)
        .map_err(|e| TestCaseError::fail(format!("invalid JSON {json:?}: {e}")))?;
    prop_assert_eq!(back.as_array().map(Vec::len), Some(records.len()));
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_template_text_compiles_or_errs(template in template_text()) {
        let _ = Template::parse("random", &template);
    }

    #[test]
    fn any_input_parses_or_errs_within_bounds(template in structured_template(), input in input_text()) {
        check(&template, &input)?;
    }

    #[test]
    fn any_text_as_both_template_and_input(template in template_text(), input in "(?s).{0,300}") {
        check(&template, &input)?;
    }
}

/// The properties above are only as good as their generator: from a fixed seed, a fair share
/// of its templates must compile and produce records, or the parser is never exercised.
#[test]
fn the_generator_reaches_compiled_templates_and_records() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut compiled, mut with_records) = (0, 0);
    for _ in 0..500 {
        let template = structured_template()
            .new_tree(&mut runner)
            .expect("a template")
            .current();
        let input = input_text()
            .new_tree(&mut runner)
            .expect("an input")
            .current();
        if let Ok(t) = Template::parse("generated", &template) {
            compiled += 1;
            if t.parse_records(&input).is_ok_and(|r| !r.is_empty()) {
                with_records += 1;
            }
        }
    }
    assert!(
        compiled >= 25 && with_records >= 8,
        "{compiled} of 500 compiled, {with_records} gave records"
    );
}
