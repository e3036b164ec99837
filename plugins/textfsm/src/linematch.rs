//! A compact backtracking matcher for the capture pass over an ASCII line.
//!
//! Once a state's rule set has said which rule matches a line, the rule's groups still have
//! to be found. The `regex` crate's engines for that (a one-pass DFA, or a bounded
//! backtracker over its NFA) are fast on one pattern parsed again and again, but a template
//! library parses with hundreds of templates in turn, and each of their automata is spread
//! over many heap blocks that have left the CPU's caches by the next parse with that
//! template: profiles of the corpus bench showed the capture pass paying mostly for cache
//! misses. This matcher holds a pattern as one short array of instructions plus 32-byte
//! class bitmaps, and runs it by backtracking, which is how Python's `re` (and the `regex`
//! crate's leftmost-first engines) define which groups a match fills.
//!
//! It covers what rules are made of (literals, byte classes, repetitions, groups,
//! alternations, `^`, `$`, `\b`) and gives up on the rest at compile time; at run time it
//! gives up after a step budget. Giving up is never an answer: the caller then asks the
//! `regex` crate, whose engines are linear in the line.

use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// Largest program compiled; a bigger one (a long counted repetition) stays with `regex`.
const MAX_INSTS: usize = 4096;

/// Budget per byte of the line, in instructions run plus backtracks; a line of n bytes may
/// take `STEPS_PER_BYTE * (n + 1) + STEPS_BASE` steps before the matcher gives up.
const STEPS_PER_BYTE: usize = 16;

/// Fixed part of the step budget.
const STEPS_BASE: usize = 256;

/// Marks a capture slot that is not set.
const UNSET: usize = usize::MAX;

/// One instruction. Jump targets are indices into [`Program::insts`].
#[derive(Debug, Clone, Copy)]
enum Inst {
    /// One literal byte.
    Byte(u8),
    /// A literal of several bytes: `lits[start..start + len]`, compared in one step.
    Lit { start: u32, len: u32 },
    /// One byte of a class (index into [`Program::classes`]).
    Class(u32),
    /// A run of bytes of one class, `min..=max` long: the common `\s+`, `\S+`, `\d{1,3}`,
    /// `.*` in one instruction instead of a loop of splits.
    Run {
        class: u32,
        min: u32,
        max: u32,
        greedy: bool,
    },
    /// Try `prefer` first, and `other` when that fails.
    Split { prefer: u32, other: u32 },
    /// Continue at the target.
    Jmp(u32),
    /// Record the position in a capture slot.
    Save(u32),
    /// A zero-width assertion.
    Assert(Assertion),
    /// The pattern matched.
    Match,
}

/// The zero-width assertions rules use.
#[derive(Debug, Clone, Copy)]
enum Assertion {
    /// `^` without multi-line mode: the start of the line.
    Start,
    /// `$` without multi-line mode (or `\z`): the end of the line.
    End,
    /// `\b` (ASCII).
    Word,
    /// `\B` (ASCII).
    NotWord,
}

/// A compiled pattern.
#[derive(Debug, Clone)]
pub(crate) struct Program {
    insts: Vec<Inst>,
    /// Byte classes as 256-bit sets.
    classes: Vec<[u64; 4]>,
    /// The bytes of every [`Inst::Lit`].
    lits: Vec<u8>,
    /// Two slots per group, the whole match (group 0) included.
    slots: usize,
    /// The bytes a match can start with; `None` when it can match an empty line.
    first: Option<[u64; 4]>,
}

/// A point to return to when the current path fails.
#[derive(Debug, Clone, Copy)]
enum Frame {
    /// Resume at `pc` with the line position `pos`.
    Resume { pc: u32, pos: usize },
    /// Undo a [`Inst::Save`].
    Restore { slot: u32, old: usize },
    /// A greedy run that may give back bytes down to `min_pos`, currently ending at `pos`.
    GiveBack {
        next: u32,
        pos: usize,
        min_pos: usize,
    },
    /// A lazy run that may take more bytes of `class`, up to `max_pos`, currently ending at
    /// `pos`.
    TakeMore {
        next: u32,
        class: u32,
        pos: usize,
        max_pos: usize,
    },
}

/// Working memory of a match, kept between lines.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    stack: Vec<Frame>,
    slots: Vec<usize>,
}

impl Scratch {
    /// Byte span of group `i` of the last match.
    pub(crate) fn get(&self, i: usize) -> Option<(usize, usize)> {
        let (start, end) = (*self.slots.get(2 * i)?, *self.slots.get(2 * i + 1)?);
        (start != UNSET && end != UNSET).then_some((start, end))
    }
}

/// What a run found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The pattern matches at the start of the line; the scratch holds the groups.
    Match,
    /// It does not.
    NoMatch,
    /// The step budget ran out; ask another engine.
    GaveUp,
}

impl Program {
    /// Compiles a parsed pattern (Unicode off), or `None` for constructs it does not cover.
    pub(crate) fn new(hir: &Hir) -> Option<Program> {
        let mut b = Builder::default();
        b.hir(hir)?;
        b.push(Inst::Match)?;
        let groups = hir.properties().explicit_captures_len() + 1;
        let mut prog = Program {
            insts: b.insts,
            classes: b.classes,
            lits: b.lits,
            slots: 2 * groups,
            first: None,
        };
        prog.first = prog.first_bytes();
        Some(prog)
    }

    /// False when no match can start with the line's first byte, which rules out most
    /// rules of a state at the cost of one bit test.
    pub(crate) fn may_start(&self, line: &[u8]) -> bool {
        match (&self.first, line.first()) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(bits), Some(&b)) => contains(bits, b),
        }
    }

    /// The union of the bytes every path from the start can consume first, or `None` when
    /// some path reaches the end without consuming a byte.
    fn first_bytes(&self) -> Option<[u64; 4]> {
        let mut bits = [0u64; 4];
        let mut seen = vec![false; self.insts.len()];
        let mut todo = vec![0usize];
        while let Some(pc) = todo.pop() {
            if std::mem::replace(&mut seen[pc], true) {
                continue;
            }
            let mut add = |c: &[u64; 4]| bits.iter_mut().zip(c).for_each(|(a, b)| *a |= b);
            match self.insts[pc] {
                Inst::Byte(b) => add(&single(b)),
                Inst::Lit { start, .. } => add(&single(self.lits[start as usize])),
                Inst::Class(c) => add(&self.classes[c as usize]),
                Inst::Run { class, min, .. } => {
                    add(&self.classes[class as usize]);
                    if min == 0 {
                        todo.push(pc + 1);
                    }
                }
                Inst::Split { prefer, other } => {
                    todo.push(prefer as usize);
                    todo.push(other as usize);
                }
                Inst::Jmp(to) => todo.push(to as usize),
                // Assertions only narrow what follows; `$` at the start means an empty line.
                Inst::Save(_)
                | Inst::Assert(Assertion::Start | Assertion::Word | Assertion::NotWord) => {
                    todo.push(pc + 1)
                }
                Inst::Assert(Assertion::End) | Inst::Match => return None,
            }
        }
        Some(bits)
    }

    /// Matches at the start of `line` like Python's `re.match`, filling `scratch`'s slots.
    pub(crate) fn exec(&self, line: &[u8], scratch: &mut Scratch) -> Outcome {
        let Scratch { stack, slots } = scratch;
        stack.clear();
        slots.clear();
        slots.resize(self.slots, UNSET);
        let budget = STEPS_PER_BYTE
            .saturating_mul(line.len() + 1)
            .saturating_add(STEPS_BASE);
        let mut steps = 0usize;
        let mut pc = 0usize;
        let mut pos = 0usize;
        loop {
            steps += 1;
            if steps > budget {
                return Outcome::GaveUp;
            }
            let ok = match self.insts[pc] {
                Inst::Byte(b) => {
                    let hit = line.get(pos) == Some(&b);
                    if hit {
                        pos += 1;
                        pc += 1;
                    }
                    hit
                }
                Inst::Lit { start, len } => {
                    let lit = &self.lits[start as usize..(start + len) as usize];
                    let hit = line[pos..].starts_with(lit);
                    if hit {
                        pos += lit.len();
                        pc += 1;
                    }
                    hit
                }
                Inst::Class(c) => {
                    let hit = line.get(pos).is_some_and(|&b| self.has(c, b));
                    if hit {
                        pos += 1;
                        pc += 1;
                    }
                    hit
                }
                Inst::Run {
                    class,
                    min,
                    max,
                    greedy,
                } => {
                    let (min, max) = (min as usize, max as usize);
                    let limit = if greedy { max } else { min };
                    let n = line[pos..]
                        .iter()
                        .take(limit)
                        .take_while(|&&b| self.has(class, b))
                        .count();
                    if n < min {
                        false
                    } else {
                        if greedy && n > min {
                            stack.push(Frame::GiveBack {
                                next: pc as u32 + 1,
                                pos: pos + n,
                                min_pos: pos + min,
                            });
                        } else if !greedy && max > min {
                            stack.push(Frame::TakeMore {
                                next: pc as u32 + 1,
                                class,
                                pos: pos + n,
                                max_pos: pos.saturating_add(max),
                            });
                        }
                        pos += n;
                        pc += 1;
                        true
                    }
                }
                Inst::Split { prefer, other } => {
                    stack.push(Frame::Resume { pc: other, pos });
                    pc = prefer as usize;
                    true
                }
                Inst::Jmp(to) => {
                    pc = to as usize;
                    true
                }
                Inst::Save(slot) => {
                    stack.push(Frame::Restore {
                        slot,
                        old: slots[slot as usize],
                    });
                    slots[slot as usize] = pos;
                    pc += 1;
                    true
                }
                Inst::Assert(a) => {
                    let hit = match a {
                        Assertion::Start => pos == 0,
                        Assertion::End => pos == line.len(),
                        Assertion::Word => at_word_boundary(line, pos),
                        Assertion::NotWord => !at_word_boundary(line, pos),
                    };
                    if hit {
                        pc += 1;
                    }
                    hit
                }
                Inst::Match => {
                    slots[0] = 0;
                    slots[1] = pos;
                    return Outcome::Match;
                }
            };
            if ok {
                continue;
            }
            // Backtrack to the most recent alternative.
            loop {
                let Some(frame) = stack.pop() else {
                    return Outcome::NoMatch;
                };
                steps += 1;
                match frame {
                    Frame::Resume { pc: p, pos: at } => {
                        pc = p as usize;
                        pos = at;
                        break;
                    }
                    Frame::Restore { slot, old } => slots[slot as usize] = old,
                    Frame::GiveBack {
                        next,
                        pos: end,
                        min_pos,
                    } => {
                        let end = end - 1;
                        if end > min_pos {
                            stack.push(Frame::GiveBack {
                                next,
                                pos: end,
                                min_pos,
                            });
                        }
                        pc = next as usize;
                        pos = end;
                        break;
                    }
                    Frame::TakeMore {
                        next,
                        class,
                        pos: end,
                        max_pos,
                    } => {
                        if end < max_pos && line.get(end).is_some_and(|&b| self.has(class, b)) {
                            let end = end + 1;
                            stack.push(Frame::TakeMore {
                                next,
                                class,
                                pos: end,
                                max_pos,
                            });
                            pc = next as usize;
                            pos = end;
                            break;
                        }
                    }
                }
            }
        }
    }

    fn has(&self, class: u32, b: u8) -> bool {
        contains(&self.classes[class as usize], b)
    }
}

/// ASCII `\b`: a word byte on exactly one side of `pos`.
fn at_word_boundary(line: &[u8], pos: usize) -> bool {
    let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    let before = pos > 0 && line.get(pos - 1).is_some_and(word);
    let after = line.get(pos).is_some_and(word);
    before != after
}

/// Compiles a syntax tree into instructions.
#[derive(Default)]
struct Builder {
    insts: Vec<Inst>,
    classes: Vec<[u64; 4]>,
    lits: Vec<u8>,
}

impl Builder {
    fn push(&mut self, inst: Inst) -> Option<u32> {
        if self.insts.len() >= MAX_INSTS {
            return None;
        }
        self.insts.push(inst);
        u32::try_from(self.insts.len() - 1).ok()
    }

    fn next(&self) -> u32 {
        // Bounded by MAX_INSTS.
        self.insts.len() as u32
    }

    fn class(&mut self, bits: [u64; 4]) -> u32 {
        match self.classes.iter().position(|c| *c == bits) {
            Some(i) => i as u32,
            None => {
                self.classes.push(bits);
                (self.classes.len() - 1) as u32
            }
        }
    }

    fn hir(&mut self, hir: &Hir) -> Option<()> {
        match hir.kind() {
            HirKind::Empty => {}
            HirKind::Literal(lit) => match *lit.0 {
                [] => {}
                [b] => {
                    self.push(Inst::Byte(b))?;
                }
                ref bytes => {
                    let start = u32::try_from(self.lits.len()).ok()?;
                    let len = u32::try_from(bytes.len()).ok()?;
                    self.lits.extend_from_slice(bytes);
                    self.push(Inst::Lit { start, len })?;
                }
            },
            HirKind::Class(_) => {
                let c = single_byte(hir)?;
                let c = self.class(c);
                self.push(Inst::Class(c))?;
            }
            HirKind::Look(look) => {
                let a = match look {
                    Look::Start => Assertion::Start,
                    Look::End => Assertion::End,
                    Look::WordAscii => Assertion::Word,
                    Look::WordAsciiNegate => Assertion::NotWord,
                    _ => return None,
                };
                self.push(Inst::Assert(a))?;
            }
            HirKind::Capture(cap) => {
                self.push(Inst::Save(2 * cap.index))?;
                self.hir(&cap.sub)?;
                self.push(Inst::Save(2 * cap.index + 1))?;
            }
            HirKind::Concat(items) => {
                for item in items {
                    self.hir(item)?;
                }
            }
            HirKind::Alternation(alts) => {
                let mut to_end = Vec::new();
                let (last, rest) = alts.split_last()?;
                for alt in rest {
                    let split = self.push(Inst::Split {
                        prefer: 0,
                        other: 0,
                    })?;
                    let body = self.next();
                    self.hir(alt)?;
                    to_end.push(self.push(Inst::Jmp(0))?);
                    let other = self.next();
                    self.insts[split as usize] = Inst::Split {
                        prefer: body,
                        other,
                    };
                }
                self.hir(last)?;
                let end = self.next();
                for j in to_end {
                    self.insts[j as usize] = Inst::Jmp(end);
                }
            }
            HirKind::Repetition(rep) => {
                if let Some(bits) = single_byte(&rep.sub) {
                    let class = self.class(bits);
                    self.push(Inst::Run {
                        class,
                        min: rep.min,
                        max: rep.max.unwrap_or(u32::MAX),
                        greedy: rep.greedy,
                    })?;
                    return Some(());
                }
                // A loop whose body can match nothing could spin forever, and Python and
                // `regex` end such loops in different ways: leave those to `regex`.
                if rep.max.is_none() && rep.sub.properties().minimum_len().unwrap_or(0) == 0 {
                    return None;
                }
                for _ in 0..rep.min {
                    self.hir(&rep.sub)?;
                }
                match rep.max {
                    None => {
                        // L: split(body, exit); body; jmp L
                        let split = self.push(Inst::Split {
                            prefer: 0,
                            other: 0,
                        })?;
                        let body = self.next();
                        self.hir(&rep.sub)?;
                        self.push(Inst::Jmp(split))?;
                        let exit = self.next();
                        self.insts[split as usize] = order(rep.greedy, body, exit);
                    }
                    Some(max) => {
                        let mut splits = Vec::new();
                        for _ in rep.min..max {
                            let split = self.push(Inst::Split {
                                prefer: 0,
                                other: 0,
                            })?;
                            splits.push((split, self.next()));
                            self.hir(&rep.sub)?;
                        }
                        let exit = self.next();
                        for (split, body) in splits {
                            self.insts[split as usize] = order(rep.greedy, body, exit);
                        }
                    }
                }
            }
        }
        Some(())
    }
}

/// A split that prefers the body when greedy and the exit when lazy.
fn order(greedy: bool, body: u32, exit: u32) -> Inst {
    if greedy {
        Inst::Split {
            prefer: body,
            other: exit,
        }
    } else {
        Inst::Split {
            prefer: exit,
            other: body,
        }
    }
}

/// Whether byte `b` is in the 256-bit set.
fn contains(bits: &[u64; 4], b: u8) -> bool {
    bits[usize::from(b >> 6)] >> (b & 63) & 1 == 1
}

/// Adds byte `b` to the 256-bit set.
fn insert(bits: &mut [u64; 4], b: u8) {
    bits[usize::from(b >> 6)] |= 1 << (b & 63);
}

/// A set of one byte.
fn single(b: u8) -> [u64; 4] {
    let mut bits = [0u64; 4];
    insert(&mut bits, b);
    bits
}

/// The bytes of a node that matches exactly one byte (a class or a one-byte literal).
fn single_byte(hir: &Hir) -> Option<[u64; 4]> {
    let mut bits = [0u64; 4];
    let mut set = |b: u8| insert(&mut bits, b);
    match hir.kind() {
        HirKind::Literal(lit) if lit.0.len() == 1 => set(lit.0[0]),
        HirKind::Class(Class::Bytes(c)) => {
            for r in c.iter() {
                for b in r.start()..=r.end() {
                    set(b);
                }
            }
        }
        // Only reachable with Unicode on; the ASCII part is all an ASCII line can meet, but
        // a class that goes past it may stand for multi-byte sequences: not covered.
        HirKind::Class(Class::Unicode(c)) => {
            for r in c.iter() {
                let (start, end) = (u32::from(r.start()), u32::from(r.end()));
                if end > 0x7F {
                    return None;
                }
                for b in start..=end {
                    set(b as u8);
                }
            }
        }
        _ => return None,
    }
    Some(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn program(pattern: &str) -> Program {
        let hir = crate::pyre::parse_ascii(pattern).expect("pattern");
        Program::new(&hir).expect("covered")
    }

    /// Every group's text, as the `regex` crate finds it, beside ours.
    fn agree(pattern: &str, line: &str) {
        let re = regex::bytes::RegexBuilder::new(pattern)
            .unicode(false)
            .build()
            .expect("pattern");
        let want = re.captures(line.as_bytes()).map(|c| {
            c.iter()
                .map(|m| m.map(|m| (m.start(), m.end())))
                .collect::<Vec<_>>()
        });
        let prog = program(pattern);
        let mut scratch = Scratch::default();
        let got = match prog.exec(line.as_bytes(), &mut scratch) {
            Outcome::Match => Some(
                (0..re.captures_len())
                    .map(|i| scratch.get(i))
                    .collect::<Vec<_>>(),
            ),
            Outcome::NoMatch => None,
            Outcome::GaveUp => panic!("gave up on {pattern:?} / {line:?}"),
        };
        assert_eq!(got, want, "{pattern:?} on {line:?}");
    }

    #[test]
    fn groups_are_those_of_leftmost_first_backtracking() {
        let cases = [
            (
                r"^(?:JUNOS\s+Base\s+OS\s+boot\s+\[(\S+)\])",
                "JUNOS Base OS boot [13.3R1.4]",
            ),
            (
                r"^(?:(\S+)\s+is\s+(up|down|administratively down))",
                "Gi0/1 is administratively down, line",
            ),
            (r"^(?:(.*?)\s+(\S+)\s*$)", "Description: uplink to core   x"),
            (r"^(?:(.*)\s+(\S+)\s*$)", "a b c d"),
            (r"^(?:(\d+\.\d+\.\d+\.\d+)/(\d{1,2}))", "10.1.2.3/24 via"),
            (r"^(?:((?:\d+\.){3}\d+))", "192.168.0.1 x"),
            (r"^(?:(\S+)(?:\s+(\S+))?\s*$)", "eth0"),
            (r"^(?:(\S+)(?:\s+(\S+))?\s*$)", "eth0 up  "),
            (r"^(?:\s*(\w+)\b)", "   word-rest"),
            (r"^(?:\s*(\w+)\B)", "   word"),
            (r"^(?:(a|ab)(c|bcd)(d*))", "abcd"),
            (r"^(?:(x+?)(x*))", "xxxx"),
            (r"^(?:(x{2,3}?)(x*))", "xxxx"),
            (r"^(?:((?:ab)+)(.*))", "ababab!"),
            (r"^(?:((?:ab){1,2}?)(.*))", "ababab!"),
            (r"^(?:(?i)vlan\s+(\d+))", "VLAN 10"),
            (r"^(?:nothing)", "something"),
            (r"^(?:(\S+)\s+(\S+)\s+(\S+)$)", "a b"),
        ];
        for (pattern, line) in cases {
            agree(pattern, line);
        }
    }

    /// Random lines over the bytes rules care about, for shapes of pattern common in
    /// templates: every answer the matcher gives must be `regex`'s, groups included, and
    /// `may_start` must never rule out a line that matches.
    #[test]
    fn random_lines_get_the_same_groups_as_regex() {
        let patterns = [
            r"^(?:\s*(\S+)\s+(\S+)\s*$)",
            r"^(?:(\S+)\s+is\s+(up|down|admin down),?\s+(.*))",
            r"^(?:\s+Vlan\s*:?\s*(\d+)(?:\s+\[(\S+)\])?)",
            r"^(?:(.*?)\s+(\d+)\s*$)",
            r"^(?:(.+)\s+(\S+)$)",
            r"^(?:\s*$)",
            r"^(?:(\d{1,3}(?:\.\d{1,3}){3})(?:/(\d+))?)",
            r"^(?:([a-z]+|\d+)\b\s*(.*?)\s*$)",
            r"^(?:\S+\s+(?:\S+\s+){2}(\S+))",
            r"^(?:(?i)(up|down)(\s+\S+)?)",
            r"^(?:-+\s*$)",
            r"^(?:\[(\S+)\]\s+\[(\S*)\])",
        ];
        let alphabet = b"  \t aZ19.:/-[],_x";
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for pattern in patterns {
            let re = regex::bytes::RegexBuilder::new(pattern)
                .unicode(false)
                .build()
                .expect("pattern");
            let prog = program(pattern);
            let mut scratch = Scratch::default();
            for _ in 0..3000 {
                let len = (next() % 24) as usize;
                let line: Vec<u8> = (0..len)
                    .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                    .collect();
                let want = re.captures(&line).map(|c| {
                    c.iter()
                        .map(|m| m.map(|m| (m.start(), m.end())))
                        .collect::<Vec<_>>()
                });
                let got = match prog.exec(&line, &mut scratch) {
                    Outcome::Match => Some(
                        (0..re.captures_len())
                            .map(|i| scratch.get(i))
                            .collect::<Vec<_>>(),
                    ),
                    Outcome::NoMatch => None,
                    Outcome::GaveUp => continue,
                };
                let shown = String::from_utf8_lossy(&line);
                assert_eq!(got, want, "{pattern:?} on {shown:?}");
                if want.is_some() {
                    assert!(prog.may_start(&line), "{pattern:?} ruled out {shown:?}");
                }
            }
        }
    }

    #[test]
    fn loops_that_can_match_nothing_are_left_to_regex() {
        let hir = crate::pyre::parse_ascii(r"^(a*)*b").expect("pattern");
        assert!(Program::new(&hir).is_none());
    }

    #[test]
    fn a_pathological_line_gives_up_instead_of_taking_forever() {
        let prog = program(r"^(?:(.*)(.*)(.*)(.*)(.*)x)");
        let line = "a".repeat(200);
        assert_eq!(
            prog.exec(line.as_bytes(), &mut Scratch::default()),
            Outcome::GaveUp
        );
    }
}
