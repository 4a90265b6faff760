//! The command line resolved once (ripgrep's `lowargs` → `hiargs` split): the raw `Cli` goes
//! in, a `Mode` and the `Settings` every mode shares come out. No mode sees `Cli`.

use std::time::Duration;

use crate::cli::{CacheCommand, Cli, ColorArg, Command, FormatArg, PinsCommand, ShellArg};
use crate::context::{ColourChoice, Settings};
use crate::core::envline::Shell;
use crate::core::report::Format;
use crate::core::tool::Tool;
use crate::modes::cache::CacheOptions;
use crate::modes::fix::FixOptions;
use crate::modes::mirror::MirrorOptions;
use crate::modes::pins::{CheckOptions, UpdateOptions};
use crate::net::fetch::Limits;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Read-only, offline diagnosis.
    Check {
        format: Format,
        /// Reuse cached probe answers (read only).
        cached: bool,
    },
    /// For wrappers: silent when all is well.
    Status {
        format: Format,
    },
    Fix(FixOptions),
    /// The interactive TUI (stdin and stdout are terminals, and nothing else was asked).
    Tui,
    Env {
        shell: Option<Shell>,
        persist: bool,
        dry_run: bool,
    },
    /// Re-hash the installed binaries against their receipts.
    Verify {
        format: Format,
    },
    Override {
        tool: Tool,
        reason: Option<String>,
        clear: bool,
        not_needed: bool,
    },
    PinsUpdate(UpdateOptions),
    PinsCheck(CheckOptions),
    Mirror(MirrorOptions),
    /// `--version`.
    Version,
    Completions {
        shell: clap_complete::Shell,
    },
    Man,
    Cache(CacheOptions),
}

/// The part of the command line that needs to know whether it runs on a terminal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Choice {
    command: Option<Command>,
    check: bool,
    cached: bool,
    fix: Option<FixOptions>,
    format: Format,
    quiet: bool,
    version: bool,
}

impl Choice {
    /// The mode: the TUI only when `interactive` (stdin and stdout are terminals) and nothing
    /// else was asked for.
    pub(crate) fn mode(self, interactive: bool) -> Mode {
        if self.version {
            return Mode::Version;
        }
        match self.command {
            Some(Command::Completions { shell }) => Mode::Completions { shell },
            Some(Command::Man) => Mode::Man,
            Some(Command::Cache { command }) => Mode::Cache(CacheOptions {
                clean: command.map(|CacheCommand::Clean { all, dry_run }| (all, dry_run)),
                format: self.format,
            }),
            Some(Command::Env {
                shell,
                persist,
                dry_run,
            }) => Mode::Env {
                shell: shell.map(shell_of),
                persist,
                dry_run,
            },
            Some(Command::Status) => Mode::Status {
                format: self.format,
            },
            Some(Command::Verify) => Mode::Verify {
                format: self.format,
            },
            Some(Command::Override {
                tool,
                reason,
                clear,
                not_needed,
            }) => Mode::Override {
                tool,
                reason,
                clear,
                not_needed,
            },
            Some(Command::Pins {
                command:
                    PinsCommand::Update {
                        tool,
                        version,
                        revision,
                        dry_run,
                        allow_missing,
                    },
            }) => Mode::PinsUpdate(UpdateOptions {
                tool,
                version,
                revision,
                dry_run,
                allow_missing,
                quiet: self.quiet,
                format: self.format,
            }),
            Some(Command::Pins {
                command: PinsCommand::Check { platforms },
            }) => Mode::PinsCheck(CheckOptions {
                format: self.format,
                platforms,
            }),
            Some(Command::Mirror { dir, platforms }) => Mode::Mirror(MirrorOptions {
                dir,
                platforms,
                format: self.format,
                quiet: self.quiet,
            }),
            None => match self.fix {
                Some(f) => Mode::Fix(f),
                None if !self.check && self.format == Format::Text && interactive => Mode::Tui,
                None => Mode::Check {
                    format: self.format,
                    cached: self.cached,
                },
            },
        }
    }
}

/// Splits the raw command line into the shared settings and the mode choice.
pub(crate) fn resolve(cli: Cli) -> (Settings, Choice) {
    let format = match cli.format {
        FormatArg::Text => Format::Text,
        FormatArg::Json => Format::Json,
    };
    let settings = Settings {
        manifest: cli.common.manifest,
        bin_dir: cli.common.bin_dir,
        mirror: cli.common.mirror.filter(|m| !m.is_empty()),
        only: cli.common.only,
        fetch: Limits {
            stall: Duration::from_secs_f64(cli.common.timeout),
            max_bytes: cli.common.max_download << 20,
            min_speed: cli.common.min_speed,
            slow_window: Duration::from_secs_f64(cli.common.min_speed_time),
        },
        lock_timeout: Duration::from_secs_f64(cli.lock_timeout),
        probe_timeout: cli.common.probe_timeout.map(Duration::from_secs_f64),
        no_cache: cli.common.no_cache,
        cluster: cli.common.cluster,
        colour: match cli.common.color {
            ColorArg::Auto => ColourChoice::Auto,
            ColorArg::Always => ColourChoice::Always,
            ColorArg::Never => ColourChoice::Never,
        },
        verbose: cli.common.verbose,
    };
    let choice = Choice {
        command: cli.command,
        check: cli.check,
        cached: cli.cached,
        fix: cli.fix.then_some(FixOptions {
            switch_context: cli.switch_context,
            dry_run: cli.dry_run,
            allow_sudo: cli.allow_sudo,
            quiet: cli.quiet,
            format,
        }),
        format,
        quiet: cli.quiet,
        version: cli.version,
    };
    (settings, choice)
}

fn shell_of(s: ShellArg) -> Shell {
    match s {
        ShellArg::Bash => Shell::Bash,
        ShellArg::Zsh => Shell::Zsh,
        ShellArg::Fish => Shell::Fish,
        ShellArg::Powershell => Shell::Powershell,
        ShellArg::Sh => Shell::Sh,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn mode(args: &[&str], interactive: bool) -> Mode {
        let cli =
            Cli::try_parse_from(std::iter::once("aladdin-doctor").chain(args.iter().copied()))
                .unwrap();
        resolve(cli).1.mode(interactive)
    }

    #[test]
    fn the_tui_only_on_a_terminal_and_only_when_nothing_else_is_asked() {
        assert_eq!(mode(&[], true), Mode::Tui);
        assert_eq!(
            mode(&[], false),
            Mode::Check {
                format: Format::Text,
                cached: false
            }
        );
        assert_eq!(
            mode(&["--format", "json"], true),
            Mode::Check {
                format: Format::Json,
                cached: false
            }
        );
        assert_eq!(
            mode(&["--check", "--cached"], true),
            Mode::Check {
                format: Format::Text,
                cached: true
            }
        );
        assert_eq!(
            mode(&["status", "--format", "json"], true),
            Mode::Status {
                format: Format::Json
            }
        );
        assert!(matches!(mode(&["--fix", "--dry-run"], true), Mode::Fix(f) if f.dry_run));
        assert_eq!(
            mode(&["env", "--shell", "fish"], false),
            Mode::Env {
                shell: Some(Shell::Fish),
                persist: false,
                dry_run: false,
            }
        );
    }

    #[test]
    fn the_platform_teams_commands() {
        assert_eq!(
            mode(
                &["pins", "update", "kubectl", "1.31.2", "--dry-run", "-q"],
                true
            ),
            Mode::PinsUpdate(UpdateOptions {
                tool: Tool::Kubectl,
                version: "1.31.2".into(),
                revision: None,
                dry_run: true,
                allow_missing: false,
                quiet: true,
                format: Format::Text,
            })
        );
        // --format after the subcommand, as users type it.
        assert_eq!(
            mode(
                &[
                    "pins",
                    "check",
                    "--format",
                    "json",
                    "--platforms",
                    "darwin-amd64,linux-arm64"
                ],
                true
            ),
            Mode::PinsCheck(CheckOptions {
                format: Format::Json,
                platforms: vec![
                    "darwin-amd64".parse().unwrap(),
                    "linux-arm64".parse().unwrap()
                ],
            })
        );
        assert!(matches!(
            mode(&["mirror", "/srv/m", "--platforms", "linux-amd64"], false),
            Mode::Mirror(MirrorOptions { dir, platforms, .. })
                if dir == std::path::Path::new("/srv/m") && platforms.len() == 1
        ));
        let parse = |a: &[&str]| {
            Cli::try_parse_from(std::iter::once("aladdin-doctor").chain(a.iter().copied()))
        };
        assert!(parse(&["mirror", "/m", "--platforms", "darwin-x86_64"]).is_err());
        assert!(parse(&["pins", "update", "kubeclt", "1.0.0"]).is_err());
    }

    #[test]
    fn durations_are_bounded() {
        let parse = |a: &[&str]| {
            Cli::try_parse_from(std::iter::once("aladdin-doctor").chain(a.iter().copied()))
        };
        assert!(parse(&["--timeout", "9223372036854775807"]).is_err());
        assert!(parse(&["--timeout", "0"]).is_err());
        assert!(parse(&["--timeout", "NaN"]).is_err());
        assert!(parse(&["--lock-timeout", "-1"]).is_err());
        let (s, _) = resolve(parse(&["--timeout", "2.5", "--lock-timeout", "0"]).unwrap());
        assert_eq!(s.fetch.stall, Duration::from_millis(2500));
        assert_eq!(s.lock_timeout, Duration::ZERO);
    }
}
