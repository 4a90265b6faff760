//! The command line (clap derive). Flags beat environment variables; both beat defaults.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::core::tool::Tool;

#[derive(Debug, Parser)]
#[command(
    name = "aladdin-doctor",
    version,
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

    /// With --fix: how long to wait for another --fix to finish
    #[arg(long, default_value_t = 120, value_name = "SECS")]
    pub(crate) lock_timeout: u64,

    /// Report format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,

    /// No progress output
    #[arg(short, long)]
    pub(crate) quiet: bool,

    #[command(flatten)]
    pub(crate) common: Common,
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
    #[arg(long, global = true, default_value_t = 30, value_name = "SECS")]
    pub(crate) timeout: u64,

    /// Stop a version probe after this long [default: 5-15 s, per tool]
    #[arg(long, global = true, value_name = "SECS", value_parser = parse_secs)]
    pub(crate) probe_timeout: Option<f64>,
}

fn parse_secs(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() && v <= 3600.0 => Ok(v),
        _ => Err(format!(
            "`{s}` is not a number of seconds between 0 and 3600"
        )),
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Print the line that puts the bin dir first on PATH: eval "$(aladdin-doctor env)"
    Env {
        /// Shell syntax [default: from $SHELL]
        #[arg(long, value_enum)]
        shell: Option<Shell>,
    },
    /// Keep the version of TOOL that is installed now instead of the pin
    Override {
        /// docker, virtualbox, minikube, kubectl or helm
        tool: Tool,
        /// Why (shown in reports)
        #[arg(long, conflicts_with = "clear")]
        reason: Option<String>,
        /// Forget the override: report the tool against its pin again
        #[arg(long)]
        clear: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
    /// Any POSIX shell (sh, dash, ksh)
    Sh,
}
