#!/usr/bin/env python3
"""Build the privilege-escalation test account: one principal per known technique, plus traps.

Usage: python3 tests/data/privesc/build.py   (writes account.json and expected.json beside it)

Standard library only, deterministic. The account is in the `aws iam
get-account-authorization-details` form with the iamscope snapshot header (FORMATS.md section 1).

Every technique principal is a user named `pe-<technique>` holding exactly the permissions the
technique needs (on "*", PassRole on "*"), so it can reach one of the administrator targets.
Traps are named `fp-...` (must produce no privilege-escalation finding) and `fn-...` (must
produce one: the cases policy-at-a-time scanners miss). expected.json maps each principal name
to the rule ids of which at least one must be found, or to [] for "none at all".
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ACCOUNT = "111122223333"
TESTER = "arn:aws:iam::999988887777:role/tester"
CREATED = "2025-01-01T00:00:00Z"


def arn(kind, name):
    return f"arn:aws:iam::{ACCOUNT}:{kind}/{name}"


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(actions, resource="*", **extra):
    s = {"Effect": "Allow", "Action": actions, "Resource": resource}
    s.update(extra)
    return s


def deny(actions, resource="*", **extra):
    s = {"Effect": "Deny", "Action": actions, "Resource": resource}
    s.update(extra)
    return s


ADMIN = doc(allow("*"))

users, roles, groups, policies = [], [], [], []
report, expected = [], {}


def managed(name, document, versions=None):
    """A customer managed policy; `versions` is [(id, document, is_default)]."""
    versions = versions or [("v1", document, True)]
    policies.append({
        "PolicyName": name, "PolicyId": "ANPA" + name.upper().replace("-", "")[:16],
        "Arn": arn("policy", name), "Path": "/",
        "DefaultVersionId": next(v for v, _, d in versions if d),
        "AttachmentCount": 0, "PermissionsBoundaryUsageCount": 0, "IsAttachable": True,
        "CreateDate": CREATED, "UpdateDate": CREATED,
        "PolicyVersionList": [
            {"Document": d, "VersionId": v, "IsDefaultVersion": default, "CreateDate": CREATED}
            for v, d, default in versions
        ],
    })
    return arn("policy", name)


def attach(entity, policy_arn):
    entity["AttachedManagedPolicies"].append(
        {"PolicyName": policy_arn.rsplit("/", 1)[1], "PolicyArn": policy_arn})
    for p in policies:
        if p["Arn"] == policy_arn:
            p["AttachmentCount"] += 1


def user(name, inline=None, attached=(), groups_=(), boundary=None, password=False, mfa=False):
    u = {
        "UserName": name, "UserId": "AIDA" + name.upper().replace("-", "")[:16], "Path": "/",
        "Arn": arn("user", name), "CreateDate": CREATED, "GroupList": list(groups_),
        "UserPolicyList": [], "AttachedManagedPolicies": [], "Tags": [],
    }
    for i, d in enumerate(inline or []):
        u["UserPolicyList"].append({"PolicyName": f"{name}-{i}", "PolicyDocument": d})
    for a in attached:
        attach(u, a)
    if boundary:
        u["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy",
                                    "PermissionsBoundaryArn": boundary}
    users.append(u)
    report.append({
        "user": name, "arn": u["Arn"], "user_creation_time": CREATED,
        "password_enabled": "true" if password else "false",
        "mfa_active": "true" if mfa else "false",
        "access_key_1_active": "false", "access_key_2_active": "false",
    })
    return u


def role(name, trust, inline=None, attached=(), profile=False, boundary=None):
    r = {
        "RoleName": name, "RoleId": "AROA" + name.upper().replace("-", "")[:16], "Path": "/",
        "Arn": arn("role", name), "CreateDate": CREATED, "AssumeRolePolicyDocument": trust,
        "RolePolicyList": [], "AttachedManagedPolicies": [], "Tags": [{"Key": "t", "Value": "x"}],
        "InstanceProfileList": [], "RoleLastUsed": {"LastUsedDate": "2026-10-30T00:00:00Z"},
    }
    for i, d in enumerate(inline or []):
        r["RolePolicyList"].append({"PolicyName": f"{name}-{i}", "PolicyDocument": d})
    for a in attached:
        attach(r, a)
    if profile:
        r["InstanceProfileList"].append({
            "InstanceProfileName": name, "InstanceProfileId": "AIPA" + name.upper()[:16],
            "Arn": arn("instance-profile", name), "Path": "/", "CreateDate": CREATED,
            "Roles": []})
    if boundary:
        r["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy",
                                    "PermissionsBoundaryArn": boundary}
    roles.append(r)
    return r


def group(name, inline=None, attached=()):
    g = {
        "GroupName": name, "GroupId": "AGPA" + name.upper().replace("-", "")[:16], "Path": "/",
        "Arn": arn("group", name), "CreateDate": CREATED, "GroupPolicyList": [],
        "AttachedManagedPolicies": [],
    }
    for i, d in enumerate(inline or []):
        g["GroupPolicyList"].append({"PolicyName": f"{name}-{i}", "PolicyDocument": d})
    for a in attached:
        attach(g, a)
    groups.append(g)
    return g


def trust_services(*services):
    return doc({"Effect": "Allow", "Principal": {"Service": list(services)},
                "Action": "sts:AssumeRole"})


def trust_aws(*principals, **extra):
    s = {"Effect": "Allow", "Principal": {"AWS": list(principals)}, "Action": "sts:AssumeRole"}
    s.update(extra)
    return doc(s)


# ------------------------------------------------------------------ targets

admin_policy = managed("bench-admin", ADMIN)
SERVICES = [
    "ec2.amazonaws.com", "lambda.amazonaws.com", "glue.amazonaws.com",
    "cloudformation.amazonaws.com", "datapipeline.amazonaws.com", "codebuild.amazonaws.com",
    "sagemaker.amazonaws.com", "ecs-tasks.amazonaws.com", "tasks.apprunner.amazonaws.com",
    "bedrock-agentcore.amazonaws.com", "braket.amazonaws.com", "emr-serverless.amazonaws.com",
    "gamelift.amazonaws.com", "kinesisanalytics.amazonaws.com", "omics.amazonaws.com",
    "airflow-env.amazonaws.com", "amplify.amazonaws.com", "ssm.amazonaws.com",
    "states.amazonaws.com", "scheduler.amazonaws.com", "codestar.amazonaws.com",
]
role("target-admin-service-role", trust_services(*SERVICES), attached=[admin_policy], profile=True)
role("target-admin-cognito-role", doc({
    "Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:pool"}}}),
    attached=[admin_policy])
role("target-admin-assumable-role", trust_aws(f"arn:aws:iam::{ACCOUNT}:root"),
     attached=[admin_policy])
user("target-admin-user", attached=[admin_policy])
user("target-admin-console-user", attached=[admin_policy], password=True)
group("target-admin-group", attached=[admin_policy])
# A harmless role whose permissions an attacker can change and then use.
role("target-plain-role", trust_aws(f"arn:aws:iam::{ACCOUNT}:root"),
     inline=[doc(allow("s3:ListAllMyBuckets"))])
user("target-plain-user", inline=[doc(allow("s3:ListAllMyBuckets"))])
# Targets are administrators, not escalations.
for name in ["target-admin-service-role", "target-admin-cognito-role",
             "target-admin-assumable-role", "target-admin-user", "target-admin-console-user"]:
    expected[name] = []
# The plain targets cannot escalate on their own.
expected["target-plain-role"] = []
expected["target-plain-user"] = []


def pe(technique, statements, rule=None, **kw):
    name = f"pe-{technique}"
    user(name, inline=[doc(*statements)], **kw)
    expected[name] = [f"privesc.{rule or technique}"]


# ------------------------------------------------------------------ one per technique

pv = managed("pe-policy-version-target", doc(allow("s3:ListAllMyBuckets")))
user("pe-iam-create-policy-version", inline=[doc(allow("iam:CreatePolicyVersion"))],
     attached=[pv])
expected["pe-iam-create-policy-version"] = ["privesc.iam-create-policy-version"]

multi = managed("pe-multi-version", doc(allow("s3:ListAllMyBuckets")), versions=[
    ("v1", doc(allow("s3:ListAllMyBuckets")), True), ("v2", ADMIN, False)])
user("pe-iam-set-default-policy-version",
     inline=[doc(allow("iam:SetDefaultPolicyVersion"))], attached=[multi])
expected["pe-iam-set-default-policy-version"] = ["privesc.iam-set-default-policy-version"]

pe("iam-put-user-policy", [allow("iam:PutUserPolicy")])
pe("iam-attach-user-policy", [allow("iam:AttachUserPolicy")])
role("pe-iam-put-role-policy-role", trust_aws(TESTER), inline=[doc(allow("iam:PutRolePolicy"))])
expected["pe-iam-put-role-policy-role"] = ["privesc.iam-put-role-policy"]
role("pe-iam-attach-role-policy-role", trust_aws(TESTER),
     inline=[doc(allow("iam:AttachRolePolicy"))])
expected["pe-iam-attach-role-policy-role"] = ["privesc.iam-attach-role-policy"]
group("pe-own-group")
user("pe-iam-put-group-policy", inline=[doc(allow("iam:PutGroupPolicy"))],
     groups_=["pe-own-group"])
expected["pe-iam-put-group-policy"] = ["privesc.iam-put-group-policy"]
user("pe-iam-attach-group-policy", inline=[doc(allow("iam:AttachGroupPolicy"))],
     groups_=["pe-own-group"])
expected["pe-iam-attach-group-policy"] = ["privesc.iam-attach-group-policy"]
pe("iam-add-user-to-group", [allow("iam:AddUserToGroup")])
limit = managed("pe-limiting-boundary", doc(allow(["iam:DeleteUserPermissionsBoundary",
                                                   "iam:PutUserPermissionsBoundary"])))
user("pe-iam-delete-permissions-boundary", attached=[admin_policy], boundary=limit)
expected["pe-iam-delete-permissions-boundary"] = ["privesc.iam-delete-permissions-boundary"]
pe("iam-remove-deny-policy", [allow("*")], rule=None)
users[-1]["UserPolicyList"].append({"PolicyName": "guard",
                                    "PolicyDocument": doc(deny("s3:*"))})
expected["pe-iam-remove-deny-policy"] = ["privesc.iam-remove-deny-policy"]

pe("sts-assume-role", [allow("sts:AssumeRole")])
pe("iam-create-access-key", [allow("iam:CreateAccessKey")])
pe("iam-create-login-profile", [allow("iam:CreateLoginProfile")])
pe("iam-update-login-profile", [allow("iam:UpdateLoginProfile")])
pe("iam-update-assume-role-policy", [allow("iam:UpdateAssumeRolePolicy")])

PASS = allow("iam:PassRole")
for technique, actions in [
    ("passrole-ec2-run-instances", ["ec2:RunInstances"]),
    ("passrole-ec2-request-spot-instances", ["ec2:RequestSpotInstances"]),
    ("passrole-ec2-associate-instance-profile", ["ec2:AssociateIamInstanceProfile"]),
    ("passrole-autoscaling-launch-configuration",
     ["autoscaling:CreateLaunchConfiguration", "autoscaling:CreateAutoScalingGroup"]),
    ("passrole-autoscaling-launch-template",
     ["ec2:CreateLaunchTemplate", "autoscaling:CreateAutoScalingGroup"]),
    ("passrole-lambda-invoke", ["lambda:CreateFunction", "lambda:InvokeFunction"]),
    ("passrole-lambda-event-source", ["lambda:CreateFunction", "lambda:CreateEventSourceMapping"]),
    ("passrole-lambda-add-permission", ["lambda:CreateFunction", "lambda:AddPermission"]),
    ("passrole-glue-dev-endpoint", ["glue:CreateDevEndpoint"]),
    ("passrole-glue-job", ["glue:CreateJob", "glue:StartJobRun"]),
    ("passrole-glue-update-job", ["glue:UpdateJob", "glue:CreateTrigger"]),
    ("passrole-glue-session", ["glue:CreateSession", "glue:RunStatement"]),
    ("passrole-cloudformation-stack", ["cloudformation:CreateStack"]),
    ("passrole-cloudformation-stackset",
     ["cloudformation:CreateStackSet", "cloudformation:CreateStackInstances"]),
    ("passrole-cloudformation-update-stackset", ["cloudformation:UpdateStackSet"]),
    ("passrole-datapipeline", ["datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition",
                               "datapipeline:ActivatePipeline"]),
    ("passrole-codebuild-project", ["codebuild:CreateProject", "codebuild:StartBuild"]),
    ("passrole-codebuild-update-project", ["codebuild:UpdateProject", "codebuild:StartBuildBatch"]),
    ("passrole-sagemaker-notebook", ["sagemaker:CreateNotebookInstance"]),
    ("passrole-sagemaker-training-job", ["sagemaker:CreateTrainingJob"]),
    ("passrole-sagemaker-processing-job", ["sagemaker:CreateProcessingJob"]),
    ("passrole-ecs-task-definition", ["ecs:RegisterTaskDefinition", "ecs:CreateService"]),
    ("passrole-ecs-task-override", ["ecs:StartTask"]),
    ("passrole-apprunner-create-service", ["apprunner:CreateService"]),
    ("passrole-batch-job", ["batch:RegisterJobDefinition", "batch:SubmitJob"]),
    ("passrole-bedrock-code-interpreter", ["bedrock-agentcore:CreateCodeInterpreter",
                                           "bedrock-agentcore:StartCodeInterpreterSession",
                                           "bedrock-agentcore:InvokeCodeInterpreter"]),
    ("passrole-bedrock-agent-runtime", ["bedrock-agentcore:CreateAgentRuntime",
                                        "bedrock-agentcore:InvokeAgentRuntime"]),
    ("passrole-bedrock-harness", ["bedrock-agentcore:CreateHarness",
                                  "bedrock-agentcore:InvokeHarness"]),
    ("passrole-bedrock-browser", ["bedrock-agentcore:CreateBrowser",
                                  "bedrock-agentcore:StartBrowserSession"]),
    ("passrole-braket-job", ["braket:CreateJob"]),
    ("passrole-cognito-identity-pool", ["cognito-identity:SetIdentityPoolRoles"]),
    ("passrole-emr-cluster", ["elasticmapreduce:RunJobFlow"]),
    ("passrole-emr-serverless", ["emr-serverless:CreateApplication", "emr-serverless:StartJobRun"]),
    ("passrole-gamelift-fleet", ["gamelift:CreateBuild", "gamelift:CreateFleet",
                                 "gamelift:RequestUploadCredentials"]),
    ("passrole-imagebuilder", ["imagebuilder:CreateComponent", "imagebuilder:CreateImageRecipe",
                               "imagebuilder:CreateInfrastructureConfiguration",
                               "imagebuilder:CreateImage"]),
    ("passrole-kinesisanalytics", ["kinesisanalytics:CreateApplication",
                                   "kinesisanalytics:StartApplication"]),
    ("passrole-omics", ["omics:CreateWorkflow", "omics:StartRun"]),
    ("passrole-mwaa-environment", ["airflow:CreateEnvironment"]),
    ("passrole-amplify", ["amplify:CreateApp", "amplify:CreateBranch", "amplify:StartJob"]),
    ("passrole-ssm-automation", ["ssm:CreateDocument", "ssm:StartAutomationExecution"]),
    ("passrole-step-functions", ["states:CreateStateMachine", "states:StartExecution"]),
    ("passrole-scheduler", ["scheduler:CreateSchedule"]),
    ("passrole-codestar-project", ["codestar:CreateProject"]),
]:
    pe(technique, [PASS, allow(actions)])

for technique, actions in [
    ("lambda-update-function-code", ["lambda:UpdateFunctionCode"]),
    ("lambda-update-function-configuration", ["lambda:UpdateFunctionConfiguration"]),
    ("glue-update-dev-endpoint", ["glue:UpdateDevEndpoint"]),
    ("cloudformation-update-stack", ["cloudformation:UpdateStack"]),
    ("cloudformation-change-set", ["cloudformation:CreateChangeSet",
                                   "cloudformation:ExecuteChangeSet"]),
    ("codebuild-start-build", ["codebuild:StartBuild"]),
    ("sagemaker-presigned-notebook-url", ["sagemaker:CreatePresignedNotebookInstanceUrl"]),
    ("sagemaker-notebook-lifecycle", ["sagemaker:CreateNotebookInstanceLifecycleConfig",
                                      "sagemaker:UpdateNotebookInstance",
                                      "sagemaker:StopNotebookInstance",
                                      "sagemaker:StartNotebookInstance"]),
    ("ssm-send-command", ["ssm:SendCommand"]),
    ("ssm-start-session", ["ssm:StartSession"]),
    ("ec2-instance-connect", ["ec2-instance-connect:SendSSHPublicKey"]),
    ("ec2-modify-user-data", ["ec2:ModifyInstanceAttribute", "ec2:StopInstances",
                              "ec2:StartInstances"]),
    ("ec2-launch-template-version", ["ec2:CreateLaunchTemplateVersion",
                                     "ec2:ModifyLaunchTemplate"]),
    ("codedeploy-create-deployment", ["codedeploy:CreateDeployment"]),
    ("ecs-execute-command", ["ecs:ExecuteCommand", "ecs:DescribeTasks"]),
    ("apprunner-update-service", ["apprunner:UpdateService"]),
    ("batch-submit-job", ["batch:SubmitJob"]),
    ("bedrock-code-interpreter-session", ["bedrock-agentcore:StartCodeInterpreterSession",
                                          "bedrock-agentcore:InvokeCodeInterpreter"]),
    ("bedrock-agent-runtime-command", ["bedrock-agentcore:InvokeAgentRuntimeCommand"]),
    ("bedrock-browser-session", ["bedrock-agentcore:StartBrowserSession",
                                 "bedrock-agentcore:ConnectBrowserAutomationStream"]),
    ("mwaa-update-environment", ["airflow:UpdateEnvironment", "airflow:CreateCliToken"]),
]:
    pe(technique, [allow(actions)])

# Two-step combinations: change a principal, then become it.
role("pe-combo-target-role", trust_aws(arn("user", "pe-combo-attach-role-assume")),
     inline=[doc(allow("s3:ListAllMyBuckets"))])
user("pe-combo-attach-role-assume", inline=[doc(allow("iam:AttachRolePolicy",
                                                      arn("role", "pe-combo-target-role")))])
expected["pe-combo-attach-role-assume"] = ["privesc.iam-attach-role-policy"]
expected["pe-combo-target-role"] = []
user("pe-combo-attach-user-key", inline=[doc(
    allow(["iam:AttachUserPolicy", "iam:CreateAccessKey"], arn("user", "target-plain-user")))])
expected["pe-combo-attach-user-key"] = ["privesc.iam-attach-user-policy"]
user("pe-combo-put-role-update-trust", inline=[doc(
    allow(["iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy"], arn("role", "target-plain-role")))])
expected["pe-combo-put-role-update-trust"] = ["privesc.iam-put-role-policy"]

# Role chaining: start → middle → administrator.
role("pe-chain-start-role", trust_aws(TESTER))
role("pe-chain-middle-role", trust_aws(arn("role", "pe-chain-start-role")))
role("pe-chain-end-role", trust_aws(arn("role", "pe-chain-middle-role")), attached=[admin_policy])
expected["pe-chain-start-role"] = ["privesc.sts-assume-role"]
expected["pe-chain-middle-role"] = ["privesc.sts-assume-role"]
expected["pe-chain-end-role"] = []

# ------------------------------------------------------------------ traps

# Allow and Deny of the same actions in one policy.
user("fp-allow-deny-same-policy", inline=[doc(allow("iam:CreatePolicyVersion"),
                                              deny("iam:CreatePolicyVersion"))],
     attached=[managed("fp-same-policy-target", doc(allow("s3:ListAllMyBuckets")))])
# ...and across two policies.
deny_all = managed("fp-deny-all", doc(deny("*")))
user("fp-allow-deny-two-policies", attached=[admin_policy, deny_all])
# Deny only.
user("fp-deny-only", inline=[doc(deny("iam:*"))])
# CreatePolicyVersion limited to the AWS managed namespace, which no one can change.
user("fp-aws-managed-namespace", inline=[doc(allow("iam:CreatePolicyVersion",
                                                   "arn:aws:iam::aws:policy/fp-*"))],
     attached=[managed("fp-namespace-target", doc(allow("s3:ListAllMyBuckets")))])
# A condition that can never hold.
user("fp-condition-never", inline=[doc(allow(
    "iam:CreatePolicyVersion",
    Condition={"DateLessThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}))],
     attached=[managed("fp-never-target", doc(allow("s3:ListAllMyBuckets")))])
# PassRole only to a harmless role.
user("fp-passrole-harmless-role", inline=[doc(
    allow("iam:PassRole", arn("role", "target-plain-role")), allow("ec2:RunInstances"))])
# PassRole only to a service the role does not serve.
user("fp-passrole-wrong-service", inline=[doc(
    allow("iam:PassRole", Condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}),
    allow("ec2:RunInstances"))])
# One of the two actions a technique needs.
user("fp-half-technique", inline=[doc(allow("lambda:CreateFunction"), PASS)])
# Access keys only for oneself.
user("fp-own-access-keys", inline=[doc(allow(
    "iam:CreateAccessKey", f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}"))])
# A boundary that holds back iam:*.
no_iam = managed("fp-boundary-no-iam", doc(allow("s3:*"), deny("iam:*")))
user("fp-boundary-blocks", inline=[doc(allow("iam:*"))], boundary=no_iam)
# Assume-role permission, but no role trusts this user or the account.
role("fp-untrusting-admin", trust_aws(arn("user", "target-admin-user")), attached=[admin_policy])
expected["fp-untrusting-admin"] = []
user("fp-assume-untrusting", inline=[doc(allow("sts:AssumeRole", arn("role", "fp-untrusting-admin")))])
# Login profile on a user with MFA only.
user("target-admin-mfa-user", attached=[admin_policy], password=True, mfa=True)
expected["target-admin-mfa-user"] = []
user("fp-login-profile-mfa-target", inline=[doc(allow(
    ["iam:CreateLoginProfile", "iam:UpdateLoginProfile"], arn("user", "target-admin-mfa-user")))])
# Modifying a policy attached to a principal it cannot become.
user("fp-policy-of-other", inline=[doc(allow("iam:CreatePolicyVersion", admin_policy))])
for name in ["fp-allow-deny-same-policy", "fp-allow-deny-two-policies", "fp-deny-only",
             "fp-aws-managed-namespace", "fp-condition-never", "fp-passrole-harmless-role",
             "fp-passrole-wrong-service", "fp-half-technique", "fp-own-access-keys",
             "fp-boundary-blocks", "fp-assume-untrusting", "fp-login-profile-mfa-target",
             "fp-policy-of-other"]:
    expected[name] = []

# Actions split across two policies.
user("fn-split-across-policies", attached=[
    managed("fn-split-run", doc(allow(["ec2:DescribeInstances", "ec2:RunInstances"]))),
    managed("fn-split-pass", doc(allow("iam:PassRole")))])
expected["fn-split-across-policies"] = ["privesc.passrole-ec2-run-instances"]
# A resource constraint that still matches the principal's own policy.
fn2 = managed("fn2-exploitable", doc(allow("iam:CreatePolicyVersion",
                                            "arn:aws:iam::*:policy/fn2-*")))
user("fn-exploitable-resource-constraint", attached=[fn2])
expected["fn-exploitable-resource-constraint"] = ["privesc.iam-create-policy-version"]
# A condition that always holds.
user("fn-condition-always", inline=[doc(allow(
    "iam:CreatePolicyVersion",
    Condition={"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}))],
     attached=[managed("fn-always-target", doc(allow("s3:ListAllMyBuckets")))])
expected["fn-condition-always"] = ["privesc.iam-create-policy-version"]
# Allow with NotAction that still grants an escalation.
user("fn-not-action", inline=[doc({"Effect": "Allow", "NotAction": [
    "iam:Update*", "iam:Create*", "iam:Attach*"], "Resource": "*"})])
expected["fn-not-action"] = ["privesc.iam-put-user-policy"]
# A condition the account cannot decide: still reported (as conditional).
user("fn-mfa-conditional", inline=[doc(allow(
    "iam:PutUserPolicy", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}))])
expected["fn-mfa-conditional"] = ["privesc.iam-put-user-policy"]

account = {
    "iamscope": {"format_version": 1, "account_id": ACCOUNT, "partition": "aws",
                 "fetched_at": "2026-11-01T09:00:00Z", "source": "test"},
    "UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles,
    "Policies": policies, "CredentialReport": report,
}
for u in users:
    for gname in u["GroupList"]:
        assert any(g["GroupName"] == gname for g in groups), gname

with open(os.path.join(HERE, "account.json"), "w") as f:
    json.dump(account, f, indent=1, sort_keys=False)
    f.write("\n")
with open(os.path.join(HERE, "expected.json"), "w") as f:
    json.dump(dict(sorted(expected.items())), f, indent=1)
    f.write("\n")
print(f"{len(users)} users, {len(roles)} roles, {len(expected)} expectations")
