//! `iamscope scan`: every risk finding of the account (FORMATS.md §3), as a table, JSON,
//! SARIF 2.1.0 or Markdown; exit 3 when a finding reaches `--fail-on`.

use std::collections::BTreeMap;
use std::io::Write;

use clap::Args;
use serde_json::{Value, json};

use super::ls::write_table;
use super::{CliResult, Exit, write_json};
use crate::analysis::findings::{Finding, Kind, Severity};
use crate::analysis::{privesc, rules};
use crate::model::Account;

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// The account to scan: `aws iam get-account-authorization-details` output (either form)
    /// or an iamscope snapshot. The same as `--snapshot FILE`.
    #[arg(value_name = "SOURCE", conflicts_with_all = ["snapshot", "demo"])]
    pub source: Option<std::path::PathBuf>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ScanFormat,
    /// Exit with code 3 when any finding is at least this severe.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,
    /// Show only findings at least this severe.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub min_severity: Option<Severity>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScanFormat {
    Table,
    Json,
    Sarif,
    Markdown,
}

pub fn run(args: &ScanArgs, account: &Account, out: &mut dyn Write) -> CliResult {
    // Ages are measured at the time the account was fetched, so a saved snapshot scans the
    // same way every day; a live account has no fetch time and uses now.
    let now = account.info.fetched_at.unwrap_or_else(jiff::Timestamp::now);
    let mut findings = rules::scan(account, now);
    let failed = args
        .fail_on
        .is_some_and(|min| findings.iter().any(|f| f.severity >= min));
    if let Some(min) = args.min_severity {
        findings.retain(|f| f.severity >= min);
    }
    match args.format {
        ScanFormat::Json => write_json(out, &json_report(account, now, &findings))?,
        ScanFormat::Sarif => write_json(out, &sarif(&findings))?,
        ScanFormat::Markdown => markdown(out, account, now, &findings)?,
        ScanFormat::Table => table(out, &findings)?,
    }
    // The process exits meanwhile.
    crate::analysis::let_go_elsewhere(findings);
    Ok(if failed {
        Exit::Findings
    } else {
        Exit::Success
    })
}

/// FORMATS.md §3, plus the clock the scan used and the catalog version.
#[derive(serde::Serialize)]
pub struct JsonReport<'a> {
    account_id: &'a str,
    as_of: String,
    catalog_version: &'a str,
    findings: &'a [Finding],
}

/// The report, written straight from the findings (a large account has a hundred thousand).
pub fn json_report<'a>(
    account: &'a Account,
    now: jiff::Timestamp,
    findings: &'a [Finding],
) -> JsonReport<'a> {
    JsonReport {
        account_id: &account.info.account_id,
        as_of: now.to_string(),
        catalog_version: &crate::catalog::source().version,
        findings,
    }
}

fn subject(f: &Finding) -> &str {
    let arn = f
        .principal_arn
        .as_deref()
        .or(f.policy_arn.as_deref())
        .unwrap_or(&f.id);
    arn.rsplit(['/', ':']).next().unwrap_or(arn)
}

fn counts(findings: &[Finding]) -> String {
    let mut by: BTreeMap<std::cmp::Reverse<Severity>, usize> = BTreeMap::new();
    for f in findings {
        *by.entry(std::cmp::Reverse(f.severity)).or_default() += 1;
    }
    let parts: Vec<String> = by
        .into_iter()
        .map(|(s, n)| format!("{n} {}", s.0))
        .collect();
    format!(
        "{} finding{}{}",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        if parts.is_empty() {
            String::new()
        } else {
            format!(": {}", parts.join(", "))
        }
    )
}

fn table(out: &mut dyn Write, findings: &[Finding]) -> std::io::Result<()> {
    let rows: Vec<Vec<String>> = findings
        .iter()
        .map(|f| {
            vec![
                f.severity.to_string(),
                f.rule.clone(),
                subject(f).to_owned(),
                f.title.clone(),
            ]
        })
        .collect();
    if !rows.is_empty() {
        write_table(out, &["SEVERITY", "RULE", "SUBJECT", "TITLE"], &rows)?;
        writeln!(out)?;
    }
    writeln!(out, "{}", counts(findings))
}

fn markdown(
    out: &mut dyn Write,
    account: &Account,
    now: jiff::Timestamp,
    findings: &[Finding],
) -> std::io::Result<()> {
    writeln!(
        out,
        "# iamscope scan of account {}",
        account.info.account_id
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "As of {}. {}.",
        now.strftime("%Y-%m-%d %H:%M UTC"),
        counts(findings)
    )?;
    writeln!(out)?;
    if !findings.is_empty() {
        writeln!(out, "| Severity | Rule | Subject | Finding |")?;
        writeln!(out, "|---|---|---|---|")?;
        for f in findings {
            writeln!(
                out,
                "| {} | `{}` | {} | {} |",
                f.severity,
                f.rule,
                md_cell(subject(f)),
                md_cell(&f.title)
            )?;
        }
        writeln!(out)?;
    }
    for f in findings {
        writeln!(out, "## {} — {}", f.severity, md_text(&f.title))?;
        writeln!(out)?;
        writeln!(out, "- Rule: `{}` ({})", f.rule, f.kind)?;
        if let Some(p) = &f.principal_arn {
            writeln!(out, "- Principal: `{p}`")?;
        }
        if let Some(p) = &f.policy_arn {
            writeln!(out, "- Policy: `{p}`")?;
        }
        writeln!(out)?;
        writeln!(out, "{}", md_text(&f.detail))?;
        writeln!(out)?;
        if !f.path.is_empty() {
            let path: Vec<String> = f.path.iter().map(|p| format!("`{p}`")).collect();
            writeln!(out, "Path: {}", path.join(" → "))?;
            writeln!(out)?;
        }
        if !f.evidence.is_empty() {
            writeln!(out, "Evidence:")?;
            for e in &f.evidence {
                writeln!(out, "- `{}` statement `{}`", e.policy, e.statement)?;
            }
            writeln!(out)?;
        }
        if !f.conditions.is_empty() {
            writeln!(out, "Only when:")?;
            for c in &f.conditions {
                writeln!(out, "- {}", md_text(c))?;
            }
            writeln!(out)?;
        }
        writeln!(out, "**Fix:** {}", md_text(&f.fix))?;
        writeln!(out)?;
    }
    Ok(())
}

fn md_text(s: &str) -> String {
    s.replace('<', "&lt;").replace('>', "&gt;")
}

fn md_cell(s: &str) -> String {
    md_text(s).replace('|', "\\|")
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// SARIF 2.1.0: one rule per rule id (the privilege-escalation techniques included), one
/// result per finding, located logically at the principal or policy ARN.
pub fn sarif(findings: &[Finding]) -> Value {
    let mut rule_list: Vec<Value> = rules::all()
        .iter()
        .map(|r| sarif_rule(r.id(), r.summary(), r.summary(), r.severity(), r.kind()))
        .collect();
    for t in privesc::TECHNIQUES {
        let id = format!("privesc.{}", t.id);
        rule_list.push(sarif_rule(
            &id,
            &format!("privilege escalation with {}", t.name),
            &format!(
                "A principal can make itself administrator with {} ({}).",
                t.name, t.source
            ),
            Severity::Critical,
            Kind::PrivilegeEscalation,
        ));
    }
    let index: BTreeMap<String, usize> = rule_list
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some((r["id"].as_str()?.to_owned(), i)))
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let location = f.principal_arn.as_deref().or(f.policy_arn.as_deref());
            let mut text = format!("{}. {}", f.title, f.detail);
            if !f.fix.is_empty() {
                text.push_str(&format!(" Fix: {}", f.fix));
            }
            json!({
                "ruleId": f.rule,
                "ruleIndex": index.get(&f.rule),
                "level": sarif_level(f.severity),
                "message": {"text": text},
                "locations": location.map(|arn| vec![json!({
                    "logicalLocations": [{"fullyQualifiedName": arn, "kind": "resource"}]
                })]).unwrap_or_default(),
                "partialFingerprints": {"iamscopeFindingId/v1": f.id},
                "properties": {
                    "severity": f.severity,
                    "kind": f.kind,
                    "path": f.path,
                    "evidence": f.evidence,
                    "fix": f.fix,
                    "conditions": f.conditions,
                },
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "iamscope",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/iamscope/iamscope",
                "rules": rule_list,
            }},
            "results": results,
        }],
    })
}

fn sarif_rule(id: &str, short: &str, full: &str, severity: Severity, kind: Kind) -> Value {
    json!({
        "id": id,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "defaultConfiguration": {"level": sarif_level(severity)},
        "properties": {"kind": kind, "severity": severity},
    })
}
