//! PURE: the five tools and the platforms they are pinned for.

use std::fmt;
use std::str::FromStr;

/// The tools aladdin needs, in the order they are reported (the old script's order).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Tool {
    Docker,
    Virtualbox,
    Minikube,
    Kubectl,
    Helm,
}

impl Tool {
    pub(crate) const ALL: [Tool; 5] = [
        Tool::Docker,
        Tool::Virtualbox,
        Tool::Minikube,
        Tool::Kubectl,
        Tool::Helm,
    ];

    /// The name used in `versions.toml`, the report, `--only` and `override`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Tool::Docker => "docker",
            Tool::Virtualbox => "virtualbox",
            Tool::Minikube => "minikube",
            Tool::Kubectl => "kubectl",
            Tool::Helm => "helm",
        }
    }

    /// Executable names looked up on PATH, in order of preference (without `.exe`).
    pub(crate) fn executables(self) -> &'static [&'static str] {
        match self {
            Tool::Docker => &["docker"],
            // Linux packages install both spellings; macOS' file system folds case.
            Tool::Virtualbox => &["VBoxManage", "vboxmanage"],
            Tool::Minikube => &["minikube"],
            Tool::Kubectl => &["kubectl"],
            Tool::Helm => &["helm"],
        }
    }

    /// Whether the doctor can put this tool into the bin dir itself. VirtualBox needs a
    /// system installer (kernel drivers), so it is always a manual step.
    pub(crate) fn installs_into_bin_dir(self) -> bool {
        !matches!(self, Tool::Virtualbox)
    }

    pub(crate) fn names() -> String {
        Tool::ALL.map(Tool::name).join(", ")
    }
}

impl fmt::Display for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Tool {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        let lower = match lower.as_str() {
            "vboxmanage" | "vbox" => "virtualbox",
            other => other,
        };
        Tool::ALL
            .into_iter()
            .find(|t| t.name() == lower)
            .ok_or_else(|| format!("unknown tool `{s}` (known: {})", Tool::names()))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Os {
    Linux,
    Darwin,
    Windows,
}

impl Os {
    pub(crate) const ALL: [Os; 3] = [Os::Linux, Os::Darwin, Os::Windows];
    pub(crate) fn name(self) -> &'static str {
        match self {
            Os::Linux => "linux",
            Os::Darwin => "darwin",
            Os::Windows => "windows",
        }
    }
    pub(crate) fn exe_suffix(self) -> &'static str {
        if self == Os::Windows { ".exe" } else { "" }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Arch {
    Amd64,
    Arm64,
}

impl Arch {
    pub(crate) const ALL: [Arch; 2] = [Arch::Amd64, Arch::Arm64];
    pub(crate) fn name(self) -> &'static str {
        match self {
            Arch::Amd64 => "amd64",
            Arch::Arm64 => "arm64",
        }
    }
}

/// `{os}-{arch}`, e.g. `linux-amd64`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Platform {
    pub(crate) os: Os,
    pub(crate) arch: Arch,
}

impl Platform {
    #[cfg(test)]
    pub(crate) const fn new(os: Os, arch: Arch) -> Self {
        Platform { os, arch }
    }

    pub(crate) fn all() -> impl Iterator<Item = Platform> {
        Os::ALL
            .into_iter()
            .flat_map(|os| Arch::ALL.into_iter().map(move |arch| Platform { os, arch }))
    }

    /// Maps Rust's `std::env::consts::{OS, ARCH}` to our names.
    pub(crate) fn from_rust(os: &str, arch: &str) -> Option<Platform> {
        let os = match os {
            "linux" => Os::Linux,
            "macos" => Os::Darwin,
            "windows" => Os::Windows,
            _ => return None,
        };
        let arch = match arch {
            "x86_64" => Arch::Amd64,
            "aarch64" => Arch::Arm64,
            _ => return None,
        };
        Some(Platform { os, arch })
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.os.name(), self.arch.name())
    }
}

impl serde::Serialize for Platform {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl FromStr for Platform {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Platform::all().find(|p| p.to_string() == s).ok_or_else(|| {
            let all: Vec<String> = Platform::all().map(|p| p.to_string()).collect();
            format!("unknown platform `{s}` (known: {})", all.join(", "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_names_round_trip_and_aliases() {
        for t in Tool::ALL {
            assert_eq!(t.name().parse::<Tool>().unwrap(), t);
        }
        assert_eq!("VBoxManage".parse::<Tool>().unwrap(), Tool::Virtualbox);
        assert_eq!("Kubectl".parse::<Tool>().unwrap(), Tool::Kubectl);
        let err = "kubeclt".parse::<Tool>().unwrap_err();
        assert!(err.contains("kubeclt") && err.contains("kubectl"), "{err}");
    }

    #[test]
    fn platforms() {
        assert_eq!(Platform::all().count(), 6);
        assert_eq!(
            "darwin-arm64".parse::<Platform>().unwrap(),
            Platform::new(Os::Darwin, Arch::Arm64)
        );
        assert!("darwin-x86_64".parse::<Platform>().is_err());
        assert_eq!(
            Platform::from_rust("macos", "x86_64"),
            Some(Platform::new(Os::Darwin, Arch::Amd64))
        );
        assert_eq!(Platform::from_rust("freebsd", "x86_64"), None);
    }
}
