//! The TUI end to end on ratatui's `TestBackend`: the real loop, shell, apply path, probes of
//! fake tools and files in a temp dir; keys sent as messages, the screen read after each frame.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;

use super::model::{Key, Model, Msg};
use super::{CHANNEL, Screen, event_loop};
use crate::context::Context;
use crate::core::diagnose::Status;
use crate::core::manifest::Manifest;
use crate::core::overrides::OverrideEntry;
use crate::core::tool::Tool;
use crate::session::Session;

struct TestScreen {
    terminal: Terminal<TestBackend>,
    last: Arc<Mutex<String>>,
}

impl Screen for TestScreen {
    type B = TestBackend;
    fn terminal(&mut self) -> &mut Terminal<TestBackend> {
        &mut self.terminal
    }
    fn hand_over(&mut self, f: &mut dyn FnMut()) -> bool {
        f();
        true
    }
    fn drawn(&mut self) {
        *self.last.lock().unwrap() = self.terminal.backend().to_string();
    }
}

/// A shell script that answers like the tool's release would.
fn tool(dir: &Path, name: &str, stdout: &str) -> PathBuf {
    fs::create_dir_all(dir).unwrap();
    let p = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp"));
    fs::write(&tmp, format!("#!/bin/sh\necho '{stdout}'\n")).unwrap();
    fs::set_permissions(&tmp, fs::Permissions::from_mode(0o755)).unwrap();
    fs::rename(&tmp, &p).unwrap();
    p
}

const MANIFEST: &str = r#"schema = 1
[tools.kubectl]
version = "1.30.6"
url = "https://dl.example.com/kubectl/{version}/{os}/{arch}/kubectl"
[tools.kubectl.sha256]
linux-amd64 = "1111111111111111111111111111111111111111111111111111111111111111"
linux-arm64 = "1111111111111111111111111111111111111111111111111111111111111111"
darwin-amd64 = "1111111111111111111111111111111111111111111111111111111111111111"
darwin-arm64 = "1111111111111111111111111111111111111111111111111111111111111111"
[tools.helm]
version = "3.17.0"
url = "https://dl.example.com/helm/{version}/{os}/{arch}/helm"
[tools.helm.sha256]
linux-amd64 = "2222222222222222222222222222222222222222222222222222222222222222"
linux-arm64 = "2222222222222222222222222222222222222222222222222222222222222222"
darwin-amd64 = "2222222222222222222222222222222222222222222222222222222222222222"
darwin-arm64 = "2222222222222222222222222222222222222222222222222222222222222222"
"#;

struct World {
    dir: tempfile::TempDir,
    session: Session,
}

impl World {
    /// kubectl 1.29.0 and helm 3.12.0 in the bin dir (first on PATH); downloads go to a port
    /// where nothing listens, so any download attempt fails.
    fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let mut ctx = Context::for_test(dir.path(), vec![dir.path().join("bin")]);
        ctx.mirror = Some("http://127.0.0.1:1".into());
        tool(&ctx.bin_dir, "kubectl", "Client Version: v1.29.0");
        tool(&ctx.bin_dir, "helm", "v3.12.0+gabcdef0");
        let session = Session::for_test(ctx, Manifest::parse(MANIFEST, "versions.toml").unwrap());
        World { dir, session }
    }
}

/// Runs the TUI loop on a `TestBackend`; `drive` sends keys and reads frames.
async fn run(
    session: Session,
    drive: impl AsyncFnOnce(&mpsc::Sender<Msg>, &dyn Fn(&str, Duration)),
) -> Model {
    let last = Arc::new(Mutex::new(String::new()));
    let mut screen = TestScreen {
        terminal: Terminal::new(TestBackend::new(100, 30)).unwrap(),
        last: last.clone(),
    };
    let (tx, rx) = mpsc::channel(CHANNEL);
    let looping = tokio::spawn({
        let tx = tx.clone();
        async move { event_loop(&mut screen, session, tx, rx).await }
    });
    let wait_for = |needle: &str, within: Duration| {
        let t = Instant::now();
        loop {
            if last.lock().unwrap().contains(needle) {
                return;
            }
            assert!(
                t.elapsed() < within,
                "{needle:?} never showed:\n{}",
                last.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    drive(&tx, &wait_for).await;
    // (The drive may have quit already.)
    let _ = tx.send(Msg::Key(Key::Char('q'))).await;
    let (model, _) = tokio::time::timeout(Duration::from_secs(20), looping)
        .await
        .expect("the loop ends")
        .unwrap()
        .unwrap();
    model
}

async fn keys(tx: &mpsc::Sender<Msg>, s: &str) {
    for c in s.chars() {
        tx.send(Msg::Key(Key::Char(c))).await.unwrap();
    }
}

/// The TUI applies through the one apply path: after waiting for another run's lock it re-reads
/// the overrides and re-probes, so what changed meanwhile is neither downloaded nor replaced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_waiting_for_the_lock_the_tui_rechecks_before_installing() {
    let w = World::new();
    let ctx = w.session.ctx.clone();
    let mine = fs::read(ctx.bin_dir.join("kubectl")).unwrap();
    // Another --fix holds the install lock.
    fs::create_dir_all(&ctx.cache_dir).unwrap();
    let lock = fs::File::create(ctx.cache_dir.join("lock")).unwrap();
    lock.lock().unwrap();

    let other = w.session.clone();
    let model = run(w.session.clone(), async |tx, wait_for| {
        wait_for("2 of 2 tools need attention", Duration::from_secs(10));
        keys(tx, "ay").await;
        wait_for("waiting for another", Duration::from_secs(10));
        // Meanwhile: the user keeps their kubectl, and the other run installs the pinned helm.
        let mut other = other;
        other
            .save_override(
                Tool::Kubectl,
                OverrideEntry {
                    version: "1.29.0".into(),
                    path: ctx.bin_dir.join("kubectl"),
                    pin: "1.30.6".into(),
                    reason: None,
                    recorded: None,
                },
            )
            .unwrap();
        tool(&ctx.bin_dir, "helm", "v3.17.0+g301108e");
        drop(lock);
        wait_for("Every tool is satisfied.", Duration::from_secs(15));
    })
    .await;

    let status = |t: Tool| {
        let row = model.rows.iter().find(|r| r.tool == t).unwrap();
        (row.finding.as_ref().unwrap().status, row.outcome.clone())
    };
    assert_eq!(status(Tool::Helm), (Status::Ok, None), "nothing downloaded");
    assert_eq!(status(Tool::Kubectl).0, Status::Overridden);
    assert_eq!(fs::read(ctx.bin_dir.join("kubectl")).unwrap(), mine);
    drop(w.dir);
}

/// The cluster section: `c` looks, `f` shows what it would do, and the kube context is switched
/// only on `s` — the TUI's confirmation of what `--switch-context` does on the command line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kube_context_is_switched_only_when_confirmed() {
    let manifest = format!(
        "{MANIFEST}[cluster]\nprofile = \"minikube\"\ndriver = \"virtualbox\"\ncontext = \"aladdin\"\naddons = []\n"
    );
    let w = World::new();
    let ctx = w.session.ctx.clone();
    let state = w.dir.path().join("context");
    let log = w.dir.path().join("calls.log");
    fs::write(&state, "prod-eu\n").unwrap();
    let script = format!(
        r#"#!/bin/sh
echo "$*" >> '{log}'
case "$*" in
  "config current-context") cat '{state}' ;;
  "config use-context aladdin") echo aladdin > '{state}'; echo 'Switched to context "aladdin".' ;;
  "--context aladdin get --raw=/readyz --request-timeout=5s") echo ok ;;
  *) echo 'Client Version: v1.29.0' ;;
esac
"#,
        log = log.display(),
        state = state.display()
    );
    let p = ctx.bin_dir.join("kubectl");
    let tmp = ctx.bin_dir.join(".kubectl.tmp");
    fs::write(&tmp, script).unwrap();
    fs::set_permissions(&tmp, fs::Permissions::from_mode(0o755)).unwrap();
    fs::rename(&tmp, &p).unwrap();
    let session = Session::for_test(ctx, Manifest::parse(&manifest, "versions.toml").unwrap());
    let switched = |log: &Path| {
        fs::read_to_string(log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.starts_with("config use-context"))
            .count()
    };

    let model = run(session, async |tx, wait_for| {
        wait_for("2 of 2 tools need attention", Duration::from_secs(10));
        keys(tx, "c").await;
        wait_for("`prod-eu`, NOT `aladdin`", Duration::from_secs(10));
        // f shows the switch; n leaves everything as it is.
        keys(tx, "f").await;
        wait_for("Fix the cluster?", Duration::from_secs(5));
        wait_for("switch to `aladdin`", Duration::from_secs(5));
        keys(tx, "n").await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(switched(&log), 0);
        assert_eq!(fs::read_to_string(&state).unwrap(), "prod-eu\n");
        // s switches, then looks again.
        keys(tx, "fs").await;
        wait_for("cluster: ran 1 command", Duration::from_secs(10));
        wait_for("current context `aladdin`", Duration::from_secs(10));
    })
    .await;
    assert_eq!(switched(&log), 1);
    assert_eq!(fs::read_to_string(&state).unwrap(), "aladdin\n");
    let c = model.cluster.unwrap();
    assert_eq!(c.run.fixes.len(), 1);
    assert!(c.run.fixes[0].result.is_ok());
    drop(w.dir);
}

/// Quitting while a cluster fix runs: the command is stopped (SIGINT, then its whole group) and
/// nothing else runs, not even the look that would follow it, so the TUI ends at once even when
/// that look would hang.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quitting_during_a_cluster_fix_stops_it_and_ends_at_once() {
    let manifest = format!(
        "{MANIFEST}[cluster]\nprofile = \"minikube\"\ndriver = \"virtualbox\"\ncontext = \"minikube\"\naddons = []\n"
    );
    let w = World::new();
    let ctx = w.session.ctx.clone();
    let started = w.dir.path().join("started");
    let script = format!(
        r#"#!/bin/sh
case "$*" in
  "version"*) echo 'minikube version: v1.35.0' ;;
  "status -p minikube -o json")
    [ -f '{started}' ] && exec sleep 100
    echo '{{"Name":"minikube","Host":"Stopped","Kubelet":"Stopped","APIServer":"Stopped","Kubeconfig":"Stopped","Worker":false}}'; exit 7 ;;
  "start"*) touch '{started}'; echo '* Starting'; sleep 100 ;;
  *) echo '{{"invalid":[],"valid":[]}}' ;;
esac
"#,
        started = started.display()
    );
    let p = ctx.bin_dir.join("minikube");
    let tmp = ctx.bin_dir.join(".minikube.tmp");
    fs::write(&tmp, script).unwrap();
    fs::set_permissions(&tmp, fs::Permissions::from_mode(0o755)).unwrap();
    fs::rename(&tmp, &p).unwrap();
    let session = Session::for_test(ctx, Manifest::parse(&manifest, "versions.toml").unwrap());

    let t = Instant::now();
    let model = run(session, async |tx, wait_for| {
        wait_for("2 of 2 tools need attention", Duration::from_secs(10));
        keys(tx, "c").await;
        wait_for("profile `minikube` is stopped", Duration::from_secs(10));
        keys(tx, "f").await;
        wait_for("Fix the cluster?", Duration::from_secs(5));
        keys(tx, "y").await;
        wait_for("* Starting", Duration::from_secs(10));
        keys(tx, "qy").await;
    })
    .await;
    // Well under the minikube status timeout (30 s) that a look after the fix would wait out.
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
    assert!(model.quit);
    drop(w.dir);
}
