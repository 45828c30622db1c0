//! `iamscope simulate`: can this principal do this action on this resource, and why.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;

use super::policy_files::{PolicyFileArgs, read_levels, read_policy};
use super::{CliError, CliResult, Exit, SourceArgs, TextFormat, write_json};
use crate::analysis::describe;
use crate::analysis::explain::LabeledPolicy;
use crate::analysis::principal::{CompiledAccount, Principal, request_context};
use crate::eval::{
    CompiledPolicy, ContextValue, Decision, Evaluation, Request, ResourcePolicyKind, evaluate,
    evaluate_line,
};
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
    let action = args.action.as_deref().unwrap_or_default();
    let principal = Principal::try_from((account, account.lookup(name)?))?;
    let compiled = CompiledAccount::new(account);
    let mut set = compiled.policy_set(account, principal);

    let mut context = request_context(account, principal, jiff::Timestamp::now());
    for entry in &args.context {
        let (key, value) = parse_context_arg(entry)?;
        context.insert(&key, value);
    }
    let caller = match account.lookup(name) {
        // A session ARN given on the command line keeps its session name.
        Ok(EntityRef::Role(_)) if name.contains(":assumed-role/") => name.to_owned(),
        _ => principal.caller_arn(account, &args.session_name),
    };
    let mut request = Request::new(&caller, action, &args.resource).with_context(context);
    if let Some(a) = &args.resource_account {
        request = request.with_resource_account(a);
    }

    let files = &args.policies;
    if let Some(path) = &files.resource_policy {
        set.resource_policy = Some(compile_file(read_policy(path)?));
    } else if action.to_ascii_lowercase().starts_with("sts:assumerole")
        && let Some(EntityRef::Role(role)) = account.by_arn(&args.resource)
        && let Some(trust) = compiled.trust_policy(role)
    {
        set.resource_policy = Some(trust.clone());
        set.resource_policy_kind = ResourcePolicyKind::RoleTrust;
    }
    if let Some(path) = &files.scps {
        set.scps = compiled_levels(read_levels(path, "scp")?);
    }
    if let Some(path) = &files.rcps {
        set.rcps = compiled_levels(read_levels(path, "rcp")?);
    }
    if let Some(path) = &files.session_policy {
        set.session_policy = Some(compile_file(read_policy(path)?));
    }
    if args.resource != "*"
        && let Err(e) = Arn::parse(&args.resource)
    {
        return Err(CliError::from(format!("--resource: {e}")));
    }
    Ok(evaluate(&set, &request))
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
    }
    Ok(Exit::Success)
}

fn write_text(out: &mut dyn Write, ev: &Evaluation) -> std::io::Result<()> {
    let t = &ev.trace;
    writeln!(out, "{}", describe::decision_words(ev.decision))?;
    writeln!(out, "  principal  {}", t.principal)?;
    writeln!(out, "  action     {}", t.action)?;
    writeln!(out, "  resource   {}", t.resource)?;
    if t.cross_account {
        writeln!(
            out,
            "  cross-account: the resource belongs to {}; both sides must allow",
            t.resource_account
        )?;
    }
    if !t.causes.is_empty() {
        writeln!(out, "\nWhy")?;
        for c in &t.causes {
            writeln!(out, "  - {}", describe::cause_words(c))?;
        }
    }
    writeln!(out, "\nLayers")?;
    for layer in &t.layers {
        writeln!(
            out,
            "  {:<26} {}",
            describe::layer_name(layer.layer, layer.level),
            describe::status_words(layer.status)
        )?;
        for m in &layer.matched {
            writeln!(
                out,
                "      {} by {}",
                m.effect,
                describe::statement_words(&m.policy, m.statement, m.sid.as_deref())
            )?;
        }
        for miss in &layer.near_misses {
            writeln!(
                out,
                "      {} {} did not apply:",
                miss.effect,
                describe::statement_words(&miss.policy, miss.statement, miss.sid.as_deref())
            )?;
            for r in &miss.reasons {
                writeln!(out, "        {}", describe::miss_words(r))?;
            }
        }
    }
    for e in &t.errors {
        writeln!(
            out,
            "  error in {}: {}",
            describe::statement_words(&e.policy, e.statement, e.sid.as_deref()),
            e.message
        )?;
    }
    Ok(())
}
