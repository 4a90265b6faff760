//! PURE: minikube's view of the profile: `minikube status` (JSON since v1.5.0, text before) and
//! `minikube profile list -o json` (the driver).
//!
//! Sources: kubernetes/minikube `cmd/minikube/cmd/status.go` at v0.31.0, v1.5.0, v1.7.0, v1.9.0,
//! v1.10.0, v1.15.0 (field names, text layout, exit-code bits, "not found" messages),
//! v0.25.0 `cmd/minikube/cmd/status.go` with `pkg/minikube/constants` (the `minikube:`/`cluster:`/
//! `kubectl:` era), `pkg/minikube/out/register` (CloudEvents lines on stdout in JSON mode) and
//! `cmd/minikube/cmd/config/profile_list.go` at v1.5.0–v1.8.0 (where the driver lives).

use serde_json::Value;

use super::text::{self, MAX_FIELD, MAX_ITEMS, MAX_JSON_LINE, MAX_STREAM};
use super::{End, Inconclusive, Ran};

/// One field of `minikube status`. The values are minikube's own (`state.State` names plus
/// `Configured`/`Misconfigured`/`Irrelevant`/`Nonexistent`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Component {
    Running,
    Stopped,
    Paused,
    /// VirtualBox saved state (`Saved`); `minikube start` resumes it.
    Saved,
    Starting,
    Stopping,
    Error,
    Timeout,
    Nonexistent,
    InsufficientStorage,
    /// A worker node has no apiserver or kubeconfig of its own.
    Irrelevant,
    Configured,
    Misconfigured,
    /// Printed empty (releases up to v1.6 when the profile is missing).
    Empty,
    /// A value this code does not know (kept, bounded, for display).
    Other(String),
}

impl Component {
    pub(crate) fn parse(s: &str) -> Component {
        match s.trim() {
            "Running" => Component::Running,
            "Stopped" => Component::Stopped,
            "Paused" => Component::Paused,
            "Saved" => Component::Saved,
            "Starting" => Component::Starting,
            "Stopping" => Component::Stopping,
            "Error" => Component::Error,
            "Timeout" => Component::Timeout,
            "Nonexistent" => Component::Nonexistent,
            "InsufficientStorage" => Component::InsufficientStorage,
            "Irrelevant" => Component::Irrelevant,
            "Configured" => Component::Configured,
            "Misconfigured" => Component::Misconfigured,
            "" => Component::Empty,
            other => Component::Other(text::field(other, 64)),
        }
    }

    /// The kubectl line of the v0.25–v1.4 text: `Correctly Configured: pointing to minikube-vm
    /// at 192.168.99.100` / `Misconfigured: pointing to stale minikube-vm…`.
    fn parse_kubectl_line(s: &str) -> Component {
        let s = s.trim();
        if s.starts_with("Correctly Configured") {
            Component::Configured
        } else if s.starts_with("Misconfigured") {
            Component::Misconfigured
        } else {
            Component::parse(s.split(':').next().unwrap_or(""))
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Components {
    pub(crate) host: Component,
    pub(crate) kubelet: Component,
    pub(crate) apiserver: Component,
    pub(crate) kubeconfig: Component,
}

impl Components {
    /// `Kubeconfig: Configured` only says the kubeconfig entry of this profile points at the VM
    /// (`kubeconfig.VerifyEndpoint`), not that it is the current context.
    pub(crate) fn kubeconfig_ok(&self) -> bool {
        matches!(
            self.kubeconfig,
            Component::Configured | Component::Irrelevant
        )
    }
}

/// One node of `minikube status`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Node {
    pub(crate) name: Option<String>,
    pub(crate) worker: bool,
    pub(crate) components: Components,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum MinikubeState {
    /// No such profile (or no cluster at all).
    NoProfile,
    /// Host `Stopped` or `Saved` (v1.7+ copies it into every field; exit 7).
    Stopped,
    /// `minikube pause`: host running, apiserver `Paused` (exit 2).
    Paused,
    /// The control plane's host, kubelet and apiserver run. `kubeconfig` may still be stale.
    Running {
        components: Components,
        /// Worker nodes whose host or kubelet is not running.
        workers_down: usize,
    },
    /// Host running, but kubelet or apiserver not.
    Degraded(Components),
    /// Host `Starting` or `Stopping`.
    Transitional(Components),
    /// Host `Error`, `Timeout`, `InsufficientStorage` or a value we do not know.
    Broken(Components),
    Inconclusive(Inconclusive),
}

/// The bits of `minikube status`'s exit code (v1.7+; OR over all nodes): 1 host not running,
/// 2 kubelet or apiserver not running, 4 kubeconfig not configured. Up to v1.6 they were set
/// along a path, so a stopped host gives 1 alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ExitBits {
    pub(crate) host_down: bool,
    pub(crate) cluster_down: bool,
    pub(crate) kubeconfig_bad: bool,
}

pub(crate) fn exit_bits(code: i32) -> Option<ExitBits> {
    (0..=7).contains(&code).then_some(ExitBits {
        host_down: code & 1 != 0,
        cluster_down: code & 2 != 0,
        kubeconfig_bad: code & 4 != 0,
    })
}

/// `ExGuestNotFound` is 85 since v1.13.0; v1.9.0–v1.12.x used 65 for the same message
/// (`pkg/minikube/exit/exit.go`, `pkg/minikube/reason/exitcodes.go`).
const PROFILE_NOT_FOUND_CODES: [i32; 2] = [65, 85];

/// Classifies `minikube status -p P -o json` (v1.5.0+) or the text of `minikube status`
/// (any era). A non-zero exit still comes with valid status lines; those win.
pub(crate) fn classify_status(ran: &Ran) -> MinikubeState {
    let code = match ran.end {
        End::Code(c) => c,
        other => return MinikubeState::Inconclusive(Inconclusive::of(other)),
    };
    // The status object is the last thing printed; CloudEvents lines and warnings come first.
    let out = text::tail(&ran.stdout, MAX_STREAM);
    let nodes = nodes_from_json(out).unwrap_or_else(|| nodes_from_text(out));
    if !nodes.is_empty() {
        return from_nodes(&nodes);
    }
    if PROFILE_NOT_FOUND_CODES.contains(&code)
        || says_not_found(out)
        || event_messages(out).iter().any(|m| says_not_found(m))
    {
        return MinikubeState::NoProfile;
    }
    // No status lines and exit 7 (every bit): recent releases when the VM or container was
    // deleted behind minikube's back (`GetStatus` fails). `minikube start` recreates it, as for a
    // stopped host. Other codes without status lines (1 is also how v0.25 exits on any error)
    // say nothing reliable.
    if code == 7 {
        return MinikubeState::Stopped;
    }
    MinikubeState::Inconclusive(Inconclusive::Unrecognised { code })
}

/// The texts minikube prints (stdout, or in JSON mode as CloudEvents) for a missing profile:
/// v1.9–v1.14 `There is no local cluster named "minikube"`, v1.15+ `Profile "minikube" not
/// found. Run "minikube profile list" …`. Matched inside the line: the prefix is an emoji on a
/// terminal and `* ` through a pipe.
pub(crate) fn says_not_found(s: &str) -> bool {
    s.contains("There is no local cluster")
        || s.lines()
            .any(|l| l.contains("Profile \"") && l.contains("\" not found"))
}

fn from_nodes(nodes: &[Node]) -> MinikubeState {
    let cp = nodes.iter().find(|n| !n.worker).unwrap_or(&nodes[0]);
    let c = &cp.components;
    use Component as C;
    match c.host {
        C::Nonexistent | C::Empty => MinikubeState::NoProfile,
        C::Stopped | C::Saved => MinikubeState::Stopped,
        C::Paused => MinikubeState::Paused,
        C::Running => {
            if c.apiserver == C::Paused || c.kubelet == C::Paused {
                MinikubeState::Paused
            } else if c.kubelet == C::Running && c.apiserver == C::Running {
                let workers_down = nodes
                    .iter()
                    .filter(|n| n.worker && !std::ptr::eq(*n, cp))
                    .filter(|n| {
                        n.components.host != C::Running || n.components.kubelet != C::Running
                    })
                    .count();
                MinikubeState::Running {
                    components: c.clone(),
                    workers_down,
                }
            } else {
                MinikubeState::Degraded(c.clone())
            }
        }
        C::Starting | C::Stopping => MinikubeState::Transitional(c.clone()),
        _ => MinikubeState::Broken(c.clone()),
    }
}

/// JSON lines of the bounded output, last first, at most `MAX_ITEMS * 4` of them.
fn json_lines_from_end(out: &str) -> impl Iterator<Item = Value> + '_ {
    out.lines()
        .rev()
        .take(MAX_ITEMS * 4)
        .map(str::trim)
        .filter(|l| (l.starts_with('{') || l.starts_with('[')) && l.len() <= MAX_JSON_LINE)
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
}

/// The status object (v1.5+), or the array of them for a multi-node cluster: the last JSON line
/// that is one. `None` when there is none.
fn nodes_from_json(out: &str) -> Option<Vec<Node>> {
    for v in json_lines_from_end(out) {
        match &v {
            Value::Object(o) if o.contains_key("Host") => return Some(vec![node_from_json(&v)]),
            Value::Array(a) if a.first().is_some_and(|n| n.get("Host").is_some()) => {
                return Some(a.iter().take(MAX_ITEMS).map(node_from_json).collect());
            }
            _ => {}
        }
    }
    None
}

fn node_from_json(v: &Value) -> Node {
    let s = |k: &str| Component::parse(v.get(k).and_then(Value::as_str).unwrap_or(""));
    Node {
        name: v
            .get("Name")
            .and_then(Value::as_str)
            .map(|n| text::field(n, MAX_FIELD)),
        worker: v.get("Worker").and_then(Value::as_bool).unwrap_or(false),
        components: Components {
            host: s("Host"),
            kubelet: s("Kubelet"),
            apiserver: s("APIServer"),
            kubeconfig: s("Kubeconfig"),
        },
    }
}

/// Messages of CloudEvents lines (`{"data":{"message":…},…,"type":"io.k8s.sigs.minikube.info"}`).
pub(crate) fn event_messages(out: &str) -> Vec<String> {
    let mut msgs: Vec<String> = json_lines_from_end(out)
        .filter(|v| {
            v.get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.starts_with("io.k8s.sigs.minikube."))
        })
        .filter_map(|v| {
            v.pointer("/data/message")
                .and_then(Value::as_str)
                .map(|m| text::field(m, MAX_FIELD * 2))
        })
        .take(MAX_ITEMS)
        .collect();
    msgs.reverse();
    msgs
}

#[derive(Default)]
struct PartialNode {
    name: Option<String>,
    worker: Option<bool>,
    host: Option<Component>,
    kubelet: Option<Component>,
    apiserver: Option<Component>,
    kubeconfig: Option<Component>,
}

impl PartialNode {
    fn has_fields(&self) -> bool {
        self.host.is_some() || self.kubelet.is_some() || self.apiserver.is_some()
    }

    fn finish(self, first: bool) -> Node {
        // v1.9 text has no `type:` line: a node without an apiserver line is a worker.
        let worker = self.worker.unwrap_or(!first && self.apiserver.is_none());
        let irrelevant_if_worker = |c: Option<Component>| {
            c.unwrap_or(if worker {
                Component::Irrelevant
            } else {
                Component::Empty
            })
        };
        Node {
            name: self.name,
            worker,
            components: Components {
                host: self.host.unwrap_or(Component::Empty),
                kubelet: self.kubelet.unwrap_or(Component::Empty),
                apiserver: irrelevant_if_worker(self.apiserver),
                kubeconfig: irrelevant_if_worker(self.kubeconfig),
            },
        }
    }
}

/// `key: value` lines of every text era (and of `--format` templates printing the same keys):
/// v0.25–v0.30 `minikube:`/`cluster:`/`kubectl:`; v0.31–v1.4 `host:`/`kubelet:`/`apiserver:`/
/// `kubectl:`; v1.5+ `kubeconfig:`; v1.9+ a node-name line first and `type:` (v1.10+), nodes
/// separated by blank lines. Unknown keys (`timeToStop`, `docker-env`, `WARNING`) are skipped.
fn nodes_from_text(out: &str) -> Vec<Node> {
    let mut nodes: Vec<Node> = Vec::new();
    let mut cur = PartialNode::default();
    let push = |nodes: &mut Vec<Node>, cur: &mut PartialNode| {
        let done = std::mem::take(cur);
        if done.has_fields() && nodes.len() < MAX_ITEMS {
            let first = nodes.is_empty();
            nodes.push(done.finish(first));
        }
    };
    for line in text::lines(out) {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            // A bare node name (v1.9+) starts a node; sentences (several words) are not names.
            if !line.contains(char::is_whitespace) {
                push(&mut nodes, &mut cur);
                cur.name = Some(text::field(line, MAX_FIELD));
            }
            continue;
        };
        let value = value.trim();
        match key.trim() {
            "host" | "minikube" => {
                if cur.host.is_some() {
                    push(&mut nodes, &mut cur);
                }
                cur.host = Some(Component::parse(value));
            }
            "kubelet" => cur.kubelet = Some(Component::parse(value)),
            "apiserver" => cur.apiserver = Some(Component::parse(value)),
            // v0.25–v0.30 ran localkube: one state for kubelet and apiserver.
            "cluster" => {
                let c = Component::parse(value);
                cur.kubelet.get_or_insert(c.clone());
                cur.apiserver = Some(c);
            }
            "kubeconfig" => cur.kubeconfig = Some(Component::parse(value)),
            "kubectl" => cur.kubeconfig = Some(Component::parse_kubectl_line(value)),
            "type" => cur.worker = Some(value == "Worker"),
            _ => {}
        }
    }
    push(&mut nodes, &mut cur);
    nodes
}

// ----- profile list: the driver -----------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Profile {
    pub(crate) name: String,
    /// `Running`/`Stopped`/… up to v1.34, `OK`/`Stopped`/… from v1.35; `Skipped` with `--light`.
    pub(crate) status: Option<String>,
    pub(crate) driver: Option<String>,
    pub(crate) kubernetes_version: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ProfileList {
    Listed {
        valid: Vec<Profile>,
        invalid: Vec<String>,
    },
    Inconclusive(Inconclusive),
}

/// Classifies `minikube profile list -o json --light` (v1.18+; without `--light` from v1.5.0).
/// Table mode with no profiles says `No minikube profile was found.` and exits 14.
pub(crate) fn classify_profile_list(ran: &Ran) -> ProfileList {
    let code = match ran.end {
        End::Code(c) => c,
        other => return ProfileList::Inconclusive(Inconclusive::of(other)),
    };
    let out = text::tail(&ran.stdout, MAX_STREAM);
    for v in json_lines_from_end(out) {
        let (Some(valid), invalid) = (v.get("valid"), v.get("invalid")) else {
            continue;
        };
        let profiles = |v: Option<&Value>| -> Vec<Profile> {
            v.and_then(Value::as_array)
                .map(|a| a.iter().take(MAX_ITEMS).filter_map(profile).collect())
                .unwrap_or_default()
        };
        return ProfileList::Listed {
            valid: profiles(Some(valid)),
            invalid: profiles(invalid).into_iter().map(|p| p.name).collect(),
        };
    }
    if out.contains("No minikube profile was found") {
        return ProfileList::Listed {
            valid: Vec::new(),
            invalid: Vec::new(),
        };
    }
    ProfileList::Inconclusive(Inconclusive::Unrecognised { code })
}

fn profile(v: &Value) -> Option<Profile> {
    let name = v.get("Name").and_then(Value::as_str)?;
    let config = v.get("Config");
    Some(Profile {
        name: text::field(name, MAX_FIELD),
        status: v
            .get("Status")
            .and_then(Value::as_str)
            .map(|s| text::field(s, 64)),
        driver: config.and_then(driver_in),
        kubernetes_version: config.and_then(|c| {
            first_of(c)
                .pointer("/KubernetesConfig/KubernetesVersion")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(|s| text::field(s, 64))
        }),
    })
}

/// v1.6 printed `Config` as a list.
fn first_of(config: &Value) -> &Value {
    match config {
        Value::Array(a) => a.first().unwrap_or(&Value::Null),
        v => v,
    }
}

/// The driver by era: `.Driver` (v1.8+; `VMDriver` stays, empty), `.VMDriver` (v1.6, v1.7),
/// `.MachineConfig.VMDriver` (v1.5). The same keys are in `profiles/P/config.json`.
fn driver_in(config: &Value) -> Option<String> {
    let c = first_of(config);
    ["/Driver", "/VMDriver", "/MachineConfig/VMDriver"]
        .iter()
        .filter_map(|p| c.pointer(p).and_then(Value::as_str))
        .map(|s| text::field(s, 64))
        .find(|s| !s.is_empty())
}

/// The driver recorded in `$MINIKUBE_HOME/.minikube/profiles/P/config.json`, for releases before
/// `profile list -o json` (v1.5.0) or when it fails.
pub(crate) fn driver_from_config_json(config_json: &str) -> Option<String> {
    if config_json.len() > 4 * MAX_STREAM {
        return None;
    }
    let v: Value = serde_json::from_str(config_json).ok()?;
    driver_in(&v)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum DriverState {
    Driver(String),
    ProfileNotListed,
    /// minikube lists the profile as invalid (its config cannot be loaded).
    ProfileInvalid,
    /// Listed, but with no driver field we know.
    NotRecorded,
    Inconclusive(Inconclusive),
}

/// The driver of `profile` in a profile list.
pub(crate) fn driver_of(list: &ProfileList, profile: &str) -> DriverState {
    match list {
        ProfileList::Inconclusive(i) => DriverState::Inconclusive(i.clone()),
        ProfileList::Listed { valid, invalid } => {
            if let Some(p) = valid.iter().find(|p| p.name == profile) {
                return match &p.driver {
                    Some(d) => DriverState::Driver(d.clone()),
                    None => DriverState::NotRecorded,
                };
            }
            if invalid.iter().any(|n| n == profile) {
                return DriverState::ProfileInvalid;
            }
            DriverState::ProfileNotListed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comps(host: &str, kubelet: &str, apiserver: &str, kubeconfig: &str) -> Components {
        Components {
            host: Component::parse(host),
            kubelet: Component::parse(kubelet),
            apiserver: Component::parse(apiserver),
            kubeconfig: Component::parse(kubeconfig),
        }
    }

    fn running() -> MinikubeState {
        MinikubeState::Running {
            components: comps("Running", "Running", "Running", "Configured"),
            workers_down: 0,
        }
    }

    /// Every era of `minikube status` output (status.go at the tags in the module doc; the
    /// v0.31–v1.4 text as kubernetes/minikube#4598 quotes it).
    #[test]
    fn status_by_era() {
        let cases: Vec<(&str, Ran, MinikubeState)> = vec![
            (
                "v0.25–v0.30 text",
                Ran::exit(
                    0,
                    "minikube: Running\ncluster: Running\nkubectl: Correctly Configured: pointing to minikube-vm at 192.168.99.100\n",
                    "",
                ),
                running(),
            ),
            (
                "v0.31–v1.4 text",
                Ran::exit(
                    0,
                    "host: Running\nkubelet: Running\napiserver: Running\nkubectl: Correctly Configured: pointing to minikube-vm at 192.168.99.100\n",
                    "",
                ),
                running(),
            ),
            (
                "v1.5–v1.8 text",
                Ran::exit(
                    0,
                    "host: Running\nkubelet: Running\napiserver: Running\nkubeconfig: Configured\n",
                    "",
                ),
                running(),
            ),
            (
                "v1.10+ text",
                Ran::exit(
                    0,
                    "minikube\ntype: Control Plane\nhost: Running\nkubelet: Running\napiserver: Running\nkubeconfig: Configured\n\n",
                    "",
                ),
                running(),
            ),
            (
                "v1.16–v1.18 text with timeToStop and docker-env",
                Ran::exit(
                    0,
                    "minikube\ntype: Control Plane\nhost: Running\nkubelet: Running\napiserver: Running\nkubeconfig: Configured\ntimeToStop: Nonexistent\ndocker-env: in-use\n\n",
                    "",
                ),
                running(),
            ),
            (
                "v1.5–v1.8 JSON",
                Ran::exit(
                    0,
                    r#"{"Host":"Running","Kubelet":"Running","APIServer":"Running","Kubeconfig":"Configured"}"#,
                    "",
                ),
                running(),
            ),
            (
                "v1.9+ JSON",
                Ran::exit(
                    0,
                    "{\"Name\":\"minikube\",\"Host\":\"Running\",\"Kubelet\":\"Running\",\"APIServer\":\"Running\",\"Kubeconfig\":\"Configured\",\"Worker\":false}\n",
                    "",
                ),
                running(),
            ),
            (
                "v1.16–v1.18 JSON",
                Ran::exit(
                    0,
                    r#"{"Name":"minikube","Host":"Running","Kubelet":"Running","APIServer":"Running","Kubeconfig":"Configured","Worker":false,"TimeToStop":"Nonexistent"}"#,
                    "",
                ),
                running(),
            ),
            (
                "JSON after CloudEvents lines, warning on stderr",
                Ran::exit(
                    0,
                    "{\"data\":{\"message\":\"hello\"},\"datacontenttype\":\"application/json\",\"id\":\"1\",\"source\":\"https://minikube.sigs.k8s.io/\",\"specversion\":\"1.0\",\"type\":\"io.k8s.sigs.minikube.warning\"}\n{\"Name\":\"minikube\",\"Host\":\"Running\",\"Kubelet\":\"Running\",\"APIServer\":\"Running\",\"Kubeconfig\":\"Configured\",\"Worker\":false}\n",
                    "❗  Executing \"docker container inspect minikube --format={{.State.Status}}\" took an unusually long time: 2.55s\n",
                ),
                running(),
            ),
            (
                "v1.7+ stopped, exit 7",
                Ran::exit(
                    7,
                    "host: Stopped\nkubelet: Stopped\napiserver: Stopped\nkubeconfig: Stopped\n",
                    "",
                ),
                MinikubeState::Stopped,
            ),
            (
                "v1.9+ JSON stopped, exit 7",
                Ran::exit(
                    7,
                    r#"{"Name":"minikube","Host":"Stopped","Kubelet":"Stopped","APIServer":"Stopped","Kubeconfig":"Stopped","Worker":false}"#,
                    "",
                ),
                MinikubeState::Stopped,
            ),
            (
                "VirtualBox saved",
                Ran::exit(
                    7,
                    "host: Saved\nkubelet: Saved\napiserver: Saved\nkubeconfig: Saved\n",
                    "",
                ),
                MinikubeState::Stopped,
            ),
            (
                "paused, exit 2",
                Ran::exit(
                    2,
                    r#"{"Name":"minikube","Host":"Running","Kubelet":"Stopped","APIServer":"Paused","Kubeconfig":"Configured","Worker":false}"#,
                    "",
                ),
                MinikubeState::Paused,
            ),
            (
                "stale kubeconfig, exit 4: still running",
                Ran::exit(
                    4,
                    "host: Running\nkubelet: Running\napiserver: Running\nkubeconfig: Misconfigured\n\n\nWARNING: Your kubectl is pointing to stale minikube-vm.\nTo fix the kubectl context, run `minikube update-context`\n",
                    "",
                ),
                MinikubeState::Running {
                    components: comps("Running", "Running", "Running", "Misconfigured"),
                    workers_down: 0,
                },
            ),
            (
                "apiserver stopped, exit 2",
                Ran::exit(
                    2,
                    r#"{"Name":"minikube","Host":"Running","Kubelet":"Running","APIServer":"Stopped","Kubeconfig":"Configured","Worker":false}"#,
                    "",
                ),
                MinikubeState::Degraded(comps("Running", "Running", "Stopped", "Configured")),
            ),
            (
                "starting",
                Ran::exit(
                    7,
                    r#"{"Name":"minikube","Host":"Starting","Kubelet":"Starting","APIServer":"Starting","Kubeconfig":"Starting","Worker":false}"#,
                    "",
                ),
                MinikubeState::Transitional(comps("Starting", "Starting", "Starting", "Starting")),
            ),
            (
                "insufficient storage",
                Ran::exit(
                    7,
                    r#"{"Name":"minikube","Host":"InsufficientStorage","Kubelet":"Running","APIServer":"Running","Kubeconfig":"Configured","Worker":false}"#,
                    "",
                ),
                MinikubeState::Broken(comps(
                    "InsufficientStorage",
                    "Running",
                    "Running",
                    "Configured",
                )),
            ),
        ];
        for (name, ran, want) in cases {
            assert_eq!(classify_status(&ran), want, "{name}");
        }
    }

    #[test]
    fn missing_profile_by_era() {
        let cases: Vec<(&str, Ran)> = vec![
            (
                "v0.25: empty values, exit 1",
                Ran::exit(1, "minikube: \ncluster: \nkubectl: \n", ""),
            ),
            (
                "v1.x ≤1.6: empty values, exit 1",
                Ran::exit(1, "host: \nkubelet: \napiserver: \nkubeconfig: \n", ""),
            ),
            (
                "v1.7–v1.8: Nonexistent, exit 7 (kubernetes/minikube#6814)",
                Ran::exit(
                    7,
                    "host: Nonexistent\nkubelet: Nonexistent\napiserver: Nonexistent\nkubeconfig: Nonexistent\n",
                    "E0301 10:00:00.000000   12345 status.go:98] The \"minikube\" cluster does not exist!\n",
                ),
            ),
            (
                "v1.9–v1.12, exit 65",
                Ran::exit(
                    65,
                    "🤷  There is no local cluster named \"minikube\"\n👉  To fix this, run: \"minikube start\"\n",
                    "",
                ),
            ),
            (
                "v1.13–v1.14, exit 85",
                Ran::exit(
                    85,
                    "🤷  There is no local cluster named \"minikube\"\n👉  To fix this, run: \"minikube start\"\n",
                    "",
                ),
            ),
            (
                "v1.15+, exit 85",
                Ran::exit(
                    85,
                    "🤷  Profile \"minikube\" not found. Run \"minikube profile list\" to view all profiles.\n👉  To start a cluster, run: \"minikube start\"\n",
                    "",
                ),
            ),
            (
                "v1.15.1 through a pipe",
                Ran::exit(
                    85,
                    "* Profile \"minikube\" not found. Run \"minikube profile list\" to view all profiles.\n  - To start a cluster, run: \"minikube start\"\n",
                    "",
                ),
            ),
            (
                "JSON mode: CloudEvents (exit code ignored)",
                Ran::exit(
                    1,
                    "{\"data\":{\"message\":\"Profile \\\"dev\\\" not found. Run \\\"minikube profile list\\\" to view all profiles.\"},\"datacontenttype\":\"application/json\",\"id\":\"a\",\"source\":\"https://minikube.sigs.k8s.io/\",\"specversion\":\"1.0\",\"type\":\"io.k8s.sigs.minikube.info\"}\n",
                    "",
                ),
            ),
        ];
        for (name, ran) in cases {
            assert_eq!(classify_status(&ran), MinikubeState::NoProfile, "{name}");
        }
    }

    #[test]
    fn multi_node() {
        let json = r#"[{"Name":"minikube","Host":"Running","Kubelet":"Running","APIServer":"Running","Kubeconfig":"Configured","Worker":false},{"Name":"minikube-m02","Host":"Stopped","Kubelet":"Stopped","APIServer":"Irrelevant","Kubeconfig":"Irrelevant","Worker":true}]"#;
        assert_eq!(
            classify_status(&Ran::exit(7, json, "")),
            MinikubeState::Running {
                components: comps("Running", "Running", "Running", "Configured"),
                workers_down: 1,
            }
        );
        // v1.10+ text, worker first in the output: the control plane still decides.
        let text = "minikube-m02\ntype: Worker\nhost: Running\nkubelet: Running\n\nminikube\ntype: Control Plane\nhost: Running\nkubelet: Running\napiserver: Stopped\nkubeconfig: Configured\n\n";
        assert_eq!(
            classify_status(&Ran::exit(2, text, "")),
            MinikubeState::Degraded(comps("Running", "Running", "Stopped", "Configured"))
        );
        // v1.9 text: no type lines; the worker block has no apiserver.
        let v19 = "minikube\nhost: Running\nkubelet: Running\napiserver: Running\nkubeconfig: Configured\n\nminikube-m02\nhost: Running\nkubelet: Stopped\n\n";
        assert_eq!(
            classify_status(&Ran::exit(2, v19, "")),
            MinikubeState::Running {
                components: comps("Running", "Running", "Running", "Configured"),
                workers_down: 1,
            }
        );
    }

    #[test]
    fn exit_code_only() {
        // VM deleted behind minikube's back: no status lines, exit 7.
        assert_eq!(
            classify_status(&Ran::exit(7, "", "")),
            MinikubeState::Stopped
        );
        assert_eq!(
            classify_status(&Ran::exit(14, "", "Error: unknown flag: --output\n")),
            MinikubeState::Inconclusive(Inconclusive::Unrecognised { code: 14 })
        );
        assert_eq!(
            classify_status(&Ran::exit(255, "", "")),
            MinikubeState::Inconclusive(Inconclusive::Unrecognised { code: 255 })
        );
        assert_eq!(
            classify_status(&Ran::timed_out("", "")),
            MinikubeState::Inconclusive(Inconclusive::TimedOut)
        );
        assert_eq!(
            exit_bits(7),
            Some(ExitBits {
                host_down: true,
                cluster_down: true,
                kubeconfig_bad: true
            })
        );
        assert_eq!(
            exit_bits(2),
            Some(ExitBits {
                host_down: false,
                cluster_down: true,
                kubeconfig_bad: false
            })
        );
        assert_eq!(exit_bits(85), None);
        assert_eq!(exit_bits(-1), None);
    }

    #[test]
    fn malformed_status() {
        // Garbage, unknown values, truncated JSON, a huge line.
        assert_eq!(
            classify_status(&Ran::exit(0, "{\"Host\":\"Runn", "")),
            MinikubeState::Inconclusive(Inconclusive::Unrecognised { code: 0 })
        );
        let weird = classify_status(&Ran::exit(
            0,
            r#"{"Host":"Levitating\u001b[31m","Kubelet":"Running"}"#,
            "",
        ));
        match weird {
            MinikubeState::Broken(c) => {
                assert_eq!(c.host, Component::Other("Levitating[31m".into()))
            }
            other => panic!("{other:?}"),
        }
        let mut huge = "{\"Host\":\"".to_string();
        huge.push_str(&"R".repeat(1 << 20));
        huge.push_str("\"}");
        assert_eq!(
            classify_status(&Ran::exit(0, &huge, "")),
            MinikubeState::Inconclusive(Inconclusive::Unrecognised { code: 0 })
        );
        // Many nodes: bounded.
        let many: Vec<String> = (0..10_000)
            .map(|i| format!("n{i}\nhost: Running\nkubelet: Running\n"))
            .collect();
        let nodes = nodes_from_text(&many.join("\n"));
        assert!(nodes.len() <= MAX_ITEMS);
        // Sentences without colons are not node names; "not found" elsewhere is not a profile.
        assert_eq!(
            classify_status(&Ran::exit(
                1,
                "",
                "exec: \"docker\": executable file not found in $PATH\n"
            )),
            MinikubeState::Inconclusive(Inconclusive::Unrecognised { code: 1 })
        );
    }

    #[test]
    fn profile_list_and_driver() {
        // ~v1.17 shape (minikube PR #9996), trimmed.
        let v117 = r#"{"invalid":[],"valid":[{"Name":"minikube","Status":"Stopped","Config":{"Name":"minikube","VMDriver":"","Driver":"docker","KubernetesConfig":{"KubernetesVersion":"v1.20.0","ClusterName":"minikube"},"Nodes":[{"Name":"","IP":"192.168.49.2","Port":8443,"KubernetesVersion":"v1.20.0","ControlPlane":true,"Worker":true}]}}]}"#;
        let list = classify_profile_list(&Ran::exit(0, v117, ""));
        assert_eq!(
            list,
            ProfileList::Listed {
                valid: vec![Profile {
                    name: "minikube".into(),
                    status: Some("Stopped".into()),
                    driver: Some("docker".into()),
                    kubernetes_version: Some("v1.20.0".into()),
                }],
                invalid: vec![],
            }
        );
        assert_eq!(
            driver_of(&list, "minikube"),
            DriverState::Driver("docker".into())
        );
        assert_eq!(driver_of(&list, "dev"), DriverState::ProfileNotListed);

        let v15 = r#"{"invalid":[{"Name":"broken"}],"valid":[{"Name":"minikube","Status":"Running","Config":{"MachineConfig":{"VMDriver":"virtualbox"},"KubernetesConfig":{"KubernetesVersion":"v1.16.2"}}}]}"#;
        let list = classify_profile_list(&Ran::exit(0, v15, ""));
        assert_eq!(
            driver_of(&list, "minikube"),
            DriverState::Driver("virtualbox".into())
        );
        assert_eq!(driver_of(&list, "broken"), DriverState::ProfileInvalid);

        let v16 = r#"{"invalid":[],"valid":[{"Name":"minikube","Status":"Running","Config":[{"VMDriver":"virtualbox"}]}]}"#;
        assert_eq!(
            driver_of(&classify_profile_list(&Ran::exit(0, v16, "")), "minikube"),
            DriverState::Driver("virtualbox".into())
        );
        let v17 = r#"{"invalid":[],"valid":[{"Name":"minikube","Status":"Running","Config":{"VMDriver":"kvm2"}}]}"#;
        assert_eq!(
            driver_of(&classify_profile_list(&Ran::exit(0, v17, "")), "minikube"),
            DriverState::Driver("kvm2".into())
        );
        let nodriver = r#"{"invalid":[],"valid":[{"Name":"minikube","Config":{}}]}"#;
        assert_eq!(
            driver_of(
                &classify_profile_list(&Ran::exit(0, nodriver, "")),
                "minikube"
            ),
            DriverState::NotRecorded
        );
        // No profiles: JSON mode and table mode.
        let empty = ProfileList::Listed {
            valid: vec![],
            invalid: vec![],
        };
        assert_eq!(
            classify_profile_list(&Ran::exit(0, "{\"invalid\":[],\"valid\":[]}\n", "")),
            empty
        );
        assert_eq!(
            classify_profile_list(&Ran::exit(14, "No minikube profile was found.\n", "")),
            empty
        );
        assert_eq!(
            classify_profile_list(&Ran::exit(64, "", "Error: unknown flag: --light\n")),
            ProfileList::Inconclusive(Inconclusive::Unrecognised { code: 64 })
        );
        assert_eq!(
            driver_of(&classify_profile_list(&Ran::timed_out("", "")), "minikube"),
            DriverState::Inconclusive(Inconclusive::TimedOut)
        );
    }

    #[test]
    fn driver_from_config_file() {
        assert_eq!(
            driver_from_config_json(r#"{"Name":"minikube","Driver":"virtualbox","VMDriver":""}"#),
            Some("virtualbox".into())
        );
        assert_eq!(
            driver_from_config_json(r#"{"MachineConfig":{"VMDriver":"virtualbox"}}"#),
            Some("virtualbox".into())
        );
        assert_eq!(driver_from_config_json("not json"), None);
        assert_eq!(driver_from_config_json(r#"{"Driver":""}"#), None);
    }
}
