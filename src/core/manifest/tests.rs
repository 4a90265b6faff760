use super::*;
use crate::core::tool::Platform;

fn parse(text: &str) -> Result<Manifest, FileError> {
    Manifest::parse(text, "versions.toml")
}

fn problem(text: &str) -> Problem {
    let err = parse(text).expect_err("should fail");
    assert_eq!(err.file, "versions.toml");
    err.problems[0].clone()
}

const KUBECTL: &str = r#"schema = 1

[tools.kubectl]
version = "1.30.6"
url = "https://dl.k8s.io/release/v{version}/bin/{os}/{arch}/kubectl{exe}"
"#;

#[test]
fn minimal_manifest_renders_urls() {
    let m = parse(KUBECTL).unwrap();
    let k = m.get(Tool::Kubectl).unwrap();
    let a = k.artifact(Platform::new(Os::Windows, Arch::Arm64)).unwrap();
    assert_eq!(
        a.url,
        "https://dl.k8s.io/release/v1.30.6/bin/windows/arm64/kubectl.exe"
    );
    assert_eq!(a.archive, ArchiveKind::Binary);
    assert_eq!(a.file_name(), "kubectl.exe");
    assert!(m.get(Tool::Helm).is_none(), "only listed tools are checked");
}

#[test]
fn embedded_manifest_is_valid() {
    let m = Manifest::embedded().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.tools.len(), 5);
}

#[test]
fn unknown_key_names_line_col_and_key() {
    let p = problem(&format!("{KUBECTL}sha265 = \"x\"\n"));
    assert_eq!((p.line, p.col), (6, 1));
    assert_eq!(p.key, "tools.kubectl.sha265");
    assert_eq!(p.message, "unknown key `sha265`");
    assert!(p.help.starts_with("did you mean `sha256`?"), "{}", p.help);
}

#[test]
fn every_unknown_key_is_reported_at_every_level() {
    let text = format!(
        "schema = 1\nshema = 1\n[tools.kubetcl]\nversion = \"1.0.0\"\n{}checksum-url = \"https://x\"\n[tools.kubectl.platforms.linux-amd64]\nuri = \"https://x/y\"\n",
        &KUBECTL["schema = 1\n".len()..]
    );
    let err = parse(&text).unwrap_err();
    let keys: Vec<(&str, usize)> = err
        .problems
        .iter()
        .map(|p| (p.key.as_str(), p.line))
        .collect();
    assert_eq!(
        keys,
        [
            ("shema", 2),
            ("tools.kubetcl", 3),
            ("tools.kubectl.checksum-url", 9),
            ("tools.kubectl.platforms.linux-amd64.uri", 11),
        ],
        "{err}"
    );
    assert!(
        err.problems[2]
            .help
            .starts_with("did you mean `checksum_url`?")
    );
    assert!(err.problems[3].help.starts_with("did you mean `url`?"));
    let p = problem("schema = 1\n[tools.helm]\nurl = \"https://x/y\"\n");
    assert_eq!(p.key, "tools.helm.version");
}

#[test]
fn bad_hash_is_reported_with_its_position() {
    let text = format!("{KUBECTL}[tools.kubectl.sha256]\nlinux-amd64 = \"7a3adf80\"\n");
    let p = problem(&text);
    assert_eq!(p.key, "tools.kubectl.sha256.linux-amd64");
    assert_eq!((p.line, p.col), (7, 15));
    assert!(p.help.contains("64 hexadecimal"));
}

#[test]
fn unknown_platform_and_tool() {
    let p = problem(&format!(
        "{KUBECTL}[tools.kubectl.sha256]\ndarwin-x86_64 = \"{}\"\n",
        "a".repeat(64)
    ));
    assert_eq!(p.key, "tools.kubectl.sha256.darwin-x86_64");
    let p = problem("schema = 1\n[tools.kubeclt]\nversion = \"1.0.0\"\nurl = \"https://x/y\"\n");
    assert_eq!(p.key, "tools.kubeclt");
    assert_eq!(p.line, 2);
    assert!(p.help.starts_with("did you mean `kubectl`?"), "{}", p.help);
}

#[test]
fn unknown_placeholder() {
    let p = problem(&KUBECTL.replace("{arch}", "{platform}"));
    assert_eq!(p.key, "tools.kubectl.url");
    assert_eq!((p.line, p.col), (5, 7));
    assert!(p.message.contains("{platform}"), "{}", p.message);
    let p = problem(&KUBECTL.replace("{exe}", "{revision}"));
    assert!(p.message.contains("no `revision`"), "{}", p.message);
}

#[test]
fn non_http_urls() {
    let p = problem(&KUBECTL.replace("https://dl.k8s.io", "file:///tmp"));
    assert_eq!(p.key, "tools.kubectl.url");
    assert!(p.message.contains("not an http(s) URL"));
    let text = format!("{KUBECTL}checksum_url = \"http://dl.k8s.io/x.sha256\"\n");
    let p = problem(&text);
    assert_eq!(p.key, "tools.kubectl.checksum_url");
    assert!(p.help.contains("https"));
    // Plain http is allowed for the artifact itself: integrity comes from the sha256.
    assert!(parse(&KUBECTL.replace("https://", "http://")).is_ok());
}

#[test]
fn shell_metacharacters_in_versions() {
    for bad in [
        "1.30.6;rm -rf ~",
        "1.30.6$(id)",
        "1.30.6`x`",
        "1.30.6|x",
        "1.30.6 ",
    ] {
        let p = problem(&KUBECTL.replace("1.30.6", bad));
        assert_eq!(p.key, "tools.kubectl.version", "{bad}");
        assert_eq!((p.line, p.col), (4, 11), "{bad}");
        assert!(p.help.contains("only letters"), "{bad}");
    }
}

#[test]
fn versions_must_be_full_releases() {
    let p = problem(&KUBECTL.replace("1.30.6", "1.30"));
    assert!(p.message.contains("not a full release"), "{}", p.message);
    let p = problem(&KUBECTL.replace("1.30.6", "v1.30.6"));
    assert!(p.help.contains("bare version"), "{}", p.help);
    let p = problem(&KUBECTL.replace("1.30.6", "latest"));
    assert!(p.message.contains("not a version"), "{}", p.message);
}

#[test]
fn revision_is_separate_and_virtualbox_only() {
    let p = problem(
        "schema = 1\n[tools.virtualbox]\nversion = \"5.2.4r119785\"\nurl = \"https://x/{version}\"\narchive = \"installer\"\n",
    );
    assert!(p.help.contains("revision = 119785"), "{}", p.help);
    let p = problem(&format!("{KUBECTL}revision = 3\n"));
    assert_eq!(p.key, "tools.kubectl.revision");
}

#[test]
fn archives_need_a_member() {
    let text = "schema = 1\n[tools.helm]\nversion = \"3.17.0\"\nurl = \"https://get.helm.sh/helm-v{version}-{os}-{arch}.tar.gz\"\narchive = \"tar.gz\"\n";
    let p = problem(text);
    assert_eq!(p.key, "tools.helm.path");
    let p = problem(&text.replace("tar.gz\"\n", "tar.xz\"\n"));
    assert_eq!(p.key, "tools.helm.archive");
    assert!(p.help.contains("binary, tar.gz, zip, installer"));
    let p = problem(&format!("{text}path = \"../helm\"\n"));
    assert_eq!(p.key, "tools.helm.path");
}

#[test]
fn accept_requirement() {
    let m = parse(&format!("{KUBECTL}accept = \">=1.30, <1.31\"\n")).unwrap();
    let k = m.get(Tool::Kubectl).unwrap();
    let v = |s| Version::parse(s).unwrap();
    assert_eq!(k.satisfaction(&v("1.30.6")), Satisfaction::Pin);
    assert_eq!(k.satisfaction(&v("1.30.2")), Satisfaction::Accepted);
    assert_eq!(k.satisfaction(&v("1.31.0")), Satisfaction::No);
    let p = problem(&format!("{KUBECTL}accept = \"between 1 and 2\"\n"));
    assert_eq!(p.key, "tools.kubectl.accept");
}

#[test]
fn syntax_errors_and_wrong_types_have_positions() {
    let p = problem("schema = 1\n[tools.kubectl]\nversion = 1.30\n");
    assert_eq!(p.line, 3);
    let p = problem("schema = 1\n[tools.kubectl\n");
    assert_eq!(p.line, 2);
    let p = problem("schema = 2\n");
    assert_eq!(p.key, "schema");
    let p = problem("schema = 1\n[tools.kubectl]\nurl = \"https://x/y\"\n");
    assert!(p.message.contains("version"), "{}", p.message);
}

#[test]
fn several_problems_are_all_reported() {
    let text = KUBECTL
        .replace("1.30.6", "1.30.6;x")
        .replace("{arch}", "{cpu}");
    let err = parse(&text).unwrap_err();
    assert_eq!(err.problems.len(), 2, "{err}");
    let shown = err.to_string();
    assert!(
        shown.contains("versions.toml:4:11: tools.kubectl.version"),
        "{shown}"
    );
    assert!(
        shown.contains("versions.toml:5:7: tools.kubectl.url"),
        "{shown}"
    );
}

#[test]
fn platform_overrides_and_renames() {
    let text = r#"schema = 1
[tools.docker]
version = "27.3.1"
url = "https://download.docker.com/{os}/static/stable/{arch}/docker-{version}.tgz"
archive = "tar.gz"
path = "docker/docker{exe}"
os = { darwin = "mac", windows = "win" }
arch = { amd64 = "x86_64", arm64 = "aarch64" }
unsupported = ["windows-arm64"]
[tools.docker.platforms.windows-amd64]
url = "https://download.docker.com/{os}/static/stable/{arch}/docker-{version}.zip"
archive = "zip"
"#;
    let m = parse(text).unwrap();
    let d = m.get(Tool::Docker).unwrap();
    let mac = d.artifact(Platform::new(Os::Darwin, Arch::Arm64)).unwrap();
    assert_eq!(
        mac.url,
        "https://download.docker.com/mac/static/stable/aarch64/docker-27.3.1.tgz"
    );
    assert_eq!(mac.member.as_deref(), Some("docker/docker"));
    let win = d.artifact(Platform::new(Os::Windows, Arch::Amd64)).unwrap();
    assert_eq!(
        win.url,
        "https://download.docker.com/win/static/stable/x86_64/docker-27.3.1.zip"
    );
    assert_eq!(win.archive, ArchiveKind::Zip);
    assert_eq!(win.member.as_deref(), Some("docker/docker.exe"));
    assert!(
        d.artifact(Platform::new(Os::Windows, Arch::Arm64))
            .is_none()
    );
}

/// Every tool × platform of the shipped manifest against the upstream naming (docs/tools.md §3).
#[test]
fn embedded_urls_match_upstream_names() {
    let m = Manifest::embedded().unwrap();
    let url = |tool: Tool, p: &str| {
        m.get(tool).unwrap().artifact(p.parse().unwrap()).map(|a| {
            (
                a.url,
                a.archive.name(),
                a.member,
                a.sha256.is_some(),
                a.checksum_url,
            )
        })
    };
    // kubectl: raw binary under dl.k8s.io/release, .exe on windows, bare-hex .sha256 beside it.
    for p in Platform::all() {
        let (u, kind, member, _, sum) = url(Tool::Kubectl, &p.to_string()).unwrap();
        let exe = if p.os == Os::Windows { ".exe" } else { "" };
        assert_eq!(
            u,
            format!(
                "https://dl.k8s.io/release/v1.30.6/bin/{}/{}/kubectl{exe}",
                p.os.name(),
                p.arch.name()
            )
        );
        assert_eq!((kind, member), ("binary", None));
        assert_eq!(sum.unwrap(), format!("{u}.sha256"));
    }
    // helm: tar.gz with {os}-{arch}/helm, zip on windows.
    let (u, kind, member, pinned, sum) = url(Tool::Helm, "linux-arm64").unwrap();
    assert_eq!(u, "https://get.helm.sh/helm-v3.17.0-linux-arm64.tar.gz");
    assert_eq!(
        (kind, member.as_deref()),
        ("tar.gz", Some("linux-arm64/helm"))
    );
    assert!(pinned);
    assert_eq!(sum.unwrap(), format!("{u}.sha256sum"));
    let (u, kind, member, _, sum) = url(Tool::Helm, "windows-amd64").unwrap();
    assert_eq!(u, "https://get.helm.sh/helm-v3.17.0-windows-amd64.zip");
    assert_eq!(
        (kind, member.as_deref()),
        ("zip", Some("windows-amd64/helm.exe"))
    );
    assert_eq!(sum.unwrap(), format!("{u}.sha256sum"));
    let (u, ..) = url(Tool::Helm, "darwin-arm64").unwrap();
    assert_eq!(u, "https://get.helm.sh/helm-v3.17.0-darwin-arm64.tar.gz");
    // minikube: raw binaries, windows-amd64.exe, no windows-arm64.
    let (u, kind, ..) = url(Tool::Minikube, "darwin-arm64").unwrap();
    assert_eq!(
        u,
        "https://storage.googleapis.com/minikube/releases/v1.35.0/minikube-darwin-arm64"
    );
    assert_eq!(kind, "binary");
    let (u, _, _, _, sum) = url(Tool::Minikube, "windows-amd64").unwrap();
    assert_eq!(
        u,
        "https://storage.googleapis.com/minikube/releases/v1.35.0/minikube-windows-amd64.exe"
    );
    assert_eq!(sum.unwrap(), format!("{u}.sha256"));
    assert!(url(Tool::Minikube, "windows-arm64").is_none());
    // docker: x86_64/aarch64 and linux/mac/win, tgz with docker/docker, zip on windows.
    let docker = [
        (
            "linux-amd64",
            "https://download.docker.com/linux/static/stable/x86_64/docker-27.3.1.tgz",
            "docker/docker",
            true,
        ),
        (
            "linux-arm64",
            "https://download.docker.com/linux/static/stable/aarch64/docker-27.3.1.tgz",
            "docker/docker",
            false,
        ),
        (
            "darwin-amd64",
            "https://download.docker.com/mac/static/stable/x86_64/docker-27.3.1.tgz",
            "docker/docker",
            true,
        ),
        (
            "darwin-arm64",
            "https://download.docker.com/mac/static/stable/aarch64/docker-27.3.1.tgz",
            "docker/docker",
            true,
        ),
        (
            "windows-amd64",
            "https://download.docker.com/win/static/stable/x86_64/docker-27.3.1.zip",
            "docker/docker.exe",
            false,
        ),
    ];
    for (p, want, want_member, want_pinned) in docker {
        let (u, _, member, pinned, sum) = url(Tool::Docker, p).unwrap();
        assert_eq!(u, want, "{p}");
        assert_eq!(member.as_deref(), Some(want_member), "{p}");
        assert_eq!(pinned, want_pinned, "{p}");
        assert!(sum.is_none(), "docker publishes no checksums");
    }
    assert!(url(Tool::Docker, "windows-arm64").is_none());
    // VirtualBox: one installer per OS, SHA256SUMS listing, no arm64 outside macOS.
    let vbox = [
        ("linux-amd64", "VirtualBox-7.2.10-174163-Linux_amd64.run"),
        ("darwin-amd64", "VirtualBox-7.2.10-174163-OSX.dmg"),
        ("darwin-arm64", "VirtualBox-7.2.10-174163-macOSArm64.dmg"),
        ("windows-amd64", "VirtualBox-7.2.10-174163-Win.exe"),
    ];
    for (p, file) in vbox {
        let (u, kind, _, _, sum) = url(Tool::Virtualbox, p).unwrap();
        assert_eq!(
            u,
            format!("https://download.virtualbox.org/virtualbox/7.2.10/{file}")
        );
        assert_eq!(kind, "installer");
        assert_eq!(
            sum.unwrap(),
            "https://download.virtualbox.org/virtualbox/7.2.10/SHA256SUMS"
        );
    }
    assert!(url(Tool::Virtualbox, "linux-arm64").is_none());
    assert!(url(Tool::Virtualbox, "windows-arm64").is_none());
}

/// The shipped hashes are the ones recorded in docs/tools.md §5 (spot checks per tool).
#[test]
fn embedded_hashes_are_the_published_ones() {
    let m = Manifest::embedded().unwrap();
    let hash = |t: Tool, p: &str| {
        m.get(t)
            .unwrap()
            .artifact(p.parse().unwrap())
            .unwrap()
            .sha256
    };
    assert_eq!(
        hash(Tool::Kubectl, "linux-amd64").unwrap(),
        "7a3adf80ca74b1b2afdfc7f4570f0005ca03c2812367ffb6ee2f731d66e45e61"
    );
    assert_eq!(
        hash(Tool::Helm, "windows-amd64").unwrap(),
        "0625e51437107991922f76adbec4a4f12a4438942182677399ab758a3ec8bdc5"
    );
    assert_eq!(
        hash(Tool::Minikube, "linux-arm64").unwrap(),
        "75549bfdbc3fe483c060e5aa5b848374426552d7e346df8bd15ad77532243767"
    );
    assert_eq!(
        hash(Tool::Docker, "darwin-arm64").unwrap(),
        "9dae125282116146b06eb777c2125ddda6c0468c0b9ad6c72a82edbc6783a77b"
    );
    assert_eq!(
        hash(Tool::Virtualbox, "darwin-arm64").unwrap(),
        "95bc371769ad9afa7defbff15f2fbc07f641a0a4fcb0cf3cc8116101ff741060"
    );
    // Every platform that has no pinned hash has a checksum_url, except docker (no upstream
    // checksums), whose unpinned platforms --fix refuses.
    for spec in &m.tools {
        for p in Platform::all() {
            if let Some(a) = spec.artifact(p) {
                assert!(
                    a.sha256.is_some() || a.checksum_url.is_some() || spec.tool == Tool::Docker,
                    "{} {p}",
                    spec.tool
                );
            }
        }
    }
}

#[test]
fn line_col_counts_characters() {
    let text = "a\nb✓c\n";
    assert_eq!(line_col(text, 0), (1, 1));
    assert_eq!(line_col(text, 2), (2, 1));
    assert_eq!(line_col(text, 2 + "b✓".len()), (2, 3));
}

#[test]
fn a_manifest_that_pins_no_tools_is_an_error() {
    for text in ["schema = 1\n", "schema = 1\n[tools]\n"] {
        let err = parse(text).unwrap_err();
        assert_eq!(err.problems.len(), 1, "{err}");
        let p = &err.problems[0];
        assert_eq!((p.key.as_str(), p.line), ("tools", 1), "{err}");
        assert!(p.message.contains("pins no tools"), "{err}");
        assert!(p.help.contains("[tools.NAME]"), "{err}");
    }
    // Unknown tools only: each is named (with its did-you-mean), and so is the emptiness.
    let err = parse("schema = 1\n[tools.kubetcl]\nversion = \"1.0.0\"\n").unwrap_err();
    assert!(err.to_string().contains("did you mean `kubectl`?"), "{err}");
}
