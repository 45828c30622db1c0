//! `iamscope explain [MESSAGE]`: why AWS denied a request, and the smallest fix.
//!
//! The message comes from the arguments or, when there are none, standard input (so a user can
//! paste a multi-line SDK exception, or pipe a log). JSON output is FORMATS.md §4; the exit
//! code is 2 when the snapshot denies the request, 0 when it allows it (FORMATS.md §6).

use std::io::{Read, Write};
use std::path::PathBuf;

use clap::Args;

use super::policy_files::{PolicyFileArgs, read_levels, read_policy};
use super::simulate::parse_context_arg;
use super::{CliError, CliResult, Exit, SourceArgs, TextFormat, write_json};
use crate::analysis::explain::{
    ExplainOptions, Explanation, apply_decoded_message, explain, parse_message,
};
use crate::eval::{CauseKind, Decision};

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  iamscope explain --demo 'User: arn:aws:iam::123456789012:user/alice is not authorized to perform: s3:DeleteObject on resource: \"arn:aws:s3:::my-app-prod-data/a.csv\" with an explicit deny in an identity-based policy'\n  aws s3 cp s3://bucket/key . 2>&1 | iamscope explain --snapshot account.json --principal alice --resource arn:aws:s3:::bucket/key"
)]
pub struct ExplainArgs {
    /// The AccessDenied message as AWS printed it: a whole AWS CLI error line, an SDK
    /// exception, a CloudTrail record. Read from standard input when absent.
    pub message: Vec<String>,
    /// The caller, when the message names none (S3's `Access Denied`) or to override it: a user
    /// or role name or ARN, or an assumed-role session ARN.
    #[arg(long, value_name = "NAME|ARN")]
    pub principal: Option<String>,
    /// The action, when the message names none, e.g. `s3:GetObject`.
    #[arg(long, value_name = "SERVICE:ACTION")]
    pub action: Option<String>,
    /// The resource ARN, when the message names none.
    #[arg(long, value_name = "ARN")]
    pub resource: Option<String>,
    /// The account that owns the resource, when its ARN has none (S3).
    #[arg(long, value_name = "ACCOUNT_ID")]
    pub resource_account: Option<String>,
    #[command(flatten)]
    pub policies: PolicyFileArgs,
    /// The output of `aws sts decode-authorization-message --encoded-message ...` for the
    /// message's encoded authorization failure message: it names the caller, action, resource
    /// and the request's context keys.
    #[arg(long, value_name = "FILE")]
    pub decoded: Option<PathBuf>,
    /// A request context key the message cannot tell, e.g. `aws:SourceIp=203.0.113.5` or
    /// `aws:MultiFactorAuthPresent=true`. Repeat for more keys; a JSON list gives a
    /// multivalued key.
    #[arg(long = "context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    /// `text` for people; `json` for scripts (FORMATS.md §4).
    #[arg(long, value_enum, default_value = "text")]
    pub format: TextFormat,
}

pub fn run(args: &ExplainArgs, source: &SourceArgs, out: &mut dyn Write) -> CliResult {
    let text = if args.message.is_empty() {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(|e| {
            CliError::from(format!("cannot read the message from standard input: {e}"))
        })?;
        s
    } else {
        args.message.join(" ")
    };
    let mut parsed = parse_message(&text)?;
    if let Some(path) = &args.decoded {
        let decoded = std::fs::read_to_string(path)
            .map_err(|e| CliError::from(format!("cannot read `{}`: {e}", path.display())))?;
        apply_decoded_message(&mut parsed, &decoded)
            .map_err(|e| CliError::from(format!("`{}`: {e}", path.display())))?;
    }
    let options = options(args, source)?;
    let account = source.load()?;
    let explanation = explain(&account, &parsed, &options)?;
    match args.format {
        TextFormat::Json => write_json(out, &explanation)?,
        TextFormat::Text => write_text(out, &explanation)?,
    }
    Ok(if explanation.decision == Decision::Allow {
        Exit::Success
    } else {
        Exit::Denied
    })
}

fn options(args: &ExplainArgs, source: &SourceArgs) -> Result<ExplainOptions, CliError> {
    let mut context = Vec::with_capacity(args.context.len());
    for entry in &args.context {
        context.push(parse_context_arg(entry)?);
    }
    Ok(ExplainOptions {
        principal: args.principal.clone(),
        action: args.action.clone(),
        resource: args.resource.clone(),
        resource_account: args.resource_account.clone(),
        resource_policy: args
            .policies
            .resource_policy
            .as_deref()
            .map(read_policy)
            .transpose()?,
        scps: args
            .policies
            .scps
            .as_deref()
            .map(|p| read_levels(p, "scp"))
            .transpose()?,
        rcps: match &args.policies.rcps {
            Some(p) => read_levels(p, "rcp")?,
            None => Vec::new(),
        },
        session_policy: args
            .policies
            .session_policy
            .as_deref()
            .map(read_policy)
            .transpose()?,
        context,
        region: source.region.clone(),
        now: Some(jiff::Timestamp::now()),
    })
}

fn decision_title(d: Decision) -> &'static str {
    match d {
        Decision::Allow => "ALLOWED by the snapshot",
        Decision::ExplicitDeny => "DENIED (explicit deny)",
        Decision::ImplicitDeny => "DENIED (nothing allows it)",
    }
}

fn write_text(out: &mut dyn Write, e: &Explanation) -> std::io::Result<()> {
    writeln!(out, "{}", decision_title(e.decision))?;
    writeln!(out, "  caller     {}", e.principal_arn)?;
    if let Some(s) = &e.session_arn {
        writeln!(out, "  session    {s}")?;
    }
    writeln!(out, "  action     {}", e.action)?;
    writeln!(out, "  resource   {}", e.resource)?;
    if e.cross_account {
        writeln!(
            out,
            "  cross-account: the resource belongs to {}; both sides must allow",
            e.resource_account
        )?;
    }
    writeln!(out, "\n{}", e.summary)?;
    if !e.causes.is_empty() {
        writeln!(out, "\nWhy")?;
        for c in &e.causes {
            let kind = match c.kind {
                CauseKind::ExplicitDeny => "explicit deny",
                CauseKind::MissingAllow => "missing allow",
            };
            let assumed = if c.assumed {
                " (if the context differs)"
            } else {
                ""
            };
            writeln!(out, "  - {kind}{assumed}: {}", c.detail)?;
            if let Some(doc) = &c.document {
                writeln!(
                    out,
                    "      {}",
                    serde_json::to_string(doc).unwrap_or_default()
                )?;
            }
        }
    }
    if !e.conditions.is_empty() {
        writeln!(out, "\nConditions")?;
        for c in &e.conditions {
            writeln!(out, "  - {}", c.text)?;
        }
    }
    writeln!(out, "\nThe message")?;
    if let Some(claim) = &e.message.claim {
        writeln!(out, "  AWS said: {}", claim.text)?;
    }
    // The note says the verdict in words; the agreement is in the JSON.
    writeln!(out, "  {}", e.message.note)?;
    if !e.likely_reasons.is_empty() {
        writeln!(out, "\nLikely reasons AWS denied it")?;
        for r in &e.likely_reasons {
            writeln!(out, "  - {r}")?;
        }
    }
    for (i, f) in e.fixes.iter().enumerate() {
        let title = if e.fixes.len() == 1 {
            "Fix".to_owned()
        } else {
            format!("Fix {} of {}", i + 1, e.fixes.len())
        };
        writeln!(out, "\n{title} — {}", f.owner)?;
        writeln!(out, "  {}", f.summary)?;
        writeln!(
            out,
            "  statement: {}",
            serde_json::to_string(&f.statement).unwrap_or_default()
        )?;
        for cmd in &f.cli {
            writeln!(out, "  $ {cmd}")?;
        }
    }
    if !e.assumptions.is_empty() {
        writeln!(out, "\nAssumptions")?;
        for a in &e.assumptions {
            writeln!(out, "  - {a}")?;
        }
    }
    Ok(())
}
