//! Chinese line breaking (禁则, as in GB/T 15834 and the W3C's clreq).
//!
//! * No line starts with a closing mark (。，、；：？！）」》”’】〕… and their kin), none ends with an
//!   opening mark (（「《“‘【〔 …): a mark that would do so takes its neighbour to the next line.
//! * A run of Latin letters and digits ("RS-2021-0031", "12,345.60") stays whole unless it is
//!   longer than a line; between hanzi a line may break anywhere.
//!
//! Widths come from the caller (the font's advances), so the same code wraps paragraphs and table
//! cells.

/// Marks that must not start a line.
const NO_START: &str = "。，、；：？！）」』》〉】〕〗〙］｝”’…‥—～·・％‰℃°′″ー!),.:;?]}%";
/// Marks that must not end a line.
const NO_END: &str = "（「『《〈【〔〖〘［｛“‘([{¥￥$＄£";

fn no_start(c: char) -> bool {
    NO_START.contains(c)
}

fn no_end(c: char) -> bool {
    NO_END.contains(c)
}

/// Characters that join a Latin run: letters and digits, and the punctuation that sits inside
/// codes, numbers and addresses without a space ("RS-2021-0031", "1,250.5", "m²", "a/b").
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || ".,-_/:%+#&@~=?'*!;²".contains(c);
    }
    // Latin-1 letters, ² ³ and the like, but not CJK (whose characters break anywhere).
    (c.is_alphanumeric() && (c as u32) < 0x2E80) || "²³°·".contains(c)
}

/// One wrapped line.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub text: String,
    /// The sum of the advances, in the caller's unit.
    pub width: f32,
    /// The line ends its paragraph (or an explicit line break): it is not stretched to full width.
    pub last: bool,
}

/// Breaks `text` into lines no wider than `max_width` (one character per line at least, however
/// narrow the box). `'\n'` forces a break; spaces at a break are dropped.
pub fn wrap(text: &str, max_width: f32, advance: impl Fn(char) -> f32) -> Vec<Line> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let start = lines.len();
        wrap_paragraph(paragraph, max_width, &advance, &mut lines);
        if lines.len() == start {
            lines.push(Line {
                text: String::new(),
                width: 0.0,
                last: true,
            });
        }
        if let Some(last) = lines.last_mut() {
            last.last = true;
        }
    }
    lines
}

/// A run of characters no break may fall inside (a word, or hanzi tied to their punctuation), or
/// a run of spaces.
struct Piece {
    chars: Vec<(char, f32)>,
    width: f32,
    space: bool,
}

fn pieces(paragraph: &str, advance: &impl Fn(char) -> f32) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    let mut prev: Option<char> = None;
    for c in paragraph.chars() {
        let c = if c == '\t' { ' ' } else { c };
        let w = advance(c);
        let space = c == ' ';
        let joins = match (out.last(), prev) {
            (Some(last), Some(p)) if last.space == space => {
                space || (is_word_char(p) && is_word_char(c)) || no_start(c) || no_end(p)
            }
            _ => false,
        };
        match out.last_mut() {
            Some(last) if joins => {
                last.chars.push((c, w));
                last.width += w;
            }
            _ => out.push(Piece {
                chars: vec![(c, w)],
                width: w,
                space,
            }),
        }
        prev = Some(c);
    }
    out
}

/// Greedy filling: a piece goes on the current line if it fits, else it starts the next one.
fn wrap_paragraph(
    paragraph: &str,
    max_width: f32,
    advance: &impl Fn(char) -> f32,
    lines: &mut Vec<Line>,
) {
    const SLACK: f32 = 1e-3;
    let mut line = Line {
        text: String::new(),
        width: 0.0,
        last: false,
    };
    let mut pending_space: Option<&Piece> = None;
    let all = pieces(paragraph, advance);
    for piece in &all {
        if piece.space {
            if !line.text.is_empty() {
                pending_space = Some(piece);
            }
            continue;
        }
        let space_width = pending_space.map_or(0.0, |s| s.width);
        if line.width + space_width + piece.width <= max_width + SLACK {
            if let Some(space) = pending_space.take() {
                push_chars(&mut line, &space.chars);
            }
            push_chars(&mut line, &piece.chars);
            continue;
        }
        pending_space = None;
        if piece.width <= max_width + SLACK {
            if !line.text.is_empty() {
                lines.push(std::mem::replace(
                    &mut line,
                    Line {
                        text: String::new(),
                        width: 0.0,
                        last: false,
                    },
                ));
            }
            push_chars(&mut line, &piece.chars);
        } else {
            split_long_piece(&piece.chars, max_width + SLACK, &mut line, lines);
        }
    }
    if !line.text.is_empty() {
        lines.push(line);
    }
}

fn push_chars(line: &mut Line, chars: &[(char, f32)]) {
    for (c, w) in chars {
        line.text.push(*c);
        line.width += w;
    }
}

/// A piece wider than a line (a long URL, a run of marks): it starts on a fresh line and is cut
/// where it must, moving each cut back a little where that keeps a mark off the line's edge.
fn split_long_piece(chars: &[(char, f32)], max_width: f32, line: &mut Line, lines: &mut Vec<Line>) {
    if !line.text.is_empty() {
        lines.push(std::mem::replace(
            line,
            Line {
                text: String::new(),
                width: 0.0,
                last: false,
            },
        ));
    }
    let mut rest = chars;
    while !rest.is_empty() {
        let mut fit = 0;
        let mut width = 0.0;
        while fit < rest.len() && (fit == 0 || width + rest[fit].1 <= max_width) {
            width += rest[fit].1;
            fit += 1;
        }
        if fit < rest.len() {
            let mut cut = fit;
            while cut > 1 && (no_start(rest[cut].0) || no_end(rest[cut - 1].0)) {
                cut -= 1;
            }
            if cut > 1 || !(no_start(rest[1].0) || no_end(rest[0].0)) {
                fit = cut;
            }
        }
        let (head, tail) = rest.split_at(fit);
        push_chars(line, head);
        rest = tail;
        if !rest.is_empty() {
            lines.push(std::mem::replace(
                line,
                Line {
                    text: String::new(),
                    width: 0.0,
                    last: false,
                },
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hanzi and fullwidth marks are one em, everything else half: close to the real font.
    fn em(c: char) -> f32 {
        if c.is_ascii() { 0.5 } else { 1.0 }
    }

    fn texts(text: &str, width: f32) -> Vec<String> {
        wrap(text, width, em).into_iter().map(|l| l.text).collect()
    }

    fn assert_rules_hold(text: &str, width: f32) {
        let lines = wrap(text, width, em);
        let joined: String = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(joined, text, "wrapping lost or added characters");
        for (i, line) in lines.iter().enumerate() {
            assert!(line.width <= width + 1e-3, "line {i} too wide in {lines:?}");
            let first = line.text.chars().next();
            let last = line.text.chars().last();
            if i > 0 {
                assert!(
                    !first.is_some_and(no_start),
                    "line {i} starts with a closing mark: {lines:?}"
                );
            }
            if i + 1 < lines.len() {
                assert!(
                    !last.is_some_and(no_end),
                    "line {i} ends with an opening mark: {lines:?}"
                );
            }
        }
    }

    #[test]
    fn closing_and_opening_marks_stay_off_the_line_edges_wherever_they_fall() {
        let base: Vec<char> =
            "施工单位应当按照国家有关规定设置安全警示标志并做好围挡封闭施工现场扬尘治理工作"
                .chars()
                .collect();
        let closing: Vec<char> = "。，、；：？！）」》”’】〕…".chars().collect();
        let opening: Vec<char> = "（「《“‘【〔".chars().collect();
        let mut checked = 0;
        for width in [5.0, 7.0, 9.5] {
            for at in 1..base.len() {
                for &mark in closing.iter().chain(&opening) {
                    let mut text = base.clone();
                    text.insert(at, mark);
                    assert_rules_hold(&text.iter().collect::<String>(), width);
                    // A closing mark right after an opening one, and doubled marks (……, ——).
                    for &other in &closing {
                        let mut pair = base.clone();
                        pair.insert(at, other);
                        pair.insert(at, mark);
                        assert_rules_hold(&pair.iter().collect::<String>(), width);
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 10_000);
    }

    #[test]
    fn a_closing_mark_takes_the_previous_character_to_the_next_line() {
        assert_eq!(texts("一二三四。五六", 4.0), ["一二三", "四。五六"]);
        assert_eq!(texts("一二三（四）五六", 4.0), ["一二三", "（四）五", "六"]);
    }

    #[test]
    fn latin_runs_are_not_split_unless_longer_than_a_line() {
        assert_eq!(texts("编号RS-2021-0031", 6.0), ["编号", "RS-2021-0031"]);
        assert_eq!(texts("金额12,345.60元", 5.5), ["金额", "12,345.60元"]);
        let url = "https://jiugai.example.gov.cn/orders/RS-2021-0031/revisions/2";
        let lines = wrap(url, 10.0, em);
        assert!(lines.len() > 2);
        assert!(lines.iter().all(|l| l.width <= 10.0 + 1e-3));
        assert_eq!(
            lines.iter().map(|l| l.text.as_str()).collect::<String>(),
            url
        );
    }

    #[test]
    fn spaces_at_a_break_are_dropped_and_newlines_force_one() {
        assert_eq!(texts("alpha beta gamma", 4.0), ["alpha", "beta", "gamma"]);
        let lines = wrap("第一行\n第二行", 20.0, em);
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| l.last));
        assert_eq!(texts("", 5.0), [""]);
    }

    #[test]
    fn only_the_last_line_of_a_paragraph_is_marked_last() {
        let lines = wrap("一二三四五六七八九十", 4.0, em);
        let last: Vec<bool> = lines.iter().map(|l| l.last).collect();
        assert_eq!(last, [false, false, true]);
    }

    #[test]
    fn a_box_narrower_than_one_character_still_makes_progress() {
        assert_eq!(texts("一二", 0.5), ["一", "二"]);
    }
}
