//! PURE: a unified diff of two texts, line by line — what `pins update --dry-run` prints.
//!
//! The common head and tail are cut off first; the middle is aligned by a longest common
//! subsequence. Manifests are small, but the middle is bounded anyway: beyond `MAX_CELLS` it is
//! shown as one replacement (still a correct diff, just not a minimal one).

use std::fmt::Write as _;

/// The largest alignment table (old lines × new lines of the differing middle).
const MAX_CELLS: usize = 4_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    /// Line `i` of old equals line `j` of new.
    Same(usize, usize),
    Del(usize),
    Add(usize),
}

/// A unified diff (`--- old_name`, `+++ new_name`, `@@` hunks with `context` lines around each
/// change); empty when the texts are equal.
pub(crate) fn unified(
    old: &str,
    new: &str,
    old_name: &str,
    new_name: &str,
    context: usize,
) -> String {
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    let ops = align(&a, &b);
    if ops.iter().all(|o| matches!(o, Op::Same(..))) {
        return String::new();
    }
    let mut out = format!("--- {old_name}\n+++ {new_name}\n");
    for (start, end) in hunks(&ops, context) {
        let slice = &ops[start..end];
        let (mut old_from, mut old_len, mut new_from, mut new_len) = (None, 0, None, 0);
        for op in slice {
            match *op {
                Op::Same(i, j) => {
                    old_from.get_or_insert(i);
                    new_from.get_or_insert(j);
                    old_len += 1;
                    new_len += 1;
                }
                Op::Del(i) => {
                    old_from.get_or_insert(i);
                    old_len += 1;
                }
                Op::Add(j) => {
                    new_from.get_or_insert(j);
                    new_len += 1;
                }
            }
        }
        // A side with no lines in the hunk is numbered by the line before it (as diff -u does).
        let old_start = old_from.map_or_else(|| lines_before(&ops[..start], true), |i| i + 1);
        let new_start = new_from.map_or_else(|| lines_before(&ops[..start], false), |j| j + 1);
        let _ = writeln!(out, "@@ -{old_start},{old_len} +{new_start},{new_len} @@");
        for op in slice {
            let (mark, line) = match *op {
                Op::Same(i, _) => (' ', a[i]),
                Op::Del(i) => ('-', a[i]),
                Op::Add(j) => ('+', b[j]),
            };
            out.push(mark);
            match line.strip_suffix('\n') {
                Some(l) => {
                    out.push_str(l);
                    out.push('\n');
                }
                None => {
                    out.push_str(line);
                    out.push_str("\n\\ No newline at end of file\n");
                }
            }
        }
    }
    out
}

/// How many old (or new) lines come before the ops in `before`.
fn lines_before(before: &[Op], old: bool) -> usize {
    before
        .iter()
        .filter(|o| match o {
            Op::Same(..) => true,
            Op::Del(_) => old,
            Op::Add(_) => !old,
        })
        .count()
}

/// Ranges of `ops` to print: every change with up to `context` unchanged lines around it;
/// changes closer than twice the context share a hunk.
fn hunks(ops: &[Op], context: usize) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (k, op) in ops.iter().enumerate() {
        if matches!(op, Op::Same(..)) {
            continue;
        }
        let start = k.saturating_sub(context);
        let end = (k + 1 + context).min(ops.len());
        match out.last_mut() {
            Some(last) if start <= last.1 => last.1 = end,
            _ => out.push((start, end)),
        }
    }
    out
}

fn align(a: &[&str], b: &[&str]) -> Vec<Op> {
    let head = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);
    let mut ops: Vec<Op> = (0..head).map(|i| Op::Same(i, i)).collect();
    if am.len().saturating_mul(bm.len()) <= MAX_CELLS {
        // lcs[i][j]: the longest common subsequence of am[i..] and bm[j..].
        let w = bm.len() + 1;
        let mut lcs = vec![0u32; (am.len() + 1) * w];
        for i in (0..am.len()).rev() {
            for j in (0..bm.len()).rev() {
                lcs[i * w + j] = if am[i] == bm[j] {
                    lcs[(i + 1) * w + j + 1] + 1
                } else {
                    lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < am.len() || j < bm.len() {
            if i < am.len() && j < bm.len() && am[i] == bm[j] {
                ops.push(Op::Same(head + i, head + j));
                i += 1;
                j += 1;
            } else if j == bm.len() || (i < am.len() && lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])
            {
                ops.push(Op::Del(head + i));
                i += 1;
            } else {
                ops.push(Op::Add(head + j));
                j += 1;
            }
        }
    } else {
        ops.extend((0..am.len()).map(|i| Op::Del(head + i)));
        ops.extend((0..bm.len()).map(|j| Op::Add(head + j)));
    }
    ops.extend((0..tail).map(|k| Op::Same(a.len() - tail + k, b.len() - tail + k)));
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_have_no_diff() {
        assert_eq!(unified("a\nb\n", "a\nb\n", "x", "y", 3), "");
        assert_eq!(unified("", "", "x", "y", 3), "");
    }

    #[test]
    fn one_changed_line_with_context() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let new = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        assert_eq!(
            unified(old, new, "a/v.toml", "b/v.toml", 2),
            "--- a/v.toml\n+++ b/v.toml\n@@ -3,5 +3,5 @@\n 3\n 4\n-5\n+five\n 6\n 7\n"
        );
    }

    #[test]
    fn separate_hunks_and_merged_hunks() {
        let old: String = (1..=20).map(|n| format!("l{n}\n")).collect();
        let new = old
            .replace("l3\n", "three\n")
            .replace("l17\n", "seventeen\n");
        let d = unified(&old, &new, "a", "b", 1);
        assert_eq!(d.matches("@@ ").count(), 2, "{d}");
        assert!(
            d.contains("@@ -2,3 +2,3 @@\n l2\n-l3\n+three\n l4\n"),
            "{d}"
        );
        assert!(
            d.contains("@@ -16,3 +16,3 @@\n l16\n-l17\n+seventeen\n l18\n"),
            "{d}"
        );
        // With more context, the two changes share one hunk.
        let d = unified(&old, &new, "a", "b", 8);
        assert_eq!(d.matches("@@ ").count(), 1, "{d}");
    }

    #[test]
    fn insertions_deletions_and_the_last_newline() {
        let d = unified("a\nc\n", "a\nb\nc\n", "a", "b", 3);
        assert_eq!(d, "--- a\n+++ b\n@@ -1,2 +1,3 @@\n a\n+b\n c\n");
        let d = unified("a\nb\nc\n", "a\nc\n", "a", "b", 0);
        assert_eq!(d, "--- a\n+++ b\n@@ -2,1 +1,0 @@\n-b\n");
        let d = unified("a\n", "", "a", "b", 3);
        assert_eq!(d, "--- a\n+++ b\n@@ -1,1 +0,0 @@\n-a\n");
        let d = unified("a\nb", "a\nb\n", "a", "b", 3);
        assert_eq!(
            d,
            "--- a\n+++ b\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"
        );
    }

    #[test]
    fn a_huge_middle_is_one_replacement() {
        let old: String = (0..2100).map(|n| format!("o{n}\n")).collect();
        let new: String = (0..2100).map(|n| format!("n{n}\n")).collect();
        let d = unified(&old, &new, "a", "b", 0);
        assert!(
            d.starts_with("--- a\n+++ b\n@@ -1,2100 +1,2100 @@\n-o0\n"),
            "{}",
            &d[..60]
        );
        assert_eq!(d.lines().filter(|l| l.starts_with('+')).count(), 2101);
    }
}
