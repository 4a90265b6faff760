//! Test sandbox: a temp HOME, fake tools on PATH that answer like the real releases, and helpers
//! to run the binary there with a controlled environment.
#![allow(dead_code)]

pub mod apiserver;
pub mod artifacts;
pub mod http;
pub mod real;
pub mod tls;
pub mod upstreams;
pub mod world;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const BIN: &str = env!("CARGO_BIN_EXE_aladdin-doctor");

/// Pins of the embedded versions.toml, for fakes that satisfy it.
pub const PIN_DOCKER: &str = "27.3.1";
pub const PIN_VBOX: (&str, u32) = ("7.2.10", 174163);
pub const PIN_MINIKUBE: &str = "1.35.0";
pub const PIN_KUBECTL: &str = "1.30.6";
pub const PIN_HELM: &str = "3.17.0";

pub struct Sandbox {
    pub dir: tempfile::TempDir,
    /// Extra environment for every command.
    pub env: BTreeMap<String, String>,
    /// PATH entries, in order.
    pub path: Vec<PathBuf>,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::Builder::new()
            .prefix("aladdin-doctor-test")
            .tempdir()
            .unwrap();
        let sb = Sandbox {
            dir,
            env: BTreeMap::new(),
            path: Vec::new(),
        };
        fs::create_dir_all(sb.home()).unwrap();
        sb
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }
    pub fn home(&self) -> PathBuf {
        self.root().join("home")
    }
    /// The default bin dir: `~/.aladdin/bin`.
    pub fn bin_dir(&self) -> PathBuf {
        self.home().join(".aladdin").join("bin")
    }
    pub fn config_dir(&self) -> PathBuf {
        self.root().join("config")
    }
    pub fn cache_dir(&self) -> PathBuf {
        self.root().join("cache")
    }
    pub fn overrides_file(&self) -> PathBuf {
        self.config_dir().join("overrides.toml")
    }

    /// A directory for fake tools, appended to PATH.
    pub fn path_dir(&mut self, name: &str) -> PathBuf {
        let d = self.root().join(name);
        fs::create_dir_all(&d).unwrap();
        self.path.push(d.clone());
        d
    }

    /// Puts the bin dir on PATH at the current end.
    pub fn bin_dir_on_path(&mut self) {
        fs::create_dir_all(self.bin_dir()).unwrap();
        self.path.push(self.bin_dir());
    }

    /// Config and cache dirs inside the sandbox through the environment variables.
    pub fn with_dirs(&mut self) -> &mut Self {
        self.env.insert(
            "ALADDIN_DOCTOR_CONFIG_DIR".into(),
            self.config_dir().display().to_string(),
        );
        self.env.insert(
            "ALADDIN_DOCTOR_CACHE_DIR".into(),
            self.cache_dir().display().to_string(),
        );
        self
    }

    /// The binary with a clean environment: HOME in the sandbox, PATH = the sandbox dirs.
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(BIN);
        c.env_clear()
            .env("HOME", self.home())
            .env("PATH", std::env::join_paths(&self.path).unwrap())
            .env("LANG", "C.UTF-8")
            .current_dir(self.root());
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        let out = self.cmd().args(args).output().unwrap();
        Output {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `--check --format json`, parsed.
    pub fn check_json(&self, extra: &[&str]) -> (Option<i32>, serde_json::Value) {
        let mut args = vec!["--check", "--format", "json"];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): stdout={} stderr={}",
                out.stdout, out.stderr
            )
        });
        (out.code, v)
    }

    /// All five tools at their embedded pins, in one PATH dir.
    pub fn all_pinned(&mut self) -> PathBuf {
        let d = self.path_dir("tools");
        fake(&d, &Fake::docker(PIN_DOCKER));
        fake(&d, &Fake::vbox(PIN_VBOX.0, PIN_VBOX.1));
        fake(&d, &Fake::minikube(PIN_MINIKUBE));
        fake(&d, &Fake::kubectl(PIN_KUBECTL));
        fake(&d, &Fake::helm(PIN_HELM));
        d
    }

    /// Ready for `--fix`: config and cache inside, the bin dir first on PATH, and a manifest
    /// pinning `releases` (its path is returned).
    pub fn for_releases(releases: &[&artifacts::Release]) -> (Sandbox, PathBuf) {
        let mut sb = Sandbox::new();
        sb.with_dirs();
        sb.bin_dir_on_path();
        let m = sb.write("versions.toml", &artifacts::manifest(releases));
        (sb, m)
    }

    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.root().join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, text).unwrap();
        p
    }
}

/// `[MODE] --manifest M --mirror BASE EXTRA…`
pub fn doctor_args(mode: &[&str], manifest: &Path, mirror: &str, extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = mode.iter().map(|s| s.to_string()).collect();
    a.extend([
        "--manifest".to_string(),
        manifest.display().to_string(),
        "--mirror".to_string(),
        mirror.to_string(),
    ]);
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

#[derive(Debug)]
pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// `linux-amd64` etc. for the machine running the tests.
pub fn this_platform() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        o => o,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        a => a,
    };
    format!("{os}-{arch}")
}

/// Tool JSON row by name.
pub fn row<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no row {name} in {report:#}"))
}

// ----- fake tools -----------------------------------------------------------------------------

/// A fake release: a POSIX sh script that answers like that release would.
pub struct Fake {
    pub file: &'static str,
    pub body: String,
    pub delay: Option<&'static str>,
}

impl Fake {
    /// Adds `sleep SECS` before every answer.
    pub fn slow(mut self, secs: &'static str) -> Self {
        self.delay = Some(secs);
        self
    }

    pub fn kubectl(v: &str) -> Fake {
        let (minor, _) = minor_patch(v);
        let client = if minor < 28 {
            format!(
                "Client Version: version.Info{{Major:\"1\", Minor:\"{minor}\", GitVersion:\"v{v}\", GitCommit:\"f38e43b221d08850172a9a4ea785a86a3ffa3b3a\", GitTreeState:\"clean\", BuildDate:\"2017-10-11T23:27:35Z\", GoVersion:\"go1.8.3\", Compiler:\"gc\", Platform:\"linux/amd64\"}}"
            )
        } else {
            format!("Client Version: v{v}")
        };
        let kustomize = if minor >= 14 {
            "echo 'Kustomize Version: v5.0.1'"
        } else {
            ":"
        };
        let warn = if (24..28).contains(&minor) {
            "echo 'WARNING: This version information is deprecated and will be replaced with the output from kubectl version --short.  Use --output=yaml|json to get the full version.' >&2"
        } else {
            ":"
        };
        let short = if minor >= 28 {
            "echo 'error: unknown flag: --short' >&2; echo \"See 'kubectl version --help' for usage.\" >&2; exit 1"
        } else {
            "echo \"Client Version: v$V\""
        };
        // `-o json|yaml` since 1.7 (kubernetes/kubernetes#39858).
        let json = if minor >= 7 {
            format!(
                "printf '{{\\n  \"clientVersion\": {{\\n    \"major\": \"1\",\\n    \"minor\": \"{minor}\",\\n    \"gitVersion\": \"v{v}\",\\n    \"platform\": \"linux/amd64\"\\n  }},\\n  \"kustomizeVersion\": \"v5.0.1\"\\n}}\\n'"
            )
        } else {
            "echo \"Error: unknown shorthand flag: 'o' in -o\" >&2; exit 1".to_string()
        };
        Fake {
            file: "kubectl",
            delay: None,
            body: format!(
                r#"V='{v}'
case "$*" in
  "version --client") {warn}; echo '{client}'; {kustomize} ;;
  "version --client -o json") {json} ;;
  *--short*) {short} ;;
  "version") echo '{client}'; echo 'The connection to the server localhost:8080 was refused - did you specify the right host or port?' >&2; sleep 30; exit 1 ;;
  *) echo "error: unknown command \"$1\" for \"kubectl\"" >&2; exit 1 ;;
esac"#
            ),
        }
    }

    pub fn helm(v: &str) -> Fake {
        let major: u32 = v.split('.').next().unwrap().parse().unwrap();
        let body = match major {
            2 => format!(
                r#"case "$*" in
  "version --short -c"|"version -c --short"|"version --client --short") echo 'Client: v{v}+g20adb27' ;;
  "version -c"|"version --client") echo 'Client: &version.Version{{SemVer:"v{v}", GitCommit:"20adb27c7c5868466912eebdf6664e7390ebe710", GitTreeState:"clean"}}' ;;
  version*) echo 'Client: &version.Version{{SemVer:"v{v}"}}'; sleep 300; echo 'Error: cannot connect to Tiller' >&2; exit 1 ;;
  *) echo "Error: unknown command \"$1\" for \"helm\"" >&2; exit 1 ;;
esac"#
            ),
            3 => format!(
                r#"case "$*" in
  "version --short -c"|"version --short"|"version -c --short") echo 'v{v}+g301108e' ;;
  "version"|"version -c") echo 'version.BuildInfo{{Version:"v{v}", GitCommit:"301108edc7ac2a8ba79e4ebf5701b0b6ce6a31e4", GitTreeState:"clean", GoVersion:"go1.23.4"}}' ;;
  *) echo "Error: unknown command \"$1\" for \"helm\"" >&2; exit 1 ;;
esac"#
            ),
            _ => format!(
                r#"for a in "$@"; do case "$a" in -c|--client) echo "Error: unknown shorthand flag: 'c' in -c" >&2; exit 1 ;; esac; done
case "$*" in
  "version --short") echo 'v{v}+g1a2b3c4' ;;
  "version") echo 'version.BuildInfo{{Version:"v{v}", GitCommit:"1a2b3c4", GitTreeState:"clean", GoVersion:"go1.25.0", KubeClientVersion:"v1.34"}}' ;;
  *) echo "Error: unknown command \"$1\" for \"helm\"" >&2; exit 1 ;;
esac"#
            ),
        };
        Fake {
            file: "helm",
            body,
            delay: None,
        }
    }

    pub fn minikube(v: &str) -> Fake {
        let (minor, _) = minor_patch(v);
        let major: u32 = v.split('.').next().unwrap().parse().unwrap();
        let commit = if major >= 1 && minor >= 3 {
            "echo 'commit: 8220a6eb95f0a4d75f7f2d7b14cef975f050512d'"
        } else {
            ":"
        };
        let has_short = major >= 1 && (minor > 9 || (minor == 9 && v != "1.9.0"));
        let short = if has_short {
            format!("echo 'v{v}'")
        } else {
            "echo 'Error: unknown flag: --short' >&2; exit 64".to_string()
        };
        let json = if has_short {
            format!(
                "echo '{{\"commit\":\"8220a6eb95f0a4d75f7f2d7b14cef975f050512d\",\"minikubeVersion\":\"v{v}\"}}'"
            )
        } else {
            "echo \"Error: unknown shorthand flag: 'o' in -o\" >&2; exit 64".to_string()
        };
        Fake {
            file: "minikube",
            delay: None,
            body: format!(
                r#"case "$*" in
  "version") echo 'minikube version: v{v}'; {commit} ;;
  "version --short") {short} ;;
  "version -o json") {json} ;;
  *) echo 'Error: unknown command' >&2; exit 64 ;;
esac"#
            ),
        }
    }

    pub fn docker(v: &str) -> Fake {
        Fake {
            file: "docker",
            delay: None,
            body: format!(
                r#"case "$*" in
  "--version"|"-v") echo 'Docker version {v}, build afdb6d4' ;;
  version*) printf 'Client:\n Version:           {v}\n'; echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' >&2; sleep 30; exit 1 ;;
  *) echo "docker: '$1' is not a docker command." >&2; exit 1 ;;
esac"#
            ),
        }
    }

    pub fn podman_shim() -> Fake {
        Fake {
            file: "docker",
            delay: None,
            body: r#"echo 'Emulate Docker CLI using podman. Create /etc/containers/nodocker to quiet msg.' >&2
case "$*" in
  "--version") echo 'podman version 5.1.2' ;;
  *) exit 125 ;;
esac"#
                .into(),
        }
    }

    pub fn vbox(v: &str, rev: u32) -> Fake {
        Fake::vbox_saying(&format!("{v}r{rev}"), "")
    }

    /// VBoxManage printing `warning` (on stdout, as the Linux wrapper does) before `version`.
    pub fn vbox_saying(version: &str, warning: &str) -> Fake {
        Fake {
            file: "VBoxManage",
            delay: None,
            body: format!(
                r#"case "$*" in
  "--version"|"-v") printf '%s' '{warning}'; echo '{version}' ;;
  *) echo 'Oracle VM VirtualBox Command Line Management Interface' ;;
esac"#
            ),
        }
    }

    /// A tool that never answers.
    pub fn hanging(file: &'static str) -> Fake {
        Fake {
            file,
            delay: None,
            body: "sleep 121.7; echo never".into(),
        }
    }
}

fn minor_patch(v: &str) -> (u32, u32) {
    let mut it = v.split('.').skip(1);
    let minor = it.next().unwrap().parse().unwrap();
    let patch = it
        .next()
        .and_then(|p| p.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    (minor, patch)
}

/// Writes `fake` into `dir` as an executable script; returns its path.
pub fn fake(dir: &Path, fake: &Fake) -> PathBuf {
    let delay = fake
        .delay
        .map(|d| format!("sleep {d}\n"))
        .unwrap_or_default();
    let script = format!(
        "#!/bin/sh\nPATH=/usr/bin:/bin\nexport PATH\n{delay}{}\n",
        fake.body
    );
    let p = dir.join(fake.file);
    // Write then rename, so a test never executes a file that is still open for writing
    // (ETXTBSY when another thread forks meanwhile).
    let tmp = dir.join(format!(".{}.tmp", fake.file));
    fs::write(&tmp, script).unwrap();
    fs::set_permissions(&tmp, fs::Permissions::from_mode(0o755)).unwrap();
    fs::rename(&tmp, &p).unwrap();
    p
}

/// A snapshot of every file under `dir`: path → (size, mtime, content hash-ish).
pub fn tree(dir: &Path) -> BTreeMap<PathBuf, (u64, Option<std::time::SystemTime>, Vec<u8>)> {
    let mut out = BTreeMap::new();
    fn walk(d: &Path, out: &mut BTreeMap<PathBuf, (u64, Option<std::time::SystemTime>, Vec<u8>)>) {
        let Ok(rd) = fs::read_dir(d) else { return };
        for e in rd.flatten() {
            let p = e.path();
            let m = fs::symlink_metadata(&p).unwrap();
            if m.is_dir() {
                out.insert(p.clone(), (0, None, Vec::new()));
                walk(&p, out);
            } else {
                let content = fs::read(&p).unwrap_or_default();
                out.insert(p, (m.len(), m.modified().ok(), content));
            }
        }
    }
    walk(dir, &mut out);
    out
}
