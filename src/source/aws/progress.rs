//! Progress of a fetch, as events a TUI gauge or a CLI progress bar can show.
//!
//! After the bulk call, several phases run at once, so events of different phases interleave.
//! [`Gauge`] folds them into one fraction and a line of text.

use std::collections::BTreeMap;

use super::FetchStats;
use crate::source::wire::Gap;

/// The parts of a fetch, in the order they start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Phase {
    /// Credentials and `sts:GetCallerIdentity`.
    Identity,
    /// `iam:GetAccountAuthorizationDetails`: users, groups, roles, managed policies.
    Authorization,
    /// Referenced managed policies the bulk call did not list (e.g. permissions boundaries).
    Policies,
    /// `iam:ListRoles` for session limits and descriptions.
    Roles,
    /// OIDC and SAML identity providers.
    Providers,
    /// `iam:GetAccountSummary`.
    Summary,
    /// Generating and reading the credential report.
    CredentialReport,
    /// Access keys (with last use) and MFA devices of every user.
    UserCredentials,
    /// The organization's service control policies.
    Organization,
}

impl Phase {
    pub const ALL: [Phase; 9] = [
        Phase::Identity,
        Phase::Authorization,
        Phase::Policies,
        Phase::Roles,
        Phase::Providers,
        Phase::Summary,
        Phase::CredentialReport,
        Phase::UserCredentials,
        Phase::Organization,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Phase::Identity => "identifying the caller",
            Phase::Authorization => "reading users, groups, roles and policies",
            Phase::Policies => "reading referenced managed policies",
            Phase::Roles => "reading role settings",
            Phase::Providers => "reading identity providers",
            Phase::Summary => "reading the account summary",
            Phase::CredentialReport => "generating the credential report",
            Phase::UserCredentials => "reading access keys and MFA devices",
            Phase::Organization => "reading service control policies",
        }
    }

    /// Share of a typical fetch's time, for the gauge. The bulk call and the per-user calls
    /// dominate.
    fn weight(self) -> f64 {
        match self {
            Phase::Identity => 2.0,
            Phase::Authorization => 40.0,
            Phase::Policies => 4.0,
            Phase::Roles => 4.0,
            Phase::Providers => 2.0,
            Phase::Summary => 1.0,
            Phase::CredentialReport => 6.0,
            Phase::UserCredentials => 36.0,
            Phase::Organization => 5.0,
        }
    }
}

/// One step of a fetch.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// Credentials worked: this is who is fetching which account.
    Connected {
        account_id: String,
        caller_arn: String,
    },
    Started(Phase),
    /// `done` items of the phase so far (entities for the bulk call, users for the per-user
    /// reads, ...), out of `total` when it is known in advance.
    Advanced {
        phase: Phase,
        done: u64,
        total: Option<u64>,
    },
    Finished(Phase),
    /// A part could not be read; the fetch goes on without it.
    Gap(Gap),
    /// The snapshot is complete.
    Done(FetchStats),
}

#[derive(Debug, Clone, Copy, Default)]
struct PhaseState {
    started: bool,
    finished: bool,
    done: u64,
    total: Option<u64>,
}

/// Folds [`Progress`] events into a fraction done and a status line.
#[derive(Debug, Clone, Default)]
pub struct Gauge {
    phases: BTreeMap<Phase, PhaseState>,
    account: Option<String>,
    gaps: usize,
    finished: bool,
}

impl Gauge {
    pub fn new() -> Gauge {
        Gauge::default()
    }

    pub fn update(&mut self, event: &Progress) {
        match event {
            Progress::Connected { account_id, .. } => self.account = Some(account_id.clone()),
            Progress::Started(p) => self.phases.entry(*p).or_default().started = true,
            Progress::Advanced { phase, done, total } => {
                let s = self.phases.entry(*phase).or_default();
                s.started = true;
                // Counts only grow, but events of concurrent tasks may arrive out of order.
                s.done = s.done.max(*done);
                s.total = *total;
            }
            Progress::Finished(p) => {
                let s = self.phases.entry(*p).or_default();
                s.started = true;
                s.finished = true;
            }
            Progress::Gap(_) => self.gaps += 1,
            Progress::Done(_) => self.finished = true,
        }
    }

    /// 0.0 ..= 1.0.
    pub fn fraction(&self) -> f64 {
        if self.finished {
            return 1.0;
        }
        let total: f64 = Phase::ALL.iter().map(|p| p.weight()).sum();
        let done: f64 = Phase::ALL
            .iter()
            .map(|p| {
                let s = self.phases.get(p).copied().unwrap_or_default();
                let share = if s.finished {
                    1.0
                } else if !s.started {
                    0.0
                } else {
                    match s.total {
                        Some(t) if t > 0 => (s.done as f64 / t as f64).min(0.99),
                        // Unknown size: credit half once something arrived.
                        _ if s.done > 0 => 0.5,
                        _ => 0.05,
                    }
                };
                share * p.weight()
            })
            .sum();
        (done / total).clamp(0.0, 1.0)
    }

    /// What is going on, e.g. `account 123456789012: reading access keys and MFA devices (120/400)`.
    pub fn message(&self) -> String {
        let running: Vec<String> = Phase::ALL
            .iter()
            .filter_map(|p| {
                let s = self.phases.get(p)?;
                if !s.started || s.finished {
                    return None;
                }
                Some(match s.total {
                    Some(t) => format!("{} ({}/{t})", p.label(), s.done),
                    None if s.done > 0 => format!("{} ({})", p.label(), s.done),
                    None => p.label().to_owned(),
                })
            })
            .collect();
        let mut out = match &self.account {
            Some(a) => format!("account {a}: "),
            None => String::new(),
        };
        if self.finished {
            out.push_str("done");
        } else if running.is_empty() {
            out.push_str("connecting");
        } else {
            out.push_str(&running.join(", "));
        }
        if self.gaps > 0 {
            out.push_str(&format!(
                " [{} part{} unreadable]",
                self.gaps,
                if self.gaps == 1 { "" } else { "s" }
            ));
        }
        out
    }
}
