//! `iamscope simulate`: can this principal do this action on this resource, and why.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;

use super::policy_files::{PolicyFileArgs, read_levels, read_policy};
use super::{CliError, CliResult, Exit, SourceArgs, TextFormat, write_json};
use crate::analysis::describe;
use crate::analysis::explain::LabeledPolicy;
use crate::analysis::principal::{CompiledAccount, Principal};
use crate::analysis::simulate::{self, Simulation};
use crate::eval::{CompiledPolicy, ContextValue, Decision, Evaluation, evaluate_line};
use crate::model::{Account, Arn, EntityRef};

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The caller: a user or role of the account, by name or ARN (an assumed-role session ARN
    /// resolves to its role).
    #[arg(long, required_unless_present = "batch")]
    pub principal: Option<String>,
    /// The action, e.g. `s3:GetObject`.
    #[arg(long, required_unless_present = "batch")]
    pub action: Option<String>,
    /// The resource ARN; `*` for actions without a resource type.
    #[arg(long, default_value = "*")]
    pub resource: String,
    /// The account that owns the resource, when its ARN has none (S3).
    #[arg(long, value_name = "ACCOUNT_ID")]
    pub resource_account: Option<String>,
    /// A request context key, overriding what iamscope derives from the principal. Repeat for
    /// more keys; a JSON list gives a multivalued key: `aws:TagKeys=["a","b"]`.
    #[arg(long = "context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    /// For `sts:AssumeRole` on a role of the account without `--resource-policy`, the role's
    /// trust policy is the resource policy.
    #[command(flatten)]
    pub policies: PolicyFileArgs,
    /// Role session name used in the caller's session ARN.
    #[arg(long, default_value = crate::analysis::principal::DEFAULT_SESSION_NAME)]
    pub session_name: String,
    /// Decide every request of FILE (JSON lines, FORMATS.md §2; `-` for standard input) and
    /// print one result per line. The account is not used.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["principal", "action"])]
    pub batch: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: TextFormat,
}

pub fn run(args: &SimulateArgs, source: &SourceArgs, out: &mut dyn Write) -> CliResult {
    if let Some(batch) = &args.batch {
        return run_batch(batch, out);
    }
    let account = source.load()?;
    let evaluation = simulate(args, &account)?;
    match args.format {
        TextFormat::Json => write_json(
            out,
            &json!({
                "decision": evaluation.decision.as_str(),
                "trace": evaluation.trace,
            }),
        )?,
        TextFormat::Text => write_text(out, &evaluation)?,
    }
    Ok(if evaluation.decision == Decision::Allow {
        Exit::Success
    } else {
        Exit::Denied
    })
}

fn simulate(args: &SimulateArgs, account: &Account) -> Result<Evaluation, CliError> {
    let name = args.principal.as_deref().unwrap_or_default();
    let entity = account.lookup(name)?;
    let principal = Principal::try_from((account, entity))?;
    if args.resource != "*"
        && let Err(e) = Arn::parse(&args.resource)
    {
        return Err(CliError::from(format!("--resource: {e}")));
    }
    let files = &args.policies;
    let sim = Simulation {
        // A session ARN given on the command line keeps its session name.
        caller: if matches!(entity, EntityRef::Role(_)) && name.contains(":assumed-role/") {
            name.to_owned()
        } else {
            principal.caller_arn(account, &args.session_name)
        },
        action: args.action.clone().unwrap_or_default(),
        resource: args.resource.clone(),
        resource_account: args.resource_account.clone(),
        context: args
            .context
            .iter()
            .map(|entry| parse_context_arg(entry))
            .collect::<Result<_, _>>()?,
        resource_policy: files
            .resource_policy
            .as_deref()
            .map(|p| read_policy(p).map(compile_file))
            .transpose()?,
        scps: files
            .scps
            .as_deref()
            .map(|p| read_levels(p, "scp").map(compiled_levels))
            .transpose()?,
        rcps: match &files.rcps {
            Some(p) => compiled_levels(read_levels(p, "rcp")?),
            None => Vec::new(),
        },
        session_policy: files
            .session_policy
            .as_deref()
            .map(|p| read_policy(p).map(compile_file))
            .transpose()?,
    };
    let compiled = CompiledAccount::new(account);
    Ok(simulate::simulate(
        account,
        &compiled,
        principal,
        sim,
        jiff::Timestamp::now(),
    ))
}

/// `KEY=VALUE`, or `KEY=["a","b"]` for a multivalued key.
pub fn parse_context_arg(entry: &str) -> Result<(String, ContextValue), CliError> {
    let Some((key, value)) = entry.split_once('=') else {
        return Err(CliError::from(format!(
            "--context `{entry}`: expected KEY=VALUE, e.g. aws:SourceIp=203.0.113.5"
        )));
    };
    let key = key.trim();
    if key.is_empty() {
        return Err(CliError::from(format!(
            "--context `{entry}`: the key is empty"
        )));
    }
    let value = if value.trim_start().starts_with('[') {
        let items: Vec<String> = serde_json::from_str(value).map_err(|e| {
            CliError::from(format!(
                "--context `{entry}`: a list value must be a JSON list of strings ({e})"
            ))
        })?;
        ContextValue::Multi(items)
    } else {
        ContextValue::Single(value.to_owned())
    };
    Ok((key.to_owned(), value))
}

fn compile_file(p: LabeledPolicy) -> CompiledPolicy {
    CompiledPolicy::labeled(p.label, &p.document)
}

fn compiled_levels(levels: Vec<Vec<LabeledPolicy>>) -> Vec<Vec<CompiledPolicy>> {
    levels
        .into_iter()
        .map(|level| level.into_iter().map(compile_file).collect())
        .collect()
}

fn run_batch(path: &Path, out: &mut dyn Write) -> CliResult {
    let reader: Box<dyn BufRead> = if path == Path::new("-") {
        Box::new(std::io::BufReader::new(std::io::stdin()))
    } else {
        let file = std::fs::File::open(path)
            .map_err(|e| CliError::from(format!("cannot read `{}`: {e}", path.display())))?;
        Box::new(std::io::BufReader::new(file))
    };
    for (n, line) in reader.lines().enumerate() {
        let line =
            line.map_err(|e| CliError::from(format!("`{}`, line {}: {e}", path.display(), n + 1)))?;
        if line.trim().is_empty() {
            continue;
        }
        let result = evaluate_line(&line);
        serde_json::to_writer(&mut *out, &result)?;
        writeln!(out)?;
        // A caller may feed one line and wait for its answer.
        out.flush()?;
    }
    Ok(Exit::Success)
}

fn write_text(out: &mut dyn Write, ev: &Evaluation) -> std::io::Result<()> {
    for (kind, depth, line) in describe::trace_lines(ev) {
        if kind == describe::LineKind::Heading {
            writeln!(out)?;
        }
        writeln!(out, "{:width$}{line}", "", width = depth * 2)?;
    }
    Ok(())
}
