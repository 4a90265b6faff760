//! PURE: versions.toml as written, with the position of every value for error messages.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

pub(super) type SpannedMap = BTreeMap<Spanned<String>, Spanned<String>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawManifest {
    pub(super) schema: Spanned<i64>,
    #[serde(default)]
    pub(super) tools: BTreeMap<Spanned<String>, RawTool>,
    pub(super) cluster: Option<RawCluster>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCluster {
    pub(super) profile: Option<Spanned<String>>,
    pub(super) driver: Option<Spanned<String>>,
    pub(super) context: Option<Spanned<String>>,
    pub(super) kubernetes_version: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) addons: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) timeouts: BTreeMap<Spanned<String>, Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTool {
    pub(super) version: Spanned<String>,
    pub(super) revision: Option<Spanned<i64>>,
    pub(super) accept: Option<Spanned<String>>,
    pub(super) url: Option<Spanned<String>>,
    pub(super) archive: Option<Spanned<String>>,
    pub(super) path: Option<Spanned<String>>,
    pub(super) checksum_url: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) sha256: SpannedMap,
    #[serde(default)]
    pub(super) platforms: BTreeMap<Spanned<String>, RawTemplate>,
    #[serde(default)]
    pub(super) os: SpannedMap,
    #[serde(default)]
    pub(super) arch: SpannedMap,
    #[serde(default)]
    pub(super) unsupported: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTemplate {
    pub(super) url: Option<Spanned<String>>,
    pub(super) archive: Option<Spanned<String>>,
    pub(super) path: Option<Spanned<String>>,
    pub(super) checksum_url: Option<Spanned<String>>,
}
