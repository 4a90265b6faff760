//! PURE: one lenient version type for every shape the five tools print.
//!
//! `17.09.0-ce`, `v1.8.6`, `5.2.4r119785`, `6.1.26_Ubuntur145957`, `1.32.4-dispatcher`,
//! `3.12.0+gc9f554d`, `1.26.0-beta.0`, `1.9.7-2+231cc32d0a1119` all parse. Comparison follows
//! what a user means by "the same release": editions (`-ce`), vendor tags (`-dispatcher`,
//! `-gke.1400`), distro tags (`_Ubuntu`) and build metadata (`+dfsg1`) do not change the
//! release; a real prerelease (`-alpha`, `-beta.0`, `-rc.1`) is not the release.

use std::cmp::Ordering;
use std::fmt;

#[derive(Clone, Debug)]
pub(crate) struct Version {
    pub(crate) major: u64,
    pub(crate) minor: u64,
    pub(crate) patch: u64,
    /// False for two-component versions such as `1.30`.
    pub(crate) has_patch: bool,
    /// A real prerelease (`beta.0`, `rc.1`): it sorts before the release and never equals it.
    pub(crate) pre: Option<String>,
    /// Edition, vendor or distro tag (`ce`, `dispatcher`, `Ubuntu`, hotfix letter `a`): shown,
    /// ignored when comparing.
    pub(crate) tag: Option<String>,
    /// Build metadata after `+`: shown, ignored when comparing.
    pub(crate) build: Option<String>,
    /// VirtualBox's build revision (`r174163`).
    pub(crate) revision: Option<u64>,
    /// The text as it was given (trimmed, leading `v` kept out).
    pub(crate) raw: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum VersionError {
    #[error("empty version")]
    Empty,
    #[error("`{0}` does not start with a version number such as 1.30.6")]
    NoNumber(String),
    #[error("`{0}` has no minor version (expected at least MAJOR.MINOR)")]
    NoMinor(String),
    #[error("`{0}` has a number too large to be a version component")]
    TooLarge(String),
    /// Control characters or other bytes no release name has (shown escaped).
    #[error("`{0}` holds characters no version has")]
    Unprintable(String),
}

const PRERELEASE_WORDS: [&str; 5] = ["alpha", "beta", "rc", "pre", "preview"];

impl Version {
    /// Parses leniently: a leading `v`, leading zeros (`17.09.0`), two components, and anything
    /// after the first whitespace or comma (`Docker version 17.09.0-ce, build afdb6d4`) is cut.
    pub(crate) fn parse(input: &str) -> Result<Version, VersionError> {
        let s = input.trim();
        let s = s.strip_prefix(['v', 'V']).unwrap_or(s);
        let s = s.split([' ', '\t', ',', '\r', '\n']).next().unwrap_or("");
        if s.is_empty() {
            return Err(VersionError::Empty);
        }
        if !s.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(VersionError::Unprintable(
                crate::core::inert::inert(s).into_owned(),
            ));
        }
        let raw = s.to_string();

        let (numbers, rest) = leading_numbers(s);
        let nums: Vec<&str> = numbers.split('.').collect();
        if numbers.is_empty() {
            return Err(VersionError::NoNumber(raw));
        }
        if nums.len() < 2 || nums[1].is_empty() {
            return Err(VersionError::NoMinor(raw));
        }
        let num = |t: &str| {
            t.parse::<u64>()
                .map_err(|_| VersionError::TooLarge(raw.clone()))
        };
        let major = num(nums[0])?;
        let minor = num(nums[1])?;
        let (patch, has_patch) = match nums.get(2) {
            Some(p) if !p.is_empty() => (num(p)?, true),
            _ => (0, false),
        };

        let mut v = Version {
            major,
            minor,
            patch,
            has_patch,
            pre: None,
            tag: None,
            build: None,
            revision: None,
            raw,
        };

        // Build metadata: everything after the first '+'.
        let (rest, build) = match rest.split_once('+') {
            Some((r, b)) => (r, Some(b)),
            None => (rest, None),
        };
        v.build = build.filter(|b| !b.is_empty()).map(str::to_string);

        if let Some(tail) = rest.strip_prefix('-') {
            if is_prerelease(tail) {
                v.pre = Some(tail.to_string());
            } else if !tail.is_empty() {
                v.tag = Some(tail.to_string());
            }
        } else if !rest.is_empty() {
            // VirtualBox: `r119785`, `_Ubuntur145957`, `a` hotfix letter, `_RPMFUSIONr173730`.
            let (head, revision) = split_revision(rest);
            v.revision = revision;
            let head = head.trim_start_matches(['_', '.']);
            if !head.is_empty() {
                v.tag = Some(head.to_string());
            }
        }
        Ok(v)
    }

    pub(crate) fn release(&self) -> (u64, u64, u64) {
        (self.major, self.minor, self.patch)
    }

    /// True when `self` (found) is the release `pin` names: same numbers, same prerelease, and
    /// the same VirtualBox revision when both carry one. Tags and build metadata are ignored.
    pub(crate) fn matches_pin(&self, pin: &Version) -> bool {
        self.release() == pin.release()
            && self.pre == pin.pre
            && match (self.revision, pin.revision) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    }

    /// The semver view used for `accept` requirements: numbers and real prerelease only.
    pub(crate) fn to_semver(&self) -> semver::Version {
        let mut v = semver::Version::new(self.major, self.minor, self.patch);
        if let Some(pre) = &self.pre {
            // Prerelease identifiers may hold characters semver refuses; fall back to a marker
            // that still sorts before the release.
            v.pre = semver::Prerelease::new(pre)
                .unwrap_or_else(|_| semver::Prerelease::new("pre").expect("valid"));
        }
        v
    }
}

/// Splits `1.2.3rest` into (`1.2.3`, `rest`), tolerating leading zeros.
fn leading_numbers(s: &str) -> (&str, &str) {
    let mut end = 0;
    let mut dots = 0;
    let bytes = s.as_bytes();
    while end < bytes.len() {
        let b = bytes[end];
        if b.is_ascii_digit() {
            end += 1;
        } else if b == b'.'
            && dots < 2
            && end > 0
            && bytes.get(end + 1).is_some_and(u8::is_ascii_digit)
        {
            dots += 1;
            end += 1;
        } else {
            break;
        }
    }
    (&s[..end], &s[end..])
}

fn is_prerelease(tail: &str) -> bool {
    let lower = tail.to_ascii_lowercase();
    PRERELEASE_WORDS.iter().any(|w| {
        lower
            .strip_prefix(w)
            .is_some_and(|after| after.is_empty() || !after.as_bytes()[0].is_ascii_alphabetic())
    })
}

/// `_Ubuntur145957` → (`_Ubuntu`, Some(145957)); `a` → (`a`, None).
fn split_revision(rest: &str) -> (&str, Option<u64>) {
    if let Some(pos) = rest.rfind(['r', 'R']) {
        let digits = &rest[pos + 1..];
        if !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && let Ok(r) = digits.parse()
        {
            return (&rest[..pos], Some(r));
        }
    }
    (rest, None)
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.release()
            .cmp(&other.release())
            .then_with(|| match (&self.pre, &other.pre) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) => compare_prerelease(a, b),
            })
            .then_with(|| match (self.revision, other.revision) {
                (Some(a), Some(b)) => a.cmp(&b),
                _ => Ordering::Equal,
            })
    }
}

/// Dot-separated identifiers; numeric ones compare as numbers (`rc.10` > `rc.9`).
fn compare_prerelease(a: &str, b: &str) -> Ordering {
    let mut ai = a.split('.');
    let mut bi = b.split('.');
    loop {
        match (ai.next(), bi.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let o = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(m), Ok(n)) => m.cmp(&n),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    (Err(_), Err(_)) => x.cmp(y),
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
        }
    }
}

/// A version is kept (in the probe cache) as the text the tool printed, and read back by
/// parsing it again.
impl serde::Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.raw)
    }
}

impl<'de> serde::Deserialize<'de> for Version {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Version::parse(&raw).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Version {
    /// The version as the tool printed it, without a leading `v`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_every_shape_the_tools_print() {
        // (input, release, pre, tag, build, revision)
        type Row = (
            &'static str,
            (u64, u64, u64),
            Option<&'static str>,
            Option<&'static str>,
            Option<&'static str>,
            Option<u64>,
        );
        let table: &[Row] = &[
            ("17.09.0-ce", (17, 9, 0), None, Some("ce"), None, None),
            ("17.12.1-ce", (17, 12, 1), None, Some("ce"), None, None),
            ("v1.8.6", (1, 8, 6), None, None, None, None),
            ("5.2.4r119785", (5, 2, 4), None, None, None, Some(119785)),
            (
                "6.1.26_Ubuntur145957",
                (6, 1, 26),
                None,
                Some("Ubuntu"),
                None,
                Some(145957),
            ),
            (
                "7.0.16_rpmfusionr162802",
                (7, 0, 16),
                None,
                Some("rpmfusion"),
                None,
                Some(162802),
            ),
            (
                "7.2.8_RPMFUSIONr173730",
                (7, 2, 8),
                None,
                Some("RPMFUSION"),
                None,
                Some(173730),
            ),
            (
                "7.2.6ar172322",
                (7, 2, 6),
                None,
                Some("a"),
                None,
                Some(172322),
            ),
            (
                "1.32.4-dispatcher",
                (1, 32, 4),
                None,
                Some("dispatcher"),
                None,
                None,
            ),
            (
                "3.12.0+gc9f554d",
                (3, 12, 0),
                None,
                None,
                Some("gc9f554d"),
                None,
            ),
            (
                "v2.9.1+g20adb27",
                (2, 9, 1),
                None,
                None,
                Some("g20adb27"),
                None,
            ),
            (
                "1.26.0-beta.0",
                (1, 26, 0),
                Some("beta.0"),
                None,
                None,
                None,
            ),
            ("v1.30.0-rc.1", (1, 30, 0), Some("rc.1"), None, None, None),
            (
                "1.9.7-2+231cc32d0a1119",
                (1, 9, 7),
                None,
                Some("2"),
                Some("231cc32d0a1119"),
                None,
            ),
            (
                "20.10.24+dfsg1",
                (20, 10, 24),
                None,
                None,
                Some("dfsg1"),
                None,
            ),
            ("1.28.6+k3s2", (1, 28, 6), None, None, Some("k3s2"), None),
            (
                "1.29.3-gke.1093000",
                (1, 29, 3),
                None,
                Some("gke.1093000"),
                None,
                None,
            ),
            ("28.2.2, build e6534b4", (28, 2, 2), None, None, None, None),
            ("  v0.25.0\n", (0, 25, 0), None, None, None, None),
        ];
        for (input, release, pre, tag, build, rev) in table {
            let p = v(input);
            assert_eq!(p.release(), *release, "{input}");
            assert_eq!(p.pre.as_deref(), *pre, "{input} pre");
            assert_eq!(p.tag.as_deref(), *tag, "{input} tag");
            assert_eq!(p.build.as_deref(), *build, "{input} build");
            assert_eq!(p.revision, *rev, "{input} revision");
        }
    }

    #[test]
    fn raw_keeps_what_the_tool_printed() {
        assert_eq!(v("v1.32.4-dispatcher").raw, "1.32.4-dispatcher");
        assert_eq!(v("17.09.0-ce").to_string(), "17.09.0-ce");
        assert_eq!(v("28.2.2, build e6534b4").to_string(), "28.2.2");
    }

    #[test]
    fn rejects_what_is_not_a_version() {
        assert!(matches!(
            Version::parse("1.30.6\x1b]0;pwned\x07"),
            Err(VersionError::Unprintable(e)) if e == "1.30.6\\x1b]0;pwned\\x07"
        ));
        assert!(matches!(
            Version::parse("1.30.6\u{202e}"),
            Err(VersionError::Unprintable(_))
        ));
        assert_eq!(Version::parse(""), Err(VersionError::Empty));
        assert!(matches!(
            Version::parse("latest"),
            Err(VersionError::NoNumber(_))
        ));
        assert!(matches!(Version::parse("3"), Err(VersionError::NoMinor(_))));
        assert!(matches!(
            Version::parse("99999999999999999999.1.0"),
            Err(VersionError::TooLarge(_))
        ));
        // Two components are a version (a pin demands three; see manifest).
        assert!(!v("3.16").has_patch);
    }

    #[test]
    fn pin_matching_is_what_a_user_expects() {
        let pin = v("1.30.6");
        assert!(v("v1.30.6").matches_pin(&pin));
        assert!(
            v("1.30.6-dispatcher").matches_pin(&pin),
            "vendor tag is the release"
        );
        assert!(v("1.30.6+k3s1").matches_pin(&pin), "build metadata ignored");
        assert!(!v("1.30.60").matches_pin(&pin), "1.30.60 is not 1.30.6");
        assert!(!v("1.30.7").matches_pin(&pin));
        assert!(
            !v("1.30.6-rc.1").matches_pin(&pin),
            "a prerelease is not the release"
        );
        assert!(
            v("17.09.0").matches_pin(&v("17.09.0-ce")),
            "edition ignored"
        );
        assert!(v("17.9.0-ce").matches_pin(&v("17.09.0-ce")), "leading zero");
        // VirtualBox revisions are compared when both sides have one.
        let vbox = v("7.2.10r174163");
        assert!(v("7.2.10r174163").matches_pin(&vbox));
        assert!(v("7.2.10_Ubuntur174163").matches_pin(&vbox));
        assert!(!v("7.2.10r174000").matches_pin(&vbox));
        assert!(v("7.2.10r1").matches_pin(&v("7.2.10")));
    }

    #[test]
    fn ordering() {
        assert!(v("1.30.6") < v("1.30.60"));
        assert!(v("1.26.0-beta.0") < v("1.26.0"));
        assert!(v("1.26.0-rc.9") < v("1.26.0-rc.10"));
        assert!(v("1.26.0-beta.2") < v("1.26.0-rc.1"));
        assert!(v("17.09.0-ce") < v("17.12.1-ce"));
        assert!(v("18.09.7") > v("17.12.1-ce"));
        assert_eq!(v("1.32.4-dispatcher"), v("1.32.4"));
        assert!(v("5.2.4r119785") < v("5.2.4r120000"));
    }

    #[test]
    fn accept_requirements_use_semver_syntax() {
        let req = semver::VersionReq::parse(">=1.30, <1.31").unwrap();
        assert!(req.matches(&v("1.30.9-dispatcher").to_semver()));
        assert!(req.matches(&v("v1.30.0").to_semver()));
        assert!(!req.matches(&v("1.31.0").to_semver()));
        assert!(
            !req.matches(&v("1.30.1-rc.1").to_semver()),
            "prerelease not accepted by a plain range"
        );
        let tilde = semver::VersionReq::parse("~17.9").unwrap();
        assert!(tilde.matches(&v("17.09.1-ce").to_semver()));
    }
}
