//! The invites list as a query: filters, search, sort and a keyset cursor. The page keeps it
//! in the URL (so a filtered view can be bookmarked or shared) and the server parses the same
//! parameters, refusing unknown values with a message that names the parameter.

use serde::{Deserialize, Serialize};

use crate::{Delivery, InviteStatus};

/// Rows per page unless the request asks otherwise.
pub const DEFAULT_PER_PAGE: u32 = 50;
pub const MAX_PER_PAGE: u32 = 200;
/// Longest search text accepted (an email address is at most 254 characters).
pub const MAX_SEARCH_CHARS: usize = 254;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SortKey {
    #[default]
    Created,
    Expires,
    Email,
}

impl SortKey {
    pub const ALL: [SortKey; 3] = [SortKey::Created, SortKey::Expires, SortKey::Email];

    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Created => "created",
            SortKey::Expires => "expires",
            SortKey::Email => "email",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SortKey::Created => "Created",
            SortKey::Expires => "Expiry",
            SortKey::Email => "Email",
        }
    }

    /// The natural direction: newest first for dates, A to Z for addresses.
    pub fn default_dir(self) -> SortDir {
        match self {
            SortKey::Created | SortKey::Expires => SortDir::Desc,
            SortKey::Email => SortDir::Asc,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SortDir {
    Asc,
    #[default]
    Desc,
}

impl SortDir {
    pub fn as_str(self) -> &'static str {
        match self {
            SortDir::Asc => "asc",
            SortDir::Desc => "desc",
        }
    }
}

/// How the search text matches an address. `Prefix` uses the email index and stays fast at
/// any size; `Contains` must look at every address the other filters leave.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SearchMode {
    #[default]
    Contains,
    Prefix,
}

impl SearchMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SearchMode::Contains => "contains",
            SearchMode::Prefix => "prefix",
        }
    }
}

/// Which page: the first, the one after a row, or the one before a row (by invite id).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Cursor {
    #[default]
    First,
    After(String),
    Before(String),
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InviteQuery {
    pub status: Option<InviteStatus>,
    pub role_id: Option<String>,
    pub team_id: Option<String>,
    pub inviter_id: Option<String>,
    pub delivery: Option<Delivery>,
    /// Only invites whose access ends within so many days from now (1 to 3,650).
    pub ends_within_days: Option<i64>,
    /// Lower-cased, trimmed; empty for no search.
    pub search: String,
    pub mode: SearchMode,
    pub sort: SortKey,
    pub dir: SortDir,
    pub cursor: Cursor,
    pub per_page: u32,
}

/// A parameter the list cannot use: its name and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryError {
    pub param: &'static str,
    pub message: String,
}

impl InviteQuery {
    /// Parses URL or form parameters. `get` returns a parameter's value, if given; empty
    /// values count as absent. Unknown values are refused, never silently ignored.
    pub fn parse(get: impl Fn(&str) -> Option<String>) -> Result<InviteQuery, QueryError> {
        let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let bad = |param: &'static str, message: String| QueryError { param, message };
        let status = match get("status") {
            None => None,
            Some(s) => Some(InviteStatus::parse(&s).ok_or_else(|| {
                bad(
                    "status",
                    format!(
                        "Unknown status {s:?}: use pending, accepted, expired, revoked or declined."
                    ),
                )
            })?),
        };
        let delivery = match get("delivery") {
            None => None,
            Some(s) => Some(Delivery::parse(&s).ok_or_else(|| {
                bad(
                    "delivery",
                    format!("Unknown email delivery {s:?}: use queued, sent or failed."),
                )
            })?),
        };
        let ends_within_days = match get("ends_within") {
            None => None,
            Some(n) => match n.trim().parse::<i64>() {
                Ok(n) if (1..=3_650).contains(&n) => Some(n),
                _ => {
                    return Err(bad(
                        "ends_within",
                        "\"Access ends within\" takes a number of days from 1 to 3650.".into(),
                    ))
                }
            },
        };
        let search = get("q")
            .map(|q| q.trim().to_lowercase())
            .unwrap_or_default();
        if search.chars().count() > MAX_SEARCH_CHARS {
            return Err(bad(
                "q",
                format!("Search text is limited to {MAX_SEARCH_CHARS} characters."),
            ));
        }
        // No address holds one, and the trigram index cannot take NUL.
        if search.chars().any(char::is_control) {
            return Err(bad(
                "q",
                "Search text cannot contain control characters.".into(),
            ));
        }
        let mode = match get("mode").as_deref() {
            None | Some("contains") => SearchMode::Contains,
            Some("prefix") => SearchMode::Prefix,
            Some(m) => {
                return Err(bad(
                    "mode",
                    format!("Unknown search mode {m:?}: use contains or prefix."),
                ))
            }
        };
        let sort = match get("sort") {
            None => SortKey::default(),
            Some(s) => SortKey::ALL
                .into_iter()
                .find(|k| k.as_str() == s)
                .ok_or_else(|| {
                    bad(
                        "sort",
                        format!("Unknown sort {s:?}: use created, expires or email."),
                    )
                })?,
        };
        let dir = match get("dir").as_deref() {
            None => sort.default_dir(),
            Some("asc") => SortDir::Asc,
            Some("desc") => SortDir::Desc,
            Some(d) => {
                return Err(bad(
                    "dir",
                    format!("Unknown direction {d:?}: use asc or desc."),
                ))
            }
        };
        let cursor = match (get("after"), get("before")) {
            (None, None) => Cursor::First,
            (Some(a), None) => Cursor::After(a),
            (None, Some(b)) => Cursor::Before(b),
            (Some(_), Some(_)) => {
                return Err(bad(
                    "after",
                    "Give either after or before, not both.".into(),
                ))
            }
        };
        let per_page = match get("per_page") {
            None => DEFAULT_PER_PAGE,
            Some(n) => match n.parse::<u32>() {
                Ok(n) if (1..=MAX_PER_PAGE).contains(&n) => n,
                _ => {
                    return Err(bad(
                        "per_page",
                        format!("Rows per page must be a number from 1 to {MAX_PER_PAGE}."),
                    ))
                }
            },
        };
        Ok(InviteQuery {
            status,
            role_id: get("role"),
            team_id: get("team"),
            inviter_id: get("inviter"),
            delivery,
            ends_within_days,
            search,
            mode,
            sort,
            dir,
            cursor,
            per_page,
        })
    }

    /// Checks the list's parameters as the URL or the server function carries them.
    pub fn from_params(p: &ListParams) -> Result<InviteQuery, QueryError> {
        InviteQuery::parse(|k| p.get(k).map(str::to_owned))
    }

    /// The parameters that differ from the defaults (`from_params` reads them back to an
    /// equal query).
    pub fn params(&self) -> ListParams {
        let set = |v: Option<&str>| v.filter(|v| !v.is_empty()).map(str::to_owned);
        let (after, before) = match &self.cursor {
            Cursor::First => (None, None),
            Cursor::After(id) => (set(Some(id)), None),
            Cursor::Before(id) => (None, set(Some(id))),
        };
        ListParams {
            status: set(self.status.map(InviteStatus::as_str)),
            role: set(self.role_id.as_deref()),
            team: set(self.team_id.as_deref()),
            inviter: set(self.inviter_id.as_deref()),
            delivery: set(self.delivery.map(Delivery::as_str)),
            ends_within: self.ends_within_days.map(|d| d.to_string()),
            q: set(Some(&self.search)),
            mode: (!self.search.is_empty() && self.mode != SearchMode::default())
                .then(|| self.mode.as_str().to_owned()),
            sort: (self.sort != SortKey::default()).then(|| self.sort.as_str().to_owned()),
            dir: (self.dir != self.sort.default_dir()).then(|| self.dir.as_str().to_owned()),
            after,
            before,
            per_page: (self.per_page != DEFAULT_PER_PAGE).then(|| self.per_page.to_string()),
        }
    }

    /// `/invites?…` for this query.
    pub fn href(&self) -> String {
        let query: Vec<String> = self
            .params()
            .pairs()
            .into_iter()
            .map(|(k, v)| format!("{k}={}", percent_encode(&v)))
            .collect();
        if query.is_empty() {
            "/invites".to_owned()
        } else {
            format!("/invites?{}", query.join("&"))
        }
    }

    /// The same filters and sort on another page.
    pub fn at(&self, cursor: Cursor) -> InviteQuery {
        InviteQuery {
            cursor,
            ..self.clone()
        }
    }

    /// Whether anything narrows the list beyond its status.
    pub fn is_narrowed(&self) -> bool {
        self.role_id.is_some()
            || self.team_id.is_some()
            || self.inviter_id.is_some()
            || self.delivery.is_some()
            || self.ends_within_days.is_some()
            || !self.search.is_empty()
    }
}

/// The list's parameters as text, as the page's URL and the `list_invites` server function
/// carry them (flat fields named as in the URL). `InviteQuery::from_params` checks them, once.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inviter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<String>,
    /// Days: only invites whose access ends within them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_within: Option<String>,
    /// The search text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// `contains` or `prefix`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// `created`, `expires` or `email`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<String>,
    /// `asc` or `desc`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dir: Option<String>,
    /// An invite id: the page after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// An invite id: the page before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_page: Option<String>,
}

impl ListParams {
    /// A parameter by its URL name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs_ref()
            .into_iter()
            .find(|(k, _)| *k == name)
            .and_then(|(_, v)| v.as_deref())
    }

    /// The parameters given, in a stable order.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        self.pairs_ref()
            .into_iter()
            .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
            .collect()
    }

    fn pairs_ref(&self) -> [(&'static str, &Option<String>); 13] {
        [
            ("status", &self.status),
            ("role", &self.role),
            ("team", &self.team),
            ("inviter", &self.inviter),
            ("delivery", &self.delivery),
            ("ends_within", &self.ends_within),
            ("q", &self.q),
            ("mode", &self.mode),
            ("sort", &self.sort),
            ("dir", &self.dir),
            ("after", &self.after),
            ("before", &self.before),
            ("per_page", &self.per_page),
        ]
    }
}

/// Encodes everything but unreserved characters (RFC 3986), for query values.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Choices for the list's filters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListFilterOptions {
    /// (id, name) of every role.
    pub roles: Vec<(String, String)>,
    pub teams: Vec<(String, String)>,
    /// (id, name) of everyone who has sent an invite.
    pub inviters: Vec<(String, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn parse(pairs: &[(&str, &str)]) -> Result<InviteQuery, QueryError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        InviteQuery::parse(|k| map.get(k).cloned())
    }

    #[test]
    fn no_parameters_mean_everything_newest_first() {
        let q = parse(&[]).unwrap();
        assert_eq!(q, InviteQuery::default().at(Cursor::First).with_page());
        assert_eq!(q.sort, SortKey::Created);
        assert_eq!(q.dir, SortDir::Desc);
        assert_eq!(q.href(), "/invites");
    }

    impl InviteQuery {
        fn with_page(self) -> InviteQuery {
            InviteQuery {
                per_page: DEFAULT_PER_PAGE,
                ..self
            }
        }
    }

    #[test]
    fn every_parameter_round_trips_through_the_url() {
        let q = parse(&[
            ("status", "pending"),
            ("role", "editor"),
            ("team", "t1"),
            ("inviter", "u1"),
            ("delivery", "failed"),
            ("q", "  Ann&Co+x@Example.COM "),
            ("mode", "prefix"),
            ("sort", "email"),
            ("dir", "desc"),
            ("after", "0192-abc"),
            ("per_page", "20"),
        ])
        .unwrap();
        assert_eq!(q.search, "ann&co+x@example.com");
        assert_eq!(InviteQuery::from_params(&q.params()).unwrap(), q);
        assert!(q.href().contains("q=ann%26co%2Bx%40example.com"));
    }

    #[test]
    fn bad_values_are_refused_with_the_parameter_named() {
        for (pairs, param) in [
            (vec![("status", "done")], "status"),
            (vec![("delivery", "lost")], "delivery"),
            (vec![("sort", "name")], "sort"),
            (vec![("dir", "up")], "dir"),
            (vec![("mode", "regex")], "mode"),
            (vec![("per_page", "0")], "per_page"),
            (vec![("per_page", "5000")], "per_page"),
            (vec![("after", "a"), ("before", "b")], "after"),
        ] {
            assert_eq!(parse(&pairs).unwrap_err().param, param, "{pairs:?}");
        }
        let long = "a".repeat(MAX_SEARCH_CHARS + 1);
        assert_eq!(parse(&[("q", &long)]).unwrap_err().param, "q");
        assert_eq!(parse(&[("q", "abc\0")]).unwrap_err().param, "q");
    }

    #[test]
    fn default_direction_follows_the_sort() {
        assert_eq!(parse(&[("sort", "email")]).unwrap().dir, SortDir::Asc);
        assert_eq!(parse(&[("sort", "expires")]).unwrap().dir, SortDir::Desc);
        let q = parse(&[("sort", "email"), ("dir", "asc")]).unwrap();
        assert_eq!(q.href(), "/invites?sort=email");
    }
}
