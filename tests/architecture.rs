//! The shape of the code, checked: every `crate::` path points down the layers (modes →
//! session/apply → I/O leaves → core), and the pure modules name no I/O API. README,
//! "Architecture", draws the same picture.

use std::fs;
use std::path::{Path, PathBuf};

/// The layer of a top-level module; a module may use its own layer and those below it.
fn layer(module: &str) -> Option<u8> {
    Some(match module {
        "core" | "cluster" => 0,
        "fsutil" | "cancel" | "probe" | "net" | "install" | "context" | "trace" | "shellrc" => 1,
        "session" | "apply" => 2,
        "modes" | "tui" => 3,
        "mode" | "cli" | "app" => 4,
        _ => return None,
    })
}

/// Files that must do no I/O: the functional core and the TUI's model, update and view.
fn pure(rel: &str) -> bool {
    rel.starts_with("core/")
        || rel.starts_with("tui/view/")
        || matches!(rel, "tui/model.rs" | "tui/update.rs")
}

const IO_APIS: &[&str] = &[
    "std::fs",
    "std::process",
    "std::net",
    "std::env::var",
    "std::io::stdin",
    "std::io::stdout",
    "std::io::stderr",
    "tokio::",
    "reqwest::",
    "crossterm::",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The source without its `#[cfg(test)]` tail (tests may reach anywhere).
fn without_tests(text: &str) -> &str {
    text.find("#[cfg(test)]\nmod tests")
        .or_else(|| text.find("#[cfg(test)]\npub(crate) mod tests"))
        .map_or(text, |i| &text[..i])
}

#[test]
fn every_arrow_points_down_and_the_core_is_pure() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut wrong = Vec::new();
    for f in &files {
        let rel = f
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if rel.ends_with("tests.rs") || rel == "lib.rs" || rel == "main.rs" {
            continue;
        }
        let own = rel.split(['/', '.']).next().unwrap();
        let Some(own_layer) = layer(own) else {
            wrong.push(format!("{rel}: module `{own}` has no layer in this test"));
            continue;
        };
        let text = fs::read_to_string(f).unwrap();
        let code = without_tests(&text);
        for (i, _) in code.match_indices("crate::") {
            let used: String = code[i + 7..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let Some(l) = layer(&used) else { continue };
            let sideways = own_layer == 3 && l == 3 && used != own;
            if l > own_layer || sideways {
                wrong.push(format!("{rel} uses crate::{used}"));
            }
        }
        if pure(&rel) {
            for api in IO_APIS {
                if code.contains(api) && !code.contains(&format!("`{api}")) {
                    wrong.push(format!("{rel} (pure) names {api}"));
                }
            }
        }
    }
    assert!(files.len() > 30, "found the sources");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
