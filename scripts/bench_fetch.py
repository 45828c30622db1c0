#!/usr/bin/env python3
"""Builds a large account in a moto server for scripts/bench_fetch.sh.

The account gets its own id (moto keys its state by the access key's account), so repeated runs
against one server do not mix. Prints one JSON line: account id, counts, and the profile and
config file that `iamscope fetch --profile` reads its credentials from.

Needs boto3 (scripts/moto.sh install puts it in target/moto-venv).
"""

import argparse
import concurrent.futures as cf
import json
import random
import sys
import time

import boto3


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--principals", type=int, default=1000)
    ap.add_argument("--config", required=True, help="shared config file to write")
    ap.add_argument("--profile", default="iamscope-bench")
    # moto's IAM backend is not safe for concurrent writes (roles created in parallel fail with
    # "dictionary changed size during iteration"): one writer by default.
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rnd = random.Random(args.seed)

    account_id = str(100_000_000_000 + random.SystemRandom().randrange(899_999_999_999))
    base = dict(endpoint_url=args.endpoint, region_name="us-east-1")
    sts = boto3.client("sts", aws_access_key_id="testing", aws_secret_access_key="testing", **base)
    c = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/iamscope-bench",
        RoleSessionName="iamscope-bench",
    )["Credentials"]
    creds = dict(
        aws_access_key_id=c["AccessKeyId"],
        aws_secret_access_key=c["SecretAccessKey"],
        aws_session_token=c["SessionToken"],
    )
    iam = boto3.client("iam", **creds, **base)

    started = time.time()
    n_users = args.principals * 6 // 10
    n_roles = args.principals - n_users
    services = ["ec2", "lambda", "ecs-tasks", "glue", "states"]
    actions = ["s3:GetObject", "s3:PutObject", "dynamodb:Query", "sqs:SendMessage",
               "logs:PutLogEvents", "ec2:Describe*", "kms:Decrypt", "ssm:GetParameter"]

    policies = []
    for i in range(40):
        arn = iam.create_policy(
            PolicyName=f"team-policy-{i:02d}",
            PolicyDocument=doc({"Effect": "Allow", "Action": rnd.sample(actions, 3),
                                "Resource": "*"}),
        )["Policy"]["Arn"]
        policies.append(arn)
    boundary = iam.create_policy(
        PolicyName="boundary",
        PolicyDocument=doc({"Effect": "Allow", "Action": ["s3:*", "logs:*", "sqs:*"], "Resource": "*"}),
    )["Policy"]["Arn"]
    groups = [f"group-{i:02d}" for i in range(20)]
    for i, g in enumerate(groups):
        iam.create_group(GroupName=g, Path=f"/team{i % 4}/")
        iam.attach_group_policy(GroupName=g, PolicyArn=policies[i % len(policies)])
        iam.put_group_policy(GroupName=g, PolicyName="inline",
                             PolicyDocument=doc({"Effect": "Allow", "Action": "sts:AssumeRole",
                                                 "Resource": f"arn:aws:iam::{account_id}:role/role-{i:04d}"}))

    def make_user(i):
        name = f"user-{i:04d}"
        iam.create_user(UserName=name, Path="/people/", Tags=[{"Key": "team", "Value": f"t{i % 9}"}])
        for g in rnd.sample(groups, 1 + i % 3):
            iam.add_user_to_group(GroupName=g, UserName=name)
        if i % 3 == 0:
            iam.create_access_key(UserName=name)
        if i % 10 == 0:
            iam.put_user_policy(UserName=name, PolicyName="extra",
                                PolicyDocument=doc({"Effect": "Allow", "Action": "s3:ListBucket",
                                                    "Resource": "*"}))
        if i % 7 == 0:
            iam.attach_user_policy(UserName=name, PolicyArn=policies[i % len(policies)])

    def make_role(i):
        name = f"role-{i:04d}"
        kind = i % 3
        if kind == 0:
            principal = {"Service": f"{services[i % len(services)]}.amazonaws.com"}
        elif kind == 1:
            principal = {"AWS": f"arn:aws:iam::{account_id}:root"}
        else:
            principal = {"AWS": "arn:aws:iam::210987654321:root"}
        kwargs = {}
        if i % 5 == 0:
            kwargs["PermissionsBoundary"] = boundary
        iam.create_role(RoleName=name, Path="/app/",
                        AssumeRolePolicyDocument=doc({"Effect": "Allow", "Principal": principal,
                                                      "Action": "sts:AssumeRole"}),
                        MaxSessionDuration=3600 * (1 + i % 4), **kwargs)
        iam.attach_role_policy(RoleName=name, PolicyArn=policies[i % len(policies)])
        if i % 4 == 0:
            iam.put_role_policy(RoleName=name, PolicyName="inline",
                                PolicyDocument=doc({"Effect": "Allow", "Action": rnd.choice(actions),
                                                    "Resource": "*"}))

    with cf.ThreadPoolExecutor(args.workers) as pool:
        list(pool.map(make_user, range(n_users)))
        list(pool.map(make_role, range(n_roles)))

    with open(args.config, "w") as f:
        f.write(f"[profile {args.profile}]\n")
        f.write(f"aws_access_key_id = {creds['aws_access_key_id']}\n")
        f.write(f"aws_secret_access_key = {creds['aws_secret_access_key']}\n")
        f.write(f"aws_session_token = {creds['aws_session_token']}\n")
        f.write("region = us-east-1\n")
    print(json.dumps({
        "account_id": account_id,
        "users": n_users,
        "roles": n_roles,
        "groups": len(groups),
        "customer_policies": len(policies) + 1,
        "setup_seconds": round(time.time() - started, 1),
        "profile": args.profile,
        "config": args.config,
    }))


if __name__ == "__main__":
    sys.exit(main())
