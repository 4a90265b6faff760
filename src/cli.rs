//! The raw command line (clap derive), as typed: `mode::resolve` turns it into the `Mode` and
//! `Settings` the rest of the program sees. Flags beat environment variables; both beat
//! defaults.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::core::tool::{Platform, Tool};

#[derive(Debug, Parser)]
#[command(
    name = "aladdin-doctor",
    // `-V/--version` is ours (below): it says more than the number.
    version,
    disable_version_flag = true,
    about = "Checks docker, VirtualBox, minikube, kubectl and helm against versions.toml and installs the pinned releases",
    long_about = None,
    after_help = "Without --check or --fix: the interactive TUI when stdin and stdout are terminals, otherwise the same as --check.\n\nExit codes: 0 every tool satisfied, 1 something remains to be done, 2 could not run."
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Option<Command>,

    /// Read-only diagnosis: writes nothing, uses no network
    #[arg(long, conflicts_with = "fix")]
    pub(crate) check: bool,

    /// Install every pinned tool that is not satisfied, without prompts
    #[arg(long)]
    pub(crate) fix: bool,

    /// With --fix: print the plan and change nothing
    #[arg(long, requires = "fix")]
    pub(crate) dry_run: bool,

    /// With --fix: run VirtualBox's privileged installer through sudo (on a terminal, each
    /// command shown first)
    #[arg(long, requires = "fix")]
    pub(crate) allow_sudo: bool,

    /// With --fix --cluster: switch the current kube context to the pinned one
    #[arg(long, requires = "fix")]
    pub(crate) switch_context: bool,

    /// With --fix: how long to wait for another --fix to finish
    #[arg(long, default_value = "120", value_name = "SECS", value_parser = secs(0.0, 86_400.0))]
    pub(crate) lock_timeout: f64,

    /// Report format
    #[arg(long, global = true, value_enum, default_value_t = FormatArg::Text)]
    pub(crate) format: FormatArg,

    /// No progress output
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,

    /// With --check: reuse the answers of earlier probes where the binary is unchanged (the
    /// cache is only read, never written)
    #[arg(long, conflicts_with = "fix")]
    pub(crate) cached: bool,

    /// Print the version, the commit it was built from and the pins compiled into it
    #[arg(short = 'V', long)]
    pub(crate) version: bool,

    #[command(flatten)]
    pub(crate) common: Common,
}

/// The shell completion script for `shell`, generated from the command line's definition.
pub(crate) fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    use clap::CommandFactory;
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "aladdin-doctor", &mut out);
    out
}

/// The man page (roff), generated from the command line's definition (its SUBCOMMANDS section
/// lists each subcommand; `aladdin-doctor SUBCOMMAND --help` has their options).
pub(crate) fn man() -> Vec<u8> {
    use clap::CommandFactory;
    let mut out = Vec::new();
    let _ = clap_mangen::Man::new(Cli::command()).render(&mut out);
    out
}

#[derive(Debug, Args, Clone, Default)]
pub(crate) struct Common {
    /// The versions.toml to use instead of the embedded one
    #[arg(
        long,
        global = true,
        env = "ALADDIN_DOCTOR_MANIFEST",
        value_name = "PATH"
    )]
    pub(crate) manifest: Option<PathBuf>,

    /// Where tools are installed [default: ~/.aladdin/bin]
    #[arg(long, global = true, env = "ALADDIN_BIN", value_name = "DIR")]
    pub(crate) bin_dir: Option<PathBuf>,

    /// Fetch https://HOST/PATH from URL/HOST/PATH instead
    #[arg(long, global = true, env = "ALADDIN_DOCTOR_MIRROR", value_name = "URL")]
    pub(crate) mirror: Option<String>,

    /// Only these tools
    #[arg(long, global = true, value_delimiter = ',', value_name = "TOOL[,TOOL]")]
    pub(crate) only: Vec<Tool>,

    /// A network transfer that stalls this long fails
    #[arg(long, global = true, default_value = "30", value_name = "SECS", value_parser = secs(1.0, 3600.0))]
    pub(crate) timeout: f64,

    /// Stop a version probe after this long [default: 5-15 s, per tool]
    #[arg(long, global = true, value_name = "SECS", value_parser = secs(0.1, 3600.0))]
    pub(crate) probe_timeout: Option<f64>,

    /// Probe every binary again, ignoring the probe cache
    #[arg(long, global = true)]
    pub(crate) no_cache: bool,

    /// Also check the local cluster: docker daemon, minikube, kube context, API server,
    /// addons, helm (read-only; with --fix, start and enable what is missing)
    #[arg(long, global = true)]
    pub(crate) cluster: bool,

    /// Refuse a download bigger than this
    #[arg(long, global = true, default_value = "2048", value_name = "MIB", value_parser = whole(1, 1 << 20))]
    pub(crate) max_download: u64,

    /// A download slower than this on average over --min-speed-time fails (0: no minimum)
    #[arg(long, global = true, default_value = "1024", value_name = "BYTES_PER_SEC", value_parser = whole(0, 1 << 40))]
    pub(crate) min_speed: u64,

    /// Colour the report: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces
    /// it), always or never
    #[arg(long, global = true, value_enum, default_value_t = ColorArg::Auto, value_name = "WHEN")]
    pub(crate) color: ColorArg,

    /// Show on stderr what is run (probe commands, URLs, cache hits) and how long it takes
    #[arg(short, long, global = true)]
    pub(crate) verbose: bool,

    /// The window --min-speed is averaged over
    #[arg(long, global = true, default_value = "60", value_name = "SECS", value_parser = secs(1.0, 3600.0))]
    pub(crate) min_speed_time: f64,
}

/// A whole number within `min..=max`.
fn whole(min: u64, max: u64) -> impl Fn(&str) -> Result<u64, String> + Clone + Send + Sync {
    move |s: &str| match s.trim().parse::<u64>() {
        Ok(v) if (min..=max).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a whole number from {min} to {max}")),
    }
}

/// A number of seconds within `min..=max`: every duration from the command line is bounded,
/// so none can overflow a timer.
fn secs(min: f64, max: f64) -> impl Fn(&str) -> Result<f64, String> + Clone + Send + Sync {
    move |s: &str| match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && (min..=max).contains(&v) => Ok(v),
        _ => Err(format!(
            "`{s}` is not a number of seconds from {min} to {max}"
        )),
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Subcommand)]
pub(crate) enum Command {
    /// Print the line that puts the bin dir first on PATH: eval "$(aladdin-doctor env)"
    Env {
        /// Shell syntax [default: from $SHELL]
        #[arg(long, value_enum)]
        shell: Option<ShellArg>,
        /// Make it permanent: add a line to the shell's startup file (~/.bashrc, ~/.zshrc,
        /// fish's conf.d, ~/.profile) once; it puts the bin dir first in every new shell
        #[arg(long)]
        persist: bool,
        /// With --persist: show the line and the file, write nothing
        #[arg(long, requires = "persist")]
        dry_run: bool,
    },
    /// For wrappers and prompts: silent with exit 0 when every tool is satisfied, else one line
    /// per finding on stderr and exit 1 (probe answers are cached while binaries are unchanged)
    Status,
    /// Re-hash every binary aladdin-doctor installed against its install receipt
    Verify,
    /// Keep the version of TOOL that is installed now instead of the pin (or mark TOOL not needed)
    Override {
        /// docker, virtualbox, minikube, kubectl or helm
        tool: Tool,
        /// Why (shown in reports)
        #[arg(long, conflicts_with = "clear")]
        reason: Option<String>,
        /// Forget the override (or the not-needed mark): report the tool against its pin again
        #[arg(long)]
        clear: bool,
        /// This machine does not need TOOL (e.g. VirtualBox with minikube's docker driver): it
        /// counts as satisfied whatever is installed, until --clear
        #[arg(long, conflicts_with = "clear")]
        not_needed: bool,
    },
    /// For the owners of versions.toml: update a pin, check every platform's downloads
    Pins {
        #[command(subcommand)]
        command: PinsCommand,
    },
    /// Print the shell completion script for SHELL (e.g. `aladdin-doctor completions bash >
    /// ~/.local/share/bash-completion/completions/aladdin-doctor`)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `aladdin-doctor man > ~/.local/share/man/man1/aladdin-doctor.1`
    Man,
    /// Show the download cache (verified artifacts, partial downloads) and the probe cache;
    /// `cache clean` removes what the current pins no longer need
    Cache {
        #[command(subcommand)]
        command: Option<CacheCommand>,
    },
    /// Download and verify every pinned artifact and checksum file into DIR/HOST/PATH, the
    /// layout --mirror reads (serve DIR over HTTP, or use `--mirror DIR` on this machine)
    Mirror {
        /// The mirror's root (created if missing); re-running fetches only what is missing or
        /// wrong
        dir: PathBuf,
        /// Only these platforms [default: every platform each tool supports]
        #[arg(long, value_delimiter = ',', value_name = "PLATFORM[,PLATFORM]")]
        platforms: Vec<Platform>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Subcommand)]
pub(crate) enum CacheCommand {
    /// Remove partial downloads and the verified artifacts that no pin of the manifest in use
    /// names (for any platform); with --all, everything, the probe cache included
    Clean {
        /// Remove every download and the probe cache
        #[arg(long)]
        all: bool,
        /// List what would be removed, remove nothing
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Subcommand)]
pub(crate) enum PinsCommand {
    /// Pin TOOL at VERSION and fill [tools.TOOL.sha256] for every platform it supports, from
    /// the published checksums (or by hashing the download where upstream publishes none);
    /// edits the file given with --manifest, keeping its comments
    Update {
        /// docker, virtualbox, minikube, kubectl or helm
        tool: Tool,
        /// The release, as used in its URLs (e.g. 1.31.2)
        version: String,
        /// VirtualBox only: the build number of VERSION (its URLs need it)
        #[arg(long)]
        revision: Option<u64>,
        /// Print the change as a diff and write nothing
        #[arg(long)]
        dry_run: bool,
        /// List a platform whose artifact does not exist in `unsupported` instead of failing
        #[arg(long)]
        allow_missing: bool,
    },
    /// For every tool and platform: the artifact exists, its checksum source answers, and a
    /// published checksum agrees with the pin (read-only; exit 1 on any problem)
    Check {
        /// Only these platforms [default: all]
        #[arg(long, value_delimiter = ',', value_name = "PLATFORM[,PLATFORM]")]
        platforms: Vec<Platform>,
    },
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorArg {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum FormatArg {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ShellArg {
    Bash,
    Zsh,
    Fish,
    Powershell,
    /// Any POSIX shell (sh, dash, ksh)
    Sh,
}
