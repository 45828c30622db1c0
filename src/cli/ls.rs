//! `iamscope ls users|groups|roles|policies`.

use std::io::Write;

use clap::Args;
use serde_json::{Value, json};

use super::{CliResult, Exit, ListFormat, date, write_json};
use crate::model::{Account, PolicyRef, Role};
use crate::policy::{PrincipalKind, PrincipalSet};

#[derive(Debug, Args)]
pub struct LsArgs {
    /// What to list.
    pub kind: Kind,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    Users,
    Groups,
    Roles,
    Policies,
}

pub fn run(args: &LsArgs, account: &Account, out: &mut dyn Write) -> CliResult {
    let (header, rows, json): (Vec<&str>, Vec<Vec<String>>, Vec<Value>) = match args.kind {
        Kind::Users => (
            vec!["NAME", "PATH", "CREATED", "GROUPS", "POLICIES", "MFA", "KEYS"],
            account
                .users
                .iter()
                .map(|u| {
                    vec![
                        u.name.clone(),
                        u.path.clone(),
                        date(u.created),
                        u.groups.len().to_string(),
                        (u.inline_policies.len() + u.attached_policies.len()).to_string(),
                        yes_no(u.credentials.mfa_active),
                        u.credentials.access_keys.iter().filter(|k| k.active).count().to_string(),
                    ]
                })
                .collect(),
            account
                .users
                .iter()
                .map(|u| {
                    json!({
                        "name": u.name, "arn": u.arn, "id": u.id, "path": u.path,
                        "created": u.created.map(|t| t.to_string()),
                        "groups": u.groups.iter().map(|g| &account.group(*g).name).collect::<Vec<_>>(),
                        "inline_policies": u.inline_policies.iter().map(|p| &p.name).collect::<Vec<_>>(),
                        "attached_policies": arns(&u.attached_policies),
                        "permissions_boundary": u.permissions_boundary.as_ref().map(|b| &b.arn),
                        "mfa_active": u.credentials.mfa_active,
                        "password_enabled": u.credentials.password_enabled,
                        "active_access_keys": u.credentials.access_keys.iter().filter(|k| k.active).count(),
                        "tags": u.tags.iter().map(|t| (t.key.clone(), Value::String(t.value.clone()))).collect::<serde_json::Map<_, _>>(),
                    })
                })
                .collect(),
        ),
        Kind::Groups => (
            vec!["NAME", "PATH", "CREATED", "MEMBERS", "POLICIES"],
            account
                .groups
                .iter()
                .map(|g| {
                    vec![
                        g.name.clone(),
                        g.path.clone(),
                        date(g.created),
                        g.members.len().to_string(),
                        (g.inline_policies.len() + g.attached_policies.len()).to_string(),
                    ]
                })
                .collect(),
            account
                .groups
                .iter()
                .map(|g| {
                    json!({
                        "name": g.name, "arn": g.arn, "id": g.id, "path": g.path,
                        "created": g.created.map(|t| t.to_string()),
                        "members": g.members.iter().map(|u| &account.user(*u).name).collect::<Vec<_>>(),
                        "inline_policies": g.inline_policies.iter().map(|p| &p.name).collect::<Vec<_>>(),
                        "attached_policies": arns(&g.attached_policies),
                    })
                })
                .collect(),
        ),
        Kind::Roles => (
            vec!["NAME", "PATH", "CREATED", "LAST USED", "POLICIES", "TRUSTS"],
            account
                .roles
                .iter()
                .map(|r| {
                    vec![
                        r.name.clone(),
                        r.path.clone(),
                        date(r.created),
                        last_used(r),
                        (r.inline_policies.len() + r.attached_policies.len()).to_string(),
                        trusted(r).join(", "),
                    ]
                })
                .collect(),
            account
                .roles
                .iter()
                .map(|r| {
                    json!({
                        "name": r.name, "arn": r.arn, "id": r.id, "path": r.path,
                        "created": r.created.map(|t| t.to_string()),
                        "last_used": r.last_used.as_ref().and_then(|l| l.date).map(|t| t.to_string()),
                        "trusted_principals": trusted(r),
                        "inline_policies": r.inline_policies.iter().map(|p| &p.name).collect::<Vec<_>>(),
                        "attached_policies": arns(&r.attached_policies),
                        "permissions_boundary": r.permissions_boundary.as_ref().map(|b| &b.arn),
                        "max_session_duration": r.max_session_duration,
                        "tags": r.tags.iter().map(|t| (t.key.clone(), Value::String(t.value.clone()))).collect::<serde_json::Map<_, _>>(),
                    })
                })
                .collect(),
        ),
        Kind::Policies => (
            vec!["NAME", "TYPE", "ATTACHMENTS", "VERSIONS", "DEFAULT", "UPDATED"],
            account
                .policies
                .iter()
                .map(|p| {
                    vec![
                        p.name.clone(),
                        if p.is_aws_managed() { "aws" } else { "customer" }.into(),
                        p.attachment_count.to_string(),
                        p.versions.len().to_string(),
                        p.default_version_id.clone().unwrap_or_else(|| "-".into()),
                        date(p.updated),
                    ]
                })
                .collect(),
            account
                .policies
                .iter()
                .map(|p| {
                    json!({
                        "name": p.name, "arn": p.arn, "id": p.id, "path": p.path,
                        "aws_managed": p.is_aws_managed(),
                        "attachment_count": p.attachment_count,
                        "permissions_boundary_usage_count": p.permissions_boundary_usage_count,
                        "default_version_id": p.default_version_id,
                        "versions": p.versions.iter().map(|v| &v.version_id).collect::<Vec<_>>(),
                        "created": p.created.map(|t| t.to_string()),
                        "updated": p.updated.map(|t| t.to_string()),
                    })
                })
                .collect(),
        ),
    };
    match args.format {
        ListFormat::Json => write_json(out, &json)?,
        ListFormat::Table => write_table(out, &header, &rows)?,
    }
    Ok(Exit::Success)
}

fn arns(refs: &[PolicyRef]) -> Vec<&str> {
    refs.iter().map(|p| p.arn.as_str()).collect()
}

fn yes_no(v: Option<bool>) -> String {
    match v {
        Some(true) => "yes".into(),
        Some(false) => "no".into(),
        None => "?".into(),
    }
}

fn last_used(r: &Role) -> String {
    match &r.last_used {
        None => "?".into(),
        Some(l) => match l.date {
            Some(t) => date(Some(t)),
            None => "never".into(),
        },
    }
}

/// The principals a role's trust policy names, shortened for a table cell.
pub fn trusted(r: &Role) -> Vec<String> {
    let mut out = Vec::new();
    let Some(trust) = &r.trust_policy else {
        return out;
    };
    for s in &trust.statements {
        let Some(p) = &s.principal else { continue };
        let prefix = if p.negated { "not " } else { "" };
        match &p.set {
            PrincipalSet::Anyone => out.push(format!("{prefix}*")),
            PrincipalSet::Entries(entries) => {
                for e in entries {
                    for v in &e.values {
                        let short = match e.kind {
                            PrincipalKind::Federated => {
                                v.rsplit('/').next().unwrap_or(v).to_owned()
                            }
                            _ => v.clone(),
                        };
                        out.push(format!("{prefix}{short}"));
                    }
                }
            }
        }
    }
    out.dedup();
    out
}

/// A plain aligned table; the last column is not padded.
pub fn write_table(
    out: &mut dyn Write,
    header: &[&str],
    rows: &[Vec<String>],
) -> std::io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line =
        |out: &mut dyn Write, cells: &mut dyn Iterator<Item = &str>| -> std::io::Result<()> {
            let cells: Vec<&str> = cells.collect();
            let last = cells.len().saturating_sub(1);
            for (i, cell) in cells.iter().enumerate() {
                if i == last {
                    write!(out, "{cell}")?;
                } else {
                    write!(out, "{cell:<w$}  ", w = widths[i])?;
                }
            }
            writeln!(out)
        };
    line(out, &mut header.iter().copied())?;
    for row in rows {
        line(out, &mut row.iter().map(String::as_str))?;
    }
    Ok(())
}
