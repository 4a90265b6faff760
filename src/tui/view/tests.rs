use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

use super::*;
use crate::core::diagnose::tests::{copy, read};
use crate::core::failure::{FetchError, FetchErrorKind};
use crate::core::observation::{CopyState, Origin, ProbeFailure, RawOutput};
use crate::core::outcome::{ApplyError, Outcome};
use crate::core::overrides::Overrides;
use crate::core::progress::Event;
use crate::core::tool::Tool;
use crate::tui::update::tests::{fresh, observation, ready};
use crate::tui::update::update;

fn draw(m: &Model, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view(m, f)).unwrap();
    t
}

fn screen(m: &Model, w: u16, h: u16) -> String {
    draw(m, w, h).backend().to_string()
}

fn key(m: &mut Model, k: Key) {
    update(m, Msg::Key(k));
}

fn select(m: &mut Model, tool: Tool) {
    m.selected = m.rows.iter().position(|r| r.tool == tool).unwrap();
}

fn applying() -> Model {
    let mut m = ready();
    key(&mut m, Key::Char('a'));
    key(&mut m, Key::Char('y'));
    let s = Duration::from_millis;
    let ev = |m: &mut Model, e: Event, at: u64| {
        update(m, Msg::Progress(e, s(at)));
    };
    ev(
        &mut m,
        Event::Phase {
            tool: Tool::Helm,
            phase: crate::core::progress::Phase::Download,
            detail: String::new(),
        },
        100,
    );
    ev(
        &mut m,
        Event::Bytes {
            tool: Tool::Helm,
            done: 0,
            total: Some(16_000_000),
        },
        100,
    );
    ev(
        &mut m,
        Event::Bytes {
            tool: Tool::Helm,
            done: 8_000_000,
            total: Some(16_000_000),
        },
        1100,
    );
    ev(
        &mut m,
        Event::Phase {
            tool: Tool::Minikube,
            phase: crate::core::progress::Phase::Verify,
            detail: String::new(),
        },
        1100,
    );
    ev(
        &mut m,
        Event::Phase {
            tool: Tool::Kubectl,
            phase: crate::core::progress::Phase::Reprobe,
            detail: String::new(),
        },
        1100,
    );
    m.selected = m.rows.iter().position(|r| r.tool == Tool::Helm).unwrap();
    m
}

fn done() -> Model {
    let mut m = applying();
    update(
        &mut m,
        Msg::Applied {
            outcomes: vec![
                Outcome {
                    tool: Tool::Helm,
                    done: Done::Installed {
                        version: "3.17.0".into(),
                        dest: "/h/.aladdin/bin/helm".into(),
                    },
                },
                Outcome {
                    tool: Tool::Kubectl,
                    done: Done::Installed {
                        version: "1.30.6".into(),
                        dest: "/h/.aladdin/bin/kubectl".into(),
                    },
                },
                Outcome {
                    tool: Tool::Minikube,
                    done: Done::Installed {
                        version: "1.35.0".into(),
                        dest: "/h/.aladdin/bin/minikube".into(),
                    },
                },
                Outcome {
                    tool: Tool::Virtualbox,
                    done: Done::Failed(ApplyError::Fetch(FetchError::new(
                        "https://download.virtualbox.org/virtualbox/7.2.10/SHA256SUMS",
                        FetchErrorKind::NotFound { status: 404 },
                    ))),
                },
            ],
            overrides: Overrides::default(),
        },
    );
    for t in Tool::ALL {
        let mut o = observation(t);
        match t {
            Tool::Helm | Tool::Kubectl | Tool::Minikube => {
                let v = m.manifest.get(t).unwrap().version.clone();
                o.copies = vec![copy(
                    &format!("/h/.aladdin/bin/{t}"),
                    Origin::Path(0),
                    read(&v),
                )];
            }
            _ => {}
        }
        update(
            &mut m,
            Msg::Probed {
                generation: 2,
                observation: o,
            },
        );
    }
    m
}

#[test]
fn snapshots_at_80x24_and_120x40() {
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let mut probing = fresh();
        update(
            &mut probing,
            Msg::Probed {
                generation: 1,
                observation: observation(Tool::Docker),
            },
        );
        insta::assert_snapshot!(format!("probing_{w}x{h}"), screen(&probing, w, h));

        let mixed = ready();
        insta::assert_snapshot!(format!("mixed_{w}x{h}"), screen(&mixed, w, h));

        let mut prompt = ready();
        select(&mut prompt, Tool::Kubectl);
        key(&mut prompt, Key::Enter);
        insta::assert_snapshot!(format!("prompt_{w}x{h}"), screen(&prompt, w, h));

        let mut reason = prompt.clone();
        key(&mut reason, Key::Char('k'));
        for c in "gcloud".chars() {
            key(&mut reason, Key::Char(c));
        }
        insta::assert_snapshot!(format!("reason_{w}x{h}"), screen(&reason, w, h));

        // Details of a row with a shadowed pin and of one whose probe failed.
        let mut details = fresh();
        for t in Tool::ALL {
            let mut o = observation(t);
            if t == Tool::Kubectl {
                o.copies.push(copy(
                    "/h/.aladdin/bin/kubectl",
                    Origin::Path(3),
                    read("1.30.6"),
                ));
            }
            if t == Tool::Minikube {
                o.copies = vec![copy(
                    "/usr/bin/minikube",
                    Origin::Path(1),
                    CopyState::Failed {
                        failure: ProbeFailure::NoVersion {
                            command: "minikube version".into(),
                            exit: Some(1),
                            said: Some("Error: unknown command".into()),
                        },
                        output: Some(RawOutput::new(
                            "",
                            "Error: unknown command \"version\"\n",
                            1,
                        )),
                    },
                )];
            }
            update(
                &mut details,
                Msg::Probed {
                    generation: 1,
                    observation: o,
                },
            );
        }
        select(&mut details, Tool::Kubectl);
        key(&mut details, Key::Char('d'));
        insta::assert_snapshot!(format!("details_shadowed_{w}x{h}"), screen(&details, w, h));
        select(&mut details, Tool::Minikube);
        insta::assert_snapshot!(
            format!("details_failed_probe_{w}x{h}"),
            screen(&details, w, h)
        );

        insta::assert_snapshot!(format!("applying_{w}x{h}"), screen(&applying(), w, h));
        insta::assert_snapshot!(format!("done_{w}x{h}"), screen(&done(), w, h));

        let mut sudo = ready();
        key(&mut sudo, Key::Char('a'));
        key(&mut sudo, Key::Char('y'));
        update(
            &mut sudo,
            Msg::Applied {
                outcomes: vec![Outcome {
                    tool: Tool::Virtualbox,
                    done: Done::InstallerReady {
                        installer: "/c/sha256/ab/VirtualBox-7.2.10-174163-Linux_amd64.run".into(),
                        vm_running: true,
                        sudo_allowed: false,
                    },
                }],
                overrides: Overrides::default(),
            },
        );
        insta::assert_snapshot!(format!("sudo_{w}x{h}"), screen(&sudo, w, h));
    }
}

#[test]
fn the_cluster_section_its_confirmation_and_a_running_fix() {
    use crate::cluster::minikube::MinikubeState;
    use crate::tui::update::tests::{cluster_rows, with_cluster};
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let mut m = with_cluster(cluster_rows(MinikubeState::Stopped, "prod-eu"));
        insta::assert_snapshot!(format!("cluster_{w}x{h}"), screen(&m, w, h));
        key(&mut m, Key::Char('f'));
        insta::assert_snapshot!(format!("cluster_confirm_{w}x{h}"), screen(&m, w, h));
        key(&mut m, Key::Char('y'));
        update(
            &mut m,
            Msg::ClusterStep(
                "minikube start --driver=virtualbox --kubernetes-version=v1.30.6".into(),
            ),
        );
        update(
            &mut m,
            Msg::ClusterLine("* Starting \x1b]0;pwned\x07 VM".into()),
        );
        let s = screen(&m, w, h);
        insta::assert_snapshot!(format!("cluster_fixing_{w}x{h}"), s);
        assert!(s.contains("\\x1b]0;pwned\\x07"), "{s}");
    }
}

#[test]
fn a_stalled_then_retried_download_says_so() {
    let mut m = applying();
    select(&mut m, Tool::Helm);
    let at = |ms: u64| Duration::from_millis(ms);
    // 8 MB arrived at 1.1 s; nothing since.
    update(&mut m, Msg::Tick(at(2_500)));
    assert!(!screen(&m, 120, 40).contains("stalled"));
    update(&mut m, Msg::Tick(at(13_200)));
    let s = screen(&m, 120, 40);
    assert!(s.contains("stalled 12s"), "{s}");
    assert!(s.contains("no data for 12 s"), "{s}");
    update(
        &mut m,
        Msg::Progress(
            Event::Retry {
                tool: Tool::Helm,
                attempt: 2,
                of: 3,
                error: "no data for 30 s".into(),
            },
            at(13_300),
        ),
    );
    let s = screen(&m, 120, 40);
    assert!(s.contains("2/3 retrying"), "{s}");
    assert!(
        s.contains("attempt 2 of 3 (the last one failed: no data for 30 s)"),
        "{s}"
    );
    // The new attempt's bytes: no longer stalled, still attempt 2.
    update(
        &mut m,
        Msg::Progress(
            Event::Bytes {
                tool: Tool::Helm,
                done: 9_000_000,
                total: Some(16_000_000),
            },
            at(14_000),
        ),
    );
    update(&mut m, Msg::Tick(at(14_100)));
    let s = screen(&m, 120, 40);
    assert!(!s.contains("stalled"), "{s}");
    assert!(s.contains("attempt 2 of 3"), "{s}");
}

#[test]
fn failures_are_named_in_the_status_line_and_told_in_full_in_the_details() {
    let mut m = done();
    let s = screen(&m, 80, 24);
    assert!(s.contains("1 failed (virtualbox)"), "{s}");
    select(&mut m, Tool::Virtualbox);
    key(&mut m, Key::Char('d'));
    let s = screen(&m, 120, 40);
    assert!(s.contains("Last apply"), "{s}");
    let Some(Done::Failed(e)) = m.rows[1].outcome.as_ref().map(|o| o.done.clone()) else {
        panic!("virtualbox did not fail in done()");
    };
    let full = render::apply_error(&e);
    assert!(s.contains(&full[..full.len().min(60)]), "{full}\n{s}");
}

#[test]
fn hints_in_the_tui_are_keys_and_cut_columns_end_in_an_ellipsis() {
    let mut m = ready();
    for t in [Tool::Helm, Tool::Virtualbox, Tool::Minikube] {
        select(&mut m, t);
        let s = screen(&m, 120, 40);
        let pane: String = s.lines().skip(9).collect::<Vec<_>>().join("\n");
        assert!(
            !pane.contains("aladdin-doctor "),
            "{t}: a shell command in the TUI's hint:\n{s}"
        );
    }
    let s = screen(&m, 80, 24);
    assert!(s.contains("/usr/bin/dock…"), "{s}");
}

#[test]
fn what_tools_print_is_shown_escaped() {
    let mut m = fresh();
    for t in Tool::ALL {
        let mut o = observation(t);
        if t == Tool::Kubectl {
            o.copies = vec![copy(
                "/usr/bin/kubectl",
                Origin::Path(1),
                CopyState::Failed {
                    failure: ProbeFailure::NoVersion {
                        command: "kubectl version --client".into(),
                        exit: Some(0),
                        said: Some("\x1b]0;pwned\x07".into()),
                    },
                    output: Some(RawOutput::new("\x1b[2Jfake\n", "", 0)),
                },
            )];
        }
        update(
            &mut m,
            Msg::Probed {
                generation: 1,
                observation: o,
            },
        );
    }
    select(&mut m, Tool::Kubectl);
    let s = screen(&m, 120, 40);
    assert!(s.contains("\\x1b]0;pwned\\x07"), "{s}");
    key(&mut m, Key::Char('d'));
    let s = screen(&m, 120, 40);
    assert!(s.contains("\\x1b[2Jfake"), "{s}");
}

#[test]
fn help_lists_every_key() {
    let mut m = ready();
    key(&mut m, Key::Char('?'));
    let s = screen(&m, 80, 24);
    for k in ["j k", "i k n s", "apply", "re-probe", "details", "quit"] {
        assert!(s.contains(k), "{k}:\n{s}");
    }
    key(&mut m, Key::Char('x'));
    assert!(!screen(&m, 80, 24).contains("this help"));
}

#[test]
fn too_small_says_so_and_recovers() {
    let m = ready();
    let s = screen(&m, 79, 24);
    assert!(s.contains("at least 80×24"), "{s}");
    assert!(s.contains("79×24"), "{s}");
    assert!(s.contains("--check"), "{s}");
    assert!(screen(&m, 80, 23).contains("80×23"));
    assert!(screen(&m, 80, 24).contains(" Tools "));
}

#[test]
fn colour_only_when_allowed_and_never_alone() {
    let mut m = ready();
    let colours = |t: &Terminal<TestBackend>| {
        t.backend()
            .buffer()
            .content()
            .iter()
            .filter(|c| c.fg != Color::Reset)
            .count()
    };
    assert_eq!(colours(&draw(&m, 80, 24)), 0, "NO_COLOR: no colour at all");
    m.colour = true;
    let t = draw(&m, 80, 24);
    assert!(colours(&t) > 0);
    // The words are there with or without colour.
    let s = t.backend().to_string();
    for w in ["✓ ok", "✗ missing", "! drift"] {
        assert!(s.contains(w), "{w}");
    }
}
