//! Raw terminal bytes → the text a person would see, then → the command's own output.
//!
//! Devices draw on a terminal: they erase pager prompts with backspaces, carriage returns
//! or ANSI cursor moves, and wrap everything in CRLF. Rendering each line the way a
//! terminal would (cursor, overwrite) handles every vendor's erase style with one rule.
//!
//! Device output is untrusted: every pass here is linear in its input, and what a cursor
//! move can add (padding) is bounded, so the rendered text is never much larger than the
//! bytes that came in.

use std::sync::Arc;

use super::SessionProfile;

/// Widest column a cursor move can reach. A terminal has at most a few thousand columns and
/// the session asks for 511 (`interactive::PTY_COLUMNS`), so no honest device moves further; a
/// larger `ESC[nC` is a device trying to make the gateway allocate.
pub const MAX_COLUMNS: usize = 4096;
/// Largest escape-sequence parameter kept. No parameter this renderer acts on (a cursor
/// move) means anything beyond the terminal's width.
pub const MAX_ESCAPE_PARAM: usize = MAX_COLUMNS;
/// Padding (spaces filled in by cursor moves) one render may add beyond its input's length.
/// Together with the per-byte allowance it bounds the output at about twice the input, so a
/// flood of short `ESC[4000Cx` lines cannot amplify into gigabytes.
const PADDING_ALLOWANCE: usize = MAX_COLUMNS;
/// Raw output size above which [`command_output_offloaded`] cleans on a blocking thread.
/// Measured with `benches/clean.rs` (optimised, on the shared 2-core dev machine while other
/// builds ran): a 2 KB `show version` cleans in 3–7 µs, 64 KiB of plain lines in about
/// 345 µs (≈ 190 MB/s), 64 KiB of lines that need the terminal played out (`ESC[K` on each)
/// in about 2 ms (≈ 32 MB/s), and a `spawn_blocking` round trip costs 24–48 µs. At 4 KiB a
/// hand-off costs about what plain lines take inline, and the worst inline case stays near
/// tokio's ~100 µs budget between awaits; typical outputs stay inline, larger ones never
/// hold a runtime thread for long.
pub const OFFLOAD_BYTES: usize = 4 * 1024;

/// Renders terminal bytes into lines: CR returns the cursor, BS and `ESC[nD` move it left,
/// `ESC[nC` right (capped at [`MAX_COLUMNS`]), `ESC[K` erases to the end of line, other
/// escape sequences are dropped, NUL and BEL are ignored.
pub fn render(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut padding = text.len().saturating_add(PADDING_ALLOWANCE);
    let mut rest = text;
    loop {
        // Most lines hold no control character but their CR LF ending: such a line is
        // itself, with no terminal to play out character by character.
        let end = rest.find('\n');
        let body = rest[..end.unwrap_or(rest.len())].trim_end_matches('\r');
        if !body.bytes().any(is_control) {
            lines.push(body.to_string());
            match end {
                Some(i) => rest = &rest[i + 1..],
                None => return lines,
            }
            continue;
        }
        match render_line(rest, &mut lines, &mut padding) {
            Some(after) => rest = &rest[after..],
            None => return lines,
        }
    }
}

/// Bytes that make a terminal do something other than print.
fn is_control(b: u8) -> bool {
    matches!(b, b'\r' | 0x08 | 0 | 0x07 | 0x1b)
}

/// Plays `text` out on a terminal from the start of a line until that line ends, pushes it,
/// and returns the offset just past its LF (`None` when the text ended first). Spaces that
/// cursor moves leave behind are taken from `padding`; once it is spent, moves past the
/// line's end stop adding any.
fn render_line(text: &str, lines: &mut Vec<String>, padding: &mut usize) -> Option<usize> {
    let mut line: Vec<char> = Vec::new();
    let mut cursor = 0usize;
    let mut overwritten = false;
    let mut chars = text.char_indices().peekable();
    let finish = |line: Vec<char>, overwritten: bool| {
        let mut s: String = line.into_iter().collect();
        if overwritten {
            s.truncate(s.trim_end().len());
        }
        s
    };
    while let Some((at, c)) = chars.next() {
        match c {
            '\n' => {
                lines.push(finish(line, overwritten));
                return Some(at + 1);
            }
            '\r' => {
                cursor = 0;
                // A CR right before LF is just a line ending, not an overwrite.
                if chars.peek().is_some_and(|(_, n)| *n != '\n' && *n != '\r') {
                    overwritten = true;
                }
            }
            '\u{8}' => {
                cursor = cursor.saturating_sub(1);
                overwritten = true;
            }
            '\0' | '\u{7}' => {}
            '\u{1b}' => {
                let (n, cmd) = escape(&mut chars);
                match cmd {
                    Some('D') => {
                        cursor = cursor.saturating_sub(n.max(1));
                        overwritten = true;
                    }
                    Some('C') => {
                        // Never past the last column, nor past the line's text plus what
                        // padding is left: a move only matters once something is written.
                        let limit = MAX_COLUMNS.max(line.len()).min(line.len() + *padding);
                        cursor = cursor.saturating_add(n.max(1)).min(limit.max(cursor));
                    }
                    Some('K') => {
                        line.truncate(cursor.min(line.len()));
                        overwritten = true;
                    }
                    _ => {}
                }
            }
            c => {
                if line.len() < cursor {
                    let gap = cursor - line.len();
                    *padding = padding.saturating_sub(gap);
                    line.resize(cursor, ' ');
                }
                if cursor < line.len() {
                    line[cursor] = c;
                } else {
                    line.push(c);
                }
                cursor += 1;
            }
        }
    }
    lines.push(finish(line, overwritten));
    None
}

/// Consumes one escape sequence after ESC; returns its numeric argument (capped at
/// [`MAX_ESCAPE_PARAM`]) and final byte for CSI sequences (`ESC [ n X`), `None` for
/// anything else.
fn escape(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>) -> (usize, Option<char>) {
    match chars.next().map(|(_, c)| c) {
        Some('[') => {
            let mut n = 0usize;
            for (_, c) in chars.by_ref() {
                if let Some(d) = c.to_digit(10) {
                    n = (n * 10 + d as usize).min(MAX_ESCAPE_PARAM);
                } else if c == ';' || c == '?' {
                    continue;
                } else {
                    return (n, Some(c));
                }
            }
            (n, None)
        }
        // Charset selection (`ESC ( B`) carries one more byte.
        Some('(') | Some(')') => {
            chars.next();
            (0, None)
        }
        _ => (0, None),
    }
}

/// The last line of `text` as a terminal shows it: where prompts and pagers are looked for.
pub fn last_line(text: &str) -> String {
    let start = text.rfind('\n').map_or(0, |i| i + 1);
    render(&text[start..]).pop().unwrap_or_default()
}

/// Extracts a command's output from what the device sent after the command was typed:
/// drops the echo, the closing prompt and leading noise lines, keeps everything else.
/// Each step moves a window over the rendered lines, so the whole is linear in the output.
pub fn command_output(
    raw: &str,
    command: &str,
    prompt: &regex::Regex,
    noise: &[regex::Regex],
) -> String {
    let lines = render(raw);
    let mut view: &[String] = &lines;
    // The closing prompt is the last line; devices may put `{master:0}` or a blank line above it.
    if let Some((last, before)) = view.split_last()
        && prompt.is_match(last)
    {
        view = before;
    }
    // Echo: the first non-empty line, when it is the command (devices may add a trailing
    // space or re-echo it after a prompt, so compare the tail).
    let wanted = command.trim();
    if let Some(pos) = first_text(view)
        && pos <= 1
        && !wanted.is_empty()
        && view[pos].trim_end().ends_with(wanted)
    {
        view = &view[pos + 1..];
    }
    // Noise (XR's timestamp) only ever precedes the output.
    while let Some(first) = first_text(view) {
        if first <= 1 && noise.iter().any(|re| re.is_match(&view[first])) {
            view = &view[first + 1..];
        } else {
            break;
        }
    }
    while let Some((last, before)) = view.split_last() {
        let t = last.trim();
        if t.is_empty() || (t.starts_with('{') && t.ends_with('}')) {
            view = before;
        } else {
            break;
        }
    }
    let lead = view.iter().take_while(|l| l.trim().is_empty()).count();
    view[lead..].join("\n")
}

/// Index of the first line with text, looking no further than the third line: echo and
/// noise only ever sit at the top, so a flood of blank lines is not searched each time.
fn first_text(lines: &[String]) -> Option<usize> {
    lines.iter().take(2).position(|l| !l.trim().is_empty())
}

/// [`command_output`] with the session's closing `prompt` and its profile's noise, on a
/// blocking thread when `raw` is over [`OFFLOAD_BYTES`] so a large output never holds up the
/// runtime thread other devices' sessions share. `None` only when the runtime is shutting
/// down and the blocking task was cancelled.
pub async fn command_output_offloaded(
    raw: String,
    command: &str,
    prompt: &regex::Regex,
    profile: &Arc<SessionProfile>,
) -> Option<String> {
    if raw.len() <= OFFLOAD_BYTES {
        return Some(command_output(&raw, command, prompt, &profile.noise));
    }
    let command = command.to_string();
    // A compiled regex shares its program: cloning it is a reference count.
    let prompt = prompt.clone();
    let profile = profile.clone();
    let work = move || command_output(&raw, &command, &prompt, &profile.noise);
    match tokio::task::spawn_blocking(work).await {
        Ok(output) => Some(output),
        // A panic stays a panic of this job's task, as it would have been inline.
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    #[test]
    fn crlf_and_ansi_removed() {
        assert_eq!(render("a\r\nb\x1b[7m--\x1b[27m\r\n"), vec!["a", "b--", ""]);
    }

    #[test]
    fn backspace_erase_of_pager() {
        let lines = render(
            " --More-- \u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}          \u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}Gi0/2 up",
        );
        assert_eq!(lines, vec!["Gi0/2 up"]);
    }

    #[test]
    fn carriage_return_overwrite() {
        assert_eq!(
            render("---(more)---\r            \rge-0/0/1"),
            vec!["ge-0/0/1"]
        );
        assert_eq!(
            render("  ---- More ----\x1b[16D                \x1b[16DGE0/0/1"),
            vec!["GE0/0/1"]
        );
    }

    #[test]
    fn echo_prompt_and_noise_stripped() {
        let prompt = Regex::new(r"^\S+[>#]\s?$").expect("valid");
        let noise = [Regex::new(r"^\w{3} \w{3} +\d+ [\d:.]+ \w+$").expect("valid")];
        let raw = "show version\r\r\nWed Mar 14 12:31:28.607 UTC\r\nCisco IOS XR Software\r\n\r\nRP/0/CPU0:r1#";
        assert_eq!(
            command_output(raw, "show version", &prompt, &noise),
            "Cisco IOS XR Software"
        );
    }

    #[test]
    fn plain_lines_and_terminal_lines_mix() {
        assert_eq!(
            render("plain\r\r\nx\x08y\r\nmore\rM\nend"),
            vec!["plain", "y", "More", "end"]
        );
        assert_eq!(render(""), vec![""]);
        assert_eq!(render("a\n"), vec!["a", ""]);
        // An escape sequence may swallow the LF that would have ended its line.
        assert_eq!(render("a\x1b[\nb\nc"), vec!["ab", "c"]);
        assert_eq!(
            render("tab\there \u{e9}t\u{e9}\r\n"),
            vec!["tab\there \u{e9}t\u{e9}", ""]
        );
    }

    #[test]
    fn cursor_moves_are_capped() {
        let lines = render("\x1b[99999999999Cx");
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].chars().count(), MAX_COLUMNS + 1);
        assert!(lines[0].ends_with('x'));
        // A flood of far moves gets no more padding than its own length allows.
        let flood = "\x1b[4000Cx\n".repeat(10_000);
        let out: usize = render(&flood).iter().map(String::len).sum();
        assert!(out <= 2 * flood.len() + PADDING_ALLOWANCE, "{out}");
        // An absurd parameter on a move left does not overflow.
        assert_eq!(render("ab\x1b[18446744073709551616Dc"), vec!["cb"]);
    }

    #[test]
    fn a_million_blank_lines_clean_linearly() {
        let prompt = Regex::new(r"^\S+[>#]\s?$").expect("valid");
        let raw = format!(
            "show x\r\n{}out\r\n{}R1#",
            "\r\n".repeat(1_000_000),
            "\r\n".repeat(1_000_000)
        );
        assert_eq!(command_output(&raw, "show x", &prompt, &[]), "out");
        let noise = [Regex::new(r"^noise$").expect("valid")];
        let raw = format!("show x\r\n{}out\r\nR1#", "noise\r\n".repeat(200_000));
        assert_eq!(command_output(&raw, "show x", &prompt, &noise), "out");
    }

    #[test]
    fn last_line_renders() {
        assert_eq!(last_line("x\r\nR1#"), "R1#");
        assert_eq!(last_line("x\r\n\x1b[7m--More--\x1b[27m"), "--More--");
    }

    mod randomized {
        //! Property tests: any bytes a device sends render and clean without panicking, into
        //! output bounded by the input. `PROPTEST_CASES` raises the case count locally.
        use super::super::*;
        use proptest::prelude::*;
        use regex::Regex;

        /// Device-ish text: printable runs, line endings, and the control bytes and escape
        /// sequences the renderer acts on, with huge parameters among them.
        fn terminal_text() -> impl Strategy<Value = String> {
            let piece = prop_oneof![
                "[ -~]{0,12}",
                Just("\r\n".to_string()),
                Just("\r".to_string()),
                Just("\n".to_string()),
                Just("\u{8}".to_string()),
                Just("\0".to_string()),
                Just("\u{7}".to_string()),
                (
                    0u64..u64::MAX,
                    prop::sample::select(vec!['C', 'D', 'K', 'm', 'J', 'H'])
                )
                    .prop_map(|(n, c)| format!("\x1b[{n}{c}")),
                Just("\x1b[".to_string()),
                Just("\x1b(B".to_string()),
                Just("\x1b".to_string()),
                "\\PC{0,4}",
            ];
            prop::collection::vec(piece, 0..64).prop_map(|v| v.concat())
        }

        /// The built-in profiles, compiled once for all cases.
        fn profiles() -> &'static [SessionProfile] {
            static PROFILES: std::sync::OnceLock<Vec<SessionProfile>> = std::sync::OnceLock::new();
            PROFILES.get_or_init(|| {
                [
                    "cisco_ios",
                    "cisco_nxos",
                    "cisco_xr",
                    "arista_eos",
                    "juniper_junos",
                    "huawei",
                    "linux",
                ]
                .into_iter()
                .filter_map(|p| {
                    let spec = super::super::super::profile::builtin(p)?;
                    Some(SessionProfile::compile(p, &spec).expect("built-in compiles"))
                })
                .collect()
            })
        }

        fn rendered_len(lines: &[String]) -> usize {
            lines.iter().map(|l| l.len() + 1).sum()
        }

        proptest! {
            #![proptest_config(ProptestConfig {
                cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
                ..ProptestConfig::default()
            })]

            #[test]
            fn render_is_bounded_by_its_input(text in terminal_text()) {
                let lines = render(&text);
                prop_assert!(rendered_len(&lines) <= 2 * text.len() + PADDING_ALLOWANCE + 1);
                prop_assert!(lines.len() <= text.len() + 1);
            }

            #[test]
            fn command_output_is_bounded_and_never_panics(
                text in terminal_text(),
                command in "[ -~]{0,16}",
            ) {
                let prompt = Regex::new(r"^\S+[>#]\s?$").expect("valid");
                let noise = [Regex::new(r"^\w{3} \w{3} +\d+ [\d:.]+ \w+$").expect("valid")];
                let out = command_output(&text, &command, &prompt, &noise);
                prop_assert!(out.len() <= 2 * text.len() + PADDING_ALLOWANCE);
            }

            #[test]
            fn prompt_detection_never_panics(text in terminal_text()) {
                // What the session does with a read's tail: the last line, then every
                // built-in profile's prompt and pager patterns.
                let tail = last_line(&text);
                prop_assert!(tail.len() <= 2 * text.len() + PADDING_ALLOWANCE);
                for profile in profiles() {
                    let _ = profile.prompt.is_match(&tail);
                    if let Some(pager) = &profile.pager {
                        let _ = pager.is_match(&tail);
                    }
                    let _ = profile.device_error(&tail);
                }
            }
        }
    }
}
