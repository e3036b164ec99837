//! Which of a state's rules is the first to match an ASCII line: a DFA over all of them,
//! determinized when the template compiles and stored small.
//!
//! The `regex` crate's lazy DFA answers the same question, but its transition table holds a
//! row of 4-byte state ids padded to a power of two for every state, grown at parse time in
//! a cache per template. With a library of templates taking turns, a parse found its table out
//! of the CPU caches and each byte of a line waited for a load that depended on the one
//! before. This table keeps 2-byte ids, one column per byte class that ASCII text can meet,
//! and is complete before the first parse, so it is a few kilobytes in one block.

use regex_automata::dfa::{Automaton, StartKind, dense};
use regex_automata::nfa::thompson;
use regex_automata::util::primitives::StateID;
use regex_automata::util::start;
use regex_automata::{Anchored, MatchKind};
use regex_syntax::hir::Hir;

/// Largest dense DFA the builder may make on the way (bytes); past it the caller halves
/// the group of rules, and a single rule past it leaves its state to the lazy DFA. It
/// bounds the time a template's compile can spend here: at 512 KiB the slowest corpus
/// template took 130 ms to compile, at 128 KiB 70 ms, and parses were as fast.
const DENSE_LIMIT: usize = 128 << 10;

/// Largest table kept (bytes): 2-byte state ids premultiplied by the row length address at
/// most 64 Ki entries.
const TABLE_LIMIT: usize = 128 << 10;

/// The dead state: no rule can match any more.
const DEAD: u16 = 0;

/// A complete DFA for "the first of these anchored patterns that matches".
#[derive(Debug, Clone)]
pub(crate) struct FirstRule {
    /// Column of each ASCII byte.
    classes: [u8; 128],
    /// Columns per state: the byte classes plus one for the end of the line.
    stride: usize,
    /// `trans[state + column]`: the next state. A state's id is the index of its row's first
    /// entry (its number times `stride`), so a step is an add and a load, with no multiply
    /// in the chain of dependent loads a line's walk is.
    trans: Box<[u16]>,
    /// The state before the first byte.
    start: u16,
    /// States from this one on are match states.
    first_match: u16,
    /// The pattern each match state reports, by `(state - first_match) / stride`.
    patterns: Box<[u16]>,
}

impl FirstRule {
    /// Determinizes the patterns (leftmost-first, anchored, Unicode off), or `None` when
    /// the DFA would be too large or needs what a table cannot hold.
    pub(crate) fn build(patterns: &[Hir]) -> Option<FirstRule> {
        if patterns.len() > usize::from(u16::MAX) {
            return None;
        }
        let nfa = thompson::Compiler::new()
            .configure(
                thompson::Config::new()
                    .utf8(false)
                    .which_captures(thompson::WhichCaptures::None),
            )
            .build_many_from_hir(patterns)
            .ok()?;
        let dfa = dense::Builder::new()
            .configure(
                dense::Config::new()
                    .match_kind(MatchKind::LeftmostFirst)
                    .start_kind(StartKind::Anchored)
                    .accelerate(false)
                    .dfa_size_limit(Some(DENSE_LIMIT))
                    .determinize_size_limit(Some(DENSE_LIMIT)),
            )
            .build_from_nfa(&nfa)
            .ok()?;
        Self::from_dense(&dfa)
    }

    fn from_dense(dfa: &dense::DFA<Vec<u32>>) -> Option<FirstRule> {
        // Columns: the classes ASCII bytes fall in, renumbered densely; one byte stands for
        // each.
        let mut classes = [0u8; 128];
        let mut representative: Vec<u8> = Vec::new();
        let mut by_class = std::collections::HashMap::new();
        for b in 0..128u8 {
            let class = dfa.byte_classes().get(b);
            let column = *by_class.entry(class).or_insert_with(|| {
                representative.push(b);
                representative.len() - 1
            });
            classes[usize::from(b)] = u8::try_from(column).ok()?;
        }
        let stride = representative.len() + 1;
        let start = dfa
            .start_state(&start::Config::new().anchored(Anchored::Yes))
            .ok()?;
        // Every state reachable from the start on ASCII bytes or the end of the line.
        let mut seen = std::collections::HashSet::new();
        let mut order = vec![start];
        seen.insert(start);
        let mut i = 0;
        while i < order.len() {
            let sid = order[i];
            i += 1;
            if dfa.is_quit_state(sid) {
                return None;
            }
            if dfa.is_dead_state(sid) {
                continue;
            }
            let nexts = representative
                .iter()
                .map(|&b| dfa.next_state(sid, b))
                .chain(std::iter::once(dfa.next_eoi_state(sid)));
            for next in nexts {
                if seen.insert(next) {
                    order.push(next);
                }
            }
        }
        // Numbering: the dead state, then the others, then the match states.
        let (matching, plain): (Vec<StateID>, Vec<StateID>) = order
            .into_iter()
            .filter(|&s| !dfa.is_dead_state(s))
            .partition(|&s| dfa.is_match_state(s));
        let states = 1 + plain.len() + matching.len();
        if states * stride * 2 > TABLE_LIMIT {
            return None;
        }
        let mut number = std::collections::HashMap::new();
        for (n, &s) in plain.iter().chain(&matching).enumerate() {
            // Below 64 Ki: the table's size was checked above.
            number.insert(s, ((n + 1) * stride) as u16);
        }
        let id = |s: StateID| -> u16 {
            if dfa.is_dead_state(s) {
                DEAD
            } else {
                // Every state reachable from the start was numbered above.
                number.get(&s).copied().unwrap_or(DEAD)
            }
        };
        let mut trans = vec![DEAD; states * stride];
        for &s in plain.iter().chain(&matching) {
            let row = usize::from(id(s));
            for (col, &b) in representative.iter().enumerate() {
                trans[row + col] = id(dfa.next_state(s, b));
            }
            trans[row + stride - 1] = id(dfa.next_eoi_state(s));
        }
        let patterns = matching
            .iter()
            .map(|&s| dfa.match_pattern(s, 0).as_usize() as u16)
            .collect();
        Some(FirstRule {
            classes,
            stride,
            trans: trans.into_boxed_slice(),
            start: id(start),
            first_match: ((1 + plain.len()) * stride) as u16,
            patterns,
        })
    }

    /// Reads one word of each cache line of the table, so that the loads a line's walk then
    /// makes one after the other, each waiting for the last, find it in the cache: these
    /// loads do not depend on each other and the CPU overlaps them.
    pub(crate) fn warm(&self) {
        // 32 ids of 2 bytes: one 64-byte cache line.
        let sum = self
            .trans
            .iter()
            .step_by(32)
            .fold(0u16, |acc, &id| acc.wrapping_add(id));
        std::hint::black_box(sum);
    }

    /// The first pattern (in priority order) that matches at the start of `line`, which
    /// must be ASCII.
    pub(crate) fn first(&self, line: &[u8]) -> Option<usize> {
        let mut state = self.start;
        // The last match state seen: with leftmost-first matching, the DFA goes on until no
        // rule of higher priority can still match, and the last match it saw is the answer.
        let mut matched = DEAD;
        let mut alive = true;
        for &b in line {
            let column = self.classes[usize::from(b & 0x7F)];
            state = self.trans[usize::from(state) + usize::from(column)];
            if state >= self.first_match {
                matched = state;
            } else if state == DEAD {
                alive = false;
                break;
            }
        }
        if alive {
            state = self.trans[usize::from(state) + self.stride - 1];
            if state >= self.first_match {
                matched = state;
            }
        }
        (matched != DEAD).then(|| {
            let n = usize::from(matched - self.first_match) / self.stride;
            usize::from(self.patterns[n])
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hirs(patterns: &[&str]) -> Vec<Hir> {
        patterns
            .iter()
            .map(|p| crate::pyre::parse_ascii(p).expect("pattern"))
            .collect()
    }

    /// The first pattern that matches, found by trying each in turn.
    fn by_turns(patterns: &[&str], line: &str) -> Option<usize> {
        patterns.iter().position(|p| {
            regex::bytes::RegexBuilder::new(p)
                .unicode(false)
                .build()
                .expect("pattern")
                .is_match(line.as_bytes())
        })
    }

    #[test]
    fn finds_the_first_rule_that_matches() {
        let patterns = [
            r"^Interface\s+(\S+)",
            r"^\s+Description:\s+(.*)",
            r"^\s+(\S+)\s+is\s+(up|down)$",
            r"^\s*$",
            r"^\S+",
            r"^.",
        ];
        let table = FirstRule::build(&hirs(&patterns)).expect("small");
        for line in [
            "Interface Gi0/1",
            "  Description: uplink",
            "  Gi0/1 is up",
            "  Gi0/1 is up now",
            "",
            "   ",
            "other",
            " x",
            "Interface",
        ] {
            assert_eq!(
                table.first(line.as_bytes()),
                by_turns(&patterns, line),
                "{line:?}"
            );
        }
    }

    #[test]
    fn end_of_line_and_word_boundaries_count() {
        let patterns = [r"^up\b", r"^up$", r"^up"];
        let table = FirstRule::build(&hirs(&patterns)).expect("small");
        for line in ["up", "up down", "upward", "u"] {
            assert_eq!(
                table.first(line.as_bytes()),
                by_turns(&patterns, line),
                "{line:?}"
            );
        }
    }
}
