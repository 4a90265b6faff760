//! PURE: what keeps a probe hermetic. Each tool's version command can be changed or broken by
//! the user's own configuration (docs/probes.md has the details and the upstream sources); a
//! probe runs the user's binary with that configuration kept away, piece by piece, and writes
//! nothing outside its own temp dir. Every tool prints a version compiled into it, so none of
//! this can change the number it reports.
//!
//! The same pieces tell what a user's configuration does to the tool: run with only the pieces
//! marked `always` (those that keep the run from writing or hanging), and if that fails, add one
//! piece at a time to find the one that makes it work again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::core::tool::{Os, Tool};

/// A value to set: a path inside the probe's temp dir, or a literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Val {
    /// `<probe dir>/<this>`.
    Temp(&'static str),
    Lit(&'static str),
}

/// A part of a tool's configuration, named for the user.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Config {
    /// kubectl's preferences file (kubectl ≥ 1.33), `$KUBERC` or `~/.kube/kuberc`.
    Kuberc,
    /// The kubeconfig (`$KUBECONFIG` or `~/.kube/config`).
    Kubeconfig,
    /// helm's plugins (`$HELM_PLUGINS` or its data dir's `plugins/`).
    HelmPlugins,
    /// helm's config, cache and data dirs (registry and repository config).
    HelmHome,
    /// `HELM_DRIVER` and friends: a storage backend (a database, a file) that even `helm
    /// version` connects to.
    HelmDriver,
    /// The docker CLI's config (`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`).
    DockerCli,
    /// Where the docker CLI looks for a daemon (`DOCKER_HOST`, `DOCKER_CONTEXT`, TLS settings).
    DockerEndpoint,
    /// minikube's home (`$MINIKUBE_HOME` or `~/.minikube`) and its temp dir for logs.
    MinikubeHome,
    /// docker-machine plugin variables that turn minikube into a plugin server.
    MachinePlugin,
    /// The tool's own variables (`KUBECTL_*`, `HELM_*`, `MINIKUBE_*`, `DOCKER_*`).
    Variables,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Piece {
    pub(crate) config: Config,
    /// Removed from the inherited environment first (`PREFIX*` matches a prefix).
    pub(crate) remove: &'static [&'static str],
    /// Then set.
    pub(crate) set: &'static [(&'static str, Val)],
    /// Applied even when the user's configuration is being checked: without it the tool would
    /// write outside the temp dir, connect somewhere, or hang.
    pub(crate) always: bool,
}

const KUBECTL: &[Piece] = &[
    // kubectl pkg/cmd/cmd.go (v0.33.0, v0.34.0): kuberc preferences are applied to every
    // command; `KUBECTL_KUBERC=false` turns the feature gate off (1.33 opt-in, 1.34+ on by
    // default) and `KUBERC=off` is the documented off switch (pkg/kuberc/kuberc.go).
    Piece {
        config: Config::Kuberc,
        remove: &["KUBERC", "KUBECTL_KUBERC"],
        set: &[
            ("KUBECTL_KUBERC", Val::Lit("false")),
            ("KUBERC", Val::Lit("off")),
        ],
        always: false,
    },
    // `version --client` never loads the kubeconfig (pkg/cmd/version/version.go, Complete);
    // an empty one guards wrappers that might.
    Piece {
        config: Config::Kubeconfig,
        remove: &["KUBECONFIG", "KUBECACHEDIR"],
        set: &[("KUBECONFIG", Val::Temp("kubeconfig"))],
        always: false,
    },
    Piece {
        config: Config::Variables,
        remove: &["KUBECTL_*"],
        set: &[],
        always: false,
    },
];

const HELM: &[Piece] = &[
    // helm cmd/helm/helm.go (v3.0.0 … v3.17.0): the storage driver is set up for every command;
    // a bad one panics (≤3.15), `sql` connects and migrates a database.
    Piece {
        config: Config::HelmDriver,
        remove: &["HELM_DRIVER*", "HELM_MEMORY_DRIVER_DATA", "HELM_PPROF*"],
        set: &[],
        always: true,
    },
    // cmd/helm/load_plugins.go: every plugin.yaml is read unless HELM_NO_PLUGINS=1.
    Piece {
        config: Config::HelmPlugins,
        remove: &["HELM_PLUGINS", "HELM_NO_PLUGINS"],
        set: &[("HELM_NO_PLUGINS", Val::Lit("1"))],
        always: false,
    },
    // cmd/helm/root.go: the registry client reads its config (and, 3.8–3.17, the docker
    // config) on every command; 3.0–3.2 use XDG dirs, helm 2 HELM_HOME.
    Piece {
        config: Config::HelmHome,
        remove: &[
            "HELM_CONFIG_HOME",
            "HELM_CACHE_HOME",
            "HELM_DATA_HOME",
            "HELM_HOME",
            "HELM_REGISTRY_CONFIG",
            "HELM_REPOSITORY_*",
            "XDG_CONFIG_HOME",
            "XDG_CACHE_HOME",
            "XDG_DATA_HOME",
        ],
        set: &[
            ("HELM_CONFIG_HOME", Val::Temp("helm/config")),
            ("HELM_CACHE_HOME", Val::Temp("helm/cache")),
            ("HELM_DATA_HOME", Val::Temp("helm/data")),
            ("HELM_HOME", Val::Temp("helm2")),
            ("XDG_CONFIG_HOME", Val::Temp("xdg/config")),
            ("XDG_CACHE_HOME", Val::Temp("xdg/cache")),
            ("XDG_DATA_HOME", Val::Temp("xdg/data")),
        ],
        always: false,
    },
    Piece {
        config: Config::DockerCli,
        remove: &["DOCKER_CONFIG"],
        set: &[("DOCKER_CONFIG", Val::Temp("docker"))],
        always: false,
    },
    // 3.0–3.1 build the kube client before any command and exit on a broken kubeconfig.
    Piece {
        config: Config::Kubeconfig,
        remove: &["KUBECONFIG", "HELM_KUBE*"],
        set: &[("KUBECONFIG", Val::Temp("kubeconfig"))],
        always: false,
    },
    Piece {
        config: Config::Variables,
        remove: &["HELM_*", "TILLER_*"],
        set: &[],
        always: false,
    },
];

const MINIKUBE: &[Piece] = &[
    // cmd/minikube/main.go, pkg/minikube/localpath: every run creates dirs under MINIKUBE_HOME
    // and writes a log file into the temp dir.
    Piece {
        config: Config::MinikubeHome,
        remove: &["MINIKUBE_HOME", "TMPDIR", "TMP", "TEMP"],
        set: &[
            ("MINIKUBE_HOME", Val::Temp("minikube")),
            ("TMPDIR", Val::Temp("tmp")),
            ("TMP", Val::Temp("tmp")),
            ("TEMP", Val::Temp("tmp")),
        ],
        always: true,
    },
    // docker-machine's plugin protocol: with these set, minikube serves a driver and never exits.
    Piece {
        config: Config::MachinePlugin,
        remove: &[
            "MACHINE_PLUGIN_TOKEN",
            "MACHINE_PLUGIN_DRIVER_NAME",
            "STACKLOG_PATH",
        ],
        set: &[],
        always: true,
    },
    Piece {
        config: Config::DockerCli,
        remove: &["DOCKER_CONFIG", "DOCKER_CONTEXT"],
        set: &[("DOCKER_CONFIG", Val::Temp("docker"))],
        always: false,
    },
    Piece {
        config: Config::Variables,
        remove: &["MINIKUBE_*"],
        set: &[
            ("MINIKUBE_WANTUPDATENOTIFICATION", Val::Lit("false")),
            ("MINIKUBE_IN_STYLE", Val::Lit("false")),
        ],
        always: false,
    },
];

const DOCKER: &[Piece] = &[
    // docker/cli cmd/docker/docker.go: up to 18.05 and in 19.03–20.10, `--version` loads the
    // config, resolves the context and pings the daemon.
    Piece {
        config: Config::DockerCli,
        remove: &["DOCKER_CONFIG"],
        set: &[("DOCKER_CONFIG", Val::Temp("docker"))],
        always: false,
    },
    Piece {
        config: Config::DockerEndpoint,
        remove: &[
            "DOCKER_HOST",
            "DOCKER_CONTEXT",
            "DOCKER_TLS*",
            "DOCKER_CERT_PATH",
            "DOCKER_STACK_ORCHESTRATOR",
        ],
        set: &[("DOCKER_HOST", Val::Temp("unix://no-daemon.sock"))],
        always: false,
    },
    Piece {
        config: Config::Variables,
        remove: &["DOCKER_*"],
        set: &[],
        always: false,
    },
];

/// The pieces that keep `tool`'s version command hermetic (VBoxManage `--version` returns
/// before it reads any settings: nothing to keep away).
pub(crate) fn pieces(tool: Tool) -> &'static [Piece] {
    match tool {
        Tool::Kubectl => KUBECTL,
        Tool::Helm => HELM,
        Tool::Minikube => MINIKUBE,
        Tool::Docker => DOCKER,
        Tool::Virtualbox => &[],
    }
}

/// Which pieces a run applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Isolation {
    /// All of them: the probe that reads the version.
    Hermetic,
    /// Only those marked `always`: the tool as the user runs it (but writing nothing).
    AsUser,
    /// `AsUser` plus one piece (by index): which part of the configuration is the problem.
    AsUserWithout(usize),
}

impl Isolation {
    pub(crate) fn applies(self, index: usize, piece: &Piece) -> bool {
        match self {
            Isolation::Hermetic => true,
            Isolation::AsUser => piece.always,
            Isolation::AsUserWithout(i) => piece.always || i == index,
        }
    }
}

/// Whether `name` (an inherited variable) matches a `remove` pattern.
pub(crate) fn matches(pattern: &str, name: &str, os: Os) -> bool {
    let eq = |a: &str, b: &str| {
        if os == Os::Windows {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    match pattern.strip_suffix('*') {
        Some(prefix) => name.len() >= prefix.len() && eq(&name[..prefix.len()], prefix),
        None => eq(pattern, name),
    }
}

/// The environment changes for `tool` under `isolation`: names to remove (of `inherited`),
/// then variables to set, with temp-dir paths resolved against `dir`.
pub(crate) fn environment(
    tool: Tool,
    isolation: Isolation,
    inherited: &[String],
    dir: &Path,
    os: Os,
) -> (Vec<String>, Vec<(String, String)>) {
    let mut remove = Vec::new();
    let mut set = Vec::new();
    for (i, p) in pieces(tool).iter().enumerate() {
        if !isolation.applies(i, p) {
            continue;
        }
        for name in inherited {
            if p.remove.iter().any(|pat| matches(pat, name, os)) && !remove.contains(name) {
                remove.push(name.clone());
            }
        }
        for (k, v) in p.set {
            let value = match v {
                Val::Lit(s) => (*s).to_string(),
                Val::Temp(rel) => match rel.strip_prefix("unix://") {
                    Some(sock) => format!("unix://{}", dir.join(sock).display()),
                    None => dir.join(rel).display().to_string(),
                },
            };
            set.push(((*k).to_string(), value));
        }
    }
    // A later piece's removal never undoes an earlier piece's setting.
    remove.retain(|n| !set.iter().any(|(k, _)| k == n));
    (remove, set)
}

/// Where the user keeps the configuration a piece stands for (for the message that names it).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "at", rename_all = "snake_case")]
pub(crate) enum Source {
    File(PathBuf),
    Directory(PathBuf),
    /// Environment variables, by name.
    Variables(Vec<String>),
}

/// The user's files and variables behind `config`, from their environment (`env`: the tool
/// variables the context read) and home directory.
pub(crate) fn source(
    config: Config,
    tool: Tool,
    env: &BTreeMap<String, String>,
    home: &Path,
    os: Os,
) -> Source {
    let var = |k: &str| env.get(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    let vars = |patterns: &[&str]| {
        Source::Variables(
            env.keys()
                .filter(|n| patterns.iter().any(|p| matches(p, n, os)))
                .cloned()
                .collect(),
        )
    };
    match config {
        Config::Kuberc => match env.get("KUBERC").map(String::as_str) {
            Some(p) if !p.is_empty() && p != "off" => Source::File(p.into()),
            _ => Source::File(home.join(".kube").join("kuberc")),
        },
        Config::Kubeconfig => {
            Source::File(var("KUBECONFIG").unwrap_or_else(|| home.join(".kube").join("config")))
        }
        Config::HelmPlugins => Source::Directory(var("HELM_PLUGINS").unwrap_or_else(|| {
            helm_dir(env, home, os, "HELM_DATA_HOME", "XDG_DATA_HOME").join("plugins")
        })),
        Config::HelmHome => Source::File(var("HELM_REGISTRY_CONFIG").unwrap_or_else(|| {
            helm_dir(env, home, os, "HELM_CONFIG_HOME", "XDG_CONFIG_HOME")
                .join("registry")
                .join("config.json")
        })),
        Config::HelmDriver => vars(&["HELM_DRIVER*", "HELM_MEMORY_DRIVER_DATA", "HELM_PPROF*"]),
        Config::DockerCli => Source::File(
            var("DOCKER_CONFIG")
                .unwrap_or_else(|| home.join(".docker"))
                .join("config.json"),
        ),
        Config::DockerEndpoint => vars(&["DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS*"]),
        Config::MinikubeHome => Source::Directory(
            var("MINIKUBE_HOME").map_or_else(|| home.join(".minikube"), |h| h.join(".minikube")),
        ),
        Config::MachinePlugin => vars(&["MACHINE_PLUGIN_*", "STACKLOG_PATH"]),
        Config::Variables => vars(match tool {
            Tool::Kubectl => &["KUBECTL_*"],
            Tool::Helm => &["HELM_*", "TILLER_*"],
            Tool::Minikube => &["MINIKUBE_*"],
            Tool::Docker => &["DOCKER_*"],
            Tool::Virtualbox => &[],
        }),
    }
}

/// helm's per-OS directories (helm pkg/helmpath/lazypath_{darwin,windows}.go, xdg).
fn helm_dir(
    env: &BTreeMap<String, String>,
    home: &Path,
    os: Os,
    helm_var: &str,
    xdg_var: &str,
) -> PathBuf {
    if let Some(d) = env.get(helm_var).filter(|v| !v.is_empty()) {
        return d.into();
    }
    if let Some(d) = env.get(xdg_var).filter(|v| !v.is_empty()) {
        return PathBuf::from(d).join("helm");
    }
    match (os, xdg_var) {
        (Os::Darwin, _) => home.join("Library").join("helm"),
        (_, "XDG_DATA_HOME") => home.join(".local").join("share").join("helm"),
        (_, "XDG_CACHE_HOME") => home.join(".cache").join("helm"),
        _ => home.join(".config").join("helm"),
    }
}

/// The prefixes of every variable any piece may remove or name: what the context snapshots.
pub(crate) const WATCHED: &[&str] = &[
    "KUBE*",
    "HELM_*",
    "TILLER_*",
    "DOCKER_*",
    "MINIKUBE_*",
    "MACHINE_PLUGIN_*",
    "STACKLOG_PATH",
    "XDG_CONFIG_HOME",
    "XDG_CACHE_HOME",
    "XDG_DATA_HOME",
    "TMPDIR",
    "TMP",
    "TEMP",
];

/// Files the temp dir holds before a probe runs: an empty kubeconfig, and a docker config of
/// `{}` (without one, docker/cli ≤ 24 falls back to the legacy `~/.dockercfg`).
pub(crate) const TEMP_FILES: &[(&str, &str)] = &[("kubeconfig", ""), ("docker/config.json", "{}")];
/// Directories it holds.
pub(crate) const TEMP_DIRS: &[&str] = &[
    "tmp",
    "minikube",
    "helm/config",
    "helm/cache",
    "helm/data",
    "helm2",
    "xdg/config",
    "xdg/cache",
    "xdg/data",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn hermetic_removes_the_tools_variables_and_points_config_at_the_temp_dir() {
        let inherited = names(&[
            "HELM_DRIVER",
            "HELM_PLUGINS",
            "HELM_KUBECONTEXT",
            "KUBECONFIG",
            "DOCKER_CONFIG",
            "PATH",
            "HOME",
        ]);
        let (remove, set) = environment(
            Tool::Helm,
            Isolation::Hermetic,
            &inherited,
            Path::new("/t"),
            Os::Linux,
        );
        assert!(remove.contains(&"HELM_DRIVER".to_string()));
        assert!(remove.contains(&"HELM_KUBECONTEXT".to_string()));
        assert!(!remove.iter().any(|n| n == "PATH" || n == "HOME"));
        let get = |k: &str| set.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("HELM_NO_PLUGINS"), Some("1"));
        assert_eq!(get("KUBECONFIG"), Some("/t/kubeconfig"));
        assert_eq!(get("DOCKER_CONFIG"), Some("/t/docker"));
        // What is set is not removed again by a later piece's prefix.
        assert!(!remove.contains(&"HELM_NO_PLUGINS".to_string()));
        let (_, set) = environment(
            Tool::Docker,
            Isolation::Hermetic,
            &[],
            Path::new("/t"),
            Os::Linux,
        );
        assert!(set.contains(&("DOCKER_HOST".into(), "unix:///t/no-daemon.sock".into())));
    }

    #[test]
    fn as_user_keeps_only_what_stops_writes_and_hangs() {
        let inherited = names(&["HELM_DRIVER", "HELM_PLUGINS", "MINIKUBE_HOME", "KUBERC"]);
        let (remove, set) = environment(
            Tool::Helm,
            Isolation::AsUser,
            &inherited,
            Path::new("/t"),
            Os::Linux,
        );
        assert_eq!(remove, ["HELM_DRIVER"]);
        assert!(set.is_empty());
        let (remove, set) = environment(
            Tool::Kubectl,
            Isolation::AsUser,
            &inherited,
            Path::new("/t"),
            Os::Linux,
        );
        assert!(remove.is_empty() && set.is_empty(), "kuberc is the user's");
        let (remove, set) = environment(
            Tool::Kubectl,
            Isolation::AsUserWithout(0),
            &inherited,
            Path::new("/t"),
            Os::Linux,
        );
        assert!(
            remove.is_empty(),
            "the user's KUBERC is overwritten, not removed"
        );
        assert!(
            set.contains(&("KUBERC".into(), "off".into())),
            "piece 0 is kuberc"
        );
        let (_, set) = environment(
            Tool::Minikube,
            Isolation::AsUser,
            &[],
            Path::new("/t"),
            Os::Linux,
        );
        assert!(set.contains(&("MINIKUBE_HOME".into(), "/t/minikube".into())));
    }

    #[test]
    fn sources_name_the_users_files() {
        let home = Path::new("/home/u");
        let mut env = BTreeMap::new();
        assert_eq!(
            source(Config::Kuberc, Tool::Kubectl, &env, home, Os::Linux),
            Source::File("/home/u/.kube/kuberc".into())
        );
        env.insert("KUBERC".into(), "/etc/k/kuberc".into());
        assert_eq!(
            source(Config::Kuberc, Tool::Kubectl, &env, home, Os::Linux),
            Source::File("/etc/k/kuberc".into())
        );
        assert_eq!(
            source(Config::HelmPlugins, Tool::Helm, &env, home, Os::Darwin),
            Source::Directory("/home/u/Library/helm/plugins".into())
        );
        assert_eq!(
            source(Config::HelmHome, Tool::Helm, &env, home, Os::Linux),
            Source::File("/home/u/.config/helm/registry/config.json".into())
        );
        env.insert("DOCKER_CONFIG".into(), "/d".into());
        assert_eq!(
            source(Config::DockerCli, Tool::Docker, &env, home, Os::Linux),
            Source::File("/d/config.json".into())
        );
        env.insert("DOCKER_HOST".into(), "tcp://x".into());
        assert_eq!(
            source(Config::DockerEndpoint, Tool::Docker, &env, home, Os::Linux),
            Source::Variables(vec!["DOCKER_HOST".into()])
        );
        assert!(matches("kubectl_*", "KUBECTL_X", Os::Windows));
        assert!(!matches("KUBECTL_*", "kubectl_x", Os::Linux));
    }
}
