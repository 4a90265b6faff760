//! The only reader of the process environment: paths, platform, PATH entries and terminal
//! state are read once at start-up and passed down as plain data.
// The one module allowed to read the environment (see clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::core::isolation;
use crate::core::tool::{Os, Platform, Tool};
use crate::core::trace::Tracer;
use crate::net::fetch::Limits;
use crate::probe::{ProbeEnv, ProbeOptions, SearchSpace};

/// What the command line says about the environment; flags beat environment variables.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Settings {
    pub(crate) manifest: Option<PathBuf>,
    pub(crate) bin_dir: Option<PathBuf>,
    pub(crate) mirror: Option<String>,
    pub(crate) only: Vec<Tool>,
    pub(crate) fetch: Limits,
    pub(crate) lock_timeout: Duration,
    pub(crate) probe_timeout: Option<Duration>,
    /// `--no-cache`: probe everything again.
    pub(crate) no_cache: bool,
    /// `--cluster`: also check the local cluster.
    pub(crate) cluster: bool,
    /// `--color`.
    pub(crate) colour: ColourChoice,
    /// `-v`: what is run, and timings, on stderr.
    pub(crate) verbose: bool,
}

/// `--color WHEN`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum ColourChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// The colour-related variables, as read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ColourEnv {
    /// `NO_COLOR` set and not empty (no-color.org).
    pub(crate) no_color: bool,
    /// `CLICOLOR_FORCE` set and not `0` (bixense.com/clicolors).
    pub(crate) force: bool,
    /// `CLICOLOR=0`.
    pub(crate) clicolor_off: bool,
    /// `TERM=dumb`.
    pub(crate) term_dumb: bool,
}

/// Whether to colour a stream: the flag first, then the environment in the order of anstream's
/// `AutoStream::choice` (rust-cli/anstyle, crates/anstream/src/auto.rs): NO_COLOR, then
/// CLICOLOR_FORCE, then CLICOLOR=0, then whether the stream is a terminal that is not dumb.
pub(crate) fn colour_for(choice: ColourChoice, env: ColourEnv, terminal: bool) -> bool {
    match choice {
        ColourChoice::Always => true,
        ColourChoice::Never => false,
        ColourChoice::Auto if env.no_color => false,
        ColourChoice::Auto if env.force => true,
        ColourChoice::Auto if env.clicolor_off => false,
        ColourChoice::Auto => terminal && !env.term_dumb,
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Context {
    pub(crate) platform: Platform,
    pub(crate) path_entries: Vec<PathBuf>,
    pub(crate) bin_dir: PathBuf,
    pub(crate) config_dir: PathBuf,
    pub(crate) cache_dir: PathBuf,
    /// The probe cache's home (`ALADDIN_DOCTOR_STATE_DIR`, else the OS state or data dir).
    pub(crate) state_dir: PathBuf,
    pub(crate) manifest_path: Option<PathBuf>,
    pub(crate) mirror: Option<String>,
    pub(crate) stdin_tty: bool,
    pub(crate) stdout_tty: bool,
    pub(crate) stderr_tty: bool,
    /// Colour is allowed at all, on a terminal (`--color`, NO_COLOR, CLICOLOR, TERM): the TUI's.
    pub(crate) colour_allowed: bool,
    /// The report on stdout is coloured.
    pub(crate) colour: bool,
    /// The terminal's width when stdout is one (`COLUMNS`, else the terminal's own): long
    /// lines of the text report are wrapped to it.
    pub(crate) width: Option<usize>,
    pub(crate) shell: Option<String>,
    /// The home directory (None: HOME is unset).
    pub(crate) home: Option<PathBuf>,
    /// `ZDOTDIR` and `XDG_CONFIG_HOME`, for `env --persist`.
    pub(crate) zdotdir: Option<PathBuf>,
    pub(crate) xdg_config_home: Option<PathBuf>,
    pub(crate) virtualbox_dirs: Vec<PathBuf>,
    pub(crate) fetch: Limits,
    pub(crate) lock_timeout: Duration,
    pub(crate) probe: ProbeOptions,
    /// `--no-cache`.
    pub(crate) no_cache: bool,
    /// `--cluster`.
    pub(crate) cluster: bool,
    /// `SSL_CERT_FILE`, when set: the fetch path checks that it can be read.
    pub(crate) cert_file: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum ContextError {
    #[error(
        "this platform ({0}-{1}) is not supported: aladdin-doctor knows linux, macOS and windows on amd64 and arm64"
    )]
    Platform(&'static str, &'static str),
    #[error(
        "cannot find your home directory (HOME is unset): set HOME, or pass --bin-dir and set ALADDIN_DOCTOR_CONFIG_DIR and ALADDIN_DOCTOR_CACHE_DIR"
    )]
    NoHome,
    #[error(
        "the bin dir {} contains `{separator}`, the PATH separator, so it cannot be put on PATH; choose another directory with --bin-dir or ALADDIN_BIN",
        dir.display()
    )]
    BinDirSeparator { dir: PathBuf, separator: char },
    #[error(
        "--mirror `{0}` is not a mirror: use an http:// or https:// URL, a file:// URL or a directory"
    )]
    Mirror(String),
    #[error(
        "{what} is `{value}`: only a leading `~/` (your home directory) is expanded, not `~user`; write the full path"
    )]
    Tilde { what: &'static str, value: String },
}

/// A path from a flag or a variable with a leading `~` or `~/` made your home directory, as a
/// shell would have done had the value not been quoted (`ALADDIN_BIN="~/bin"`,
/// `--bin-dir=~/bin`). `~user` is refused rather than guessed.
pub(crate) fn expand_tilde(
    p: &Path,
    home: Option<&Path>,
    what: &'static str,
) -> Result<PathBuf, ContextError> {
    let Some(s) = p.to_str() else {
        return Ok(p.to_path_buf());
    };
    let Some(rest) = s.strip_prefix('~') else {
        return Ok(p.to_path_buf());
    };
    let rest = if rest.is_empty() {
        ""
    } else if let Some(r) = rest
        .strip_prefix('/')
        .or_else(|| cfg!(windows).then(|| rest.strip_prefix('\\')).flatten())
    {
        r
    } else {
        return Err(ContextError::Tilde {
            what,
            value: s.to_string(),
        });
    };
    let home = home.ok_or(ContextError::NoHome)?;
    Ok(if rest.is_empty() {
        home.to_path_buf()
    } else {
        home.join(rest)
    })
}

/// The `--mirror` base: an http(s) or `file://` URL as given; a directory (relative to `cwd`)
/// becomes the `file://` URL of its absolute path, so the fetch path sees URLs only.
fn mirror_base(m: &str, cwd: &Path) -> Result<String, ContextError> {
    if ["https://", "http://", "file://"]
        .iter()
        .any(|s| m.starts_with(s))
    {
        return Ok(m.to_string());
    }
    if m.contains("://") {
        return Err(ContextError::Mirror(m.to_string()));
    }
    let mut dir = PathBuf::new();
    for c in cwd.join(m).components() {
        match c {
            std::path::Component::ParentDir => {
                dir.pop();
            }
            std::path::Component::CurDir => {}
            c => dir.push(c),
        }
    }
    let path = dir.to_string_lossy().into_owned();
    // file:///C:/dir on Windows.
    #[cfg(windows)]
    let path = format!("/{}", path.replace('\\', "/"));
    Ok(crate::core::mirror::file_url(&path))
}

impl Context {
    pub(crate) fn from_env(settings: &Settings) -> Result<Context, ContextError> {
        let (os, arch) = (std::env::consts::OS, std::env::consts::ARCH);
        let platform = Platform::from_rust(os, arch).ok_or(ContextError::Platform(os, arch))?;
        let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        let cwd = std::env::current_dir().unwrap_or_default();
        let absolute = |p: PathBuf| if p.is_absolute() { p } else { cwd.join(p) };

        let path_entries: Vec<PathBuf> = var("PATH")
            .map(|p| std::env::split_paths(&p).collect())
            .unwrap_or_default();

        let base = directories::BaseDirs::new();
        let home = base.as_ref().map(|b| b.home_dir().to_path_buf());
        let project = directories::ProjectDirs::from("dev", "aladdin", "aladdin-doctor");

        let tilde = |p: &Path, what| expand_tilde(p, home.as_deref(), what);
        let bin_dir = match &settings.bin_dir {
            Some(d) => absolute(tilde(d, "--bin-dir (or ALADDIN_BIN)")?),
            None => home
                .as_ref()
                .ok_or(ContextError::NoHome)?
                .join(".aladdin")
                .join("bin"),
        };
        let separator = if platform.os == Os::Windows { ';' } else { ':' };
        if bin_dir.to_string_lossy().contains(separator) {
            return Err(ContextError::BinDirSeparator {
                dir: bin_dir,
                separator,
            });
        }
        let config_dir = match var("ALADDIN_DOCTOR_CONFIG_DIR") {
            Some(d) => absolute(tilde(Path::new(&d), "ALADDIN_DOCTOR_CONFIG_DIR")?),
            None => project
                .as_ref()
                .ok_or(ContextError::NoHome)?
                .config_dir()
                .to_path_buf(),
        };
        let cache_dir = match var("ALADDIN_DOCTOR_CACHE_DIR") {
            Some(d) => absolute(tilde(Path::new(&d), "ALADDIN_DOCTOR_CACHE_DIR")?),
            None => project
                .as_ref()
                .ok_or(ContextError::NoHome)?
                .cache_dir()
                .to_path_buf(),
        };

        let state_dir = match var("ALADDIN_DOCTOR_STATE_DIR") {
            Some(d) => absolute(tilde(Path::new(&d), "ALADDIN_DOCTOR_STATE_DIR")?),
            None => {
                let p = project.as_ref().ok_or(ContextError::NoHome)?;
                p.state_dir()
                    .unwrap_or_else(|| p.data_local_dir())
                    .to_path_buf()
            }
        };
        let virtualbox_dirs = if platform.os == Os::Windows {
            let mut dirs: Vec<PathBuf> = ["VBOX_INSTALL_PATH", "VBOX_MSI_INSTALL_PATH"]
                .iter()
                .filter_map(|k| var(k))
                .flat_map(|v| std::env::split_paths(&v).collect::<Vec<_>>())
                .collect();
            let program_files: OsString =
                var("ProgramFiles").unwrap_or_else(|| "C:\\Program Files".into());
            dirs.push(Path::new(&program_files).join("Oracle").join("VirtualBox"));
            dirs
        } else {
            Vec::new()
        };

        let is = |k: &str, v: &str| var(k).is_some_and(|t| t == v);
        let colour_env = ColourEnv {
            no_color: var("NO_COLOR").is_some(),
            force: var("CLICOLOR_FORCE").is_some() && !is("CLICOLOR_FORCE", "0"),
            clicolor_off: is("CLICOLOR", "0"),
            term_dumb: is("TERM", "dumb"),
        };
        let stdout_tty = std::io::stdout().is_terminal();
        let width = stdout_tty
            .then(|| {
                var("COLUMNS")
                    .and_then(|c| c.to_str()?.trim().parse::<usize>().ok())
                    .or_else(|| {
                        crossterm::terminal::size()
                            .ok()
                            .map(|(w, _)| usize::from(w))
                    })
            })
            .flatten()
            .filter(|w| *w >= 20);
        Ok(Context {
            platform,
            path_entries,
            bin_dir,
            config_dir,
            cache_dir,
            state_dir,
            manifest_path: settings
                .manifest
                .as_deref()
                .map(|m| tilde(m, "--manifest (or ALADDIN_DOCTOR_MANIFEST)").map(absolute))
                .transpose()?,
            mirror: settings
                .mirror
                .as_deref()
                .map(|m| {
                    let m = if m.starts_with('~') {
                        tilde(Path::new(m), "--mirror (or ALADDIN_DOCTOR_MIRROR)")?
                            .to_string_lossy()
                            .into_owned()
                    } else {
                        m.to_string()
                    };
                    mirror_base(&m, &cwd)
                })
                .transpose()?,
            stdin_tty: std::io::stdin().is_terminal(),
            stdout_tty,
            stderr_tty: std::io::stderr().is_terminal(),
            colour_allowed: colour_for(settings.colour, colour_env, true),
            colour: colour_for(settings.colour, colour_env, stdout_tty),
            width,
            shell: var("SHELL").map(|s| s.to_string_lossy().into_owned()),
            home: home.clone(),
            zdotdir: var("ZDOTDIR")
                .map(PathBuf::from)
                .filter(|p| p.is_absolute()),
            xdg_config_home: var("XDG_CONFIG_HOME")
                .map(PathBuf::from)
                .filter(|p| p.is_absolute()),
            virtualbox_dirs,
            fetch: settings.fetch,
            lock_timeout: settings.lock_timeout,
            probe: ProbeOptions {
                timeout: settings.probe_timeout,
                env: Arc::new(ProbeEnv {
                    vars: std::env::vars_os()
                        .filter_map(|(k, v)| Some((k.into_string().ok()?, v)))
                        .filter(|(k, _)| {
                            isolation::WATCHED
                                .iter()
                                .any(|p| isolation::matches(p, k, platform.os))
                        })
                        .map(|(k, v)| (k, v.to_string_lossy().into_owned()))
                        .collect(),
                    home: home.clone().unwrap_or_else(|| PathBuf::from("/")),
                    temp: std::env::temp_dir(),
                    platform,
                }),
                cache: None,
                trace: if settings.verbose {
                    Tracer::new(Arc::new(crate::trace::Stderr::new()))
                } else {
                    Tracer::default()
                },
                memo: None,
            },
            no_cache: settings.no_cache,
            cluster: settings.cluster,
            cert_file: var("SSL_CERT_FILE").map(PathBuf::from),
        })
    }

    pub(crate) fn search_space(&self) -> SearchSpace {
        SearchSpace {
            path_entries: self.path_entries.clone(),
            bin_dir: self.bin_dir.clone(),
            virtualbox_dirs: self.virtualbox_dirs.clone(),
            exe_suffix: self.platform.os.exe_suffix(),
        }
    }

    pub(crate) fn overrides_path(&self) -> PathBuf {
        self.config_dir.join(crate::core::overrides::FILE_NAME)
    }

    /// A context inside `root` (bin, config and cache dirs under it), for in-crate tests that
    /// run the shell without touching the process environment.
    #[cfg(test)]
    pub(crate) fn for_test(root: &Path, path_entries: Vec<PathBuf>) -> Context {
        Context {
            platform: Platform::from_rust(std::env::consts::OS, std::env::consts::ARCH)
                .expect("a supported test platform"),
            path_entries,
            bin_dir: root.join("bin"),
            config_dir: root.join("config"),
            cache_dir: root.join("cache"),
            state_dir: root.join("state"),
            manifest_path: None,
            mirror: None,
            stdin_tty: false,
            stdout_tty: false,
            stderr_tty: false,
            colour_allowed: false,
            colour: false,
            width: None,
            shell: None,
            home: Some(root.join("home")),
            zdotdir: None,
            xdg_config_home: None,
            virtualbox_dirs: Vec::new(),
            fetch: Limits {
                stall: Duration::from_secs(5),
                max_bytes: Limits::DEFAULT_MAX_BYTES,
                min_speed: 0,
                slow_window: Duration::from_secs(60),
            },
            lock_timeout: Duration::from_secs(60),
            probe: ProbeOptions::default(),
            no_cache: false,
            cluster: false,
            cert_file: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_the_flag_then_no_color_then_clicolor_force_then_the_terminal() {
        use ColourChoice::*;
        let env = ColourEnv::default();
        assert!(colour_for(Auto, env, true));
        assert!(!colour_for(Auto, env, false), "not on a pipe");
        assert!(colour_for(Always, env, false));
        let no_color = ColourEnv {
            no_color: true,
            force: true,
            ..env
        };
        assert!(
            !colour_for(Auto, no_color, true),
            "NO_COLOR beats CLICOLOR_FORCE"
        );
        assert!(colour_for(Always, no_color, true), "the flag beats both");
        let force = ColourEnv { force: true, ..env };
        assert!(colour_for(Auto, force, false), "CLICOLOR_FORCE on a pipe");
        let dumb = ColourEnv {
            term_dumb: true,
            ..env
        };
        assert!(!colour_for(Auto, dumb, true));
        let off = ColourEnv {
            clicolor_off: true,
            ..env
        };
        assert!(!colour_for(Auto, off, true));
        assert!(!colour_for(Never, force, true));
    }

    #[test]
    fn a_leading_tilde_is_home_and_tilde_user_is_refused() {
        let home = Path::new("/home/u");
        let x = |p: &str| expand_tilde(Path::new(p), Some(home), "ALADDIN_BIN");
        assert_eq!(
            x("~/.aladdin/bin").unwrap(),
            Path::new("/home/u/.aladdin/bin")
        );
        assert_eq!(x("~").unwrap(), home);
        assert_eq!(x("/opt/~/bin").unwrap(), Path::new("/opt/~/bin"));
        assert_eq!(x("bin~").unwrap(), Path::new("bin~"));
        let e = x("~bob/bin").unwrap_err();
        assert!(matches!(e, ContextError::Tilde { .. }));
        assert!(e.to_string().contains("ALADDIN_BIN is `~bob/bin`"), "{e}");
        assert!(matches!(
            expand_tilde(Path::new("~/x"), None, "ALADDIN_BIN"),
            Err(ContextError::NoHome)
        ));
    }

    #[test]
    fn a_mirror_directory_becomes_a_file_url() {
        let cwd = Path::new("/home/u/work");
        assert_eq!(
            mirror_base("https://m.corp/aladdin", cwd).unwrap(),
            "https://m.corp/aladdin"
        );
        assert_eq!(mirror_base("file:///srv/m", cwd).unwrap(), "file:///srv/m");
        assert_eq!(
            mirror_base("/srv/my mirror", cwd).unwrap(),
            "file:///srv/my%20mirror"
        );
        assert_eq!(
            mirror_base("../mirror/./x", cwd).unwrap(),
            "file:///home/u/mirror/x"
        );
        assert!(matches!(
            mirror_base("ftp://m.corp/x", cwd),
            Err(ContextError::Mirror(_))
        ));
    }
}
