//! `iamscope who-can-assume ROLE` and `iamscope can-assume PRINCIPAL`: the trust graph,
//! direct and through role chaining (FORMATS.md §5).

use std::io::Write;

use clap::Args;

use super::{CliError, CliResult, Exit, TextFormat, write_json};
use crate::analysis::trust::{
    AssumeAction, AssumerKind, Note, PathOptions, RequiredCondition, Status, Step, TrustGraph,
};
use crate::model::{Account, EntityRef};

/// Flags both commands share.
#[derive(Debug, Clone, Args)]
pub struct QueryArgs {
    #[arg(long, value_enum, default_value = "text")]
    pub format: TextFormat,
    /// Only direct edges: no role chaining.
    #[arg(long)]
    pub direct: bool,
    /// At most N shortest paths per pair (the rest are counted, not listed).
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub max_paths: usize,
    /// Leave out `never` edges (kept by default to explain what is blocked and why).
    #[arg(long)]
    pub hide_never: bool,
    /// Text output: at most N entries per section (0: all). JSON always lists all.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub limit: usize,
}

impl QueryArgs {
    fn options(&self) -> PathOptions {
        PathOptions {
            max_paths: self.max_paths.max(1),
            direct_only: self.direct,
            include_never: !self.hide_never,
        }
    }
}

#[derive(Debug, Args)]
pub struct WhoCanAssumeArgs {
    /// The role: its name or ARN.
    pub role: String,
    #[command(flatten)]
    pub query: QueryArgs,
}

#[derive(Debug, Args)]
pub struct CanAssumeArgs {
    /// A user or role (name or ARN), or a source outside the account as a trust policy names
    /// it: a service (`ecs-tasks.amazonaws.com`), an identity provider ARN, an account id, `*`.
    pub principal: String,
    #[command(flatten)]
    pub query: QueryArgs,
}

pub fn run_who_can_assume(
    args: &WhoCanAssumeArgs,
    account: &Account,
    out: &mut dyn Write,
) -> CliResult {
    let role = match account.lookup(&args.role)? {
        EntityRef::Role(id) => id,
        other => {
            return Err(CliError {
                message: format!(
                    "`{}` is a {}, not a role: who-can-assume takes a role (try `iamscope can-assume {}`)",
                    args.role,
                    other.kind().as_str(),
                    args.role
                ),
            });
        }
    };
    let graph = TrustGraph::build(account);
    let report = graph.who_can_assume(account, role, &args.query.options());
    match args.query.format {
        TextFormat::Json => write_json(out, &report)?,
        TextFormat::Text => {
            writeln!(
                out,
                "Who can assume {}  ({})",
                report.role_name, report.role_arn
            )?;
            let (direct, chained): (Vec<_>, Vec<_>) =
                report.assumers.iter().partition(|a| a.via.is_empty());
            writeln!(out, "{}", counts(&direct, &chained, |a| a.status))?;
            let limit = args.query.limit;
            section(out, "Directly", &direct, limit, |out, a, last| {
                entry(
                    out,
                    last,
                    &Entry {
                        status: a.status,
                        title: &assumer_title(a.kind, &a.principal, a.name.as_deref()),
                        action: a.action,
                        path: None,
                        conditions: &a.conditions,
                        any_of: &a.any_of,
                        reason: &a.reason,
                        notes: &a.notes,
                        steps: &a.steps,
                    },
                )
            })?;
            if !args.query.direct {
                section(
                    out,
                    "Through role chaining",
                    &chained,
                    limit,
                    |out, a, last| {
                        let title = assumer_title(a.kind, &a.principal, a.name.as_deref());
                        entry(
                            out,
                            last,
                            &Entry {
                                status: a.status,
                                title: &title,
                                action: a.action,
                                path: Some(path_words(account, &a.steps)),
                                conditions: &a.conditions,
                                any_of: &a.any_of,
                                reason: &a.reason,
                                notes: &a.notes,
                                steps: &a.steps,
                            },
                        )
                    },
                )?;
            }
            if report.truncated_pairs > 0 {
                writeln!(
                    out,
                    "\n{} source(s) have more than {} shortest paths; only {} each are listed (--max-paths)",
                    report.truncated_pairs, args.query.max_paths, args.query.max_paths
                )?;
            }
        }
    }
    Ok(Exit::Success)
}

pub fn run_can_assume(args: &CanAssumeArgs, account: &Account, out: &mut dyn Write) -> CliResult {
    let graph = TrustGraph::build(account);
    let Some(node) = graph.find(account, &args.principal) else {
        // Say what the name is (or what it might be) the way `show` would.
        return Err(match account.lookup(&args.principal) {
            Ok(e) => CliError {
                message: format!(
                    "`{}` is a {}: can-assume takes a user or role, or a service, identity provider, account id or `*` named by some trust policy",
                    args.principal,
                    e.kind().as_str()
                ),
            },
            Err(e) if !args.principal.contains('.') && !args.principal.starts_with("arn:") => {
                e.into()
            }
            Err(_) => CliError {
                message: format!(
                    "no trust policy of this account names `{}`: it cannot assume any role here",
                    args.principal
                ),
            },
        });
    };
    let report = graph.can_assume(account, node, &args.query.options());
    match args.query.format {
        TextFormat::Json => write_json(out, &report)?,
        TextFormat::Text => {
            let name = graph.node_name(account, node);
            if name == report.principal_arn {
                writeln!(out, "What can {} assume  ({})", name, report.kind.as_str())?;
            } else {
                writeln!(out, "What can {name} assume  ({})", report.principal_arn)?;
            }
            let (direct, chained): (Vec<_>, Vec<_>) =
                report.roles.iter().partition(|r| r.via.is_empty());
            writeln!(out, "{}", counts(&direct, &chained, |r| r.status))?;
            let limit = args.query.limit;
            section(out, "Directly", &direct, limit, |out, r, last| {
                entry(
                    out,
                    last,
                    &Entry {
                        status: r.status,
                        title: &format!("{}  ({})", r.role_name, r.role_arn),
                        action: r.action,
                        path: None,
                        conditions: &r.conditions,
                        any_of: &r.any_of,
                        reason: &r.reason,
                        notes: &r.notes,
                        steps: &r.steps,
                    },
                )
            })?;
            if !args.query.direct {
                section(
                    out,
                    "Through role chaining",
                    &chained,
                    limit,
                    |out, r, last| {
                        entry(
                            out,
                            last,
                            &Entry {
                                status: r.status,
                                title: &format!("{}  ({})", r.role_name, r.role_arn),
                                action: r.action,
                                path: Some(path_words(account, &r.steps)),
                                conditions: &r.conditions,
                                any_of: &r.any_of,
                                reason: &r.reason,
                                notes: &r.notes,
                                steps: &r.steps,
                            },
                        )
                    },
                )?;
            }
            if report.truncated_pairs > 0 {
                writeln!(
                    out,
                    "\n{} role(s) have more than {} shortest paths; only {} each are listed (--max-paths)",
                    report.truncated_pairs, args.query.max_paths, args.query.max_paths
                )?;
            }
        }
    }
    Ok(Exit::Success)
}

/// "3 direct (1 always, 2 conditional), 5 through role chaining".
fn counts<T>(direct: &[&T], chained: &[&T], status: impl Fn(&T) -> Status) -> String {
    let by = |xs: &[&T]| {
        let mut parts = Vec::new();
        for s in [Status::Always, Status::Conditional, Status::Never] {
            let n = xs.iter().filter(|x| status(x) == s).count();
            if n > 0 {
                parts.push(format!("{n} {}", s.as_str()));
            }
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!(" ({})", parts.join(", "))
        }
    };
    format!(
        "{} direct{}, {} through role chaining{}",
        direct.len(),
        by(direct),
        chained.len(),
        by(chained)
    )
}

fn section<T>(
    out: &mut dyn Write,
    title: &str,
    items: &[&T],
    limit: usize,
    mut each: impl FnMut(&mut dyn Write, &T, bool) -> std::io::Result<()>,
) -> std::io::Result<()> {
    writeln!(out, "\n{title}")?;
    if items.is_empty() {
        return writeln!(out, "   (none)");
    }
    let shown = if limit == 0 {
        items.len()
    } else {
        limit.min(items.len())
    };
    for (i, item) in items.iter().take(shown).enumerate() {
        each(out, item, i + 1 == shown && shown == items.len())?;
    }
    if shown < items.len() {
        writeln!(
            out,
            "└─ ... and {} more (--limit 0 shows all; --format json lists all)",
            items.len() - shown
        )?;
    }
    Ok(())
}

fn assumer_title(kind: AssumerKind, principal: &str, name: Option<&str>) -> String {
    match (kind, name) {
        (AssumerKind::Anyone, _) => "anyone (\"*\")".into(),
        (AssumerKind::Account, _) => format!("account {principal}"),
        (k, Some(n)) => format!("{} {n}  ({principal})", k.as_str()),
        (k, None) => format!("{} {principal}", k.as_str()),
    }
}

/// `alice → DeployRole → ProdRole`, by names.
fn path_words(account: &Account, steps: &[Step]) -> String {
    let name_of = |arn: &str| match account.by_arn(arn) {
        Some(e) => account.name_of(e).to_owned(),
        // Identity providers by their issuer or name, as people call them.
        None => arn
            .split_once(":oidc-provider/")
            .or_else(|| arn.split_once(":saml-provider/"))
            .map_or(arn, |(_, p)| p)
            .to_owned(),
    };
    let mut parts: Vec<String> = Vec::new();
    if let Some(first) = steps.first() {
        parts.push(name_of(&first.from));
    }
    parts.extend(steps.iter().map(|s| name_of(&s.role_arn)));
    parts.join(" → ")
}

struct Entry<'a> {
    status: Status,
    title: &'a str,
    action: AssumeAction,
    path: Option<String>,
    conditions: &'a [RequiredCondition],
    any_of: &'a [Vec<RequiredCondition>],
    reason: &'a str,
    notes: &'a [Note],
    steps: &'a [Step],
}

fn entry(out: &mut dyn Write, last: bool, e: &Entry<'_>) -> std::io::Result<()> {
    let (branch, stem) = if last {
        ("└─", "   ")
    } else {
        ("├─", "│  ")
    };
    let status = match e.status {
        Status::Always => "ALWAYS     ",
        Status::Conditional => "CONDITIONAL",
        Status::Never => "NEVER      ",
    };
    writeln!(out, "{branch} {status}  {}", e.title)?;
    if let Some(p) = &e.path {
        writeln!(out, "{stem}   path   {p}")?;
    }
    if e.action != AssumeAction::AssumeRole {
        writeln!(out, "{stem}   via    {}", e.action.as_str())?;
    }
    for (i, c) in e.conditions.iter().enumerate() {
        let lead = if i == 0 { "when " } else { "and  " };
        writeln!(out, "{stem}   {lead}  {}", c.description)?;
    }
    for (i, alt) in e.any_of.iter().enumerate() {
        let lead = if i == 0 && e.conditions.is_empty() {
            "when one of:"
        } else if i == 0 {
            "and one of:"
        } else {
            "or:"
        };
        let words: Vec<&str> = alt.iter().map(|c| c.description.as_str()).collect();
        writeln!(out, "{stem}   {lead} {}", words.join("; and "))?;
    }
    // With more than one conditional hop, say which conditions belong to which hop.
    let conditional_hops = e
        .steps
        .iter()
        .filter(|s| s.status == Status::Conditional)
        .count();
    if conditional_hops > 1 {
        for s in e.steps.iter().filter(|s| s.status == Status::Conditional) {
            let role = s.role_arn.rsplit('/').next().unwrap_or(&s.role_arn);
            let words: Vec<&str> = s
                .conditions
                .iter()
                .map(|c| c.description.as_str())
                .collect();
            if !words.is_empty() {
                writeln!(
                    out,
                    "{stem}          (to assume {role}: {})",
                    words.join("; and ")
                )?;
            }
        }
    }
    writeln!(out, "{stem}   why    {}", e.reason)?;
    for n in e.notes {
        writeln!(
            out,
            "{stem}   {:<6} {}",
            format!("[{}]", n.severity.as_str()),
            n.message
        )?;
    }
    Ok(())
}
