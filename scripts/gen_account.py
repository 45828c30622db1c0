#!/usr/bin/env python3
"""Generate a large, realistic synthetic AWS account for load and scale tests.

Usage:
    python3 scripts/gen_account.py --principals 10000 --seed 1 --out target/bench/account-10k.json
    python3 scripts/gen_account.py --principals 500 --url-encoded --out /tmp/raw.json
    python3 scripts/gen_account.py --principals 500 --iamscope-header --out /tmp/snap.json

Writes the `aws iam get-account-authorization-details` form (UserDetailList, GroupDetailList,
RoleDetailList, Policies), with policy documents as JSON objects, or with --url-encoded as
URL-encoded JSON strings as the raw IAM API returns them. --iamscope-header adds the iamscope
snapshot header (FORMATS.md section 1). Deterministic for a given --seed and arguments.
Standard library only.

Shape: ~40% users, ~60% roles; groups of 5-50 users; 1-4 inline and 1-5 attached managed policies
per principal; 2-8 statements per policy mixing exact actions, `svc:Get*`-style wildcards,
resource ARNs with wildcards, conditions, Deny and NotAction statements; trust policies naming
services, same-account roles and users, the account root, other accounts with sts:ExternalId and
occasional OIDC providers; permission boundaries on ~10% of principals; tags; customer managed
policies with 1-5 versions. AWS managed policies are copied from
assets/aws-managed-policies/policies.json when present.
"""
import argparse
import datetime as dt
import json
import os
import random
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))

REGIONS = ["us-east-1", "us-east-1", "us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"]
TEAMS = ["platform", "payments", "search", "data", "ml", "mobile", "web", "growth", "security", "infra",
         "billing", "identity", "analytics", "support", "media", "notifications"]
ENVS = ["prod", "staging", "dev", "sandbox"]
APPS = ["api", "web", "worker", "scheduler", "ingest", "etl", "reports", "auth", "checkout", "catalog",
        "images", "notify", "gateway", "indexer", "billing", "exports", "ledger", "feeds", "sync", "admin"]
PURPOSES = ["task", "lambda", "ec2", "deploy", "ci", "readonly", "ops", "batch", "glue", "sfn", "cross-account"]
FIRST = ["alice", "bob", "carol", "dan", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "nia",
         "oscar", "peggy", "quinn", "rupert", "sybil", "trent", "ursula", "victor", "wendy", "xavier", "yara",
         "zoe", "amir", "bea", "chen", "dmitri", "eva", "farah", "goran", "hana", "igor", "jun", "kofi", "lena",
         "mateo", "nadia", "olu", "priya", "raj", "sofia", "tariq", "uma", "vik", "wei", "ximena", "yusuf"]
LAST = ["smith", "jones", "garcia", "miller", "davis", "lopez", "wilson", "anderson", "thomas", "taylor",
        "moore", "martin", "lee", "perez", "white", "harris", "clark", "lewis", "walker", "hall", "young",
        "king", "wright", "scott", "green", "baker", "adams", "nelson", "hill", "campbell", "khan", "singh",
        "nguyen", "kim", "park", "chen", "ito", "silva", "costa", "rossi", "novak", "berg", "holm", "meyer"]
OTHER_ACCOUNTS = ["210987654321", "444455556666", "111122223333", "999988887777", "555566667777",
                  "777788889999", "246813579024", "135792468013"]
SERVICE_PRINCIPALS = ["ecs-tasks.amazonaws.com", "lambda.amazonaws.com", "ec2.amazonaws.com",
                      "states.amazonaws.com", "glue.amazonaws.com", "events.amazonaws.com",
                      "codebuild.amazonaws.com", "firehose.amazonaws.com", "apigateway.amazonaws.com",
                      "scheduler.amazonaws.com", "sagemaker.amazonaws.com", "batch.amazonaws.com"]
AWS_MANAGED = [  # (arn, weight) of AWS managed policies principals get
    ("arn:aws:iam::aws:policy/ReadOnlyAccess", 2),
    ("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", 6),
    ("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", 8),
    ("arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy", 6),
    ("arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly", 4),
    ("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", 4),
    ("arn:aws:iam::aws:policy/CloudWatchLogsFullAccess", 2),
    ("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess", 2),
    ("arn:aws:iam::aws:policy/SecurityAudit", 1),
    ("arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess", 1),
    ("arn:aws:iam::aws:policy/AmazonSQSFullAccess", 1),
    ("arn:aws:iam::aws:policy/AmazonSNSFullAccess", 1),
    ("arn:aws:iam::aws:policy/PowerUserAccess", 1),
    ("arn:aws:iam::aws:policy/AdministratorAccess", 1),
]

# service -> (exact actions, wildcard prefixes, resource ARN templates). {a}=account {r}=region {n}=name
SERVICES = {
    "s3": (["GetObject", "PutObject", "DeleteObject", "GetObjectVersion", "ListBucket", "GetBucketLocation",
            "PutObjectTagging", "GetObjectTagging", "AbortMultipartUpload", "ListMultipartUploadParts",
            "GetBucketPolicy", "PutBucketPolicy", "ListAllMyBuckets"],
           ["Get*", "List*", "Put*", "Describe*"],
           ["arn:aws:s3:::{n}", "arn:aws:s3:::{n}/*", "arn:aws:s3:::{n}/{p}/*", "arn:aws:s3:::{n}-*",
            "arn:aws:s3:::{n}-*/*"]),
    "dynamodb": (["GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem",
                  "BatchWriteItem", "DescribeTable", "ConditionCheckItem", "DescribeStream", "GetRecords"],
                 ["Get*", "Describe*", "List*", "Batch*"],
                 ["arn:aws:dynamodb:{r}:{a}:table/{n}", "arn:aws:dynamodb:{r}:{a}:table/{n}/index/*",
                  "arn:aws:dynamodb:{r}:{a}:table/{n}-*", "arn:aws:dynamodb:*:{a}:table/{n}/stream/*"]),
    "sqs": (["SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility", "GetQueueAttributes",
             "GetQueueUrl", "PurgeQueue", "ListQueues"],
            ["Get*", "List*", "Send*"],
            ["arn:aws:sqs:{r}:{a}:{n}", "arn:aws:sqs:{r}:{a}:{n}-*", "arn:aws:sqs:*:{a}:{n}-dlq"]),
    "sns": (["Publish", "Subscribe", "GetTopicAttributes", "ListSubscriptionsByTopic", "ListTopics"],
            ["Get*", "List*"],
            ["arn:aws:sns:{r}:{a}:{n}", "arn:aws:sns:{r}:{a}:{n}-*"]),
    "lambda": (["InvokeFunction", "GetFunction", "GetFunctionConfiguration", "UpdateFunctionCode",
                "UpdateFunctionConfiguration", "ListFunctions", "PublishVersion", "UpdateAlias"],
               ["Get*", "List*", "Invoke*"],
               ["arn:aws:lambda:{r}:{a}:function:{n}", "arn:aws:lambda:{r}:{a}:function:{n}-*",
                "arn:aws:lambda:{r}:{a}:function:{n}:*"]),
    "logs": (["CreateLogGroup", "CreateLogStream", "PutLogEvents", "DescribeLogStreams", "GetLogEvents",
              "FilterLogEvents", "StartQuery", "GetQueryResults"],
             ["Describe*", "Get*", "FilterLogEvents"],
             ["arn:aws:logs:{r}:{a}:log-group:/aws/lambda/{n}*", "arn:aws:logs:{r}:{a}:log-group:/ecs/{n}:*",
              "arn:aws:logs:*:{a}:log-group:{n}*:log-stream:*"]),
    "ecr": (["BatchGetImage", "GetDownloadUrlForLayer", "BatchCheckLayerAvailability", "PutImage",
             "InitiateLayerUpload", "UploadLayerPart", "CompleteLayerUpload", "DescribeImages", "ListImages"],
            ["Describe*", "List*", "Get*", "Batch*"],
            ["arn:aws:ecr:{r}:{a}:repository/{n}", "arn:aws:ecr:{r}:{a}:repository/{n}/*"]),
    "secretsmanager": (["GetSecretValue", "DescribeSecret", "PutSecretValue", "ListSecretVersionIds",
                        "RotateSecret"],
                       ["Get*", "Describe*", "List*"],
                       ["arn:aws:secretsmanager:{r}:{a}:secret:{n}/*", "arn:aws:secretsmanager:{r}:{a}:secret:{n}-??????"]),
    "kms": (["Decrypt", "Encrypt", "GenerateDataKey", "DescribeKey", "ReEncryptFrom", "ReEncryptTo",
             "CreateGrant"],
            ["Describe*", "List*", "Get*", "GenerateDataKey*", "ReEncrypt*"],
            ["arn:aws:kms:{r}:{a}:key/{k}", "arn:aws:kms:{r}:{a}:alias/{n}", "arn:aws:kms:*:{a}:key/*"]),
    "ssm": (["GetParameter", "GetParameters", "GetParametersByPath", "PutParameter", "DescribeParameters",
             "StartSession", "SendCommand"],
            ["Get*", "Describe*", "List*"],
            ["arn:aws:ssm:{r}:{a}:parameter/{n}/*", "arn:aws:ssm:{r}:{a}:parameter/{t}/{e}/*",
             "arn:aws:ssm:{r}::document/AWS-RunShellScript"]),
    "ec2": (["DescribeInstances", "StartInstances", "StopInstances", "RebootInstances", "DescribeVolumes",
             "CreateSnapshot", "DescribeSecurityGroups", "AuthorizeSecurityGroupIngress", "CreateTags"],
            ["Describe*", "Get*", "List*"],
            ["arn:aws:ec2:{r}:{a}:instance/*", "arn:aws:ec2:{r}:{a}:volume/*", "arn:aws:ec2:{r}:{a}:security-group/*",
             "arn:aws:ec2:{r}::snapshot/*"]),
    "cloudwatch": (["PutMetricData", "GetMetricData", "GetMetricStatistics", "ListMetrics", "DescribeAlarms",
                    "PutMetricAlarm"],
                   ["Get*", "List*", "Describe*"],
                   ["arn:aws:cloudwatch:{r}:{a}:alarm:{n}-*", "arn:aws:cloudwatch::{a}:dashboard/{n}"]),
    "ecs": (["RunTask", "StopTask", "DescribeTasks", "UpdateService", "DescribeServices",
             "RegisterTaskDefinition", "ListTasks", "DescribeClusters"],
            ["Describe*", "List*"],
            ["arn:aws:ecs:{r}:{a}:service/{n}-cluster/*", "arn:aws:ecs:{r}:{a}:task-definition/{n}:*",
             "arn:aws:ecs:{r}:{a}:task/{n}-cluster/*", "arn:aws:ecs:{r}:{a}:cluster/{n}-cluster"]),
    "states": (["StartExecution", "DescribeExecution", "StopExecution", "ListExecutions", "SendTaskSuccess",
                "SendTaskFailure"],
               ["Describe*", "List*", "Get*"],
               ["arn:aws:states:{r}:{a}:stateMachine:{n}", "arn:aws:states:{r}:{a}:execution:{n}:*"]),
    "kinesis": (["PutRecord", "PutRecords", "GetRecords", "GetShardIterator", "DescribeStream",
                 "ListShards"],
                ["Get*", "Describe*", "List*", "Put*"],
                ["arn:aws:kinesis:{r}:{a}:stream/{n}", "arn:aws:kinesis:{r}:{a}:stream/{n}-*"]),
    "athena": (["StartQueryExecution", "GetQueryExecution", "GetQueryResults", "StopQueryExecution",
                "GetWorkGroup"],
               ["Get*", "List*", "Batch*"],
               ["arn:aws:athena:{r}:{a}:workgroup/{n}", "arn:aws:athena:{r}:{a}:workgroup/*"]),
    "glue": (["GetTable", "GetTables", "GetDatabase", "GetPartitions", "BatchCreatePartition", "StartJobRun",
              "GetJobRun"],
             ["Get*", "BatchGet*", "List*"],
             ["arn:aws:glue:{r}:{a}:catalog", "arn:aws:glue:{r}:{a}:database/{n}",
              "arn:aws:glue:{r}:{a}:table/{n}/*", "arn:aws:glue:{r}:{a}:job/{n}-*"]),
    "iam": (["PassRole", "GetRole", "ListRoles", "GetPolicy", "GetPolicyVersion", "ListAttachedRolePolicies",
             "CreateServiceLinkedRole"],
            ["Get*", "List*"],
            ["arn:aws:iam::{a}:role/{n}-*", "arn:aws:iam::{a}:role/{t}/*", "arn:aws:iam::{a}:policy/{n}*"]),
    "sts": (["AssumeRole", "GetCallerIdentity", "TagSession"],
            ["Get*"],
            ["arn:aws:iam::{a}:role/{n}-*", "arn:aws:iam::{o}:role/{n}"]),
    "events": (["PutEvents", "PutRule", "PutTargets", "DescribeRule", "ListRules"],
               ["Describe*", "List*"],
               ["arn:aws:events:{r}:{a}:event-bus/{n}", "arn:aws:events:{r}:{a}:rule/{n}-*"]),
    "rds": (["DescribeDBInstances", "DescribeDBClusters", "CreateDBSnapshot", "ModifyDBInstance"],
            ["Describe*", "List*"],
            ["arn:aws:rds:{r}:{a}:db:{n}-*", "arn:aws:rds:{r}:{a}:cluster:{n}", "arn:aws:rds:{r}:{a}:snapshot:*"]),
    "rds-db": (["connect"], ["connect"],
               ["arn:aws:rds-db:{r}:{a}:dbuser:cluster-*/{n}"]),
}
SERVICE_NAMES = list(SERVICES)
SERVICE_WEIGHTS = [10 if s in ("s3", "dynamodb", "sqs", "logs", "kms", "ssm", "secretsmanager") else 4
                   for s in SERVICE_NAMES]
NOT_ACTIONS = [["iam:*", "organizations:*", "account:*"], ["iam:*", "sts:*"], ["s3:DeleteBucket", "s3:PutBucketPolicy"],
               ["kms:ScheduleKeyDeletion", "kms:DisableKey"], ["ec2:TerminateInstances"]]

B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
CIDRS = ["203.0.113.0/24", "198.51.100.0/24", "192.0.2.0/24", "10.0.0.0/8", "172.16.0.0/12",
         "100.64.0.0/10", "203.0.113.17/32"]


class Gen:
    def __init__(self, args):
        self.rng = random.Random(args.seed)
        self.acct = args.account
        self.n = args.principals
        self.ids = set()
        self.now = dt.datetime(2026, 11, 1, 9, 0, 0, tzinfo=dt.timezone.utc)

    # --- small helpers ---
    def uid(self, prefix, length=21):
        while True:
            s = prefix + "".join(self.rng.choice(B32) for _ in range(length - len(prefix)))
            if s not in self.ids:
                self.ids.add(s)
                return s

    def date(self, start="2019-01-01", end=None):
        a = dt.datetime.fromisoformat(start).replace(tzinfo=dt.timezone.utc)
        b = end or self.now - dt.timedelta(days=1)
        t = a + dt.timedelta(seconds=self.rng.randrange(int((b - a).total_seconds())))
        return t

    @staticmethod
    def fmt(t):
        return t.strftime("%Y-%m-%dT%H:%M:%S+00:00")

    def name_token(self):
        r = self.rng
        return f"{r.choice(TEAMS)}-{r.choice(APPS)}" + (f"-{r.choice(ENVS)}" if r.random() < 0.5 else "")

    def kms_key(self):
        h = "".join(self.rng.choice("0123456789abcdef") for _ in range(32))
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def tags(self, team=None):
        r = self.rng
        if r.random() < 0.15:
            return []
        t = [{"Key": "team", "Value": team or r.choice(TEAMS)}, {"Key": "env", "Value": r.choice(ENVS)}]
        if r.random() < 0.5:
            t.append({"Key": "owner", "Value": f"{r.choice(FIRST)}.{r.choice(LAST)}@example.com"})
        if r.random() < 0.4:
            t.append({"Key": "cost-center", "Value": f"CC-{r.randrange(1000, 9999)}"})
        if r.random() < 0.2:
            t.append({"Key": "managed-by", "Value": r.choice(["terraform", "cdk", "cloudformation", "console"])})
        return t

    # --- policy documents ---
    def resource(self, svc):
        r = self.rng
        tmpl = r.choice(SERVICES[svc][2])
        return tmpl.format(a=self.acct, r=r.choice(REGIONS), n=self.name_token(), p=r.choice(APPS),
                           k=self.kms_key(), t=r.choice(TEAMS), e=r.choice(ENVS), o=r.choice(OTHER_ACCOUNTS))

    def condition(self, svc):
        r = self.rng
        kind = r.randrange(5)
        if kind == 0:
            return {"StringEquals": {"aws:PrincipalTag/team": r.choice(TEAMS)}}
        if kind == 1:
            return {"IpAddress": {"aws:SourceIp": r.sample(CIDRS, r.randint(1, 3))}}
        if kind == 2:
            return {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
        if kind == 3 and svc == "s3":
            return {"StringLike": {"s3:prefix": [f"{r.choice(APPS)}/*", f"{r.choice(TEAMS)}/${{aws:username}}/*"]}}
        if kind == 3:
            return {"StringEquals": {"aws:RequestedRegion": r.sample(REGIONS[2:], r.randint(1, 2))}}
        return {"StringEquals": {"aws:ResourceTag/env": r.choice(ENVS)},
                "ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env", "owner"]}}

    def statement(self, i):
        r = self.rng
        svc = r.choices(SERVICE_NAMES, SERVICE_WEIGHTS)[0]
        exact, wild, _ = SERVICES[svc]
        st = {}
        if r.random() < 0.35:
            st["Sid"] = f"{svc.title().replace('-', '')}Access{i}"
        deny = r.random() < 0.1
        st["Effect"] = "Deny" if deny else "Allow"
        if r.random() < 0.05:
            st["NotAction"] = r.choice(NOT_ACTIONS)
        else:
            k = min(r.choices([1, 2, 3, 4, 5, 6], [34, 26, 18, 11, 7, 4])[0], len(exact))
            acts = [f"{svc}:{a}" for a in r.sample(exact, k)]
            if r.random() < 0.35:
                acts.append(f"{svc}:{r.choice(wild)}")
            if r.random() < 0.02:
                acts = [f"{svc}:*"]
            st["Action"] = acts[0] if len(acts) == 1 else acts
        if r.random() < 0.03:
            st["NotResource"] = [self.resource(svc)]
        elif r.random() < 0.12 or "NotAction" in st:
            st["Resource"] = "*"
        else:
            res = [self.resource(svc) for _ in range(r.choices([1, 2, 3, 4], [62, 24, 9, 5])[0])]
            st["Resource"] = res[0] if len(res) == 1 else res
        if r.random() < 0.3 or (deny and r.random() < 0.5):
            st["Condition"] = self.condition(svc)
        return st

    def document(self, lo=2, hi=8):
        return {"Version": "2012-10-17", "Statement": [self.statement(i) for i in range(self.rng.randint(lo, hi))]}

    def inline_policies(self, base):
        return [{"PolicyName": f"{base}-{self.rng.choice(['access', 'policy', 'inline', 'perms', 'extra'])}-{i}",
                 "PolicyDocument": self.document()} for i in range(self.rng.randint(1, 4))]

    # --- trust policies ---
    def trust(self, user_arns, role_arns, name):
        r = self.rng
        stmts = []
        for _ in range(1 if r.random() < 0.8 else 2):
            kind = r.choices(["service", "role", "user", "root", "other", "oidc"], [45, 15, 8, 10, 14, 8])[0]
            st = {"Effect": "Allow", "Action": "sts:AssumeRole"}
            if kind == "service":
                st["Principal"] = {"Service": r.choice(SERVICE_PRINCIPALS)}
                if r.random() < 0.5:
                    st["Condition"] = {"StringEquals": {"aws:SourceAccount": self.acct}}
            elif kind == "role" and role_arns:
                st["Principal"] = {"AWS": r.sample(role_arns, min(len(role_arns), r.randint(1, 3)))}
            elif kind == "user" and user_arns:
                st["Principal"] = {"AWS": r.choice(user_arns)}
                if r.random() < 0.6:
                    st["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
            elif kind == "root":
                st["Principal"] = {"AWS": f"arn:aws:iam::{self.acct}:root"}
                if r.random() < 0.5:
                    st["Condition"] = {"StringEquals": {"aws:PrincipalTag/team": r.choice(TEAMS)}}
            elif kind == "other":
                st["Principal"] = {"AWS": f"arn:aws:iam::{r.choice(OTHER_ACCOUNTS)}:root"}
                if r.random() < 0.85:
                    st["Condition"] = {"StringEquals": {"sts:ExternalId": "".join(
                        r.choice("abcdef0123456789") for _ in range(16))}}
            else:
                st["Action"] = "sts:AssumeRoleWithWebIdentity"
                if r.random() < 0.7:
                    st["Principal"] = {"Federated": f"arn:aws:iam::{self.acct}:oidc-provider/token.actions.githubusercontent.com"}
                    st["Condition"] = {
                        "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                        "StringLike": {"token.actions.githubusercontent.com:sub":
                                       f"repo:example-org/{r.choice(APPS)}-{r.choice(TEAMS)}:ref:refs/heads/main"}}
                else:
                    cid = "".join(r.choice("0123456789ABCDEF") for _ in range(32))
                    prov = f"oidc.eks.{r.choice(REGIONS)}.amazonaws.com/id/{cid}"
                    st["Principal"] = {"Federated": f"arn:aws:iam::{self.acct}:oidc-provider/{prov}"}
                    st["Condition"] = {"StringEquals": {f"{prov}:sub": f"system:serviceaccount:{r.choice(TEAMS)}:{name}",
                                                        f"{prov}:aud": "sts.amazonaws.com"}}
            if "Principal" not in st:
                st["Principal"] = {"Service": r.choice(SERVICE_PRINCIPALS)}
            # key order as IAM prints it
            stmts.append({k: st[k] for k in ("Effect", "Principal", "Action", "Condition") if k in st})
        return {"Version": "2012-10-17", "Statement": stmts}

    # --- the account ---
    def build(self, aws_managed_docs):
        r = self.rng
        acct = self.acct
        n_users = int(round(self.n * 0.4))
        n_roles = self.n - n_users

        # customer managed policies
        n_pol = max(20, self.n // 8)
        policies = []
        for i in range(n_pol):
            name = f"{self.name_token()}-{r.choice(['access', 'readonly', 'readwrite', 'deploy', 'ops', 'data'])}-{i:05d}"
            path = "/" if r.random() < 0.8 else f"/{r.choice(TEAMS)}/"
            created = self.date("2019-01-01", dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc))
            nv = r.choices([1, 2, 3, 4, 5], [45, 25, 15, 10, 5])[0]
            dates = sorted(self.date(created.strftime("%Y-%m-%d"), self.now - dt.timedelta(days=1))
                           for _ in range(nv - 1))
            dates = [created] + dates
            # usually the newest version is the default; sometimes an older one was restored
            default = r.randrange(nv) if nv > 1 and r.random() < 0.1 else nv - 1
            base = self.document()
            versions = []
            for v in range(nv):
                d = base if v == 0 else self.document()
                versions.append({"Document": d, "VersionId": f"v{v + 1}", "IsDefaultVersion": v == default,
                                 "CreateDate": self.fmt(dates[v])})
            versions.reverse()
            policies.append({"PolicyName": name, "PolicyId": self.uid("ANPA"),
                             "Arn": f"arn:aws:iam::{acct}:policy{path}{name}", "Path": path,
                             "DefaultVersionId": f"v{default + 1}", "AttachmentCount": 0,
                             "PermissionsBoundaryUsageCount": 0, "IsAttachable": True,
                             "CreateDate": self.fmt(created), "UpdateDate": self.fmt(dates[default]),
                             "PolicyVersionList": versions})
        # boundary policies
        boundaries = []
        for team in TEAMS[:6]:
            name = f"{team}-permissions-boundary"
            created = self.date("2021-01-01", dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc))
            d = {"Version": "2012-10-17", "Statement": [
                {"Sid": "AllowWorkloadServices", "Effect": "Allow",
                 "Action": [f"{s}:*" for s in r.sample(SERVICE_NAMES[:16], 8)], "Resource": "*"},
                {"Sid": "DenyIamAndOrg", "Effect": "Deny",
                 "Action": ["iam:CreateUser", "iam:CreateAccessKey", "iam:PutRolePolicy", "iam:AttachRolePolicy",
                            "iam:DeleteRolePermissionsBoundary", "organizations:*"], "Resource": "*"},
                {"Sid": "DenyOtherRegions", "Effect": "Deny", "NotAction": ["iam:*", "sts:*", "cloudfront:*"],
                 "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "us-west-2"]}}}]}
            boundaries.append({"PolicyName": name, "PolicyId": self.uid("ANPA"),
                               "Arn": f"arn:aws:iam::{acct}:policy/boundaries/{name}", "Path": "/boundaries/",
                               "DefaultVersionId": "v1", "AttachmentCount": 0, "PermissionsBoundaryUsageCount": 0,
                               "IsAttachable": True, "CreateDate": self.fmt(created), "UpdateDate": self.fmt(created),
                               "PolicyVersionList": [{"Document": d, "VersionId": "v1", "IsDefaultVersion": True,
                                                      "CreateDate": self.fmt(created)}]})
        by_arn = {p["Arn"]: p for p in policies + boundaries}
        for p in aws_managed_docs:
            q = dict(p)
            q["AttachmentCount"] = 0
            q["PermissionsBoundaryUsageCount"] = 0
            by_arn[q["Arn"]] = q
        aws_arns = [a for a, _ in AWS_MANAGED if a in by_arn] or [a for a, _ in AWS_MANAGED]
        aws_weights = [w for a, w in AWS_MANAGED if a in aws_arns]
        cust_arns = [p["Arn"] for p in policies]
        used_aws = set()

        def attached(k):
            arns = []
            for _ in range(k):
                if r.random() < 0.3:
                    a = r.choices(aws_arns, aws_weights)[0]
                else:
                    a = r.choice(cust_arns)
                if a not in arns:
                    arns.append(a)
            out = []
            for a in arns:
                if a in by_arn:
                    by_arn[a]["AttachmentCount"] += 1
                if a.startswith("arn:aws:iam::aws:"):
                    used_aws.add(a)
                out.append({"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a})
            return out

        def boundary():
            if r.random() >= 0.1:
                return None
            b = r.choice(boundaries)
            b["PermissionsBoundaryUsageCount"] += 1
            return {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": b["Arn"]}

        # names
        user_names, seen = [], set()
        while len(user_names) < n_users:
            base = f"{r.choice(FIRST)}.{r.choice(LAST)}"
            if r.random() < 0.15:
                base = f"svc-{r.choice(APPS)}-{r.choice(['ci', 'bot', 'sync', 'export'])}"
            nm = base
            k = 2
            while nm in seen:
                nm = f"{base}{k}"
                k += 1
            seen.add(nm)
            user_names.append(nm)
        role_names = []
        for i in range(n_roles):
            role_names.append(f"{r.choice(TEAMS)}-{r.choice(APPS)}-{r.choice(ENVS)}-{r.choice(PURPOSES)}-role-{i:05d}")
        user_paths = {u: ("/" if r.random() < 0.85 else f"/{r.choice(TEAMS)}/") for u in user_names}
        role_paths = {x: ("/" if r.random() < 0.75 else r.choice(["/service-role/", f"/{r.choice(TEAMS)}/"]))
                      for x in role_names}
        user_arns = [f"arn:aws:iam::{acct}:user{user_paths[u]}{u}" for u in user_names]
        role_arns = [f"arn:aws:iam::{acct}:role{role_paths[x]}{x}" for x in role_names]

        # groups: chunk shuffled users into groups of 5-50, then some extra memberships
        order = list(range(n_users))
        r.shuffle(order)
        group_members = []
        i = 0
        while i < n_users:
            size, rem = r.randint(5, 50), n_users - i
            if rem - size < 5:  # never leave a group of fewer than 5 users behind
                size = rem if rem <= 50 else rem - 5
            group_members.append(order[i:i + size])
            i += size
        memberships = [[] for _ in range(n_users)]
        groups = []
        for gi, members in enumerate(group_members):
            gname = f"{r.choice(TEAMS)}-{r.choice(['engineers', 'readers', 'admins', 'oncall', 'analysts', 'deployers'])}-{gi:04d}"
            for m in members:
                memberships[m].append(gname)
            created = self.date("2019-01-01")
            groups.append({"Path": "/", "GroupName": gname, "GroupId": self.uid("AGPA"),
                           "Arn": f"arn:aws:iam::{acct}:group/{gname}", "CreateDate": self.fmt(created),
                           "GroupPolicyList": [{"PolicyName": f"{gname}-inline-{k}", "PolicyDocument": self.document()}
                                               for k in range(r.randint(0, 2))],
                           "AttachedManagedPolicies": attached(r.randint(1, 3))})
        sizes = {g["GroupName"]: len(m) for g, m in zip(groups, group_members)}
        for u in range(n_users):  # some users are in a second group (groups stay within 50)
            if groups and r.random() < 0.3:
                g = r.choice(groups)["GroupName"]
                if g not in memberships[u] and sizes[g] < 50:
                    memberships[u].append(g)
                    sizes[g] += 1

        users = []
        for ui, u in enumerate(user_names):
            created = self.date("2019-01-01")
            e = {"Path": user_paths[u], "UserName": u, "UserId": self.uid("AIDA"), "Arn": user_arns[ui],
                 "CreateDate": self.fmt(created), "UserPolicyList": self.inline_policies(u),
                 "GroupList": memberships[ui], "AttachedManagedPolicies": attached(r.randint(1, 5))}
            b = boundary()
            if b:
                e["PermissionsBoundary"] = b
            e["Tags"] = self.tags()
            users.append(e)

        roles = []
        for ri, x in enumerate(role_names):
            created = self.date("2019-01-01")
            trust = self.trust(user_arns, role_arns, x)
            ips = []
            if "ec2" in x or r.random() < 0.05:
                ips.append({"Path": "/", "InstanceProfileName": x, "InstanceProfileId": self.uid("AIPA"),
                            "Arn": f"arn:aws:iam::{acct}:instance-profile/{x}", "CreateDate": self.fmt(created),
                            "Roles": []})
            e = {"Path": role_paths[x], "RoleName": x, "RoleId": self.uid("AROA"), "Arn": role_arns[ri],
                 "CreateDate": self.fmt(created), "AssumeRolePolicyDocument": trust,
                 "InstanceProfileList": ips, "RolePolicyList": self.inline_policies(x),
                 "AttachedManagedPolicies": attached(r.randint(1, 5))}
            b = boundary()
            if b:
                e["PermissionsBoundary"] = b
            e["Tags"] = self.tags(x.split("-", 1)[0])
            if r.random() < 0.1:
                e["RoleLastUsed"] = {}
            else:
                lu = self.date(max(created, self.now - dt.timedelta(days=400)).strftime("%Y-%m-%d"))
                e["RoleLastUsed"] = {"LastUsedDate": self.fmt(lu), "Region": r.choice(REGIONS)}
            e["MaxSessionDuration"] = r.choice([3600, 3600, 3600, 7200, 14400, 43200])
            roles.append(e)

        all_policies = policies + boundaries
        for a in sorted(used_aws):
            if a in by_arn and a.startswith("arn:aws:iam::aws:"):
                all_policies.append(by_arn[a])
        return users, groups, roles, all_policies


def encode_docs(account):
    q = lambda d: urllib.parse.quote(json.dumps(d), safe="")
    for u in account["UserDetailList"]:
        for p in u["UserPolicyList"]:
            p["PolicyDocument"] = q(p["PolicyDocument"])
    for g in account["GroupDetailList"]:
        for p in g["GroupPolicyList"]:
            p["PolicyDocument"] = q(p["PolicyDocument"])
    for r in account["RoleDetailList"]:
        r["AssumeRolePolicyDocument"] = q(r["AssumeRolePolicyDocument"])
        for p in r["RolePolicyList"]:
            p["PolicyDocument"] = q(p["PolicyDocument"])
    for p in account["Policies"]:
        for v in p["PolicyVersionList"]:
            v["Document"] = q(v["Document"])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--principals", type=int, default=1000, help="users + roles (default 1000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True, help="output file ('-' for stdout)")
    ap.add_argument("--account", default="123456789012")
    ap.add_argument("--url-encoded", action="store_true", help="emit documents as URL-encoded JSON strings")
    ap.add_argument("--iamscope-header", action="store_true", help="add the iamscope snapshot header")
    ap.add_argument("--indent", type=int, default=1, help="JSON indent (default 1; 0 for compact)")
    args = ap.parse_args()
    if args.principals < 2:
        ap.error("--principals must be at least 2")

    managed_path = os.path.join(ROOT, "assets", "aws-managed-policies", "policies.json")
    aws_docs = []
    if os.path.exists(managed_path):
        with open(managed_path) as f:
            aws_docs = json.load(f)

    g = Gen(args)
    users, groups, roles, policies = g.build(aws_docs)
    account = {}
    if args.iamscope_header:
        account["iamscope"] = {"format_version": 1, "account_id": args.account, "partition": "aws",
                               "fetched_at": "2026-11-01T09:00:00Z", "source": "generated", "gaps": []}
    account.update({"UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles,
                    "Policies": policies})
    if args.url_encoded:
        encode_docs(account)

    out_dir = os.path.dirname(os.path.abspath(args.out)) if args.out != "-" else None
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
    f = sys.stdout if args.out == "-" else open(args.out, "w")
    try:
        if args.indent:
            json.dump(account, f, indent=args.indent)
        else:
            json.dump(account, f, separators=(",", ":"))
        f.write("\n")
    finally:
        if f is not sys.stdout:
            f.close()
    if args.out != "-":
        size = os.path.getsize(args.out)
        print(f"wrote {args.out}: {len(users)} users, {len(roles)} roles, {len(groups)} groups, "
              f"{len(policies)} managed policies, {size / 1e6:.1f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
