//! PURE: every release artifact a manifest pins, one per tool and platform — what the platform
//! team's commands (`pins check`, `pins update`, `mirror`) walk over, all platforms at once
//! rather than the one this machine runs.

use crate::core::manifest::{Artifact, Manifest, ToolSpec};
use crate::core::tool::{Platform, Tool};

/// One tool's release for one platform.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    pub(crate) tool: Tool,
    pub(crate) platform: Platform,
    /// The pin, as written.
    pub(crate) version: String,
    /// URLs as written in versions.toml (before `--mirror`).
    pub(crate) artifact: Artifact,
}

/// Every supported platform of `spec` (narrowed to `platforms` unless it is empty), in
/// `Platform::all` order.
pub(crate) fn of_tool(spec: &ToolSpec, platforms: &[Platform]) -> Vec<Target> {
    Platform::all()
        .filter(|p| platforms.is_empty() || platforms.contains(p))
        .filter_map(|platform| {
            spec.artifact(platform).map(|artifact| Target {
                tool: spec.tool,
                platform,
                version: spec.version.clone(),
                artifact,
            })
        })
        .collect()
}

/// `of_tool` for each of `tools`, in the manifest's order.
pub(crate) fn all(manifest: &Manifest, tools: &[Tool], platforms: &[Platform]) -> Vec<Target> {
    manifest
        .tools
        .iter()
        .filter(|s| tools.contains(&s.tool))
        .flat_map(|s| of_tool(s, platforms))
        .collect()
}

/// Whether bytes fetched from `url` can be trusted as far as their transport goes: https, or a
/// file on this machine. A hash learned over plain http proves nothing (README, "Mirrors").
pub(crate) fn trusted_transport(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("file://")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::tool::{Arch, Os};

    #[test]
    fn every_supported_platform_of_every_tool() {
        let m = Manifest::embedded().unwrap();
        let t = all(&m, &Tool::ALL, &[]);
        let count = |tool| t.iter().filter(|x| x.tool == tool).count();
        // docker: windows-arm64 unsupported; virtualbox: no arm64 for linux and windows;
        // minikube: no windows-arm64.
        assert_eq!(count(Tool::Docker), 5);
        assert_eq!(count(Tool::Virtualbox), 4);
        assert_eq!(count(Tool::Minikube), 5);
        assert_eq!(count(Tool::Kubectl), 6);
        assert_eq!(count(Tool::Helm), 6);
        let mac = Platform::new(Os::Darwin, Arch::Amd64);
        let d = t
            .iter()
            .find(|x| x.tool == Tool::Docker && x.platform == mac)
            .unwrap();
        assert_eq!(
            d.artifact.url,
            "https://download.docker.com/mac/static/stable/x86_64/docker-27.3.1.tgz"
        );
        assert_eq!(d.version, "27.3.1");
        let narrowed = all(&m, &[Tool::Helm], &[mac]);
        assert_eq!(narrowed.len(), 1);
        assert_eq!(narrowed[0].tool, Tool::Helm);
    }

    #[test]
    fn transports() {
        assert!(trusted_transport("https://dl.k8s.io/x"));
        assert!(trusted_transport("file:///srv/mirror/dl.k8s.io/x"));
        assert!(!trusted_transport("http://mirror.local/dl.k8s.io/x"));
    }
}
