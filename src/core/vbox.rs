//! PURE: the privileged steps that install VirtualBox from its verified installer, per OS
//! (docs/tools.md §6). They are shown to the user, and run only with `--fix --allow-sudo` on a
//! terminal.

use crate::core::tool::Os;

/// Argument vectors, in order, that install `installer` (a path or file name) on `os`.
pub(crate) fn install_commands(os: Os, installer: &str) -> Vec<Vec<String>> {
    let v = |args: &[&str]| args.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    match os {
        // A makeself archive; `install` is its default action, named as the old script did.
        Os::Linux => vec![v(&["sudo", "sh", installer, "install"])],
        Os::Darwin => vec![
            v(&["hdiutil", "attach", "-nobrowse", installer]),
            v(&[
                "sudo",
                "installer",
                "-pkg",
                "/Volumes/VirtualBox/VirtualBox.pkg",
                "-target",
                "/",
            ]),
            v(&["hdiutil", "detach", "/Volumes/VirtualBox"]),
        ],
        // From an elevated prompt; the installer asks for elevation itself otherwise.
        Os::Windows => vec![v(&[installer, "--silent", "--ignore-reboot"])],
    }
}

/// Stops the minikube VM before its hypervisor is replaced (the old script always did).
pub(crate) fn stop_minikube() -> Vec<String> {
    vec!["minikube".into(), "stop".into()]
}

/// One command as a user would type it (POSIX quoting where needed).
pub(crate) fn render(argv: &[String]) -> String {
    argv.iter().map(|a| quote(a)).collect::<Vec<_>>().join(" ")
}

fn quote(a: &str) -> String {
    if !a.is_empty()
        && a.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=+@%,".contains(c))
    {
        a.to_string()
    } else {
        format!("'{}'", a.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_per_os() {
        let linux = install_commands(Os::Linux, "/c/VirtualBox-7.2.10-174163-Linux_amd64.run");
        assert_eq!(
            render(&linux[0]),
            "sudo sh /c/VirtualBox-7.2.10-174163-Linux_amd64.run install"
        );
        let mac = install_commands(Os::Darwin, "/c/My Files/VirtualBox.dmg");
        assert_eq!(mac.len(), 3);
        assert_eq!(
            render(&mac[0]),
            "hdiutil attach -nobrowse '/c/My Files/VirtualBox.dmg'"
        );
        assert!(render(&mac[1]).starts_with("sudo installer -pkg"));
        let win = install_commands(Os::Windows, "VirtualBox-7.2.10-174163-Win.exe");
        assert_eq!(win[0][0], "VirtualBox-7.2.10-174163-Win.exe");
        assert!(!win[0].contains(&"sudo".to_string()));
        assert_eq!(render(&["it's".to_string()]), "'it'\\''s'");
    }
}
