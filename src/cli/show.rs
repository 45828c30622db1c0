//! `iamscope show NAME|ARN`: one entity, its relations and its policy documents.

use std::io::Write;

use clap::Args;
use serde_json::{Value, json};

use super::{CliResult, Exit, TextFormat, date, write_json};
use crate::model::{Account, EntityRef, InlinePolicy, PolicyRef, Tag};
use crate::policy::Policy;

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A user, group, role or managed policy: its name or ARN.
    pub name: String,
    #[arg(long, value_enum, default_value = "text")]
    pub format: TextFormat,
}

pub fn run(args: &ShowArgs, account: &Account, out: &mut dyn Write) -> CliResult {
    let entity = account.lookup(&args.name)?;
    let detail = detail(account, entity);
    match args.format {
        TextFormat::Json => write_json(out, &detail)?,
        TextFormat::Text => write_text(out, &detail)?,
    }
    Ok(Exit::Success)
}

fn doc(p: &Policy) -> Value {
    serde_json::to_value(p.to_wire()).unwrap_or(Value::Null)
}

fn inline(list: &[InlinePolicy]) -> Value {
    list.iter()
        .map(|p| json!({"name": p.name, "document": doc(&p.document)}))
        .collect()
}

fn attached(account: &Account, list: &[PolicyRef]) -> Value {
    list.iter()
        .map(|r| {
            let document = r
                .policy
                .and_then(|id| account.policy(id).default_document())
                .map(doc);
            json!({"name": r.name, "arn": r.arn, "document": document})
        })
        .collect()
}

fn tags(list: &[Tag]) -> Value {
    Value::Object(
        list.iter()
            .map(|t| (t.key.clone(), Value::String(t.value.clone())))
            .collect(),
    )
}

fn refs(account: &Account, list: &[EntityRef]) -> Value {
    list.iter()
        .map(|r| json!({"kind": r.kind().as_str(), "name": account.name_of(*r), "arn": account.arn_of(*r)}))
        .collect()
}

/// The JSON detail of an entity; the text form is rendered from the same value.
fn detail(account: &Account, entity: EntityRef) -> Value {
    match entity {
        EntityRef::User(id) => {
            let u = account.user(id);
            json!({
                "kind": "user", "name": u.name, "arn": u.arn, "id": u.id, "path": u.path,
                "created": u.created.map(|t| t.to_string()),
                "tags": tags(&u.tags),
                "groups": u.groups.iter().map(|g| json!({"name": account.group(*g).name, "arn": account.group(*g).arn})).collect::<Vec<_>>(),
                "permissions_boundary": u.permissions_boundary.as_ref().map(|b| attached(account, std::slice::from_ref(b))[0].clone()),
                "inline_policies": inline(&u.inline_policies),
                "attached_policies": attached(account, &u.attached_policies),
                "group_policies": u.groups.iter().map(|g| {
                    let g = account.group(*g);
                    json!({"group": g.name, "inline_policies": inline(&g.inline_policies), "attached_policies": attached(account, &g.attached_policies)})
                }).collect::<Vec<_>>(),
                "credentials": {
                    "password_enabled": u.credentials.password_enabled,
                    "mfa_active": u.credentials.mfa_active,
                    "mfa_devices": u.credentials.mfa_devices.iter().map(|d| &d.serial).collect::<Vec<_>>(),
                    "access_keys": u.credentials.access_keys.iter().map(|k| json!({
                        "id": k.id, "active": k.active,
                        "created": k.created.map(|t| t.to_string()),
                        "last_used": k.last_used.map(|t| t.to_string()),
                    })).collect::<Vec<_>>(),
                },
            })
        }
        EntityRef::Group(id) => {
            let g = account.group(id);
            json!({
                "kind": "group", "name": g.name, "arn": g.arn, "id": g.id, "path": g.path,
                "created": g.created.map(|t| t.to_string()),
                "members": g.members.iter().map(|u| json!({"name": account.user(*u).name, "arn": account.user(*u).arn})).collect::<Vec<_>>(),
                "inline_policies": inline(&g.inline_policies),
                "attached_policies": attached(account, &g.attached_policies),
            })
        }
        EntityRef::Role(id) => {
            let r = account.role(id);
            json!({
                "kind": "role", "name": r.name, "arn": r.arn, "id": r.id, "path": r.path,
                "created": r.created.map(|t| t.to_string()),
                "description": r.description,
                "last_used": r.last_used.as_ref().map(|l| json!({"date": l.date.map(|t| t.to_string()), "region": l.region})),
                "max_session_duration": r.max_session_duration,
                "tags": tags(&r.tags),
                "trusted_principals": super::ls::trusted(r),
                "trust_policy": r.trust_policy.as_ref().map(doc),
                "permissions_boundary": r.permissions_boundary.as_ref().map(|b| attached(account, std::slice::from_ref(b))[0].clone()),
                "inline_policies": inline(&r.inline_policies),
                "attached_policies": attached(account, &r.attached_policies),
                "instance_profiles": r.instance_profiles.iter().map(|p| &p.arn).collect::<Vec<_>>(),
            })
        }
        EntityRef::Policy(id) => {
            let p = account.policy(id);
            json!({
                "kind": "policy", "name": p.name, "arn": p.arn, "id": p.id, "path": p.path,
                "aws_managed": p.is_aws_managed(),
                "description": p.description,
                "created": p.created.map(|t| t.to_string()),
                "updated": p.updated.map(|t| t.to_string()),
                "default_version_id": p.default_version_id,
                "attachment_count": p.attachment_count,
                "attached_to": refs(account, account.attached_to(id)),
                "permissions_boundary_of": refs(account, account.boundary_of(id)),
                "versions": p.versions.iter().map(|v| json!({
                    "version_id": v.version_id, "is_default": v.is_default,
                    "created": v.created.map(|t| t.to_string()),
                    "document": v.document.as_ref().map(doc),
                })).collect::<Vec<_>>(),
            })
        }
    }
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("-")
}

fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn write_doc(out: &mut dyn Write, title: &str, document: &Value) -> std::io::Result<()> {
    writeln!(out, "\n{title}")?;
    if document.is_null() {
        return writeln!(out, "  (document not in the input)");
    }
    let pretty = serde_json::to_string_pretty(document).unwrap_or_default();
    for line in pretty.lines() {
        writeln!(out, "  {line}")?;
    }
    Ok(())
}

fn write_text(out: &mut dyn Write, d: &Value) -> std::io::Result<()> {
    let kind = s(d, "kind");
    writeln!(out, "{kind} {}", s(d, "name"))?;
    writeln!(out, "  arn      {}", s(d, "arn"))?;
    writeln!(out, "  path     {}", s(d, "path"))?;
    let created = d
        .get("created")
        .and_then(Value::as_str)
        .and_then(|t| t.parse().ok());
    writeln!(out, "  created  {}", date(created))?;
    if let Some(tags) = d.get("tags").and_then(Value::as_object)
        && !tags.is_empty()
    {
        let t: Vec<String> = tags
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
            .collect();
        writeln!(out, "  tags     {}", t.join(", "))?;
    }
    match kind {
        "user" => {
            let names: Vec<&str> = list(d, "groups").iter().map(|g| s(g, "name")).collect();
            writeln!(
                out,
                "  groups   {}",
                if names.is_empty() {
                    "-".into()
                } else {
                    names.join(", ")
                }
            )?;
            let c = &d["credentials"];
            writeln!(
                out,
                "  console  {}   mfa {}",
                match c["password_enabled"].as_bool() {
                    Some(true) => "password",
                    Some(false) => "no password",
                    None => "unknown",
                },
                match c["mfa_active"].as_bool() {
                    Some(true) => "on",
                    Some(false) => "OFF",
                    None => "unknown",
                }
            )?;
            for k in list(c, "access_keys") {
                writeln!(
                    out,
                    "  key      {} {} created {} last used {}",
                    s(k, "id"),
                    if k["active"].as_bool() == Some(true) {
                        "active"
                    } else {
                        "inactive"
                    },
                    s(k, "created"),
                    s(k, "last_used")
                )?;
            }
        }
        "group" => {
            let names: Vec<&str> = list(d, "members").iter().map(|m| s(m, "name")).collect();
            writeln!(
                out,
                "  members  {}",
                if names.is_empty() {
                    "-".into()
                } else {
                    names.join(", ")
                }
            )?;
        }
        "role" => {
            let last = d["last_used"]
                .get("date")
                .and_then(Value::as_str)
                .map_or("never", |t| t);
            writeln!(
                out,
                "  used     {}",
                if d["last_used"].is_null() {
                    "unknown"
                } else {
                    last
                }
            )?;
            let trusted: Vec<&str> = list(d, "trusted_principals")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            writeln!(out, "  trusts   {}", trusted.join(", "))?;
            write_doc(out, "Trust policy", &d["trust_policy"])?;
        }
        "policy" => {
            writeln!(
                out,
                "  type     {}   default version {}",
                if d["aws_managed"].as_bool() == Some(true) {
                    "AWS managed"
                } else {
                    "customer managed"
                },
                s(d, "default_version_id")
            )?;
            let names: Vec<String> = list(d, "attached_to")
                .iter()
                .map(|r| format!("{} {}", s(r, "kind"), s(r, "name")))
                .collect();
            writeln!(
                out,
                "  attached {}",
                if names.is_empty() {
                    "-".into()
                } else {
                    names.join(", ")
                }
            )?;
            let names: Vec<String> = list(d, "permissions_boundary_of")
                .iter()
                .map(|r| format!("{} {}", s(r, "kind"), s(r, "name")))
                .collect();
            if !names.is_empty() {
                writeln!(out, "  boundary of {}", names.join(", "))?;
            }
            for v in list(d, "versions") {
                let default = if v["is_default"].as_bool() == Some(true) {
                    " (default)"
                } else {
                    ""
                };
                write_doc(
                    out,
                    &format!("Version {}{default}", s(v, "version_id")),
                    &v["document"],
                )?;
            }
        }
        _ => {}
    }
    if let Some(b) = d.get("permissions_boundary").filter(|b| !b.is_null()) {
        write_doc(
            out,
            &format!("Permissions boundary: {}", s(b, "arn")),
            &b["document"],
        )?;
    }
    for p in list(d, "inline_policies") {
        write_doc(
            out,
            &format!("Inline policy {}", s(p, "name")),
            &p["document"],
        )?;
    }
    for p in list(d, "attached_policies") {
        write_doc(
            out,
            &format!("Attached policy {} ({})", s(p, "name"), s(p, "arn")),
            &p["document"],
        )?;
    }
    for g in list(d, "group_policies") {
        let group = s(g, "group");
        for p in list(g, "inline_policies") {
            write_doc(
                out,
                &format!("Inline policy {} (from group {group})", s(p, "name")),
                &p["document"],
            )?;
        }
        for p in list(g, "attached_policies") {
            write_doc(
                out,
                &format!("Attached policy {} (from group {group})", s(p, "name")),
                &p["document"],
            )?;
        }
    }
    Ok(())
}
