//! PURE: which arguments ask each tool its version, and how to read the answer.
//!
//! The arguments never contact a cluster, Tiller or the docker daemon, and work on every release
//! from the original pins (kubectl 1.8, helm 2.9, minikube 0.25, docker 17.09, VirtualBox 5.2)
//! to today. Where a flag is missing in some release (helm 4 dropped `-c`), the next attempt
//! runs. Where a tool can print its version as JSON (kubectl `-o json` since 1.7, minikube
//! `-o json` since 1.9.1), that is asked first and the text shapes are the fallback.

use std::time::Duration;

use crate::core::observation::{ProbeFailure, RawOutput, Reading, Warning, WarningKind, clip};
use crate::core::tool::Tool;
use crate::core::version::Version;

/// The argument vectors to try, in order.
pub(crate) fn attempts(tool: Tool) -> &'static [&'static [&'static str]] {
    match tool {
        // `--client` keeps it off the API server; `--short` is gone since 1.28, so never use it.
        Tool::Kubectl => &[
            &["version", "--client", "-o", "json"],
            &["version", "--client"],
        ],
        // helm 2 without -c dials Tiller for up to 300 s; helm 4 rejects -c, so retry without.
        Tool::Helm => &[&["version", "--short", "-c"], &["version", "--short"]],
        // `--short` / `-o` appeared only in 1.9.1.
        Tool::Minikube => &[&["version", "-o", "json"], &["version"]],
        // `docker version` needs the daemon; `--version` never does.
        Tool::Docker => &[&["--version"]],
        Tool::Virtualbox => &[&["--version"]],
    }
}

/// How long a probe may take before it is killed (docs/tools.md §7).
pub(crate) fn default_timeout(tool: Tool) -> Duration {
    Duration::from_secs(match tool {
        Tool::Kubectl | Tool::Docker => 10,
        Tool::Helm | Tool::Minikube => 15,
        Tool::Virtualbox => 5,
    })
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Interpretation {
    Read(Reading),
    /// This release lacks the flag: run the next attempt.
    TryNext,
    Failed(ProbeFailure),
}

/// Reads the output of `attempts(tool)[attempt]`.
pub(crate) fn interpret(tool: Tool, attempt: usize, out: &RawOutput) -> Interpretation {
    let stdout = normalise(&out.stdout);
    let stderr = normalise(&out.stderr);
    let has_next = attempt + 1 < attempts(tool).len();

    if out.code != Some(0) && has_next && is_unknown_flag(&stdout, &stderr) {
        return Interpretation::TryNext;
    }

    let found = match tool {
        Tool::Kubectl => {
            json_field(&stdout, &["clientVersion", "gitVersion"]).or_else(|| kubectl(&stdout))
        }
        Tool::Helm => helm(&stdout),
        Tool::Minikube => json_field(&stdout, &["minikubeVersion"]).or_else(|| minikube(&stdout)),
        Tool::Docker => match docker(&stdout) {
            Err(podman) => return Interpretation::Failed(podman),
            Ok(v) => v,
        },
        Tool::Virtualbox => return virtualbox(&stdout, &stderr, out.code),
    };
    match found.map(|s| Version::parse(&s).map_err(|e| (s, e))) {
        Some(Ok(version)) => Interpretation::Read(Reading {
            version,
            warnings: Vec::new(),
        }),
        Some(Err((s, e))) => Interpretation::Failed(ProbeFailure::NotAVersion {
            text: s,
            detail: e.to_string(),
        }),
        None => Interpretation::Failed(unreadable(tool, attempt, out.code, &stdout, &stderr)),
    }
}

/// The string at `path` in the first JSON object of `stdout` (a line may precede it, such as
/// minikube's Rosetta warning); None when there is none.
fn json_field(stdout: &str, path: &[&str]) -> Option<String> {
    let start = stdout.find('{')?;
    let mut values =
        serde_json::Deserializer::from_str(&stdout[start..]).into_iter::<serde_json::Value>();
    let mut v = values.next()?.ok()?;
    for key in path {
        v = v.get_mut(*key)?.take();
    }
    v.as_str().map(str::to_string)
}

fn normalise(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

fn is_unknown_flag(stdout: &str, stderr: &str) -> bool {
    let lower = format!("{stdout}\n{stderr}").to_ascii_lowercase();
    lower.contains("unknown flag") || lower.contains("unknown shorthand flag")
}

fn unreadable(
    tool: Tool,
    attempt: usize,
    code: Option<i32>,
    stdout: &str,
    stderr: &str,
) -> ProbeFailure {
    let said = stdout
        .lines()
        .chain(stderr.lines())
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(|l| clip(l, 200));
    ProbeFailure::NoVersion {
        command: format!(
            "{} {}",
            tool_command(tool),
            attempts(tool)[attempt].join(" ")
        ),
        exit: code,
        said,
    }
}

fn tool_command(tool: Tool) -> &'static str {
    tool.executables()[0]
}

/// The value of `Key:"value"` inside Go's `%#v` output.
fn go_field(line: &str, key: &str) -> Option<String> {
    let start = line.find(&format!("{key}:\""))? + key.len() + 2;
    let end = line[start..].find('"')?;
    Some(line[start..start + end].to_string())
}

fn first_word_starting_with_v_digit(line: &str) -> Option<String> {
    let t = line.trim();
    let b = t.as_bytes();
    if b.len() >= 2 && (b[0] == b'v' || b[0] == b'V') && b[1].is_ascii_digit() {
        return t.split_whitespace().next().map(str::to_string);
    }
    None
}

/// `Client Version: version.Info{… GitVersion:"v1.8.1" …}` (≤1.27) or `Client Version: v1.28.15`.
fn kubectl(stdout: &str) -> Option<String> {
    for line in stdout.lines() {
        if let Some(rest) = line.trim().strip_prefix("Client Version:") {
            return go_field(rest, "GitVersion")
                .or_else(|| rest.split_whitespace().next().map(str::to_string));
        }
    }
    // Some wrappers print only the Info struct.
    stdout
        .lines()
        .filter(|l| !l.trim_start().starts_with("Server"))
        .find_map(|l| go_field(l, "GitVersion"))
}

/// helm 2: `Client: v2.9.1+g20adb27` (or `Client: &version.Version{SemVer:"v2.9.1", …}`);
/// helm 3/4: `v3.12.0+gc9f554d` (or `version.BuildInfo{Version:"v3.12.0", …}`).
fn helm(stdout: &str) -> Option<String> {
    for line in stdout.lines() {
        let t = line.trim();
        if t.starts_with("Server:") {
            continue;
        }
        let t = t.strip_prefix("Client:").map(str::trim).unwrap_or(t);
        if let Some(v) = go_field(t, "SemVer").or_else(|| go_field(t, "Version")) {
            return Some(v);
        }
        if let Some(v) = first_word_starting_with_v_digit(t) {
            return Some(v);
        }
    }
    None
}

/// `minikube version: v0.25.0` (+ `commit: …` since 1.3), or `v1.20.0` from `--short`.
fn minikube(stdout: &str) -> Option<String> {
    stdout.lines().find_map(|line| {
        let t = line.trim();
        t.strip_prefix("minikube version:")
            .and_then(|r| r.split_whitespace().next().map(str::to_string))
            .or_else(|| first_word_starting_with_v_digit(t))
    })
}

/// `Docker version 17.09.0-ce, build afdb6d4`. The podman shim is not docker: say so.
fn docker(stdout: &str) -> Result<Option<String>, ProbeFailure> {
    for line in stdout.lines() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("Docker version ") {
            return Ok(rest.split([',', ' ']).next().map(str::to_string));
        }
        if let Some(rest) = t.strip_prefix("podman version ") {
            return Err(ProbeFailure::Podman {
                version: clip(rest.trim(), 40),
            });
        }
    }
    Ok(None)
}

/// The last non-empty line is the version (`5.2.4r119785`, `6.1.26_Ubuntur145957`); lines
/// before it are warnings the Linux wrapper prints to stdout with exit code 0.
fn virtualbox(stdout: &str, stderr: &str, code: Option<i32>) -> Interpretation {
    let lines: Vec<&str> = stdout.lines().filter(|l| !l.trim().is_empty()).collect();
    let Some((last, before)) = lines.split_last() else {
        return Interpretation::Failed(unreadable(Tool::Virtualbox, 0, code, stdout, stderr));
    };
    let last = last.trim();
    let looks_like_version = last.as_bytes()[0].is_ascii_digit()
        && last.contains('.')
        && !last.contains(char::is_whitespace);
    match Version::parse(last) {
        Ok(version) if looks_like_version => Interpretation::Read(Reading {
            version,
            warnings: vbox_warnings(before),
        }),
        _ => Interpretation::Failed(unreadable(Tool::Virtualbox, 0, code, stdout, stderr)),
    }
}

/// Folds the wrapper's indented continuation lines into one warning each, and sorts them: a
/// missing or unusable `vboxdrv` (VirtualBox's `src/VBox/Installer/linux/VBox.sh`) stops every
/// VM; the rest (the `vboxusers` group) does not.
fn vbox_warnings(lines: &[&str]) -> Vec<Warning> {
    fold_lines(lines)
        .into_iter()
        .map(|text| Warning {
            kind: if text.contains("vboxdrv") {
                WarningKind::VmsCannotStart
            } else {
                WarningKind::Info
            },
            text: clip(&text, 400),
        })
        .collect()
}

fn fold_lines(lines: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in lines {
        let starts_new = !line.starts_with([' ', '\t']) || out.is_empty();
        let t = line.trim();
        if starts_new {
            out.push(t.to_string());
        } else if let Some(last) = out.last_mut() {
            last.push(' ');
            last.push_str(t);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(tool: Tool, attempt: usize, out: RawOutput) -> Reading {
        match interpret(tool, attempt, &out) {
            Interpretation::Read(r) => r,
            other => panic!("{tool} {out:?}: {other:?}"),
        }
    }

    fn ver(tool: Tool, stdout: &str, stderr: &str, code: i32) -> String {
        read(tool, 0, RawOutput::new(stdout, stderr, code))
            .version
            .raw
    }

    #[test]
    fn kubectl_every_era() {
        // 1.8.1 (kubekit#16), old struct format.
        let k18 = r#"Client Version: version.Info{Major:"1", Minor:"8", GitVersion:"v1.8.1", GitCommit:"f38e43b221d08850172a9a4ea785a86a3ffa3b3a", GitTreeState:"clean", BuildDate:"2017-10-11T23:27:35Z", GoVersion:"go1.8.3", Compiler:"gc", Platform:"linux/amd64"}
"#;
        assert_eq!(ver(Tool::Kubectl, k18, "", 0), "1.8.1");
        // 1.27 [local]: struct + Kustomize line, deprecation warning on stderr.
        let k127 = "Client Version: version.Info{Major:\"1\", Minor:\"27\", GitVersion:\"v1.27.16\", GitCommit:\"cbb86e0d\", GitTreeState:\"clean\", BuildDate:\"2024-07-17T01:53:56Z\", GoVersion:\"go1.22.5\", Compiler:\"gc\", Platform:\"linux/amd64\"}\nKustomize Version: v5.0.1\n";
        let warn = "WARNING: This version information is deprecated and will be replaced with the output from kubectl version --short.  Use --output=yaml|json to get the full version.\n";
        assert_eq!(ver(Tool::Kubectl, k127, warn, 0), "1.27.16");
        // 1.28+ short format.
        let k128 =
            "Client Version: v1.28.15\nKustomize Version: v5.0.4-0.20230601165947-6ce0bf390ce3\n";
        assert_eq!(ver(Tool::Kubectl, k128, "", 0), "1.28.15");
        assert_eq!(
            ver(
                Tool::Kubectl,
                "Client Version: v1.33.1\r\nKustomize Version: v5.6.0\r\n",
                "",
                0
            ),
            "1.33.1"
        );
        // gcloud dispatcher.
        let d = ver(
            Tool::Kubectl,
            "Client Version: v1.32.4-dispatcher\nKustomize Version: v5.5.0\n",
            "",
            0,
        );
        assert_eq!(d, "1.32.4-dispatcher");
        // Vendor build with "9+" minor.
        let vendor = "Client Version: version.Info{Major:\"1\", Minor:\"9+\", GitVersion:\"v1.9.7-2+231cc32d0a1119\", GitCommit:\"231cc32d0a1119\"}\n";
        let r = read(Tool::Kubectl, 0, RawOutput::new(vendor, "", 0));
        assert_eq!(r.version.release(), (1, 9, 7));
    }

    #[test]
    fn json_first_text_as_the_fallback() {
        // kubectl -o json [local 1.27, 1.33; the gcloud dispatcher].
        let j = r#"{
  "clientVersion": {
    "major": "1",
    "minor": "33",
    "gitVersion": "v1.33.1",
    "platform": "linux/amd64"
  },
  "kustomizeVersion": "v5.6.0"
}"#;
        assert_eq!(ver(Tool::Kubectl, j, "", 0), "1.33.1");
        // A wrapper that prints text even when asked for JSON.
        assert_eq!(
            ver(Tool::Kubectl, "Client Version: v1.28.15\n", "", 0),
            "1.28.15"
        );
        // Before -o existed: the next attempt.
        let old = RawOutput::new("", "Error: unknown shorthand flag: 'o' in -o\n", 1);
        assert_eq!(interpret(Tool::Kubectl, 0, &old), Interpretation::TryNext);
        // minikube -o json (1.9.1+), after a Rosetta warning line.
        let m = "! minikube is running under Rosetta\n{\"commit\":\"8220a6eb\",\"minikubeVersion\":\"v1.32.0\"}\n";
        assert_eq!(ver(Tool::Minikube, m, "", 0), "1.32.0");
        let m09 = RawOutput::new("", "Error: unknown shorthand flag: 'o' in -o\n", 64);
        assert_eq!(interpret(Tool::Minikube, 0, &m09), Interpretation::TryNext);
        assert_eq!(
            read(
                Tool::Minikube,
                1,
                RawOutput::new("minikube version: v0.25.0\n", "", 0)
            )
            .version
            .raw,
            "0.25.0"
        );
    }

    #[test]
    fn kubectl_failure_names_the_command_and_what_it_said() {
        let out = RawOutput::new(
            "",
            "error: unknown flag: --client\nSee 'kubectl version --help' for usage.\n",
            1,
        );
        match interpret(Tool::Kubectl, 1, &out) {
            Interpretation::Failed(f) => {
                assert_eq!(
                    f,
                    ProbeFailure::NoVersion {
                        command: "kubectl version --client".into(),
                        exit: Some(1),
                        said: Some("error: unknown flag: --client".into())
                    }
                );
                let msg = f.to_string();
                assert!(msg.contains("`kubectl version --client` exited 1"), "{msg}");
                assert!(msg.contains("unknown flag"), "{msg}");
            }
            other => panic!("{other:?}"),
        }
        match interpret(Tool::Kubectl, 1, &RawOutput::new("", "", 0)) {
            Interpretation::Failed(f) => {
                assert!(matches!(f, ProbeFailure::NoVersion { said: None, .. }));
                assert!(f.to_string().contains("printed nothing"), "{f}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn helm_2_3_and_4() {
        // helm 2.9.1: `helm version --short -c`.
        assert_eq!(
            ver(Tool::Helm, "Client: v2.9.1+g20adb27\n", "", 0),
            "2.9.1+g20adb27"
        );
        // helm 2 long form, should a wrapper print it.
        let long = "Client: &version.Version{SemVer:\"v2.16.1\", GitCommit:\"bbdfe5e7803a12bbdf97e94cd847859890cf4050\", GitTreeState:\"clean\"}\n";
        assert_eq!(ver(Tool::Helm, long, "", 0), "2.16.1");
        // helm 3: -c is a hidden no-op.
        assert_eq!(
            ver(Tool::Helm, "v3.12.0+gc9f554d\n", "", 0),
            "3.12.0+gc9f554d"
        );
        let build = "version.BuildInfo{Version:\"v3.17.0\", GitCommit:\"301108edc7ac2a8ba79e4ebf5701b0b6ce6a31e4\", GitTreeState:\"clean\", GoVersion:\"go1.23.4\"}\n";
        assert_eq!(ver(Tool::Helm, build, "", 0), "3.17.0");
        // helm 4: -c is gone → next attempt.
        let h4 = RawOutput::new("", "Error: unknown shorthand flag: 'c' in -c\n", 1);
        assert_eq!(interpret(Tool::Helm, 0, &h4), Interpretation::TryNext);
        let r = read(Tool::Helm, 1, RawOutput::new("v4.0.0+g1234567\n", "", 0));
        assert_eq!(r.version.release(), (4, 0, 0));
        // …but an unknown-flag error on the last attempt is a failure, not a loop.
        assert!(matches!(
            interpret(Tool::Helm, 1, &h4),
            Interpretation::Failed(_)
        ));
    }

    #[test]
    fn helm_never_reads_the_server_line() {
        let out = "Server: &version.Version{SemVer:\"v2.8.0\"}\nClient: v2.9.1+g20adb27\n";
        assert_eq!(ver(Tool::Helm, out, "", 0), "2.9.1+g20adb27");
    }

    #[test]
    fn minikube_every_era() {
        assert_eq!(
            ver(Tool::Minikube, "minikube version: v0.25.0\n", "", 0),
            "0.25.0"
        );
        let m132 = "minikube version: v1.32.0\ncommit: 8220a6eb95f0a4d75f7f2d7b14cef975f050512d\n";
        assert_eq!(ver(Tool::Minikube, m132, "", 0), "1.32.0");
        assert_eq!(
            ver(Tool::Minikube, "v1.26.0-beta.0\n", "", 0),
            "1.26.0-beta.0"
        );
        // klog noise on stderr is ignored.
        let noise = "W1124 10:00:00.000000   1234 main.go:291] Unable to resolve the current Docker CLI context \"default\"\n";
        assert_eq!(ver(Tool::Minikube, m132, noise, 0), "1.32.0");
    }

    #[test]
    fn docker_every_era_and_the_podman_shim() {
        assert_eq!(
            ver(
                Tool::Docker,
                "Docker version 17.09.0-ce, build afdb6d4\n",
                "",
                0
            ),
            "17.09.0-ce"
        );
        assert_eq!(
            ver(
                Tool::Docker,
                "Docker version 28.2.2, build e6534b4\n",
                "",
                0
            ),
            "28.2.2"
        );
        assert_eq!(
            ver(
                Tool::Docker,
                "Docker version 24.0.7, build 24.0.7-0ubuntu2~22.04.1\n",
                "",
                0
            ),
            "24.0.7"
        );
        assert_eq!(
            ver(
                Tool::Docker,
                "Docker version 20.10.24+dfsg1, build 297e128\n",
                "",
                0
            ),
            "20.10.24+dfsg1"
        );
        let podman = RawOutput::new(
            "podman version 5.1.2\n",
            "Emulate Docker CLI using podman. Create /etc/containers/nodocker to quiet msg.\n",
            0,
        );
        match interpret(Tool::Docker, 0, &podman) {
            Interpretation::Failed(f) => {
                assert_eq!(
                    f,
                    ProbeFailure::Podman {
                        version: "5.1.2".into()
                    }
                );
                assert!(f.to_string().contains("podman 5.1.2"), "{f}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn virtualbox_versions_and_stdout_warnings() {
        assert_eq!(
            ver(Tool::Virtualbox, "5.2.4r119785\n", "", 0),
            "5.2.4r119785"
        );
        assert_eq!(
            ver(Tool::Virtualbox, "6.1.26_Ubuntur145957\r\n", "", 0),
            "6.1.26_Ubuntur145957"
        );
        let warned = "WARNING: The vboxdrv kernel module is not loaded. Either there is no module\n         available for the current kernel (4.15.1-2-ARCH) or it failed to\n         load. Please recompile the kernel module and install it by\n\n           sudo /sbin/vboxconfig\n\n         You will not be able to start VMs until this problem is fixed.\n5.2.6r120293\n";
        let r = read(Tool::Virtualbox, 0, RawOutput::new(warned, "", 0));
        assert_eq!(r.version.raw, "5.2.6r120293");
        assert_eq!(r.version.revision, Some(120293));
        assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
        assert_eq!(r.warnings[0].kind, WarningKind::VmsCannotStart);
        let w = &r.warnings[0].text;
        assert!(w.starts_with("WARNING: The vboxdrv kernel module is not loaded."));
        assert!(w.contains("sudo /sbin/vboxconfig"));
        assert!(w.ends_with("until this problem is fixed."));
        // Two warnings.
        let two = "WARNING: The character device /dev/vboxdrv does not exist.\n\t Please install the virtualbox-dkms package.\nWARNING: You are not a member of the \"vboxusers\" group.\n7.0.6_Debianr155176\n";
        let r = read(Tool::Virtualbox, 0, RawOutput::new(two, "", 0));
        let kinds: Vec<WarningKind> = r.warnings.iter().map(|w| w.kind).collect();
        assert_eq!(kinds, [WarningKind::VmsCannotStart, WarningKind::Info]);
        // A warning with no version after it is a failure, not a version.
        let out = RawOutput::new("WARNING: The vboxdrv kernel module is not loaded.\n", "", 0);
        assert!(matches!(
            interpret(Tool::Virtualbox, 0, &out),
            Interpretation::Failed(_)
        ));
    }

    #[test]
    fn attempts_never_reach_a_server() {
        assert_eq!(
            attempts(Tool::Kubectl)[0],
            ["version", "--client", "-o", "json"]
        );
        assert_eq!(attempts(Tool::Kubectl)[1], ["version", "--client"]);
        assert!(
            attempts(Tool::Helm)
                .iter()
                .take(1)
                .all(|a| a.contains(&"-c"))
        );
        assert!(!attempts(Tool::Docker)[0].contains(&"version"));
        for t in Tool::ALL {
            for a in attempts(t) {
                assert!(!a.contains(&"--short") || t == Tool::Helm, "{t}: {a:?}");
            }
        }
    }
}
