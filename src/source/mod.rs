//! Where accounts come from: snapshot files (AWS CLI, raw API or our own form), the embedded
//! demo account, and (in [`aws`]) the live IAM API. Everything converges on [`wire::Snapshot`]
//! and one conversion into the [`Account`] graph.

pub mod aws;
pub mod convert;
pub mod wire;

use std::path::Path;

use crate::model::{Account, SourceKind};

pub use wire::Snapshot;

/// Why an account could not be loaded. Messages name the input, the place in it and what was
/// expected.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read `{path}`: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "`{origin}` is empty: expected the JSON printed by `aws iam get-account-authorization-details` or an iamscope snapshot"
    )]
    Empty { origin: String },
    #[error("`{origin}` is not valid JSON at line {line}, column {column}: {message}")]
    Syntax {
        origin: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("`{origin}`, at {path}: {message}")]
    Invalid {
        origin: String,
        path: String,
        message: String,
    },
    #[error(
        "`{origin}` is an iamscope snapshot of format version {found}, newer than this iamscope reads ({supported}): upgrade iamscope"
    )]
    Version {
        origin: String,
        found: u32,
        supported: u32,
    },
}

/// Reads an account file: AWS CLI form, raw API form (URL-encoded documents) or snapshot.
pub fn read_file(path: &Path) -> Result<Account, LoadError> {
    let display = path.display().to_string();
    let io = |source| LoadError::Io {
        path: display.clone(),
        source,
    };
    // Streamed, so that a large account is never in memory twice (as text and as data). Any
    // doubt (a failed read, nothing recognisable) is settled by the careful path below, which
    // reads the whole text to say exactly what is wrong and where.
    let file = std::fs::File::open(path).map_err(io)?;
    let streamed =
        serde_json::from_reader::<_, Snapshot>(std::io::BufReader::with_capacity(1 << 20, file));
    let snapshot = match streamed {
        Ok(s) if !looks_empty(&s) => check_version(s, &display)?,
        _ => parse_snapshot(&std::fs::read(path).map_err(io)?, &display)?,
    };
    convert::to_account(snapshot, SourceKind::Snapshot(display.clone()), &display)
}

fn looks_empty(snapshot: &Snapshot) -> bool {
    snapshot.header.is_none()
        && snapshot.user_detail_list.is_empty()
        && snapshot.group_detail_list.is_empty()
        && snapshot.role_detail_list.is_empty()
        && snapshot.policies.is_empty()
}

fn check_version(snapshot: Snapshot, origin: &str) -> Result<Snapshot, LoadError> {
    match &snapshot.header {
        Some(h) if h.format_version > wire::SNAPSHOT_FORMAT_VERSION => Err(LoadError::Version {
            origin: origin.to_owned(),
            found: h.format_version,
            supported: wire::SNAPSHOT_FORMAT_VERSION,
        }),
        _ => Ok(snapshot),
    }
}

/// Parses the wire form, with errors that name `origin` and the JSON path.
pub fn parse_snapshot(bytes: &[u8], origin: &str) -> Result<Snapshot, LoadError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(LoadError::Empty {
            origin: origin.to_owned(),
        });
    }
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace()).copied();
    if first != Some(b'{') && first.is_some_and(|b| b"[\"-0123456789tfn".contains(&b)) {
        return Err(LoadError::Invalid {
            origin: origin.to_owned(),
            path: "the top level".into(),
            message: "expected a JSON object with `UserDetailList`, `GroupDetailList`, `RoleDetailList` and `Policies` (the output of `aws iam get-account-authorization-details`)".into(),
        });
    }
    // The fast path reads without tracking where it is; only a failed read is read again
    // with path tracking, to say where it failed.
    let snapshot: Snapshot = match serde_json::from_slice(bytes) {
        Ok(s) => s,
        Err(fast) => return Err(locate_error(bytes, origin, fast)),
    };
    if looks_empty(&snapshot) && !mentions_any_list(bytes) {
        return Err(LoadError::Invalid {
            origin: origin.to_owned(),
            path: "the top level".into(),
            message: "none of `UserDetailList`, `GroupDetailList`, `RoleDetailList`, `Policies` is present: this is not the output of `aws iam get-account-authorization-details`".into(),
        });
    }
    check_version(snapshot, origin)
}

fn locate_error(bytes: &[u8], origin: &str, fast: serde_json::Error) -> LoadError {
    let syntax = |e: &serde_json::Error, message: String| LoadError::Syntax {
        origin: origin.to_owned(),
        line: e.line(),
        column: e.column(),
        message,
    };
    if fast.is_syntax() || fast.is_eof() {
        let message = if fast.to_string().starts_with("trailing characters") {
            "unexpected text after the end of the JSON document".to_owned()
        } else {
            strip_position(&fast.to_string())
        };
        return syntax(&fast, message);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, Snapshot>(&mut de) {
        Ok(_) => syntax(&fast, strip_position(&fast.to_string())),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if path == "." {
                return syntax(&inner, strip_position(&inner.to_string()));
            }
            LoadError::Invalid {
                origin: origin.to_owned(),
                path: format!("{path} (line {}, column {})", inner.line(), inner.column()),
                message: strip_position(&inner.to_string()),
            }
        }
    }
}

fn mentions_any_list(bytes: &[u8]) -> bool {
    [
        "UserDetailList",
        "GroupDetailList",
        "RoleDetailList",
        "Policies",
    ]
    .iter()
    .any(|key| bytes.windows(key.len()).any(|w| w == key.as_bytes()))
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// The embedded demo account: a believable startup account with every risk iamscope finds.
pub mod demo {
    use super::*;

    const DEMO_JSON: &str = include_str!("../../assets/demo/account.json");

    pub fn account() -> Result<Account, LoadError> {
        let snapshot = parse_snapshot(DEMO_JSON.as_bytes(), "demo account")?;
        convert::to_account(snapshot, SourceKind::Demo, "demo account")
    }

    pub fn snapshot_json() -> &'static str {
        DEMO_JSON
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_account_loads_with_its_relations() {
        let a = demo::account().unwrap();
        assert_eq!(a.info.account_id, "123456789012");
        let dev = a.lookup("Developers").unwrap();
        let crate::model::EntityRef::Group(g) = dev else {
            panic!("{dev:?}")
        };
        let members: Vec<&str> = a
            .group(g)
            .members
            .iter()
            .map(|u| a.user(*u).name.as_str())
            .collect();
        for name in ["alice", "bob", "charlie"] {
            assert!(members.contains(&name), "{members:?}");
        }
        assert!(a.info.gaps.is_empty(), "{:?}", a.info.gaps);
    }

    #[test]
    fn errors_name_origin_and_path() {
        let e = parse_snapshot(br#"{"UserDetailList":[{"UserName":5}]}"#, "f.json").unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("f.json") && text.contains("UserDetailList[0].UserName"),
            "{text}"
        );

        let e = parse_snapshot(b"  ", "f.json").unwrap_err();
        assert!(matches!(e, LoadError::Empty { .. }));

        let e = parse_snapshot(br#"{"UserDetailList":[{"UserName":"a""#, "f.json").unwrap_err();
        assert!(matches!(e, LoadError::Syntax { .. }), "{e}");
    }
}
