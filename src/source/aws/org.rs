//! The organization's service control policies that apply to the account, one list per level
//! from the root down to the account itself.
//!
//! Only the management account and delegated administrators may walk the organization; from a
//! member account the walk is denied and the SCPs become a gap. SCPs do not apply to the
//! management account, nor in an organization without all features or with SCPs disabled: the
//! list is then empty, and that is not a gap.

use std::collections::HashMap;

use aws_sdk_organizations::types::{
    OrganizationFeatureSet, ParentType, PolicyType, PolicyTypeStatus,
};

use super::failure::Failure;
use super::{Ctx, Phase, Progress};
use crate::policy::EncodedDocument;
use crate::policy::wire::decode_document_text;
use crate::source::wire::OrgPolicy;

const PART: &str = "service control policies";

/// OUs nest at most five deep under the root; a longer chain means a confused server.
const MAX_DEPTH: usize = 8;

pub(crate) async fn service_control_policies(ctx: &Ctx, account_id: &str) -> Vec<Vec<OrgPolicy>> {
    ctx.progress.send(Progress::Started(Phase::Organization));
    let levels = match walk(ctx, account_id).await {
        Ok(levels) => levels,
        Err(f) => {
            ctx.gap(PART, f.reason());
            Vec::new()
        }
    };
    ctx.progress.send(Progress::Finished(Phase::Organization));
    levels
}

async fn walk(ctx: &Ctx, account_id: &str) -> Result<Vec<Vec<OrgPolicy>>, Failure> {
    let described = {
        let _slot = ctx.permit().await;
        ctx.org.describe_organization().send().await
    };
    let org = match described {
        Ok(out) => out,
        Err(e) => {
            let f = Failure::from_sdk("organizations:DescribeOrganization", &e);
            // Not in an organization: no SCP applies, nothing is missing.
            if f.code.as_deref() == Some("AWSOrganizationsNotInUseException") {
                return Ok(Vec::new());
            }
            return Err(f);
        }
    };
    let Some(org) = org.organization() else {
        return Ok(Vec::new());
    };
    if matches!(
        org.feature_set(),
        Some(OrganizationFeatureSet::ConsolidatedBilling)
    ) || org.master_account_id() == Some(account_id)
    {
        return Ok(Vec::new());
    }

    let roots = {
        let _slot = ctx.permit().await;
        ctx.org.list_roots().send().await
    }
    .map_err(|e| Failure::from_sdk("organizations:ListRoots", &e))?;
    let scps_enabled = roots.roots().iter().any(|r| {
        r.policy_types().iter().any(|t| {
            t.r#type() == Some(&PolicyType::ServiceControlPolicy)
                && t.status() == Some(&PolicyTypeStatus::Enabled)
        })
    });
    if !scps_enabled {
        return Ok(Vec::new());
    }

    // The account, then each parent up to the root.
    let mut targets = vec![account_id.to_owned()];
    loop {
        let child = targets.last().cloned().unwrap_or_default();
        let parents = {
            let _slot = ctx.permit().await;
            ctx.org.list_parents().child_id(&child).send().await
        }
        .map_err(|e| Failure::from_sdk("organizations:ListParents", &e))?;
        let Some(parent) = parents.parents().first() else {
            return Err(Failure::other(
                "organizations:ListParents",
                format!("`{child}` has no parent but is not the root"),
            ));
        };
        let Some(id) = parent.id() else {
            return Err(Failure::other(
                "organizations:ListParents",
                "a parent has no id",
            ));
        };
        targets.push(id.to_owned());
        if matches!(parent.r#type(), Some(ParentType::Root)) {
            break;
        }
        if targets.len() > MAX_DEPTH {
            return Err(Failure::other(
                "organizations:ListParents",
                "the chain of parents does not reach the root",
            ));
        }
    }
    targets.reverse();

    // FullAWSAccess is typically attached at every level: describe each policy once.
    let mut documents: HashMap<String, EncodedDocument> = HashMap::new();
    let mut levels = Vec::with_capacity(targets.len());
    for (n, target) in targets.iter().enumerate() {
        let mut level = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = {
                let _slot = ctx.permit().await;
                ctx.org
                    .list_policies_for_target()
                    .target_id(target)
                    .filter(PolicyType::ServiceControlPolicy)
                    .set_next_token(token.clone())
                    .send()
                    .await
            }
            .map_err(|e| Failure::from_sdk("organizations:ListPoliciesForTarget", &e))?;
            for summary in page.policies() {
                let Some(id) = summary.id() else {
                    continue;
                };
                let document = match documents.get(id) {
                    Some(d) => d.clone(),
                    None => {
                        let d = describe(ctx, id).await?;
                        documents.insert(id.to_owned(), d.clone());
                        d
                    }
                };
                level.push(OrgPolicy {
                    id: id.to_owned(),
                    arn: summary.arn().unwrap_or_default().to_owned(),
                    name: summary.name().unwrap_or(id).to_owned(),
                    target: target.clone(),
                    document,
                });
            }
            match page.next_token() {
                Some(t) if !t.is_empty() && Some(t) != token.as_deref() => {
                    token = Some(t.to_owned())
                }
                _ => break,
            }
        }
        levels.push(level);
        ctx.progress.send(Progress::Advanced {
            phase: Phase::Organization,
            done: n as u64 + 1,
            total: Some(targets.len() as u64),
        });
    }
    Ok(levels)
}

async fn describe(ctx: &Ctx, id: &str) -> Result<EncodedDocument, Failure> {
    const ACTION: &str = "organizations:DescribePolicy";
    let out = {
        let _slot = ctx.permit().await;
        ctx.org.describe_policy().policy_id(id).send().await
    }
    .map_err(|e| Failure::from_sdk(ACTION, &e))?;
    let content = out
        .policy()
        .and_then(|p| p.content())
        .ok_or_else(|| Failure::other(ACTION, format!("policy {id} has no content")))?;
    decode_document_text(content)
        .map(EncodedDocument)
        .map_err(|e| Failure::other(ACTION, format!("policy {id}: {e}")))
}
