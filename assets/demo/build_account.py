#!/usr/bin/env python3
"""Build assets/demo/account.json, the embedded demo account (an iamscope snapshot).

Usage: python3 assets/demo/build_account.py   (standard library only; deterministic)

AWS managed policy documents are copied from assets/aws-managed-policies/policies.json.
The planted mistakes are listed in assets/demo/README.md; keep the two in step.
"""
import copy
import hashlib
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
ACCT = "123456789012"
REGION = "us-east-1"
FETCHED_AT = "2026-11-01T09:00:00Z"
ORG_ID = "o-a1b2c3d4e5"
GITHUB_OIDC = f"arn:aws:iam::{ACCT}:oidc-provider/token.actions.githubusercontent.com"
SAML_IDP = f"arn:aws:iam::{ACCT}:saml-provider/OktaSSO"

B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def aws_id(prefix, name, length=21):
    """Deterministic, realistic-looking IAM unique id (e.g. AIDA + 17 chars)."""
    h = hashlib.sha256(f"{prefix}:{name}".encode()).digest()
    body = "".join(B32[b % 32] for b in h)
    return prefix + body[: length - len(prefix)]


def ts(s):
    """'2024-03-01 10:00' -> '2024-03-01T10:00:00+00:00'."""
    d, t = s.split(" ")
    if t.count(":") == 1:
        t += ":00"
    return f"{d}T{t}+00:00"


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(actions, resources, cond=None, sid=None):
    st = {}
    if sid:
        st["Sid"] = sid
    st["Effect"] = "Allow"
    st["Action"] = actions if len(actions) != 1 else actions[0]
    st["Resource"] = resources if len(resources) != 1 else resources[0]
    if cond:
        st["Condition"] = cond
    return st


def deny(actions, resources, cond=None, sid=None):
    st = allow(actions, resources, cond, sid)
    st["Effect"] = "Deny"
    return st


def tags(**kv):
    return [{"Key": k, "Value": v} for k, v in kv.items()]


def arn_policy(name, path="/"):
    return f"arn:aws:iam::{ACCT}:policy{path}{name}"


def aws_policy(full):
    return f"arn:aws:iam::aws:policy/{full}"


# ---------------------------------------------------------------------------
# Trust policies
# ---------------------------------------------------------------------------
def trust_service(service, cond=None):
    st = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if cond:
        st["Condition"] = cond
    return doc(st)


def trust_ecs_tasks(source_arn=False):
    cond = {"StringEquals": {"aws:SourceAccount": ACCT}}
    if source_arn:
        cond["ArnLike"] = {"aws:SourceArn": f"arn:aws:ecs:{REGION}:{ACCT}:*"}
    return trust_service("ecs-tasks.amazonaws.com", cond)


def trust_github(sub):
    return doc({
        "Effect": "Allow",
        "Principal": {"Federated": GITHUB_OIDC},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
            "StringLike": {"token.actions.githubusercontent.com:sub": sub},
        },
    })


# ---------------------------------------------------------------------------
# Customer managed policies: name -> (create, [(version create date, document)], default index)
# ---------------------------------------------------------------------------
APP_BUCKET = "arn:aws:s3:::my-app-uploads"
ECR_REPO = f"arn:aws:ecr:{REGION}:{ACCT}:repository/my-app"
ECS_SERVICES = f"arn:aws:ecs:{REGION}:{ACCT}:service/my-app-cluster/*"
APP_PARAMS = f"arn:aws:ssm:{REGION}:{ACCT}:parameter/my-app/*"
APP_KEY = f"arn:aws:kms:{REGION}:{ACCT}:key/6f1c2d4e-8a9b-4c3d-9e2f-1a2b3c4d5e6f"

CUSTOMER_POLICIES = {
    "DeveloperBoundary": ("2024-04-02 14:10", [
        ("2024-04-02 14:10", doc(
            allow(["ecs:*", "ecr:*", "logs:*", "cloudwatch:*", "s3:*", "dynamodb:*", "sqs:*", "sns:*",
                   "ssm:Get*", "ssm:Describe*", "ssm:List*", "ec2:Describe*", "elasticloadbalancing:Describe*",
                   "application-autoscaling:*", "servicediscovery:*", "cloudformation:*", "route53:Get*",
                   "route53:List*", "kms:Describe*", "kms:List*", "tag:GetResources", "sts:GetCallerIdentity"],
                  ["*"], sid="AllowedServices"),
            deny(["iam:*"], ["*"], sid="NoIam"),
            deny(["organizations:*", "account:*"], ["*"], sid="NoAccountAdmin"),
        )),
    ], 0),
    "DaveToolsAccess": ("2025-05-19 11:42", [
        ("2025-05-19 11:42", doc(
            allow(["cloudwatch:GetMetricData", "cloudwatch:ListMetrics", "cloudwatch:GetDashboard",
                   "cloudwatch:ListDashboards"], ["*"], sid="ReadMetrics"),
            allow(["logs:FilterLogEvents", "logs:GetLogEvents", "logs:DescribeLogStreams"],
                  [f"arn:aws:logs:{REGION}:{ACCT}:log-group:/ecs/my-app*"], sid="ReadAppLogs"),
        )),
    ], 0),
    "DeployHelpers": ("2024-09-03 16:25", [
        ("2024-09-03 16:25", doc(
            allow(["ecs:RegisterTaskDefinition", "ecs:UpdateService", "ecs:DescribeServices"],
                  [f"arn:aws:ecs:{REGION}:{ACCT}:task-definition/my-app:*", ECS_SERVICES], sid="Deploy"),
            allow(["ecs:DescribeTaskDefinition"], ["*"], sid="DescribeTaskDefinitions"),
            allow(["iam:PassRole"], ["*"], sid="PassAnyRole"),
        )),
    ], 0),
    "LegacyFullAccess": ("2023-03-14 08:05", [
        ("2023-03-14 08:05", doc(allow(["*"], ["*"]))),
    ], 0),
    "AppConfigAccess": ("2024-06-11 09:30", [
        ("2024-06-11 09:30", doc(
            allow(["ssm:GetParameter"], [APP_PARAMS], sid="ReadAppParameters"),
        )),
        ("2025-01-22 13:02", doc(
            allow(["ssm:GetParameter", "ssm:GetParameters"], [APP_PARAMS], sid="ReadAppParameters"),
        )),
        ("2025-11-04 10:48", doc(
            allow(["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"], [APP_PARAMS],
                  sid="ReadAppParameters"),
            allow(["kms:Decrypt"], [APP_KEY], {"StringEquals": {"kms:ViaService": f"ssm.{REGION}.amazonaws.com"}},
                  sid="DecryptSecureStrings"),
        )),
    ], 2),
    "GitHubDeployPolicy": ("2024-05-07 15:20", [
        ("2024-05-07 15:20", doc(
            allow(["ecr:GetAuthorizationToken"], ["*"], sid="EcrLogin"),
            allow(["ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
                   "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage"], [ECR_REPO], sid="PushAppImage"),
            allow(["ecs:RegisterTaskDefinition"], [f"arn:aws:ecs:{REGION}:{ACCT}:task-definition/my-app:*"],
                  sid="RegisterTaskDefinition"),
            allow(["ecs:UpdateService", "ecs:DescribeServices"], [ECS_SERVICES], sid="UpdateService"),
            allow(["iam:PassRole"], [f"arn:aws:iam::{ACCT}:role/MyAppTaskRole",
                                     f"arn:aws:iam::{ACCT}:role/ecsTaskExecutionRole"],
                  {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}, sid="PassEcsRoles"),
        )),
    ], 0),
}

# ---------------------------------------------------------------------------
# Groups
# ---------------------------------------------------------------------------
GROUPS = [
    {"name": "Developers", "create": "2024-03-01 10:00",
     "managed": [aws_policy("AmazonECS_FullAccess"), aws_policy("AmazonS3ReadOnlyAccess")],
     "inline": {"DenyProdDataDelete": doc(
         deny(["s3:DeleteObject", "s3:DeleteObjectVersion"], ["arn:aws:s3:::my-app-prod-data/*"],
              sid="DenyProdDataDelete"))}},
    {"name": "Auditors", "create": "2024-03-01 10:05",
     "managed": [aws_policy("SecurityAudit"), aws_policy("job-function/ViewOnlyAccess")], "inline": {}},
    {"name": "Deployers", "create": "2024-09-03 16:30",
     "managed": [arn_policy("DeployHelpers")], "inline": {}},
]

# ---------------------------------------------------------------------------
# Users. Keys: (create, last used or None, service, status). Password: (changed, last used) or None.
# ---------------------------------------------------------------------------
USERS = [
    {"name": "alice", "create": "2024-03-01 10:12", "groups": ["Developers"], "managed": [], "inline": {},
     "boundary": arn_policy("DeveloperBoundary"), "tags": tags(team="platform", email="alice@example.com"),
     "password": ("2026-06-03 08:15", "2026-10-31 17:42"), "mfa": "2024-03-01 10:20",
     "keys": [("2026-08-04 09:00", "2026-10-31 16:05", "ecs", "Active")]},
    {"name": "bob", "create": "2024-03-01 10:14", "groups": ["Developers"], "managed": [], "inline": {},
     "boundary": arn_policy("DeveloperBoundary"), "tags": tags(team="platform", email="bob@example.com"),
     "password": ("2026-05-12 12:30", "2026-10-30 09:11"), "mfa": "2024-03-02 08:03", "keys": []},
    {"name": "charlie", "create": "2025-02-17 13:40", "groups": ["Developers"], "managed": [], "inline": {},
     "boundary": None, "tags": tags(team="backend", email="charlie@example.com"),
     "password": None, "mfa": None,
     "keys": [("2026-09-01 10:22", "2026-10-31 11:48", "s3", "Active")]},
    {"name": "dave", "create": "2025-05-19 11:30", "groups": [], "managed": [arn_policy("DaveToolsAccess")],
     "inline": {"ManageOwnTools": doc(
         allow(["iam:CreatePolicyVersion", "iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions"],
               [arn_policy("DaveToolsAccess")], sid="MaintainToolsPolicy"))},
     "boundary": None, "tags": tags(team="data", email="dave@example.com"),
     "password": ("2026-04-21 15:05", "2026-10-29 14:20"), "mfa": "2025-05-19 11:50", "keys": []},
    {"name": "erin", "create": "2025-08-11 09:05", "groups": ["Auditors"], "managed": [], "inline": {},
     "boundary": None, "tags": tags(team="security", email="erin@example.com"),
     "password": ("2025-08-11 09:05", "2026-10-28 10:33"), "mfa": None, "keys": []},
    {"name": "ci-deploy", "create": "2025-06-15 07:55", "groups": [],
     "managed": [aws_policy("AdministratorAccess")], "inline": {},
     "boundary": None, "tags": tags(team="platform", purpose="ci"),
     "password": None, "mfa": None,
     "keys": [("2025-06-15 08:00", "2026-10-31 22:14", "ecs", "Active"),
              ("2026-10-02 12:40", "2026-10-30 19:02", "ecr", "Active")]},
    {"name": "release-bot", "create": "2024-09-03 16:40", "groups": ["Deployers"], "managed": [], "inline": {},
     "boundary": None, "tags": tags(team="platform", purpose="release"),
     "password": None, "mfa": None,
     "keys": [("2026-09-05 10:00", "2026-10-31 21:30", "ecs", "Active")]},
]

# ---------------------------------------------------------------------------
# Roles
# ---------------------------------------------------------------------------
STD_TAGS = dict(env="prod")
ROLES = [
    {"name": "MyAppTaskRole", "create": "2024-03-05 11:00", "trust": trust_ecs_tasks(source_arn=True),
     "inline": {"MyAppData": doc(
         allow(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], [APP_BUCKET + "/*"], sid="AppObjects"),
         allow(["s3:ListBucket"], [APP_BUCKET], sid="ListAppBucket"),
         allow(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                "dynamodb:Query"], [f"arn:aws:dynamodb:{REGION}:{ACCT}:table/my-app-*"], sid="AppTables"))},
     "managed": [], "tags": tags(team="backend", env="prod", app="my-app"),
     "last_used": ("2026-11-01 08:51", REGION)},
    {"name": "ecsTaskExecutionRole", "create": "2024-03-05 11:02", "trust": trust_ecs_tasks(),
     "inline": {"ReadAppSecrets": doc(
         allow(["secretsmanager:GetSecretValue"],
               [f"arn:aws:secretsmanager:{REGION}:{ACCT}:secret:my-app/*"], sid="ReadAppSecrets"))},
     "managed": [aws_policy("service-role/AmazonECSTaskExecutionRolePolicy")],
     "tags": tags(team="platform", env="prod"), "last_used": ("2026-11-01 08:50", REGION)},
    {"name": "WebTaskRole", "create": "2025-03-10 10:00", "trust": trust_ecs_tasks(),
     "inline": {"EnqueueJobs": doc(
         allow(["sqs:SendMessage", "sqs:GetQueueUrl"], [f"arn:aws:sqs:{REGION}:{ACCT}:my-app-jobs"],
               sid="EnqueueJobs"))},
     "managed": [arn_policy("AppConfigAccess")], "tags": tags(team="backend", env="prod", app="web"),
     "last_used": ("2026-11-01 08:45", REGION)},
    {"name": "WorkerTaskRole", "create": "2025-03-10 10:05", "trust": trust_ecs_tasks(),
     "inline": {"ProcessJobs": doc(
         allow(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
                "sqs:GetQueueAttributes"], [f"arn:aws:sqs:{REGION}:{ACCT}:my-app-jobs"], sid="ConsumeJobs"),
         allow(["s3:PutObject"], ["arn:aws:s3:::my-app-reports/*"], sid="WriteReports"))},
     "managed": [arn_policy("AppConfigAccess")], "tags": tags(team="backend", env="prod", app="worker"),
     "last_used": ("2026-11-01 08:47", REGION)},
    {"name": "CronTaskRole", "create": "2025-03-10 10:10", "trust": trust_ecs_tasks(),
     "inline": {"SessionCleanup": doc(
         allow(["dynamodb:Query", "dynamodb:Scan", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"],
               [f"arn:aws:dynamodb:{REGION}:{ACCT}:table/my-app-sessions",
                f"arn:aws:dynamodb:{REGION}:{ACCT}:table/my-app-sessions/index/*"], sid="ExpireSessions"))},
     "managed": [], "tags": tags(team="backend", env="prod", app="cron"),
     "last_used": ("2026-11-01 03:00", REGION)},
    {"name": "GitHubActionsDeployRole", "create": "2024-05-07 15:25",
     "trust": trust_github("repo:your-org/your-repo:ref:refs/heads/main"),
     "inline": {}, "managed": [arn_policy("GitHubDeployPolicy")],
     "tags": tags(team="platform", env="prod", ci="github-actions"), "last_used": ("2026-10-31 18:22", REGION)},
    {"name": "ImageProcessingLambdaRole", "create": "2025-01-08 14:00", "path": "/service-role/",
     "trust": trust_service("lambda.amazonaws.com"),
     "inline": {"ProcessImages": doc(
         allow(["s3:GetObject"], ["arn:aws:s3:::my-app-images/*"], sid="ReadImages"),
         allow(["sns:Publish"], [f"arn:aws:sns:{REGION}:{ACCT}:image-processed"], sid="NotifyProcessed"))},
     "managed": [aws_policy("service-role/AWSLambdaBasicExecutionRole")],
     "tags": tags(team="media", env="prod"), "last_used": ("2026-10-31 23:58", REGION)},
    {"name": "StagingCrossAccountRole", "create": "2024-07-22 09:40",
     "trust": doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                   "Action": "sts:AssumeRole",
                   "Condition": {"StringEquals": {"sts:ExternalId": "staging-7f3a9c2e"}}}),
     "inline": {"PullAppImages": doc(
         allow(["ecr:GetAuthorizationToken"], ["*"], sid="EcrLogin"),
         allow(["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
               [ECR_REPO], sid="PullAppImage"))},
     "managed": [], "tags": tags(team="platform", env="staging"), "last_used": ("2026-10-30 12:03", REGION),
     "max_session": 3600},
    {"name": "SSOReadOnlyRole", "create": "2024-03-01 11:30",
     "trust": doc({"Effect": "Allow", "Principal": {"Federated": SAML_IDP}, "Action": "sts:AssumeRoleWithSAML",
                   "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}}),
     "inline": {}, "managed": [aws_policy("ReadOnlyAccess")], "tags": tags(team="it", env="prod"),
     "last_used": ("2026-10-31 15:10", REGION), "max_session": 43200},
    {"name": "BastionInstanceRole", "create": "2024-04-18 10:15", "trust": trust_service("ec2.amazonaws.com"),
     "inline": {}, "managed": [aws_policy("AmazonSSMManagedInstanceCore")],
     "tags": tags(team="platform", env="prod"), "last_used": ("2026-11-01 08:30", REGION),
     "instance_profile": "2024-04-18 10:15"},
    {"name": "PublicReadRole", "create": "2025-04-02 10:00",
     "trust": doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                   "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG_ID}}}),
     "inline": {"ReadPublicAssets": doc(
         allow(["s3:GetObject"], ["arn:aws:s3:::my-app-public-assets/*"], sid="ReadAssets"))},
     "managed": [], "tags": tags(team="platform", env="prod"), "last_used": ("2026-10-29 07:44", "eu-west-1")},
    {"name": "DataMigrationRole", "create": "2025-02-10 16:00", "trust": trust_service("dms.amazonaws.com"),
     "inline": {"MigrationTarget": doc(
         allow(["s3:PutObject", "s3:DeleteObject"], ["arn:aws:s3:::my-app-migration/*"], sid="WriteTarget"),
         allow(["s3:ListBucket"], ["arn:aws:s3:::my-app-migration"], sid="ListTarget"))},
     "managed": [], "tags": tags(team="data", env="prod"), "last_used": None},
    {"name": "AWSServiceRoleForECS", "create": "2024-03-05 10:58", "path": "/aws-service-role/ecs.amazonaws.com/",
     "trust": trust_service("ecs.amazonaws.com"), "inline": {},
     "managed": [aws_policy("aws-service-role/AmazonECSServiceRolePolicy")], "tags": [],
     "last_used": ("2026-11-01 08:40", REGION)},
    # ---- planted mistakes ----
    {"name": "LegacyPartnerRole", "create": "2023-06-20 13:15",
     "trust": doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}),
     "inline": {"PartnerExchange": doc(
         allow(["s3:GetObject", "s3:PutObject"], ["arn:aws:s3:::partner-exchange/*"], sid="ExchangeFiles"),
         allow(["s3:ListBucket"], ["arn:aws:s3:::partner-exchange"], sid="ListExchange"))},
     "managed": [], "tags": [], "last_used": ("2026-10-12 02:17", REGION), "max_session": 43200},
    {"name": "GitHubActionsWideRole", "create": "2025-09-15 10:30", "trust": trust_github("repo:*"),
     "inline": {}, "managed": [aws_policy("AmazonEC2ContainerRegistryPowerUser")],
     "tags": tags(team="platform", env="prod", ci="github-actions"), "last_used": ("2026-10-27 14:09", REGION)},
    {"name": "VendorAuditRole", "create": "2025-10-06 09:00",
     "trust": doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                   "Action": "sts:AssumeRole"}),
     "inline": {}, "managed": [aws_policy("SecurityAudit")], "tags": [],
     "last_used": ("2026-10-20 10:11", "us-east-1")},
    {"name": "LegacyAdminRole", "create": "2023-03-14 08:10", "trust": trust_service("ec2.amazonaws.com"),
     "inline": {}, "managed": [arn_policy("LegacyFullAccess")], "tags": [],
     "last_used": ("2026-10-25 06:30", REGION), "instance_profile": "2023-03-14 08:10"},
    {"name": "OldReportingRole", "create": "2024-01-09 12:00", "trust": trust_service("lambda.amazonaws.com"),
     "inline": {"MonthlyReports": doc(
         allow(["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults"],
               [f"arn:aws:athena:{REGION}:{ACCT}:workgroup/reporting"], sid="RunReports"),
         allow(["s3:GetObject", "s3:PutObject"], ["arn:aws:s3:::my-app-reports/monthly/*"], sid="ReportFiles"))},
     "managed": [], "tags": [], "last_used": ("2026-03-18 06:00", REGION)},
]


def build():
    managed_src = json.load(open(os.path.join(ROOT, "assets", "aws-managed-policies", "policies.json")))
    managed_by_arn = {p["Arn"]: p for p in managed_src}

    attach = {}     # policy arn -> attachment count
    boundary = {}   # policy arn -> boundary usage count

    def ref(arn):
        attach[arn] = attach.get(arn, 0) + 1
        name = arn.rsplit("/", 1)[-1]
        return {"PolicyName": name, "PolicyArn": arn}

    def inline_list(d):
        return [{"PolicyName": k, "PolicyDocument": v} for k, v in d.items()]

    def pb(arn):
        boundary[arn] = boundary.get(arn, 0) + 1
        return {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn}

    users = []
    for u in USERS:
        e = {"Path": "/", "UserName": u["name"], "UserId": aws_id("AIDA", u["name"]),
             "Arn": f"arn:aws:iam::{ACCT}:user/{u['name']}", "CreateDate": ts(u["create"]),
             "UserPolicyList": inline_list(u["inline"]), "GroupList": list(u["groups"]),
             "AttachedManagedPolicies": [ref(a) for a in u["managed"]]}
        if u["boundary"]:
            e["PermissionsBoundary"] = pb(u["boundary"])
        e["Tags"] = u["tags"]
        users.append(e)

    groups = []
    for g in GROUPS:
        groups.append({"Path": "/", "GroupName": g["name"], "GroupId": aws_id("AGPA", g["name"]),
                       "Arn": f"arn:aws:iam::{ACCT}:group/{g['name']}", "CreateDate": ts(g["create"]),
                       "GroupPolicyList": inline_list(g["inline"]),
                       "AttachedManagedPolicies": [ref(a) for a in g["managed"]]})

    roles = []
    for r in ROLES:
        path = r.get("path", "/")
        arn = f"arn:aws:iam::{ACCT}:role{path}{r['name']}"
        ips = []
        if r.get("instance_profile"):
            ips.append({"Path": "/", "InstanceProfileName": r["name"],
                        "InstanceProfileId": aws_id("AIPA", r["name"]),
                        "Arn": f"arn:aws:iam::{ACCT}:instance-profile/{r['name']}",
                        "CreateDate": ts(r["instance_profile"]), "Roles": []})
        e = {"Path": path, "RoleName": r["name"], "RoleId": aws_id("AROA", r["name"]), "Arn": arn,
             "CreateDate": ts(r["create"]), "AssumeRolePolicyDocument": r["trust"],
             "InstanceProfileList": ips, "RolePolicyList": inline_list(r["inline"]),
             "AttachedManagedPolicies": [ref(a) for a in r["managed"]]}
        if r.get("boundary"):
            e["PermissionsBoundary"] = pb(r["boundary"])
        e["Tags"] = r["tags"]
        lu = r["last_used"]
        e["RoleLastUsed"] = {"LastUsedDate": ts(lu[0]), "Region": lu[1]} if lu else {}
        e["MaxSessionDuration"] = r.get("max_session", 3600)
        roles.append(e)

    # Policies: customer managed first (as IAM lists them), then the AWS managed ones referenced.
    policies = []
    for name, (create, versions, default) in CUSTOMER_POLICIES.items():
        arn = arn_policy(name)
        vlist = []
        for i in reversed(range(len(versions))):  # newest first, as the CLI prints them
            vdate, vdoc = versions[i]
            vlist.append({"Document": vdoc, "VersionId": f"v{i + 1}", "IsDefaultVersion": i == default,
                          "CreateDate": ts(vdate)})
        policies.append({"PolicyName": name, "PolicyId": aws_id("ANPA", name), "Arn": arn, "Path": "/",
                         "DefaultVersionId": f"v{default + 1}", "AttachmentCount": attach.get(arn, 0),
                         "PermissionsBoundaryUsageCount": boundary.get(arn, 0), "IsAttachable": True,
                         "CreateDate": ts(create), "UpdateDate": ts(versions[default][0]),
                         "PolicyVersionList": vlist})
    for arn in sorted(a for a in set(attach) | set(boundary) if a.startswith("arn:aws:iam::aws:")):
        p = copy.deepcopy(managed_by_arn[arn])
        p["AttachmentCount"] = attach.get(arn, 0)
        p["PermissionsBoundaryUsageCount"] = boundary.get(arn, 0)
        policies.append(p)

    # Credentials
    def ck(create):
        return ts(create)

    access_keys, mfa_devices = [], []
    report = [{
        "user": "<root_account>", "arn": f"arn:aws:iam::{ACCT}:root",
        "user_creation_time": "2024-02-11T16:02:41+00:00", "password_enabled": "not_supported",
        "password_last_used": "2024-03-01T09:41:17+00:00", "password_last_changed": "not_supported",
        "password_next_rotation": "not_supported", "mfa_active": "true",
        "access_key_1_active": "false", "access_key_1_last_rotated": "N/A", "access_key_1_last_used_date": "N/A",
        "access_key_1_last_used_region": "N/A", "access_key_1_last_used_service": "N/A",
        "access_key_2_active": "false", "access_key_2_last_rotated": "N/A", "access_key_2_last_used_date": "N/A",
        "access_key_2_last_used_region": "N/A", "access_key_2_last_used_service": "N/A",
        "cert_1_active": "false", "cert_1_last_rotated": "N/A", "cert_2_active": "false", "cert_2_last_rotated": "N/A",
    }]
    for u in USERS:
        row = {"user": u["name"], "arn": f"arn:aws:iam::{ACCT}:user/{u['name']}",
               "user_creation_time": ts(u["create"])}
        if u["password"]:
            row.update(password_enabled="true", password_last_used=ts(u["password"][1]),
                       password_last_changed=ts(u["password"][0]), password_next_rotation="N/A")
        else:
            row.update(password_enabled="false", password_last_used="N/A", password_last_changed="N/A",
                       password_next_rotation="N/A")
        row["mfa_active"] = "true" if u["mfa"] else "false"
        if u["mfa"]:
            mfa_devices.append({"UserName": u["name"], "SerialNumber": f"arn:aws:iam::{ACCT}:mfa/{u['name']}",
                                "EnableDate": ts(u["mfa"])})
        for i in (1, 2):
            k = u["keys"][i - 1] if len(u["keys"]) >= i else None
            p = f"access_key_{i}_"
            if k:
                create, used, service, status = k
                row[p + "active"] = "true" if status == "Active" else "false"
                row[p + "last_rotated"] = ts(create)
                row[p + "last_used_date"] = ts(used) if used else "N/A"
                row[p + "last_used_region"] = REGION if used else "N/A"
                row[p + "last_used_service"] = service if used else "N/A"
                ak = {"UserName": u["name"], "AccessKeyId": aws_id("AKIA", f"{u['name']}/{i}", 20),
                      "Status": status, "CreateDate": ts(create)}
                if used:
                    ak.update(LastUsedDate=ts(used), LastUsedService=service, LastUsedRegion=REGION)
                else:
                    ak.update(LastUsedService="N/A", LastUsedRegion="N/A")
                access_keys.append(ak)
            else:
                row.update({p + "active": "false", p + "last_rotated": "N/A", p + "last_used_date": "N/A",
                            p + "last_used_region": "N/A", p + "last_used_service": "N/A"})
        row.update(cert_1_active="false", cert_1_last_rotated="N/A", cert_2_active="false",
                   cert_2_last_rotated="N/A")
        report.append(row)

    customer = [p for p in policies if not p["Arn"].startswith("arn:aws:iam::aws:")]
    summary = {
        "GroupPolicySizeQuota": 5120, "InstanceProfilesQuota": 1000, "Policies": len(customer),
        "GroupsPerUserQuota": 10, "InstanceProfiles": sum(len(r["InstanceProfileList"]) for r in roles),
        "AttachedPoliciesPerUserQuota": 10, "Users": len(users), "PoliciesQuota": 1500, "Providers": 2,
        "AccountMFAEnabled": 1, "AccessKeysPerUserQuota": 2, "AssumeRolePolicySizeQuota": 2048,
        "PolicyVersionsInUseQuota": 10000, "GlobalEndpointTokenVersion": 1, "VersionsPerPolicyQuota": 5,
        "AttachedPoliciesPerGroupQuota": 10, "PolicySizeQuota": 6144, "Groups": len(groups),
        "AccountSigningCertificatesPresent": 0, "UsersQuota": 5000, "ServerCertificatesQuota": 20,
        "MFADevices": len(mfa_devices), "UserPolicySizeQuota": 2048,
        "PolicyVersionsInUse": sum(p["AttachmentCount"] + p["PermissionsBoundaryUsageCount"] for p in customer),
        "ServerCertificates": 0, "Roles": len(roles), "RolesQuota": 1000, "SigningCertificatesPerUserQuota": 2,
        "MFADevicesInUse": len(mfa_devices), "RolePolicySizeQuota": 10240, "AttachedPoliciesPerRoleQuota": 10,
        "AccountAccessKeysPresent": 0, "GroupsQuota": 300,
    }

    return {
        "iamscope": {"format_version": 1, "account_id": ACCT, "partition": "aws", "fetched_at": FETCHED_AT,
                     "source": "demo", "gaps": []},
        "UserDetailList": users,
        "GroupDetailList": groups,
        "RoleDetailList": roles,
        "Policies": policies,
        "OpenIDConnectProviders": [{
            "Arn": GITHUB_OIDC, "Url": "token.actions.githubusercontent.com", "ClientIDList": ["sts.amazonaws.com"],
            "ThumbprintList": ["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"],
            "CreateDate": ts("2024-05-07 15:10"), "Tags": []}],
        "SAMLProviders": [{"Arn": SAML_IDP, "ValidUntil": "2125-03-01T11:20:00+00:00",
                           "CreateDate": ts("2024-03-01 11:20")}],
        "AccountSummary": summary,
        "CredentialReport": report,
        "AccessKeys": access_keys,
        "MFADevices": mfa_devices,
        "ServiceControlPolicies": [],
    }


def main():
    acct = build()
    out = os.path.join(HERE, "account.json")
    with open(out, "w") as f:
        json.dump(acct, f, indent=1)
        f.write("\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
