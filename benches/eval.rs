//! Decision throughput: a typical request against 5 policies with 20 statements and 2
//! conditions each (compiled once), with and without a trace, and the batch function over the
//! corpus.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iamscope::eval::{
    CompiledPolicy, Context, PolicySet, Request, decide, evaluate, evaluate_line,
};
use iamscope::policy::Policy;

/// Four statements with two conditions each; `n` varies the actions and resources so that
/// only some statements match.
fn policy(n: usize) -> Policy {
    let doc = format!(
        r#"{{"Version":"2012-10-17","Statement":[
        {{"Sid":"Read{n}","Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":["arn:aws:s3:::data-{n}","arn:aws:s3:::data-{n}/*"],
          "Condition":{{"StringEquals":{{"aws:PrincipalTag/team":"data"}},"Bool":{{"aws:SecureTransport":"true"}}}}}},
        {{"Sid":"Ddb{n}","Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:*:111122223333:table/t{n}*",
          "Condition":{{"IpAddress":{{"aws:SourceIp":"203.0.113.0/24"}},"DateGreaterThan":{{"aws:CurrentTime":"2024-01-01T00:00:00Z"}}}}}},
        {{"Sid":"Logs{n}","Effect":"Allow","Action":["logs:Put*","logs:Create*"],"Resource":"*",
          "Condition":{{"StringLike":{{"aws:RequestedRegion":"eu-*"}},"NumericLessThan":{{"aws:MultiFactorAuthAge":"3600"}}}}}},
        {{"Sid":"Deny{n}","Effect":"Deny","Action":"s3:DeleteObject*","Resource":"arn:aws:s3:::data-{n}/*",
          "Condition":{{"StringNotEquals":{{"aws:PrincipalTag/team":"admin"}},"BoolIfExists":{{"aws:MultiFactorAuthPresent":"false"}}}}}}
        ]}}"#
    );
    Policy::from_json(&doc).unwrap()
}

fn set() -> PolicySet {
    PolicySet {
        identity: (0..5)
            .map(|i| CompiledPolicy::labeled(format!("policy-{i}"), &policy(i)))
            .collect(),
        ..PolicySet::default()
    }
}

fn request() -> Request {
    let ctx = Context::new()
        .with("aws:PrincipalTag/team", "data")
        .with("aws:SecureTransport", "true")
        .with("aws:SourceIp", "203.0.113.7")
        .with("aws:CurrentTime", "2024-06-15T12:00:00Z")
        .with("aws:RequestedRegion", "us-east-1")
        .with("aws:MultiFactorAuthAge", "120")
        .with("aws:PrincipalArn", "arn:aws:iam::111122223333:user/alice")
        .with("aws:username", "alice");
    Request::new(
        "arn:aws:iam::111122223333:user/alice",
        "s3:GetObject",
        "arn:aws:s3:::data-3/reports/2024.csv",
    )
    .with_resource_account("111122223333")
    .with_context(ctx)
}

fn bench(c: &mut Criterion) {
    let set = set();
    let req = request();
    assert_eq!(decide(&set, &req), iamscope::eval::Decision::Allow);

    let mut g = c.benchmark_group("single");
    g.throughput(Throughput::Elements(1));
    g.bench_function("decide", |b| {
        b.iter(|| decide(black_box(&set), black_box(&req)))
    });
    g.bench_function("evaluate_with_trace", |b| {
        b.iter(|| evaluate(black_box(&set), black_box(&req)))
    });
    g.finish();

    let lines: Vec<&str> = include_str!("../tests/data/eval-cases.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    let mut g = c.benchmark_group("batch");
    g.throughput(Throughput::Elements(lines.len() as u64));
    g.sample_size(10);
    g.bench_function("corpus_lines", |b| {
        b.iter(|| {
            for l in &lines {
                black_box(evaluate_line(black_box(l)));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
