//! PURE: which minikube addons are enabled (`minikube addons list`), what a required addon is
//! called in this minikube (heapster ↔ metrics-server), and whether its workload is available in
//! the cluster (`kubectl get --raw` of its Deployment or ReplicationController).
//!
//! Sources: kubernetes/minikube `cmd/minikube/cmd/config/addons_list.go` (`- name: status` lines
//! up to v1.6, a table from v1.7.0, `-o json` from v1.5.0), `pkg/minikube/assets/addons.go` and
//! `deploy/addons/` at v0.25.0, v0.26.0, v1.6.0, v1.12.0 and v1.19.0 (names and objects):
//! `metrics-server` exists since v0.26.0 (commit adb30393d1); `heapster` was removed in v1.6.0
//! (commit 64f1e73a25).

use std::collections::BTreeMap;

use serde_json::Value;

use super::text::{self, MAX_ITEMS, MAX_JSON_LINE, MAX_STREAM};
use super::{End, Inconclusive, Ran, Release};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AddonStatus {
    Enabled,
    Disabled,
    /// Listed without a status (v1.24+ when the profile does not exist: `{}` entries).
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum AddonsState {
    /// Addon name → status (at most `MAX_ITEMS * 2` entries).
    Listed(BTreeMap<String, AddonStatus>),
    /// v1.10–v1.23 need the profile: "not found" exit 65 (85 from v1.13).
    NoProfile,
    Inconclusive(Inconclusive),
}

fn status_word(s: &str) -> AddonStatus {
    let s = s.trim();
    if s.starts_with("enabled") {
        AddonStatus::Enabled
    } else if s.starts_with("disabled") {
        AddonStatus::Disabled
    } else {
        AddonStatus::Unknown
    }
}

fn addon_name(s: &str) -> Option<String> {
    let s = s.trim();
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    ok.then(|| s.to_string())
}

/// Classifies `minikube addons list -p P -o json` (v1.5.0+), the v1.7+ table, or the v0.25–v1.6
/// `- name: status` lines.
pub(crate) fn classify_list(ran: &Ran) -> AddonsState {
    let code = match ran.end {
        End::Code(c) => c,
        other => return AddonsState::Inconclusive(Inconclusive::of(other)),
    };
    let out = text::head(&ran.stdout, MAX_STREAM);
    let mut map = BTreeMap::new();
    if let Some(obj) = json_object(out) {
        // {"ingress":{"Profile":"minikube","Status":"disabled"},…}
        for (name, entry) in obj.iter().take(MAX_ITEMS * 2) {
            if let Some(name) = addon_name(name) {
                let status = entry
                    .get("Status")
                    .and_then(Value::as_str)
                    .map(status_word)
                    .unwrap_or(AddonStatus::Unknown);
                map.insert(name, status);
            }
        }
    } else {
        for line in text::lines(out) {
            if map.len() >= MAX_ITEMS * 2 {
                break;
            }
            let line = line.trim();
            if let Some(rest) = line.strip_prefix("- ") {
                // v0.25–v1.6: "- heapster: disabled"
                if let Some((name, status)) = rest.split_once(':')
                    && let Some(name) = addon_name(name)
                {
                    map.insert(name, status_word(status));
                }
            } else if line.starts_with('|') {
                // v1.7+: "| metrics-server | minikube | enabled ✅ | Kubernetes |"
                let cells: Vec<&str> = line.split('|').map(str::trim).collect();
                let name = cells.get(1).and_then(|c| addon_name(c));
                let status = cells
                    .iter()
                    .skip(2)
                    .map(|c| status_word(c))
                    .find(|s| *s != AddonStatus::Unknown);
                if let (Some(name), Some(status)) = (name, status) {
                    map.insert(name, status);
                }
            }
        }
    }
    if !map.is_empty() {
        return AddonsState::Listed(map);
    }
    if [65, 85].contains(&code) || super::minikube::says_not_found(out) {
        return AddonsState::NoProfile;
    }
    AddonsState::Inconclusive(Inconclusive::Unrecognised { code })
}

fn json_object(out: &str) -> Option<serde_json::Map<String, Value>> {
    out.lines()
        .map(str::trim)
        .filter(|l| l.starts_with('{') && l.len() <= MAX_JSON_LINE)
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        // A CloudEvents line has "specversion"; the addon map does not.
        .filter(|v| v.get("specversion").is_none())
        .find_map(|v| match v {
            Value::Object(o) => Some(o),
            _ => None,
        })
}

/// What the team's addon is called in this minikube.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum AddonCheck {
    Enabled {
        name: String,
    },
    Disabled {
        name: String,
    },
    /// Neither the name nor its counterpart is offered by this minikube.
    NotOffered,
    /// Offered, status not listed.
    Unknown {
        name: String,
    },
}

/// The name minikube uses for the required addon: `heapster` (removed in v1.6.0) and
/// `metrics-server` (since v0.26.0) stand for each other, the guide's "enable heapster" being
/// the old spelling of "enable metrics-server".
pub(crate) fn resolve(required: &str, listed: &BTreeMap<String, AddonStatus>) -> AddonCheck {
    let counterpart = match required {
        "heapster" => Some("metrics-server"),
        "metrics-server" => Some("heapster"),
        _ => None,
    };
    let Some((name, status)) = listed
        .get_key_value(required)
        .or_else(|| counterpart.and_then(|c| listed.get_key_value(c)))
    else {
        return AddonCheck::NotOffered;
    };
    let name = name.clone();
    match status {
        AddonStatus::Enabled => AddonCheck::Enabled { name },
        AddonStatus::Disabled => AddonCheck::Disabled { name },
        AddonStatus::Unknown => AddonCheck::Unknown { name },
    }
}

/// Whether the addon's workload runs, read with `kubectl --context C get --raw PATH`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Workload {
    Available {
        ready: u64,
    },
    NotAvailable,
    Missing,
    /// The read failed some other way (the API row says why).
    Unreadable,
}

/// The object to read for an addon, by minikube release (`None` when we know no path): the
/// Deployment `kube-system/metrics-server`, the RC `kube-system/heapster`, or the ingress
/// controller, which moved: RC `kube-system/nginx-ingress-controller` (v0.25), Deployment of
/// that name (≤ v1.11), `kube-system/ingress-nginx-controller` (v1.12–v1.18), namespace
/// `ingress-nginx` (v1.19+). `apps/v1` needs Kubernetes ≥ 1.9.
pub(crate) fn workload_path(addon: &str, minikube: Release) -> Option<&'static str> {
    Some(match addon {
        "metrics-server" => "/apis/apps/v1/namespaces/kube-system/deployments/metrics-server",
        "heapster" => "/api/v1/namespaces/kube-system/replicationcontrollers/heapster",
        "ingress" if minikube < Release::new(0, 26, 0) => {
            "/api/v1/namespaces/kube-system/replicationcontrollers/nginx-ingress-controller"
        }
        "ingress" if minikube < Release::new(1, 12, 0) => {
            "/apis/apps/v1/namespaces/kube-system/deployments/nginx-ingress-controller"
        }
        "ingress" if minikube < Release::new(1, 19, 0) => {
            "/apis/apps/v1/namespaces/kube-system/deployments/ingress-nginx-controller"
        }
        "ingress" => "/apis/apps/v1/namespaces/ingress-nginx/deployments/ingress-nginx-controller",
        _ => return None,
    })
}

/// Classifies the `get --raw` of a [`workload_path`]: `.status.availableReplicas` (Deployment)
/// or `.status.readyReplicas` (ReplicationController) ≥ 1.
pub(crate) fn classify_workload(ran: &Ran) -> Workload {
    match ran.end {
        End::Code(0) => {
            let out = text::head(&ran.stdout, MAX_STREAM);
            let Ok(v) = serde_json::from_str::<Value>(out.trim()) else {
                return Workload::Unreadable;
            };
            let ready = ["/status/availableReplicas", "/status/readyReplicas"]
                .iter()
                .filter_map(|p| v.pointer(p).and_then(Value::as_u64))
                .max()
                .unwrap_or(0);
            if ready >= 1 {
                Workload::Available { ready }
            } else {
                Workload::NotAvailable
            }
        }
        // "Error from server (NotFound): deployments.apps "metrics-server" not found"
        End::Code(_) if ran.err().contains("Error from server (NotFound)") => Workload::Missing,
        _ => Workload::Unreadable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AddonStatus::*;

    fn map(entries: &[(&str, AddonStatus)]) -> BTreeMap<String, AddonStatus> {
        entries.iter().map(|(n, s)| (n.to_string(), *s)).collect()
    }

    #[test]
    fn list_by_era() {
        let json = r#"{"dashboard":{"Profile":"minikube","Status":"disabled"},"ingress":{"Profile":"minikube","Status":"disabled"},"metrics-server":{"Profile":"minikube","Status":"enabled"}}"#;
        assert_eq!(
            classify_list(&Ran::exit(0, json, "")),
            AddonsState::Listed(map(&[
                ("dashboard", Disabled),
                ("ingress", Disabled),
                ("metrics-server", Enabled)
            ]))
        );
        let v025 = "- addon-manager: enabled\n- dashboard: enabled\n- heapster: disabled\n- ingress: disabled\n";
        assert_eq!(
            classify_list(&Ran::exit(0, v025, "")),
            AddonsState::Listed(map(&[
                ("addon-manager", Enabled),
                ("dashboard", Enabled),
                ("heapster", Disabled),
                ("ingress", Disabled)
            ]))
        );
        let table = "|-----------------------------|----------|--------------|--------------------------------|\n\
                     |         ADDON NAME          | PROFILE  |    STATUS    |           MAINTAINER           |\n\
                     |-----------------------------|----------|--------------|--------------------------------|\n\
                     | ingress                     | minikube | disabled     | Kubernetes                     |\n\
                     | metrics-server              | minikube | enabled ✅   | Kubernetes                     |\n\
                     |-----------------------------|----------|--------------|--------------------------------|\n";
        assert_eq!(
            classify_list(&Ran::exit(0, table, "")),
            AddonsState::Listed(map(&[("ingress", Disabled), ("metrics-server", Enabled)]))
        );
        // v1.24+ without a profile: entries without status.
        assert_eq!(
            classify_list(&Ran::exit(0, r#"{"ingress":{},"metrics-server":{}}"#, "")),
            AddonsState::Listed(map(&[("ingress", Unknown), ("metrics-server", Unknown)]))
        );
        // v1.10–v1.23 without a profile.
        assert_eq!(
            classify_list(&Ran::exit(
                85,
                "🤷  Profile \"minikube\" not found. Run \"minikube profile list\" to view all profiles.\n",
                ""
            )),
            AddonsState::NoProfile
        );
        assert_eq!(
            classify_list(&Ran::exit(3, "garbage", "")),
            AddonsState::Inconclusive(Inconclusive::Unrecognised { code: 3 })
        );
        assert_eq!(
            classify_list(&Ran::timed_out("", "")),
            AddonsState::Inconclusive(Inconclusive::TimedOut)
        );
    }

    #[test]
    fn hostile_list() {
        // Names that are not identifiers are dropped; the map is bounded.
        let object = |n: usize| {
            let mut s = String::from("{\"bad name\\u001b\":{\"Status\":\"enabled\"},");
            for i in 0..n {
                s.push_str(&format!("\"a{i}\":{{\"Status\":\"enabled\"}},"));
            }
            s.push_str("\"z\":{}}");
            s
        };
        match classify_list(&Ran::exit(0, &object(500), "")) {
            AddonsState::Listed(m) => assert_eq!(m.len(), MAX_ITEMS * 2),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            classify_list(&Ran::exit(
                0,
                r#"{"bad name\u001b":{"Status":"enabled"},"ok":{"Status":"enabled"}}"#,
                ""
            )),
            AddonsState::Listed(map(&[("ok", Enabled)]))
        );
        // A line longer than any real listing is not parsed at all.
        assert_eq!(
            classify_list(&Ran::exit(0, &object(5000), "")),
            AddonsState::Inconclusive(Inconclusive::Unrecognised { code: 0 })
        );
    }

    #[test]
    fn heapster_and_metrics_server_stand_for_each_other() {
        let old = map(&[("heapster", Disabled), ("ingress", Enabled)]); // ≤ v0.25
        let new = map(&[("metrics-server", Enabled)]); // ≥ v1.6
        let both = map(&[("heapster", Enabled), ("metrics-server", Disabled)]); // v0.26–v1.5
        assert_eq!(
            resolve("heapster", &new),
            AddonCheck::Enabled {
                name: "metrics-server".into()
            }
        );
        assert_eq!(
            resolve("metrics-server", &old),
            AddonCheck::Disabled {
                name: "heapster".into()
            }
        );
        // When both exist, the one asked for is checked.
        assert_eq!(
            resolve("metrics-server", &both),
            AddonCheck::Disabled {
                name: "metrics-server".into()
            }
        );
        assert_eq!(
            resolve("heapster", &both),
            AddonCheck::Enabled {
                name: "heapster".into()
            }
        );
        assert_eq!(resolve("registry", &new), AddonCheck::NotOffered);
        assert_eq!(
            resolve("metrics-server", &map(&[("metrics-server", Unknown)])),
            AddonCheck::Unknown {
                name: "metrics-server".into()
            }
        );
    }

    #[test]
    fn workloads() {
        assert_eq!(
            workload_path("ingress", Release::new(0, 25, 0)),
            Some("/api/v1/namespaces/kube-system/replicationcontrollers/nginx-ingress-controller")
        );
        assert_eq!(
            workload_path("ingress", Release::new(1, 35, 0)),
            Some("/apis/apps/v1/namespaces/ingress-nginx/deployments/ingress-nginx-controller")
        );
        assert_eq!(
            workload_path("ingress", Release::new(1, 12, 0)),
            Some("/apis/apps/v1/namespaces/kube-system/deployments/ingress-nginx-controller")
        );
        assert_eq!(workload_path("registry", Release::new(1, 35, 0)), None);
        assert_eq!(
            classify_workload(&Ran::exit(
                0,
                r#"{"kind":"Deployment","status":{"replicas":1,"availableReplicas":1}}"#,
                ""
            )),
            Workload::Available { ready: 1 }
        );
        assert_eq!(
            classify_workload(&Ran::exit(
                0,
                r#"{"kind":"ReplicationController","status":{"replicas":1,"readyReplicas":1}}"#,
                ""
            )),
            Workload::Available { ready: 1 }
        );
        assert_eq!(
            classify_workload(&Ran::exit(
                0,
                r#"{"kind":"Deployment","status":{"replicas":1}}"#,
                ""
            )),
            Workload::NotAvailable
        );
        assert_eq!(
            classify_workload(&Ran::exit(
                1,
                "",
                "Error from server (NotFound): deployments.apps \"metrics-server\" not found\n"
            )),
            Workload::Missing
        );
        assert_eq!(
            classify_workload(&Ran::exit(0, "not json", "")),
            Workload::Unreadable
        );
        assert_eq!(
            classify_workload(&Ran::timed_out("", "")),
            Workload::Unreadable
        );
    }
}
