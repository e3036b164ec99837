//! One test per TextFSM feature, with templates and inputs written for these tests.

use std::path::Path;
use std::time::{Duration, Instant};

use netpulse_plugin_textfsm::{CliTable, Library, Template, clitable, fsm, parse};
use serde_json::{Value, json};

/// Parses `text` with an inline template and returns the records as JSON (checking on the
/// way that the records made through a `Table` are the same, and that the plugin's direct
/// JSON writer says exactly what serde_json says of them).
fn run(template: &str, text: &str) -> Value {
    let t = Template::parse("inline", template).expect("template compiles");
    let records = parse(&t, text).expect("parses");
    assert_eq!(
        t.parse_text(text).expect("parses").into_records(),
        records,
        "records through a table for {template:?}"
    );
    assert_eq!(
        t.parse_json(text).expect("parses"),
        serde_json::to_string(&records).expect("serialises"),
        "direct JSON for {template:?}"
    );
    Value::Array(records.into_iter().map(Value::from).collect())
}

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/lib"))
}

#[test]
fn record_keys_are_lower_case_and_eof_records_implicitly() {
    let t = "Value Name (\\S+)\nValue AGE (\\d+)\n\nStart\n  ^name ${Name}\n  ^age ${AGE}\n";
    assert_eq!(
        run(t, "name bob\nage 42\n"),
        json!([{"name": "bob", "age": "42"}])
    );
}

#[test]
fn match_is_at_line_start_not_full_line() {
    let t = "Value A (\\d+)\n\nStart\n  ^a=${A} -> Record\n";
    assert_eq!(run(t, "a=1 trailing\n x a=2\n"), json!([{"a": "1"}]));
}

#[test]
fn filldown_keeps_value_and_emits_a_filldown_only_record_at_eof() {
    let t = "Value Filldown HOST (\\S+)\nValue PORT (\\d+)\n\nStart\n  ^host ${HOST}\n  ^port ${PORT} -> Record\n";
    // Like textfsm, the implicit EOF record is kept when only Filldown values are set.
    assert_eq!(
        run(t, "host a\nport 1\nport 2\nhost b\n"),
        json!([{"host": "a", "port": "1"}, {"host": "a", "port": "2"}, {"host": "b", "port": ""}])
    );
}

#[test]
fn required_drops_records_without_the_value() {
    let t = "Value Required A (\\w+)\nValue B (\\d+)\n\nStart\n  ^a ${A}\n  ^b ${B} -> Record\n";
    assert_eq!(run(t, "b 1\na x\nb 2\n"), json!([{"a": "x", "b": "2"}]));
}

#[test]
fn empty_records_are_skipped() {
    let t = "Value A (\\w+)\n\nStart\n  ^rec -> Record\n  ^a ${A}\n";
    assert_eq!(run(t, "rec\nrec\na x\nrec\n"), json!([{"a": "x"}]));
}

#[test]
fn list_collects_items_and_nested_groups_become_objects() {
    let t = "Value List PORTS (\\S+)\n\nStart\n  ^port ${PORTS}\n";
    assert_eq!(run(t, "port a\nport b\n"), json!([{"ports": ["a", "b"]}]));
    let nested = "Value List PEERS ((?P<ip>\\d+\\.\\d+\\.\\d+\\.\\d+) as (?P<asn>\\d+))\n\nStart\n  ^peer ${PEERS}\n";
    assert_eq!(
        run(nested, "peer 10.0.0.1 as 65001\n"),
        json!([{"peers": [{"ip": "10.0.0.1", "asn": "65001"}]}])
    );
}

#[test]
fn fillup_copies_upwards_until_a_filled_record() {
    let t = "Value A (\\d+)\nValue Fillup B (\\w+)\n\nStart\n  ^a ${A} -> Record\n  ^b ${B}\n";
    assert_eq!(
        run(t, "a 1\na 2\nb x\n"),
        json!([{"a": "1", "b": "x"}, {"a": "2", "b": "x"}, {"a": "", "b": "x"}])
    );
}

#[test]
fn key_values_are_reported() {
    let t = Template::parse(
        "k",
        "Value Key ID (\\d+)\nValue N (\\w+)\n\nStart\n  ^${ID} ${N} -> Record\n",
    )
    .expect("ok");
    assert_eq!(t.keys(), ["ID"]);
}

#[test]
fn continue_tries_later_rules_on_the_same_line() {
    let t = "Value A (\\w)\nValue B (\\w)\n\nStart\n  ^${A} -> Continue\n  ^\\w ${B} -> Record\n";
    assert_eq!(run(t, "x y\n"), json!([{"a": "x", "b": "y"}]));
}

#[test]
fn continue_reaches_later_set_rules_and_backtracking_rules_between() {
    // The first rule is found by one search over the state's set; after a `Continue` the
    // later rules (one of them look-ahead, so outside the set) still get their turn.
    let t = "Value A (\\w+)\nValue B (\\w+)\nValue C (\\w+)\n\nStart\n  ^${A} -> Continue\n  ^(?=x)\\w+ ${C} -> Continue\n  ^nothing\n  ^\\w+ ${B} -> Record\n";
    assert_eq!(
        run(t, "x y\nz w\nnothing\n"),
        // As Python textfsm 2.1.0 gives it (the last record is the implicit one at the end).
        json!([
            {"a": "x", "b": "y", "c": "y"},
            {"a": "z", "b": "w", "c": ""},
            {"a": "nothing", "b": "", "c": ""}
        ])
    );
}

#[test]
fn clear_keeps_filldown_and_clearall_does_not() {
    let t = "Value Filldown F (\\w+)\nValue V (\\w+)\n\nStart\n  ^f ${F}\n  ^v ${V}\n  ^clear -> Clear\n  ^all -> Clearall\n  ^rec -> Record\n";
    assert_eq!(
        run(t, "f 1\nv 2\nclear\nrec\n"),
        json!([{"f": "1", "v": ""}, {"f": "1", "v": ""}])
    );
    assert_eq!(run(t, "f 1\nv 2\nall\nrec\n"), json!([]));
}

#[test]
fn norecord_and_next_are_the_defaults() {
    let t = "Value A (\\w+)\n\nStart\n  ^a ${A} -> Next.NoRecord\n  ^a -> Record\n";
    assert_eq!(run(t, "a x\n"), json!([{"a": "x"}]));
}

#[test]
fn state_transitions_change_the_active_rules() {
    let t = "Value A (\\w+)\n\nStart\n  ^begin -> Body\n\nBody\n  ^item ${A} -> Record\n  ^end -> Start\n";
    assert_eq!(
        run(t, "item no\nbegin\nitem yes\nend\nitem no\n"),
        json!([{"a": "yes"}])
    );
}

#[test]
fn end_state_stops_without_the_implicit_record() {
    let t = "Value A (\\w+)\n\nStart\n  ^a ${A}\n  ^stop -> End\n";
    assert_eq!(run(t, "a x\nstop\na y\n"), json!([]));
}

#[test]
fn explicit_eof_state_suppresses_the_implicit_record() {
    let t = "Value A (\\w+)\n\nStart\n  ^a ${A}\n\nEOF\n";
    assert_eq!(run(t, "a x\n"), json!([]));
    let to_eof = "Value A (\\w+)\n\nStart\n  ^a ${A}\n  ^stop -> EOF\n";
    assert_eq!(run(to_eof, "a x\nstop\na y\n"), json!([{"a": "x"}]));
}

#[test]
fn error_action_fails_the_parse_with_its_message() {
    let t = Template::parse(
        "errs",
        "Value A (\\w+)\n\nStart\n  ^ok ${A}\n  ^. -> Error \"unexpected line\"\n",
    )
    .expect("ok");
    let err = t.parse_text("ok x\nbad\n").expect_err("errors");
    assert!(
        matches!(err, fsm::Error::Rule { ref input, .. } if input == "bad"),
        "{err}"
    );
    assert!(err.to_string().contains("unexpected line"), "{err}");
    let bare = Template::parse("bare", "Value A (\\w+)\n\nStart\n  ^. -> Error\n").expect("ok");
    assert!(
        bare.parse_text("x")
            .expect_err("errors")
            .to_string()
            .contains("state error")
    );
}

#[test]
fn variables_substitute_in_both_spellings_and_dollar_dollar_is_end() {
    let t = "Value A (\\w+)\nValue B (\\d+)\n\nStart\n  ^$A=${B}$$ -> Record\n";
    assert_eq!(run(t, "x=1\ny=2 z\n"), json!([{"a": "x", "b": "1"}]));
}

#[test]
fn template_errors_name_the_template_and_line() {
    let err = Template::parse(
        "broken.textfsm",
        "Value A (\\w+)\n\nStart\n  ^(?(1)a|b) -> Record\n",
    )
    .expect_err("fails");
    assert_eq!((err.template.as_str(), err.line), ("broken.textfsm", 4));
    assert!(err.message.contains("conditional"), "{err}");
    let undefined =
        Template::parse("t", "Value A (\\w+)\n\nStart\n  ^${B}\n").expect_err("unknown var");
    assert_eq!(undefined.line, 4);
    let lone_dollar = Template::parse("t", "Value A (\\w+)\n\nStart\n  ^a$\n").expect_err("lone $");
    assert!(lone_dollar.message.contains("placeholder"), "{lone_dollar}");
}

#[test]
fn continue_with_a_state_change_is_rejected() {
    let err = Template::parse(
        "t",
        "Value A (\\w+)\n\nStart\n  ^a -> Continue Other\n\nOther\n  ^b\n",
    )
    .expect_err("rejected");
    assert!(err.message.contains("Continue"), "{err}");
}

#[test]
fn structural_template_errors() {
    for (text, what) in [
        ("Value A (\\w+)\n\nOther\n  ^a\n", "Start"),
        ("Value A (\\w+)\n\nStart\n  ^a -> Nowhere\n", "Nowhere"),
        ("Value Bogus A (\\w+)\n\nStart\n", "Bogus"),
        ("Value A (\\w+\n\nStart\n", "()"),
        ("Value A (\\w+)\n\nStart\n^a\n", "carat"),
        ("Value A (\\w+)\n\nStart\n  ^a\n\nEOF\n  ^b\n", "EOF"),
    ] {
        let err = Template::parse("t", text).expect_err(what);
        assert!(err.to_string().contains(what), "{what}: {err}");
    }
}

#[test]
fn python_regex_syntax_is_translated() {
    let t = "Value A (\\S+)\n\nStart\n  ^(?!skip)${A}\\Z -> Record\n";
    assert_eq!(run(t, "skip\nkeep\n"), json!([{"a": "keep"}]));
}

#[test]
fn index_completion_and_multi_template_join() {
    let mut table = CliTable::load(fixtures()).expect("index loads");
    let text = "10 users\n   gi1\n   gi2\n20 voice\n";
    for cmd in ["show vlan", "sh vl", "sho vla"] {
        let records = table.parse("acme_os", cmd, text).expect("parses");
        assert_eq!(
            Value::Array(records.into_iter().map(Value::from).collect()),
            json!([
                {"vlan_id": "10", "name": "users", "ports": ["gi1", "gi2"]},
                {"vlan_id": "20", "name": "voice", "ports": []}
            ]),
            "{cmd}"
        );
    }
    let version = table
        .parse(
            "acme_router",
            "sh ver",
            "AcmeOS version 1.2\nUptime is 3 days\n",
        )
        .expect("parses");
    assert_eq!(version[0]["uptime"], "3 days");
    assert!(matches!(
        table.parse("acme_os", "show clock", ""),
        Err(clitable::Error::NoTemplate { .. })
    ));
    assert!(matches!(
        table.parse("other_os", "show version", ""),
        Err(clitable::Error::NoTemplate { .. })
    ));
}

#[test]
fn library_searches_directories_in_order_and_reloads_edited_templates() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = dir.path().join("0");
    let second = dir.path().join("1");
    std::fs::create_dir_all(&first).expect("mkdir");
    std::fs::create_dir_all(&second).expect("mkdir");
    // Directory 0 has no index: skipped. Directory 1 serves `show thing`.
    std::fs::write(
        second.join("index"),
        "Template, Platform, Command\nthing.textfsm, p, sh[[ow]] thing\n",
    )
    .expect("write");
    let tpl = second.join("thing.textfsm");
    std::fs::write(&tpl, "Value A (\\w+)\n\nStart\n  ^a ${A}\n").expect("write");
    let mut lib = Library::numbered(dir.path());
    assert_eq!(
        lib.parse("p", "sh thing", "a x\n").expect("parses")[0]["a"],
        "x"
    );
    // Edit the template: a different length is enough to see the change even within one second.
    std::fs::write(&tpl, "Value BEE (\\w+)\n\nStart\n  ^a ${BEE}\n").expect("write");
    assert_eq!(
        lib.parse("p", "sh thing", "a y\n").expect("parses")[0]["bee"],
        "y"
    );
    let err = lib.parse("p", "show other", "").expect_err("no template");
    assert_eq!(err.to_string(), "no template for p / show other");
}

#[test]
fn library_with_a_recheck_window_sees_edits_once_it_has_passed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lib_dir = dir.path().join("0");
    std::fs::create_dir_all(&lib_dir).expect("mkdir");
    let index = lib_dir.join("index");
    std::fs::write(
        &index,
        "Template, Platform, Command\nthing.textfsm, p, show thing\n",
    )
    .expect("write");
    let tpl = lib_dir.join("thing.textfsm");
    std::fs::write(&tpl, "Value A (\\w+)\n\nStart\n  ^a ${A}\n").expect("write");
    let window = Duration::from_millis(400);
    let mut lib = Library::numbered(dir.path()).recheck_after(window);
    let started = Instant::now();
    assert_eq!(
        lib.parse("p", "show thing", "a x\n").expect("parses")[0]["a"],
        "x"
    );

    // An edited template and a new index row...
    std::fs::write(&tpl, "Value BEE (\\w+)\n\nStart\n  ^a ${BEE}\n").expect("write");
    std::fs::write(
        &index,
        "Template, Platform, Command\nthing.textfsm, p, show thing\nthing.textfsm, p, show other\n",
    )
    .expect("write");
    let within = lib.parse("p", "show thing", "a y\n");
    if started.elapsed() < window {
        // ...are not looked for inside the window: the checked files are trusted.
        assert_eq!(within.expect("parses")[0]["a"], "y");
        assert!(lib.parse("p", "show other", "a y\n").is_err());
    }

    // ...and are both used once it has passed.
    std::thread::sleep(window.saturating_sub(started.elapsed()) + Duration::from_millis(50));
    assert_eq!(
        lib.parse("p", "show thing", "a z\n").expect("parses")[0]["bee"],
        "z"
    );
    assert_eq!(
        lib.parse("p", "show other", "a w\n").expect("parses")[0]["bee"],
        "w"
    );
}
