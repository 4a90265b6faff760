//! `--cluster` end to end with fakes that keep state: a minikube that is stopped until `start`,
//! addons disabled until `addons enable`, a kube context in a file that `config use-context`
//! changes. Every call is logged, so the tests assert what ran, in which order, and what never
//! ran (`--check` changes nothing; `--fix` never switches the context unasked, never touches the
//! docker daemon, never repeats a command that failed).

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use support::{Fake, Sandbox, fake};

struct Cluster {
    sb: Sandbox,
    state: PathBuf,
    log: PathBuf,
}

/// The calls that change something (everything else is a look).
const CHANGES: &[&str] = &[
    "minikube start",
    "minikube addons enable",
    "minikube unpause",
    "minikube update-context",
    "kubectl config use-context",
    "helm init",
    "sudo",
    "systemctl",
];

impl Cluster {
    /// All five tools at the embedded pins; the cluster as `running`, with `context` current
    /// and the addons in `addons` enabled. `start` is what `minikube start` does.
    fn new(running: bool, context: &str, addons: &[&str], start: &str) -> Cluster {
        let mut sb = Sandbox::new();
        sb.with_dirs();
        let tools = sb.all_pinned();
        let state = sb.root().join("state");
        fs::create_dir_all(&state).unwrap();
        let log = sb.root().join("calls.log");
        fs::write(&log, "").unwrap();
        if running {
            fs::write(state.join("running"), "").unwrap();
        }
        fs::write(state.join("context"), format!("{context}\n")).unwrap();
        for a in addons {
            fs::write(state.join(format!("addon-{a}")), "").unwrap();
        }
        let c = Cluster { sb, state, log };
        c.tools(&tools, start);
        c
    }

    fn tools(&self, dir: &Path, start: &str) {
        let (s, log) = (self.state.display(), self.log.display());
        let minikube = Fake::minikube(support::PIN_MINIKUBE).body;
        let kubectl = Fake::kubectl(support::PIN_KUBECTL).body;
        let helm = Fake::helm(support::PIN_HELM).body;
        let docker = Fake::docker(support::PIN_DOCKER).body;
        let wrap = |file: &'static str, cases: String, versions: &str| Fake {
            file,
            delay: None,
            body: format!(
                "echo \"{file} $*\" >> '{log}'\nS='{s}'\ncase \"$*\" in\n{cases}\n  *)\n{versions}\n  ;;\nesac"
            ),
        };
        fake(
            dir,
            &wrap(
                "minikube",
                format!(
                    r#"  "status -p minikube -o json")
    if [ -f "$S/running" ]; then
      echo '{{"Name":"minikube","Host":"Running","Kubelet":"Running","APIServer":"Running","Kubeconfig":"Configured","Worker":false}}'
    else
      echo '{{"Name":"minikube","Host":"Stopped","Kubelet":"Stopped","APIServer":"Stopped","Kubeconfig":"Stopped","Worker":false}}'; exit 7
    fi ;;
  "profile list -o json --light")
    echo '{{"invalid":[],"valid":[{{"Name":"minikube","Status":"Skipped","Config":{{"Name":"minikube","VMDriver":"","Driver":"virtualbox"}}}}]}}' ;;
  "start"*)
{start} ;;
  "addons list -p minikube -o json")
    m=disabled; [ -f "$S/addon-metrics-server" ] && m=enabled
    i=disabled; [ -f "$S/addon-ingress" ] && i=enabled
    echo "{{\"ingress\":{{\"Profile\":\"minikube\",\"Status\":\"$i\"}},\"metrics-server\":{{\"Profile\":\"minikube\",\"Status\":\"$m\"}}}}" ;;
  "addons enable "*)
    touch "$S/addon-$3"; echo "* The '$3' addon is enabled" ;;"#
                ),
                &minikube,
            ),
        );
        fake(
            dir,
            &wrap(
                "kubectl",
                r#"  "config current-context") cat "$S/context" ;;
  "config use-context "*) echo "$3" > "$S/context"; echo "Switched to context \"$3\"." ;;
  "--context minikube get --raw=/readyz --request-timeout=5s")
    if [ -f "$S/running" ]; then echo ok; else
      echo 'The connection to the server 192.168.59.100:8443 was refused - did you specify the right host or port?' >&2; exit 1
    fi ;;
  "--context minikube get --raw=/apis/"*)
    echo '{"kind":"Deployment","status":{"replicas":1,"availableReplicas":1}}' ;;"#
                    .into(),
                &kubectl,
            ),
        );
        fake(
            dir,
            &wrap(
                "helm",
                r#"  "list --max 1 -o json --kube-context minikube")
    if [ -f "$S/running" ]; then echo '[]'; else
      echo 'Error: Kubernetes cluster unreachable: Get "https://192.168.59.100:8443/version": dial tcp 192.168.59.100:8443: connect: connection refused' >&2; exit 1
    fi ;;"#
                    .into(),
                &helm,
            ),
        );
        fake(
            dir,
            &wrap(
                "docker",
                r#"  "version --format {{.Server.Version}}")
    echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' >&2; exit 1 ;;"#
                    .into(),
                &docker,
            ),
        );
    }

    fn calls(&self) -> Vec<String> {
        fs::read_to_string(&self.log)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// The calls that change something, in order.
    fn changes(&self) -> Vec<String> {
        self.calls()
            .into_iter()
            .filter(|c| CHANGES.iter().any(|p| c.starts_with(p)))
            .collect()
    }

    fn json(&self, args: &[&str]) -> (Option<i32>, serde_json::Value, String) {
        let mut all = args.to_vec();
        all.extend(["--cluster", "--format", "json"]);
        let out = self.sb.run(&all);
        let v = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", out.stdout, out.stderr));
        (out.code, v, out.stderr)
    }
}

fn row<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["cluster"]
        .as_array()
        .unwrap_or_else(|| panic!("no cluster array: {report:#}"))
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no row {name}: {report:#}"))
}

/// What `minikube start` does: start the VM and, unless `--keep-context`, make its context the
/// current one (as the real one does).
const STARTS: &str = r#"    echo '* minikube v1.35.0 on Debian'; touch "$S/running"
    case " $* " in
      *" --keep-context "*) echo '* Done! "minikube" cluster is ready (the current context is unchanged)' ;;
      *) echo minikube > "$S/context"; echo '* Done! kubectl is now configured to use "minikube" cluster' ;;
    esac"#;

#[test]
fn check_reports_a_stopped_cluster_and_changes_nothing() {
    let c = Cluster::new(false, "minikube", &[], STARTS);
    let (code, report, _) = c.json(&["--check"]);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(report["ok"], false);
    let mk = row(&report, "minikube");
    assert_eq!(mk["status"], "failed", "{mk:#}");
    assert_eq!(mk["fix"]["kind"], "start-minikube");
    // The profile exists: it starts as it was made, and the current context stays.
    assert_eq!(mk["hint"], "`minikube start --keep-context`");
    // What depends on a running cluster is skipped, naming the cause, not failed three times.
    assert_eq!(row(&report, "api-server")["status"], "skipped");
    assert_eq!(row(&report, "addon:metrics-server")["status"], "skipped");
    // The virtualbox driver does not need the host's docker daemon: shown, not failed.
    assert_eq!(row(&report, "docker-daemon")["status"], "warning");
    assert!(c.changes().is_empty(), "{:?}", c.changes());
}

#[test]
fn fix_starts_the_cluster_then_enables_the_addons_and_checks_again() {
    let c = Cluster::new(false, "minikube", &[], STARTS);
    let (code, report, stderr) = c.json(&["--fix"]);
    assert_eq!(
        c.changes(),
        [
            "minikube start --keep-context",
            "minikube addons enable metrics-server",
            "minikube addons enable ingress",
        ]
    );
    assert_eq!(code, Some(0), "{report:#}\n{stderr}");
    for name in [
        "minikube",
        "api-server",
        "addon:metrics-server",
        "addon:ingress",
        "helm",
    ] {
        assert_eq!(row(&report, name)["status"], "ok", "{name}: {report:#}");
    }
    assert_eq!(
        row(&report, "minikube")["ran"],
        serde_json::json!([{
            "command": "minikube start --keep-context",
            "result": "ok"
        }])
    );
    // Each command is shown before it runs, and its output passes through.
    let shown = stderr
        .find("minikube: running `minikube start --keep-context`")
        .unwrap_or_else(|| panic!("{stderr}"));
    let output = stderr
        .find("│ * Done! \"minikube\" cluster is ready")
        .unwrap();
    assert!(shown < output, "{stderr}");
    // The cluster is looked at again after each round: the last look saw it running.
    let statuses = c
        .calls()
        .iter()
        .filter(|l| l.starts_with("minikube status"))
        .count();
    assert!(statuses >= 3, "{:?}", c.calls());

    // The next look says so in words, and changes nothing.
    let before = c.changes();
    let out = c.sb.run(&["--check", "--cluster"]);
    assert_eq!(out.code, Some(0), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("✓ The cluster works: 8 checks, 1 warning."),
        "{}",
        out.stdout
    );
    assert_eq!(c.changes(), before);
}

#[test]
fn the_context_is_switched_only_when_asked() {
    let c = Cluster::new(true, "prod-eu", &["metrics-server", "ingress"], STARTS);
    let (code, report, stderr) = c.json(&["--fix"]);
    assert!(c.changes().is_empty(), "{:?}", c.changes());
    assert_eq!(code, Some(1));
    let ctx = row(&report, "kube-context");
    assert_eq!(ctx["status"], "warning", "{ctx:#}");
    assert_eq!(ctx["hint"], "`kubectl config use-context minikube`");
    assert!(stderr.contains("--switch-context"), "{stderr}");
    assert_eq!(
        fs::read_to_string(c.state.join("context")).unwrap(),
        "prod-eu\n"
    );

    let (code, report, _) = c.json(&["--fix", "--switch-context"]);
    assert_eq!(c.changes(), ["kubectl config use-context minikube"]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(row(&report, "kube-context")["status"], "ok");
}

/// `minikube start` makes its context the current one unless told not to: `--fix` tells it
/// not to, so a stopped cluster is started without moving the user off their context.
#[test]
fn starting_the_cluster_keeps_the_users_context_unless_asked() {
    let c = Cluster::new(false, "prod-eu", &["metrics-server", "ingress"], STARTS);
    let (code, _, stderr) = c.json(&["--fix"]);
    assert_eq!(c.changes(), ["minikube start --keep-context"]);
    assert_eq!(
        fs::read_to_string(c.state.join("context")).unwrap(),
        "prod-eu\n"
    );
    assert_eq!(code, Some(1), "the context is still not the pinned one");
    assert!(stderr.contains("--switch-context"), "{stderr}");

    let c = Cluster::new(false, "prod-eu", &["metrics-server", "ingress"], STARTS);
    let (code, report, _) = c.json(&["--fix", "--switch-context"]);
    assert_eq!(c.changes(), ["minikube start"]);
    assert_eq!(
        fs::read_to_string(c.state.join("context")).unwrap(),
        "minikube\n"
    );
    assert_eq!(code, Some(0), "{report:#}");
}

#[test]
fn a_fix_that_fails_is_reported_inert_and_not_repeated() {
    let start = r#"    printf '* Starting "minikube"\033]0;pwned\007\n'; echo 'X Exiting due to PROVIDER_VIRTUALBOX_NOT_FOUND: VBoxManage not found' >&2; exit 80"#;
    let c = Cluster::new(false, "minikube", &[], start);
    let out = c.sb.run(&["--fix", "--cluster"]);
    assert_eq!(out.code, Some(1), "{}\n{}", out.stdout, out.stderr);
    assert_eq!(
        c.changes(),
        ["minikube start --keep-context"],
        "a failed start is tried once, and nothing that needs a running cluster is tried"
    );
    assert!(
        out.stdout
            .contains("ran `minikube start --keep-context`: exited with code 80"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("PROVIDER_VIRTUALBOX_NOT_FOUND"),
        "{}",
        out.stdout
    );
    for stream in [&out.stdout, &out.stderr] {
        assert!(
            !stream.contains('\u{1b}') && !stream.contains('\u{7}'),
            "a control sequence from the tool reached the terminal: {stream:?}"
        );
    }
}

#[test]
fn dry_run_says_what_it_would_run_and_runs_nothing() {
    let c = Cluster::new(false, "prod-eu", &[], STARTS);
    let out = c.sb.run(&["--fix", "--dry-run", "--cluster"]);
    assert!(c.changes().is_empty(), "{:?}", c.changes());
    assert!(
        out.stdout
            .contains("cluster minikube: would run `minikube start --keep-context`"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("cluster kube-context: only with --switch-context"),
        "{}",
        out.stdout
    );
}

#[test]
fn the_docker_driver_with_no_daemon_is_left_to_the_user() {
    let c = Cluster::new(false, "minikube", &[], STARTS);
    let m =
        include_str!("../versions.toml").replace("driver = \"virtualbox\"", "driver = \"docker\"");
    let manifest = c.sb.write("versions.toml", &m);
    let manifest = manifest.to_str().unwrap();
    let (code, report, _) = c.json(&["--fix", "--manifest", manifest]);
    assert_eq!(code, Some(1));
    let d = row(&report, "docker-daemon");
    assert_eq!(d["status"], "failed", "{d:#}");
    assert_eq!(d["fix"]["kind"], "start-docker-daemon");
    assert!(c.changes().is_empty(), "{:?}", c.changes());
}

/// The real kubectl builds of this machine (if any) through the doctor, against the loopback
/// API server stub: ready, not ready, refused.
#[test]
fn real_kubectl_against_the_stub_api_server() {
    use support::apiserver::{ApiServer, Mode};
    let builds = support::real::kubectl_builds();
    let Some(kubectl) = builds.last() else {
        eprintln!("no kubectl on this machine: nothing to run");
        return;
    };
    for (mode, status) in [
        (Mode::Ready, "ok"),
        (Mode::NotReady, "failed"),
        (Mode::Refused, "failed"),
    ] {
        let mut c = Cluster::new(true, "minikube", &["metrics-server", "ingress"], STARTS);
        let real = c.sb.path_dir("real");
        std::os::unix::fs::symlink(kubectl, real.join("kubectl")).unwrap();
        // The real kubectl first on PATH.
        c.sb.path.rotate_right(1);
        let server = ApiServer::start(mode);
        let kubeconfig = server.write_kubeconfig(c.sb.root(), "minikube");
        c.sb.env
            .insert("KUBECONFIG".into(), kubeconfig.display().to_string());
        let (_, report, stderr) = c.json(&["--check"]);
        let api = row(&report, "api-server");
        assert_eq!(
            api["status"], status,
            "{mode:?} {kubectl:?}: {api:#}\n{stderr}"
        );
        assert_eq!(row(&report, "kube-context")["status"], "ok", "{report:#}");
        if mode != Mode::Refused {
            assert!(
                server.requests().iter().any(|r| r.path() == "/readyz"),
                "{mode:?}: kubectl never asked /readyz"
            );
        }
        assert!(c.changes().is_empty());
    }
}

/// The real docker CLI (if any) with no daemon behind its endpoint.
#[test]
fn real_docker_with_no_daemon() {
    let Some(docker) = support::real::docker() else {
        eprintln!("no docker CLI on this machine: nothing to run");
        return;
    };
    let mut c = Cluster::new(false, "minikube", &[], STARTS);
    let real = c.sb.path_dir("real");
    std::os::unix::fs::symlink(&docker, real.join("docker")).unwrap();
    c.sb.path.rotate_right(1);
    let sock = c.sb.root().join("no-daemon.sock");
    c.sb.env
        .insert("DOCKER_HOST".into(), format!("unix://{}", sock.display()));
    let m =
        include_str!("../versions.toml").replace("driver = \"virtualbox\"", "driver = \"docker\"");
    let manifest = c.sb.write("versions.toml", &m);
    let (code, report, _) = c.json(&["--check", "--manifest", manifest.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    let d = row(&report, "docker-daemon");
    assert_eq!(d["status"], "failed", "{d:#}");
    assert!(
        !d["fix"].is_null(),
        "the real docker's answer was not understood: {d:#}"
    );
    assert!(
        d["detail"].as_str().unwrap().contains("no-daemon.sock"),
        "{d:#}"
    );
}

/// A VM that hangs: `minikube status` never answers. The section still ends at its timeout, says
/// so, and sends nothing to a cluster it could not see.
#[test]
fn a_hanging_minikube_is_cut_off_at_its_timeout() {
    let c = Cluster::new(true, "minikube", &[], STARTS);
    let hang = c.state.join("hang");
    fs::write(&hang, "").unwrap();
    // Every minikube cluster call hangs while the file exists (the version probe does not).
    let script = c.sb.root().join("tools").join("minikube");
    let text = fs::read_to_string(&script).unwrap().replacen(
        "case \"$*\" in",
        &format!(
            "case \"$*\" in\n  version*) ;;\n  *) [ -f '{}' ] && exec sleep 100 ;;\nesac\ncase \"$*\" in",
            hang.display()
        ),
        1,
    );
    let tmp = script.with_extension("tmp");
    fs::write(&tmp, text).unwrap();
    fs::set_permissions(&tmp, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    fs::rename(&tmp, &script).unwrap();
    let m = include_str!("../versions.toml")
        .replace("minikube = 30", "minikube = 1")
        .replace("addons = 15", "addons = 1");
    let manifest = c.sb.write("versions.toml", &m);
    let started = std::time::Instant::now();
    let (code, report, _) = c.json(&["--check", "--manifest", manifest.to_str().unwrap()]);
    // Bounded by the 1 s timeout (a few rounds of it), not by the 100 s hang.
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    assert_eq!(code, Some(1));
    let mk = row(&report, "minikube");
    assert!(
        mk["detail"].as_str().unwrap().contains("timed out"),
        "{mk:#}"
    );
    assert!(c.changes().is_empty());
}
