//! The layers of the crate, checked on its source: each folder imports only the folders
//! beneath it (ARCHITECTURE.md, "Layers of truce-core"). A `use` that reaches upward, which
//! would make an import circle, fails here before review.

use std::{fs, path::Path};

/// For each folder (or file) of `src`, the top-level modules it must not name.
const FORBIDDEN: &[(&str, &[&str])] = &[
    (
        "vocab/",
        &["access", "coordination", "monitoring", "projection", "matcher", "scenario", "command", "event", "decide"],
    ),
    ("matcher/", &["access", "coordination", "monitoring", "projection", "scenario", "command", "event", "decide"]),
    ("access/", &["coordination", "monitoring", "projection", "matcher", "scenario", "command", "event", "decide"]),
    ("coordination/model.rs", &["monitoring", "projection", "scenario", "command", "event", "decide"]),
    ("monitoring/model.rs", &["projection", "scenario", "command", "event", "decide"]),
    ("command.rs", &["projection", "scenario", "decide"]),
    ("event.rs", &["projection", "scenario", "decide"]),
    ("coordination/", &["monitoring", "projection", "scenario", "decide"]),
    ("monitoring/", &["projection", "scenario", "decide"]),
    ("projection/", &["scenario", "decide"]),
];

/// The top-level modules of the crate named by `crate::` paths in a file.
fn modules_named(source: &str) -> Vec<String> {
    let mut named = Vec::new();
    let mut in_use_block = false;
    for line in source.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("//") {
            continue;
        }
        if line.starts_with("use crate::{") {
            in_use_block = true;
            continue;
        }
        if in_use_block {
            if line.starts_with("};") {
                in_use_block = false;
            } else if let Some(name) = line.strip_prefix("    ").and_then(|rest| rest.split("::").next()) {
                if !name.starts_with(' ') && !name.is_empty() {
                    named.push(name.trim_end_matches(',').to_owned());
                }
            }
        }
        let mut rest = line;
        while let Some(idx) = rest.find("crate::") {
            rest = &rest[idx + "crate::".len()..];
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                named.push(name);
            }
        }
    }
    named
}

fn sources(dir: &Path, prefix: &str, out: &mut Vec<(String, String)>) {
    for entry in fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("a directory entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).expect("file names are UTF-8").to_owned();
        if path.is_dir() {
            sources(&path, &format!("{prefix}{name}/"), out);
        } else if name.ends_with(".rs") && name != "tests.rs" {
            out.push((format!("{prefix}{name}"), fs::read_to_string(&path).expect("a source file")));
        }
    }
}

#[test]
fn no_module_imports_a_layer_above_its_own() {
    let mut files = Vec::new();
    sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), "", &mut files);
    assert!(files.len() > 20, "the sources were found");
    let mut breaches = Vec::new();
    for (path, source) in &files {
        if path.starts_with("tests/") {
            continue;
        }
        let Some((_, forbidden)) = FORBIDDEN.iter().find(|(prefix, _)| path.starts_with(prefix)) else {
            continue;
        };
        for module in modules_named(source) {
            if forbidden.contains(&module.as_str()) {
                breaches.push(format!("{path} names crate::{module}"));
            }
        }
    }
    assert!(breaches.is_empty(), "imports reaching upward:\n{}", breaches.join("\n"));
}

#[test]
fn the_layer_check_sees_imports_in_blocks_and_in_paths() {
    let source =
        "use crate::{\n    projection::state::State,\n    vocab::ids::PartyId,\n};\nfn f() { crate::scenario::x(); }\n";
    assert_eq!(modules_named(source), ["projection", "vocab", "scenario"]);
}
