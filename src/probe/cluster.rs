//! I/O: runs the cluster probes. The rows and their dependencies are decided by
//! `cluster::rows` (pure); this asks it which probes are due, runs all of them at once, feeds
//! the answers back, and repeats until nothing more is due. Every probe is bounded
//! (`cluster::commands` kill times, or `[cluster.timeouts]`), runs with the user's own
//! configuration (the kube context and docker endpoint are theirs) but names the pinned context
//! explicitly, and sends nothing to change the cluster or the kubeconfig.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::action::{self, ActionEnd};
use super::runner::{self, ProbeEnv, RunError};
use crate::cancel::Cancel;
use crate::cluster::addons::{self, AddonCheck, AddonsState};
use crate::cluster::commands::{self, ProbeCommand, Program};
use crate::cluster::docker::{self, DockerEnv};
use crate::cluster::fix::{self, Action, Failure};
use crate::cluster::helm::{self, HelmGeneration, HelmObservation};
use crate::cluster::kubectl::{self, ApiPath};
use crate::cluster::minikube;
use crate::cluster::rows::{self, Check, DockerSeen, Installed, Observed, Remedy, Row};
use crate::cluster::{ClusterPins, End, Ran, Release, Timeouts};

/// The binaries the tools section found (the copies PATH runs), and minikube's release.
#[derive(Clone, Debug, Default)]
pub(crate) struct ClusterTools {
    pub(crate) docker: Option<PathBuf>,
    pub(crate) minikube: Option<(PathBuf, Release)>,
    pub(crate) kubectl: Option<PathBuf>,
    pub(crate) helm: Option<(PathBuf, HelmGeneration)>,
}

impl ClusterTools {
    pub(crate) fn installed(&self) -> Installed {
        Installed {
            docker: self.docker.is_some(),
            minikube: self.minikube.is_some(),
            kubectl: self.kubectl.is_some(),
            helm: self.helm.as_ref().map(|(_, g)| *g),
        }
    }

    fn path(&self, p: Program) -> Option<&PathBuf> {
        match p {
            Program::Docker => self.docker.as_ref(),
            Program::Minikube => self.minikube.as_ref().map(|(p, _)| p),
            Program::Kubectl => self.kubectl.as_ref(),
            Program::Helm => self.helm.as_ref().map(|(p, _)| p),
        }
    }
}

/// Checks the cluster; the rows in report order.
pub(crate) async fn observe(
    pins: &ClusterPins,
    timeouts: &Timeouts,
    tools: &ClusterTools,
    env: &ProbeEnv,
) -> Vec<Row> {
    let installed = tools.installed();
    let mut seen = Observed::default();
    let checks: Vec<Check> = [
        Check::DockerDaemon,
        Check::Minikube,
        Check::MinikubeDriver,
        Check::KubeContext,
        Check::ApiServer,
        Check::Helm,
    ]
    .into_iter()
    .chain(pins.addons.iter().map(|a| Check::Addon(a.clone())))
    .collect();
    // Each round runs every probe whose dependencies hold; what they see unblocks the next.
    for _ in 0..checks.len() + 1 {
        let due: Vec<&Check> = checks
            .iter()
            .filter(|c| rows::wanted(c, pins, &installed, &seen))
            .collect();
        // One `addons list` serves every addon row.
        let mut due_addons = false;
        let mut work = Vec::new();
        for c in due {
            if matches!(c, Check::Addon(_)) {
                if due_addons {
                    continue;
                }
                due_addons = true;
            }
            work.push(probe(c, pins, timeouts, tools, env));
        }
        if work.is_empty() {
            break;
        }
        for found in futures_util::future::join_all(work).await {
            found.apply(&mut seen);
        }
    }
    // Enabled addons: is their workload there and available? (An extra look, not a gate.)
    if let (Some(AddonsState::Listed(listed)), Some((_, release)), Some(_)) =
        (&seen.addons, &tools.minikube, &tools.kubectl)
    {
        let mut work = Vec::new();
        for required in &pins.addons {
            if let AddonCheck::Enabled { name } = addons::resolve(required, listed)
                && let Some(path) = addons::workload_path(&name, *release)
            {
                let cmd = with_timeout(commands::workload(pins, path), timeouts.api);
                work.push(async move {
                    let ran = run(&cmd, tools, env).await;
                    (name, addons::classify_workload(&ran))
                });
            }
        }
        let found: BTreeMap<_, _> = futures_util::future::join_all(work)
            .await
            .into_iter()
            .collect();
        seen.workloads = found;
    }
    let mut rows = rows::rows(pins, &installed, &seen);
    // A kubeconfig to restrict that helm did not name: the one kubectl reads first, named, so
    // the hint and the fix say which file.
    for r in &mut rows {
        if let Remedy::RestrictKubeconfig { path: path @ None } = &mut r.remedy {
            *path = kubeconfigs(env)
                .into_iter()
                .next()
                .map(|p| p.display().to_string());
        }
    }
    rows
}

/// The kubeconfig files kubectl reads: the entries of `KUBECONFIG`, else `~/.kube/config`
/// (kubernetes/client-go `tools/clientcmd/loader.go`).
fn kubeconfigs(env: &ProbeEnv) -> Vec<PathBuf> {
    match env.vars.get("KUBECONFIG") {
        Some(v) if !v.is_empty() => std::env::split_paths(v)
            .filter(|p| !p.as_os_str().is_empty())
            .collect(),
        _ => vec![env.home.join(".kube").join("config")],
    }
}

/// What one probe saw, to be put into `Observed`.
enum Found {
    Docker(DockerSeen),
    Minikube(minikube::MinikubeState),
    Driver(minikube::DriverState),
    Context(kubectl::CurrentContext),
    Api(kubectl::ApiObservation),
    Addons(AddonsState),
    Helm(HelmObservation),
    Nothing,
}

impl Found {
    fn apply(self, seen: &mut Observed) {
        match self {
            Found::Docker(d) => seen.docker = Some(d),
            Found::Minikube(m) => seen.minikube = Some(m),
            Found::Driver(d) => seen.driver = Some(d),
            Found::Context(c) => seen.context = Some(c),
            Found::Api(a) => seen.api = Some(a),
            Found::Addons(a) => seen.addons = Some(a),
            Found::Helm(h) => seen.helm = Some(h),
            Found::Nothing => {}
        }
    }
}

fn with_timeout(mut cmd: ProbeCommand, t: Option<Duration>) -> ProbeCommand {
    if let Some(t) = t {
        cmd.kill_after = t;
    }
    cmd
}

async fn probe(
    check: &Check,
    pins: &ClusterPins,
    t: &Timeouts,
    tools: &ClusterTools,
    env: &ProbeEnv,
) -> Found {
    let release = tools.minikube.as_ref().map(|(_, r)| *r);
    match check {
        Check::DockerDaemon => {
            let ran = run(
                &with_timeout(commands::docker_version(), t.docker),
                tools,
                env,
            )
            .await;
            let var = |k: &str| env.vars.get(k).cloned();
            let target = docker::target(&DockerEnv {
                docker_host: var("DOCKER_HOST"),
                docker_context: var("DOCKER_CONTEXT"),
                docker_cert_path: var("DOCKER_CERT_PATH"),
                minikube_active_dockerd: var("MINIKUBE_ACTIVE_DOCKERD"),
            });
            Found::Docker(DockerSeen {
                target,
                state: docker::classify(&ran),
            })
        }
        Check::Minikube => {
            let Some(r) = release else {
                return Found::Nothing;
            };
            let cmd = with_timeout(commands::minikube_status(pins, r), t.minikube);
            Found::Minikube(minikube::classify_status(&run(&cmd, tools, env).await))
        }
        Check::MinikubeDriver => {
            let Some(r) = release else {
                return Found::Nothing;
            };
            match commands::minikube_profiles(r) {
                Some(cmd) => {
                    let ran = run(&with_timeout(cmd, t.minikube), tools, env).await;
                    let list = minikube::classify_profile_list(&ran);
                    Found::Driver(minikube::driver_of(&list, &pins.profile))
                }
                // Before `-o json` (v1.5.0): the profile's own config file.
                None => {
                    // `.minikube` is appended to MINIKUBE_HOME unless it already ends in it
                    // (kubernetes/minikube `pkg/minikube/localpath/localpath.go`).
                    let home = match env.vars.get("MINIKUBE_HOME").map(PathBuf::from) {
                        Some(h) if h.file_name().is_some_and(|n| n == ".minikube") => h,
                        Some(h) => h.join(".minikube"),
                        None => env.home.join(".minikube"),
                    };
                    let file = home
                        .join("profiles")
                        .join(&pins.profile)
                        .join("config.json");
                    // Bounded: a profile's config is a few KiB.
                    let mut text = String::new();
                    if let Ok(f) = std::fs::File::open(file) {
                        use std::io::Read;
                        let _ = f.take(1 << 20).read_to_string(&mut text);
                    }
                    Found::Driver(match minikube::driver_from_config_json(&text) {
                        Some(d) => minikube::DriverState::Driver(d),
                        None => minikube::DriverState::NotRecorded,
                    })
                }
            }
        }
        Check::KubeContext => {
            let cmd = with_timeout(commands::current_context(), t.context);
            Found::Context(kubectl::classify_current_context(
                &run(&cmd, tools, env).await,
            ))
        }
        Check::ApiServer => {
            let cmd = with_timeout(commands::api(pins, ApiPath::Readyz), t.api);
            let readyz = kubectl::classify_api(&run(&cmd, tools, env).await);
            let healthz = match kubectl::next_probe(&readyz) {
                Some(path) => {
                    let cmd = with_timeout(commands::api(pins, path), t.api);
                    Some(kubectl::classify_api(&run(&cmd, tools, env).await))
                }
                None => None,
            };
            Found::Api(kubectl::api_observation(readyz, healthz))
        }
        Check::Addon(_) => {
            let Some(r) = release else {
                return Found::Nothing;
            };
            let cmd = with_timeout(commands::addons_list(pins, r), t.addons);
            Found::Addons(addons::classify_list(&run(&cmd, tools, env).await))
        }
        Check::Helm => {
            let Some((_, generation)) = &tools.helm else {
                return Found::Nothing;
            };
            let cmd = with_timeout(commands::helm(pins, *generation), t.helm);
            let ran = run(&cmd, tools, env).await;
            Found::Helm(match generation {
                HelmGeneration::Tiller => HelmObservation::Tiller(helm::classify_tiller(&ran)),
                HelmGeneration::Client => HelmObservation::Client(helm::classify_list(&ran)),
            })
        }
    }
}

/// Runs one cluster probe: the user's environment plus `commands::PROBE_ENV`, and minikube's
/// log files kept out of the user's temp dir.
async fn run(cmd: &ProbeCommand, tools: &ClusterTools, env: &ProbeEnv) -> Ran {
    let Some(path) = tools.path(cmd.program) else {
        return Ran::not_started();
    };
    let tmp = tempfile::Builder::new()
        .prefix("aladdin-doctor-cluster-")
        .tempdir_in(&env.temp)
        .ok();
    let mut set: Vec<(String, String)> = commands::PROBE_ENV
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    if let (Program::Minikube, Some(t)) = (cmd.program, &tmp) {
        for k in ["TMPDIR", "TMP", "TEMP"] {
            set.push((k.into(), t.path().display().to_string()));
        }
    }
    let args: Vec<&str> = cmd.args.iter().map(String::as_str).collect();
    let deadline = tokio::time::Instant::now() + cmd.kill_after;
    match runner::run(path, &args, deadline, (&[], &set)).await {
        Ok(out) => Ran {
            end: match out.code {
                Some(c) => End::Code(c),
                None => End::Signal,
            },
            stdout: out.stdout,
            stderr: out.stderr,
        },
        Err(RunError::TimedOut(out)) => Ran {
            end: End::TimedOut,
            stdout: out.stdout,
            stderr: out.stderr,
        },
        Err(RunError::Spawn(_)) => Ran::not_started(),
    }
}

/// Does one `--fix --cluster` step: runs its command (each line of output to `on_line`,
/// untrusted), or restricts the kubeconfig's permissions. The caller shows the command first.
pub(crate) async fn act(
    step: &fix::Step,
    tools: &ClusterTools,
    env: &ProbeEnv,
    cancel: &Cancel,
    on_line: &(dyn Fn(&str) + Send + Sync),
) -> fix::Done {
    let result = match &step.action {
        Action::Run(cmd) | Action::SwitchContext(cmd) => run_fix(cmd, tools, cancel, on_line).await,
        Action::Restrict { path } => restrict(path.as_deref(), env),
        // `cluster::fix::next` never plans these.
        Action::Manual(_) => Ok(()),
    };
    fix::Done {
        check: step.check.clone(),
        action: step.action.clone(),
        result,
    }
}

async fn run_fix(
    cmd: &ProbeCommand,
    tools: &ClusterTools,
    cancel: &Cancel,
    on_line: &(dyn Fn(&str) + Send + Sync),
) -> Result<(), Failure> {
    let Some(path) = tools.path(cmd.program) else {
        return Err(Failure::NotStarted {
            error: "it is not installed".into(),
        });
    };
    let set: Vec<(String, String)> = commands::PROBE_ENV
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let out = action::run(path, &cmd.args, &set, cmd.kill_after, cancel, on_line).await;
    match out.end {
        ActionEnd::Exited(Some(0)) => Ok(()),
        ActionEnd::Exited(code) => Err(Failure::Exit {
            code,
            tail: out.tail,
        }),
        ActionEnd::TimedOut => Err(Failure::TimedOut {
            limit: cmd.kill_after,
            tail: out.tail,
        }),
        ActionEnd::Cancelled => Err(Failure::Cancelled),
        ActionEnd::NotStarted(e) => Err(Failure::NotStarted {
            error: e.to_string(),
        }),
    }
}

/// `chmod go-rwx` the kubeconfig: the one helm named, if it is one kubectl reads (the entries of
/// `KUBECONFIG`, else `~/.kube/config`: kubernetes/client-go `tools/clientcmd/loader.go`), else
/// the first of those. A path from a tool's output is never trusted further than that.
fn restrict(named: Option<&str>, env: &ProbeEnv) -> Result<(), Failure> {
    let candidates = kubeconfigs(env);
    let file = match named {
        Some(p) if candidates.iter().any(|c| c.as_os_str() == p) => PathBuf::from(p),
        Some(p) => {
            return Err(Failure::Restrict {
                path: p.to_string(),
                error: "not a kubeconfig kubectl reads; left alone".into(),
            });
        }
        None => match candidates.into_iter().next() {
            Some(c) => c,
            None => return Ok(()),
        },
    };
    let failed = |error: String| Failure::Restrict {
        path: file.display().to_string(),
        error,
    };
    let meta = std::fs::metadata(&file).map_err(|e| failed(e.to_string()))?;
    if !meta.is_file() {
        return Err(failed("not a regular file".into()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Group and others lose their bits; the owner keeps theirs (a 0400 file stays 0400).
        let mode = meta.permissions().mode() & 0o7777 & !0o077;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode))
            .map_err(|e| failed(e.to_string()))
    }
    #[cfg(not(unix))]
    {
        Err(failed("file modes are a unix matter".into()))
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &std::path::Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn only_a_kubeconfig_kubectl_reads_is_restricted() {
        let d = tempfile::tempdir().unwrap();
        let (a, b, other) = (d.path().join("a"), d.path().join("b"), d.path().join("x"));
        for f in [&a, &b, &other] {
            std::fs::write(f, "apiVersion: v1\n").unwrap();
            std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let mut env = ProbeEnv::default();
        env.vars.insert(
            "KUBECONFIG".into(),
            std::env::join_paths([&a, &b])
                .unwrap()
                .to_string_lossy()
                .into_owned(),
        );
        // Named by helm and one of KUBECONFIG's files: restricted.
        restrict(Some(b.to_str().unwrap()), &env).unwrap();
        assert_eq!(mode(&b), 0o600);
        // Not named: the first of KUBECONFIG.
        restrict(None, &env).unwrap();
        assert_eq!(mode(&a), 0o600);
        // A path from a tool's output that kubectl does not read is left alone.
        let e = restrict(Some(other.to_str().unwrap()), &env).unwrap_err();
        assert!(matches!(e, Failure::Restrict { .. }), "{e:?}");
        assert_eq!(mode(&other), 0o644);
        // Without KUBECONFIG: ~/.kube/config.
        let home = d.path().join("home");
        std::fs::create_dir_all(home.join(".kube")).unwrap();
        let cfg = home.join(".kube").join("config");
        std::fs::write(&cfg, "").unwrap();
        std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o640)).unwrap();
        let env = ProbeEnv {
            home,
            ..ProbeEnv::default()
        };
        restrict(None, &env).unwrap();
        assert_eq!(mode(&cfg), 0o600);
    }
}
