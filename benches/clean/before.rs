//! `src/ssh/clean.rs` as it was before rendering was bounded (commit fba9d8a), kept only so
//! `benches/clean.rs` compares both in one run.
#![allow(dead_code, missing_docs)]

// Raw terminal bytes → the text a person would see, then → the command's own output.
//
// Devices draw on a terminal: they erase pager prompts with backspaces, carriage returns
// or ANSI cursor moves, and wrap everything in CRLF. Rendering each line the way a
// terminal would (cursor, overwrite) handles every vendor's erase style with one rule.

/// Renders terminal bytes into lines: CR returns the cursor, BS and `ESC[nD` move it left,
/// `ESC[K` erases to the end of line, other escape sequences are dropped, NUL is ignored.
pub fn render(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
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
        match render_line(rest, &mut lines) {
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
/// and returns the offset just past its LF (`None` when the text ended first).
fn render_line(text: &str, lines: &mut Vec<String>) -> Option<usize> {
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
                    Some('C') => cursor += n.max(1),
                    Some('K') => {
                        line.truncate(cursor.min(line.len()));
                        overwritten = true;
                    }
                    _ => {}
                }
            }
            c => {
                while line.len() < cursor {
                    line.push(' ');
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

/// Consumes one escape sequence after ESC; returns its numeric argument and final byte for
/// CSI sequences (`ESC [ n X`), `None` for anything else.
fn escape(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>) -> (usize, Option<char>) {
    match chars.next().map(|(_, c)| c) {
        Some('[') => {
            let mut n = 0usize;
            for (_, c) in chars.by_ref() {
                if let Some(d) = c.to_digit(10) {
                    n = n.saturating_mul(10).saturating_add(d as usize);
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
pub fn command_output(
    raw: &str,
    command: &str,
    prompt: &regex::Regex,
    noise: &[regex::Regex],
) -> String {
    let mut lines = render(raw);
    // The closing prompt is the last line; devices may put `{master:0}` or a blank line above it.
    if lines.last().is_some_and(|l| prompt.is_match(l)) {
        lines.pop();
    }
    // Echo: the first non-empty line, when it is the command (devices may add a trailing
    // space or re-echo it after a prompt, so compare the tail).
    let wanted = command.trim();
    if let Some(pos) = lines.iter().position(|l| !l.trim().is_empty())
        && pos <= 1
        && !wanted.is_empty()
        && lines[pos].trim_end().ends_with(wanted)
    {
        lines.drain(..=pos);
    }
    // Noise (XR's timestamp) only ever precedes the output.
    while let Some(first) = lines.iter().position(|l| !l.trim().is_empty()) {
        if first <= 1 && noise.iter().any(|re| re.is_match(&lines[first])) {
            lines.drain(..=first);
        } else {
            break;
        }
    }
    while lines.last().is_some_and(|l| {
        let t = l.trim();
        t.is_empty() || (t.starts_with('{') && t.ends_with('}'))
    }) {
        lines.pop();
    }
    while lines.first().is_some_and(|l| l.trim().is_empty()) {
        lines.remove(0);
    }
    lines.join("\n")
}
