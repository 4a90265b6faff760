//! The real kubectl against the loopback API server stub (tests/support/apiserver.rs), in every
//! mode and with every kubectl build on this machine, and each output fed through the pure
//! classifier of `src/cluster` — the same files, compiled into this test with `#[path]` (the
//! module is crate-private and self-contained for exactly this).
//!
//! Builds: `kubectl` on PATH, resolved through symlinks; when it is the gcloud SDK's dispatcher,
//! the real builds beside it (`kubectl.1.27` … `kubectl.1.33`) are used instead. Without any
//! kubectl the test prints a note and passes. All runs go in parallel; the slowest is the hang
//! mode, which waits for kubectl's own `--request-timeout=5s`.

mod support;

#[allow(dead_code)]
#[path = "../src/cluster/mod.rs"]
mod cluster;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use cluster::kubectl::{self, ApiObservation, ApiPath, ApiState, CurrentContext};
use cluster::{End, Ran};
use support::apiserver::{self, ApiServer, Mode};

const CONTEXT: &str = "stub";
/// Our hard kill; kubectl's own request timeout (5 s) must fire well before it.
const KILL_AFTER: Duration = Duration::from_secs(15);

fn build_name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

/// Runs kubectl as the doctor will: stdin closed, `LC_ALL=C`, `KUBERC=off`, `HOME` and
/// `KUBECONFIG` in a temp dir, nothing else from our environment (no proxies), a hard kill.
fn run(kubectl: &Path, home: &Path, kubeconfig: &Path, args: &[&str]) -> (Ran, Duration) {
    let started = Instant::now();
    let mut child = match Command::new(kubectl)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("KUBECONFIG", kubeconfig)
        .env("KUBERC", "off")
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(_) => return (Ran::not_started(), started.elapsed()),
    };
    let drain = |mut r: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.by_ref().take(1 << 20).read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let end = loop {
        match child.try_wait().unwrap() {
            Some(status) => break status.code().map(End::Code).unwrap_or(End::Signal),
            None if started.elapsed() > KILL_AFTER => {
                let _ = child.kill();
                let _ = child.wait();
                break End::TimedOut;
            }
            None => thread::sleep(Duration::from_millis(10)),
        }
    };
    let ran = Ran {
        end,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    (ran, started.elapsed())
}

/// What one kubectl run must look like.
struct Expect {
    code: i32,
    state: ApiState,
}

fn expected(mode: Mode, port: u16) -> Expect {
    let fail = |state| Expect { code: 1, state };
    match mode {
        Mode::Ready => Expect {
            code: 0,
            state: ApiState::Ready,
        },
        Mode::NotReady => fail(ApiState::NotReady {
            failed: vec!["etcd".into()],
        }),
        Mode::Unauthorized => fail(ApiState::Unauthorized),
        Mode::Hang => fail(ApiState::TimedOut),
        Mode::WrongSan => fail(ApiState::TlsNameMismatch {
            valid_for: vec!["192.168.99.100".into()],
            requested: "127.0.0.1".into(),
        }),
        Mode::UnknownCa => fail(ApiState::TlsUnknownAuthority),
        Mode::Refused => fail(ApiState::Refused {
            server: format!("127.0.0.1:{port}"),
        }),
        // /readyz first; the fallback is checked separately.
        Mode::NoReadyz => fail(ApiState::NotFound),
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

struct Stub {
    server: ApiServer,
    _dir: tempfile::TempDir,
    kubeconfig: PathBuf,
}

/// One line per run, for the test log (`--nocapture`).
fn report(build: &str, case: &str, ran: &Ran, took: Duration) -> String {
    format!(
        "{build:<13} {case:<22} {:?} {:>5.2}s stdout={:?} stderr={:?}",
        ran.end,
        took.as_secs_f64(),
        first_line(&ran.stdout),
        first_line(&ran.stderr),
    )
}

/// kubectl runs at once besides the hang runs.
const WORKERS: usize = 3;

const READYZ: [&str; 5] = [
    "--context",
    CONTEXT,
    "get",
    "--raw=/readyz",
    "--request-timeout=5s",
];
const HEALTHZ: [&str; 5] = [
    "--context",
    CONTEXT,
    "get",
    "--raw=/healthz",
    "--request-timeout=5s",
];

/// Kubeconfigs shared by the context probes.
struct Paths {
    ready: PathBuf,
    no_current: PathBuf,
    garbage: PathBuf,
}

enum Job<'a> {
    /// `get --raw=/readyz` against one stub (and the /healthz fallback where asked).
    Mode {
        build: &'a Path,
        home: &'a Path,
        stub: &'a Stub,
    },
    /// `--context` naming no context, an unparsable kubeconfig, and `config current-context`.
    Context { build: &'a Path, home: &'a Path },
}

impl Job<'_> {
    /// Runs, asserts, and returns report lines.
    fn run(&self, paths: &Paths) -> Vec<String> {
        match *self {
            Job::Mode { build, home, stub } => mode_job(build, home, stub),
            Job::Context { build, home } => context_job(build, home, paths),
        }
    }
}

fn mode_job(build: &Path, home: &Path, stub: &Stub) -> Vec<String> {
    let name = build_name(build);
    let mode = stub.server.mode;
    let (ran, took) = run(build, home, &stub.kubeconfig, &READYZ);
    let want = expected(mode, stub.server.port);
    let got = kubectl::classify_api(&ran);
    assert_eq!(got, want.state, "{name} {mode:?}: {ran:?}");
    assert_eq!(ran.end, End::Code(want.code), "{name} {mode:?}: {ran:?}");
    let mut out = vec![report(&name, &format!("{mode:?}"), &ran, took)];
    match mode {
        Mode::Ready => assert_eq!(ran.stdout, "ok", "{name}"),
        // kubectl's own timeout answered, not our kill.
        Mode::Hang => assert!(
            took >= Duration::from_millis(4500) && took < KILL_AFTER,
            "{name}: {took:?}"
        ),
        Mode::NoReadyz => {
            assert_eq!(kubectl::next_probe(&got), Some(ApiPath::Healthz), "{name}");
            let (ran2, took2) = run(build, home, &stub.kubeconfig, &HEALTHZ);
            let obs = kubectl::api_observation(got, Some(kubectl::classify_api(&ran2)));
            assert_eq!(
                obs,
                ApiObservation {
                    path: ApiPath::Healthz,
                    state: ApiState::Ready
                },
                "{name}: {ran2:?}"
            );
            out.push(report(&name, "NoReadyz /healthz", &ran2, took2));
        }
        _ => {}
    }
    out
}

fn context_job(build: &Path, home: &Path, paths: &Paths) -> Vec<String> {
    let name = build_name(build);
    let mut out = Vec::new();
    let nope = [
        "--context",
        "nope",
        "get",
        "--raw=/readyz",
        "--request-timeout=5s",
    ];
    let (ran, took) = run(build, home, &paths.ready, &nope);
    assert_eq!(
        kubectl::classify_api(&ran),
        ApiState::ContextMissing {
            name: "nope".into()
        },
        "{name}: {ran:?}"
    );
    out.push(report(&name, "--context nope", &ran, took));
    let (ran, took) = run(build, home, &paths.garbage, &READYZ);
    assert_eq!(
        kubectl::classify_api(&ran),
        ApiState::KubeconfigUnreadable,
        "{name}: {ran:?}"
    );
    out.push(report(&name, "unparsable kubeconfig", &ran, took));
    for (kc, want, case) in [
        (
            &paths.ready,
            CurrentContext::Set {
                name: CONTEXT.into(),
            },
            "current-context set",
        ),
        (
            &paths.no_current,
            CurrentContext::NotSet,
            "current-context unset",
        ),
        (
            &paths.garbage,
            CurrentContext::KubeconfigUnreadable,
            "current-context bad",
        ),
    ] {
        let (ran, took) = run(build, home, kc, &["config", "current-context"]);
        assert_eq!(
            kubectl::classify_current_context(&ran),
            want,
            "{name} {case}: {ran:?}"
        );
        out.push(report(&name, case, &ran, took));
    }
    out
}

#[test]
fn real_kubectl_output_is_classified_for_every_mode_and_build() {
    let builds = support::real::kubectl_builds();
    if builds.is_empty() {
        println!("note: no kubectl on PATH; the real-kubectl cluster test is skipped");
        return;
    }
    let started = Instant::now();
    let stubs: Vec<Stub> = Mode::ALL
        .iter()
        .map(|&mode| {
            let dir = tempfile::tempdir().unwrap();
            let server = ApiServer::start(mode);
            let kubeconfig = server.write_kubeconfig(dir.path(), CONTEXT);
            Stub {
                server,
                _dir: dir,
                kubeconfig,
            }
        })
        .collect();
    // Kubeconfigs for the context probe: none current, and unparsable.
    let extra = tempfile::tempdir().unwrap();
    let no_current = extra.path().join("no-current");
    std::fs::write(&no_current, "apiVersion: v1\nkind: Config\n").unwrap();
    let garbage = extra.path().join("garbage");
    std::fs::write(&garbage, "[}\n").unwrap();
    assert_eq!(stubs[0].server.mode, Mode::Ready);

    let homes: Vec<tempfile::TempDir> = builds
        .iter()
        .map(|_| tempfile::tempdir().unwrap())
        .collect();
    let paths = Paths {
        ready: stubs[0].kubeconfig.clone(),
        no_current,
        garbage,
    };

    // Jobs: every mode for every build, plus the context probes per build. The hang runs (5 s
    // each, idle) start at once; the rest go through a few workers, because dozens of
    // concurrent kubectl start-ups on two cores are slower than a short queue.
    let mut hang = Vec::new();
    let mut queue = std::collections::VecDeque::new();
    for (build, home) in builds.iter().zip(&homes) {
        for stub in &stubs {
            let job = Job::Mode {
                build,
                home: home.path(),
                stub,
            };
            if stub.server.mode == Mode::Hang {
                hang.push(job);
            } else {
                queue.push_back(job);
            }
        }
        queue.push_back(Job::Context {
            build,
            home: home.path(),
        });
    }
    let queue = std::sync::Mutex::new(queue);
    let lines: Vec<String> = thread::scope(|s| {
        let paths = &paths;
        let mut handles: Vec<_> = hang
            .into_iter()
            .map(|job| s.spawn(move || job.run(paths)))
            .collect();
        for _ in 0..WORKERS {
            let queue = &queue;
            handles.push(s.spawn(move || {
                let mut out = Vec::new();
                loop {
                    let job = queue.lock().unwrap().pop_front();
                    let Some(job) = job else { break };
                    out.extend(job.run(paths));
                }
                out
            }));
        }
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });

    // What the server saw: each build asked /readyz with the timeout and the token.
    let seen = stubs[0].server.requests();
    for build in &builds {
        let name = build_name(build);
        let theirs: Vec<_> = seen
            .iter()
            .filter(|r| {
                r.user_agent
                    .as_deref()
                    .is_some_and(|ua| ua.starts_with(&format!("{name}/")))
            })
            .collect();
        assert!(
            theirs.iter().any(|r| r.method == "GET"
                && r.target == "/readyz?timeout=5s"
                && r.authorization.as_deref() == Some("Bearer fake-token")),
            "{name}: {seen:?}"
        );
    }
    let fallback = stubs
        .iter()
        .find(|s| s.server.mode == Mode::NoReadyz)
        .unwrap()
        .server
        .requests();
    for path in ["/readyz", "/healthz"] {
        assert_eq!(
            fallback.iter().filter(|r| r.path() == path).count(),
            builds.len(),
            "{path}: {fallback:?}"
        );
    }

    let mut lines = lines;
    lines.sort();
    println!("{} kubectl build(s):", builds.len());
    for l in &lines {
        println!("{l}");
    }
    println!("total {:.2}s", started.elapsed().as_secs_f64());
}

#[test]
fn kubeconfig_helper_is_private_and_base64_is_standard() {
    for (plain, encoded) in [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ] {
        assert_eq!(apiserver::base64(plain.as_bytes()), encoded);
    }
    let dir = tempfile::tempdir().unwrap();
    let server = ApiServer::start(Mode::Ready);
    let kc = server.write_kubeconfig(dir.path(), "minikube");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&kc).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let text = std::fs::read_to_string(&kc).unwrap();
    assert!(text.contains(&format!("server: https://127.0.0.1:{}", server.port)));
    assert!(text.contains("token: fake-token"));
    assert!(text.contains("current-context: minikube"));
}
