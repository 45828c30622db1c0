//! Reading AccessDenied messages: every shape, with the example texts of the AWS documentation
//! verbatim (IAM User Guide "Troubleshoot access denied error messages", Amazon S3 User Guide
//! "Troubleshoot access denied (403 Forbidden) errors"), and the wrappers real tools put around
//! them (AWS CLI, SDKs, CloudTrail, Terraform).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iamscope::analysis::explain::{
    Caller, ClaimKind, ClaimLayer, MessageShape, ParseError, ParsedMessage, parse_message,
};

fn parse(text: &str) -> ParsedMessage {
    parse_message(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn caller_arn(m: &ParsedMessage) -> &str {
    m.caller.as_ref().and_then(Caller::arn).expect("caller")
}

/// (claim kind, claim layer) of a message.
fn claim(m: &ParsedMessage) -> (ClaimKind, ClaimLayer) {
    let c = m.claim.as_ref().expect("claim");
    (c.kind, c.layer)
}

// ---- IAM User Guide, "Access denied error message examples" (current edition) ----

#[test]
fn iam_guide_scp_implicit() {
    let m = parse(
        "User: arn:aws:iam::777788889999:user/John is not authorized to perform:\ncodecommit:ListRepositories because no service control policy allows the codecommit:ListRespositories action",
    );
    assert_eq!(caller_arn(&m), "arn:aws:iam::777788889999:user/John");
    // The guide misspells the action in the reason; the action is the one after "perform".
    assert_eq!(m.action.as_deref(), Some("codecommit:ListRepositories"));
    assert_eq!(m.resource, None);
    assert_eq!(claim(&m), (ClaimKind::ImplicitDeny, ClaimLayer::Scp));
}

#[test]
fn iam_guide_scp_explicit() {
    let m = parse(
        "User: arn:aws:iam::777788889999:user/John is not authorized to perform:\ncodecommit:ListRepositories with an explicit deny in a service control policy",
    );
    assert_eq!(m.action.as_deref(), Some("codecommit:ListRepositories"));
    assert_eq!(claim(&m), (ClaimKind::ExplicitDeny, ClaimLayer::Scp));
}

#[test]
fn iam_guide_rcp_explicit() {
    let m = parse(
        "User: arn:aws:iam::123456789012:user/John is not authorized to perform:\nsecretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:123456789012:secret:* with an explicit deny in a resource control policy",
    );
    assert_eq!(m.action.as_deref(), Some("secretsmanager:GetSecretValue"));
    assert_eq!(
        m.resource.as_deref(),
        Some("arn:aws:secretsmanager:us-east-1:123456789012:secret:*")
    );
    assert_eq!(claim(&m), (ClaimKind::ExplicitDeny, ClaimLayer::Rcp));
}

#[test]
fn iam_guide_vpc_endpoint() {
    let m = parse(
        "User: arn:aws:iam::123456789012:user/John is not authorized to perform:\ncodecommit:ListRepositories because no VPC endpoint policy allows the codecommit:ListRepositories action",
    );
    assert_eq!(
        claim(&m),
        (ClaimKind::ImplicitDeny, ClaimLayer::VpcEndpoint)
    );
    let m = parse(
        "User: arn:aws:iam::123456789012:user/John is not authorized to perform:\ncodedeploy:ListDeployments on resource: arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:* with an explicit deny in a VPC endpoint policy",
    );
    assert_eq!(
        m.resource.as_deref(),
        Some("arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:*")
    );
    assert_eq!(
        claim(&m),
        (ClaimKind::ExplicitDeny, ClaimLayer::VpcEndpoint)
    );
}

#[test]
fn iam_guide_permissions_boundary() {
    let m = parse(
        "User: arn:aws:iam::123456789012:user/John is not authorized to perform:\ncodedeploy:ListDeployments on resource: arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:* because no permissions boundary allows the codedeploy:ListDeployments action",
    );
    assert_eq!(m.action.as_deref(), Some("codedeploy:ListDeployments"));
    assert_eq!(
        claim(&m),
        (ClaimKind::ImplicitDeny, ClaimLayer::PermissionsBoundary)
    );
    let m = parse(
        "User: arn:aws:iam::777788889999:user/John is not authorized to perform:\nsagemaker:ListModels with an explicit deny in a permissions boundary",
    );
    assert_eq!(
        claim(&m),
        (ClaimKind::ExplicitDeny, ClaimLayer::PermissionsBoundary)
    );
}

#[test]
fn iam_guide_session_policies() {
    let m = parse(
        "User: arn:aws:iam::123456789012:user/John is not authorized to perform:\ncodecommit:ListRepositories because no session policy allows the codecommit:ListRepositories action",
    );
    assert_eq!(claim(&m), (ClaimKind::ImplicitDeny, ClaimLayer::Session));
    // The guide writes "sessions policy".
    let m = parse(
        "User: arn:aws:iam::123456789012:user/John is not authorized to perform:\ncodedeploy:ListDeployments on resource: arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:* with an explicit deny in a sessions policy",
    );
    assert_eq!(claim(&m), (ClaimKind::ExplicitDeny, ClaimLayer::Session));
}

#[test]
fn iam_guide_resource_based() {
    let m = parse(
        "User: arn:aws:iam::123456789012:user/John is not authorized to perform:\nsecretsmanager:GetSecretValue because no resource-based policy allows the secretsmanager:GetSecretValue action",
    );
    assert_eq!(claim(&m), (ClaimKind::ImplicitDeny, ClaimLayer::Resource));
    let m = parse(
        "User: arn:aws:iam::123456789012:user/John is not authorized to perform:\nsecretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:123456789012:secret:* with an explicit deny in a resource-based policy",
    );
    assert_eq!(claim(&m), (ClaimKind::ExplicitDeny, ClaimLayer::Resource));
}

#[test]
fn iam_guide_role_trust() {
    let m = parse(
        "User: arn:aws:iam::123456789012:user/John is not authorized to perform:\nsts:AssumeRole because no role trust policy allows the sts:AssumeRole action",
    );
    assert_eq!(claim(&m), (ClaimKind::ImplicitDeny, ClaimLayer::RoleTrust));
    let m = parse(
        "User: arn:aws:iam::777788889999:user/John is not authorized to perform:\nsts:AssumeRole with an explicit deny in the role trust policy",
    );
    assert_eq!(claim(&m), (ClaimKind::ExplicitDeny, ClaimLayer::RoleTrust));
    // An earlier edition: "because the role trust policy allows".
    let m = parse(
        "User: arn:aws:iam::123456789012:user/JohnDoe is not authorized to perform: \nsts:AssumeRole because the role trust policy allows the sts:AssumeRole action",
    );
    assert_eq!(claim(&m), (ClaimKind::ImplicitDeny, ClaimLayer::RoleTrust));
}

#[test]
fn iam_guide_identity_based_on_a_role() {
    let m = parse(
        "User: arn:aws:iam::123456789012:role/HR is not authorized to perform:\ncodecommit:ListRepositories because no identity-based policy allows the codecommit:ListRepositories action",
    );
    assert!(
        matches!(m.caller, Some(Caller::Role { .. })),
        "{:?}",
        m.caller
    );
    assert_eq!(claim(&m), (ClaimKind::ImplicitDeny, ClaimLayer::Identity));
    let m = parse(
        "User: arn:aws:iam::123456789012:role/HR is not authorized to perform:\ncodedeploy:ListDeployments on resource: arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:* with an explicit deny in an identity-based policy",
    );
    assert_eq!(claim(&m), (ClaimKind::ExplicitDeny, ClaimLayer::Identity));
}

#[test]
fn iam_guide_transitive_vpc_scp() {
    // The guide's placeholders are in backticks; the guide says to check the SCPs.
    let m = parse(
        "User: arn:aws:sts::111122223333:assumed-role/`role-name`/`role-session-name` is not authorized to perform:\nSNS:Publish on resource: arn:aws:sns:us-east-1:444455556666:`role-name-2`\nwith an explicit deny in a VPC endpoint policy transitively through a service control policy",
    );
    let Some(Caller::AssumedRole {
        role_name,
        session_name,
        ..
    }) = &m.caller
    else {
        panic!("{:?}", m.caller)
    };
    assert_eq!(
        (role_name.as_str(), session_name.as_str()),
        ("role-name", "role-session-name")
    );
    assert_eq!(m.action.as_deref(), Some("sns:Publish"));
    assert_eq!(
        m.resource.as_deref(),
        Some("arn:aws:sns:us-east-1:444455556666:role-name-2")
    );
    assert_eq!(claim(&m), (ClaimKind::ExplicitDeny, ClaimLayer::Scp));
}

#[test]
fn iam_guide_non_arn_resource() {
    let m = parse(
        "User: arn:aws:iam::123456789012:user/mateojackson is not authorized to perform: widgets:`GetWidget` on resource: `my-example-widget`",
    );
    assert_eq!(m.action.as_deref(), Some("widgets:GetWidget"));
    assert_eq!(m.resource.as_deref(), Some("my-example-widget"));
    assert_eq!(m.claim, None);
}

#[test]
fn iam_guide_policy_arn_and_authorization_id() {
    let m = parse(
        "User: arn:aws:iam::123456789012:user/janedoe is not authorized to perform: iam:CreateInstanceProfile on resource: arn:aws:iam::123456789012:instance-profile/my-instance-profile with an explicit deny in an identity-based policy: arn:aws:iam::123456789012:policy/ExampleDenyPolicy. Go to https://us-east-1.console.aws.amazon.com/iam/home?region=us-east-1#/authorization-details/EXAMPLE1a2b3c4d5e",
    );
    assert_eq!(
        m.resource.as_deref(),
        Some("arn:aws:iam::123456789012:instance-profile/my-instance-profile")
    );
    let c = m.claim.as_ref().unwrap();
    assert_eq!(
        (c.kind, c.layer),
        (ClaimKind::ExplicitDeny, ClaimLayer::Identity)
    );
    assert_eq!(
        c.policy_arn.as_deref(),
        Some("arn:aws:iam::123456789012:policy/ExampleDenyPolicy")
    );
    assert_eq!(m.authorization_id.as_deref(), Some("EXAMPLE1a2b3c4d5e"));
}

#[test]
fn iam_guide_earlier_edition_scp_wording() {
    let m = parse(
        "User: arn:aws:iam::777788889999:user/JohnDoe is not authorized to perform: \ncodecommit:ListRepositories with an explicit deny in a service control policy",
    );
    assert_eq!(claim(&m), (ClaimKind::ExplicitDeny, ClaimLayer::Scp));
    let m = parse(
        "User: arn:aws:iam::123456789012:user/JohnDoe is not authorized to perform: codecommit:ListRepositories due to an explicit deny in a Service Control Policy",
    );
    assert_eq!(claim(&m), (ClaimKind::ExplicitDeny, ClaimLayer::Scp));
}

// ---- Amazon S3 User Guide, "Access denied message examples" ----

#[test]
fn s3_guide_rcp_with_cli_wrapper_and_quoted_resource() {
    let m = parse(
        "An error occurred (AccessDenied) when calling the GetObject operation:\nUser: arn:aws:iam::777788889999:user/MaryMajor is not authorized to perform:\ns3:GetObject on resource: \"arn:aws:s3:::amzn-s3-demo-bucket1/object-name\"\nwith an explicit deny in a resource control policy",
    );
    assert_eq!(m.error_code.as_deref(), Some("AccessDenied"));
    assert_eq!(m.operation.as_deref(), Some("GetObject"));
    assert_eq!(caller_arn(&m), "arn:aws:iam::777788889999:user/MaryMajor");
    assert_eq!(m.action.as_deref(), Some("s3:GetObject"));
    assert_eq!(
        m.resource.as_deref(),
        Some("arn:aws:s3:::amzn-s3-demo-bucket1/object-name")
    );
    assert_eq!(claim(&m), (ClaimKind::ExplicitDeny, ClaimLayer::Rcp));
}

#[test]
fn s3_guide_every_policy_type() {
    let cases = [
        (
            "User: arn:aws:iam::777788889999:user/MaryMajor is not authorized to perform:\ns3:GetObject because no service control policy allows the s3:GetObject action",
            ClaimKind::ImplicitDeny,
            ClaimLayer::Scp,
            false,
        ),
        (
            "User: arn:aws:iam::777788889999:user/MaryMajor is not authorized to perform:\ns3:GetObject with an explicit deny in a service control policy",
            ClaimKind::ExplicitDeny,
            ClaimLayer::Scp,
            false,
        ),
        (
            "User: arn:aws:iam::123456789012:user/MaryMajor is not authorized to perform:\ns3:GetObject because no VPC endpoint policy allows the s3:GetObject action",
            ClaimKind::ImplicitDeny,
            ClaimLayer::VpcEndpoint,
            false,
        ),
        (
            "User: arn:aws:iam::123456789012:user/MaryMajor is not authorized to perform:\ns3:GetObject on resource: \"arn:aws:s3:::amzn-s3-demo-bucket1/object-name\" with\nan explicit deny in a VPC endpoint policy",
            ClaimKind::ExplicitDeny,
            ClaimLayer::VpcEndpoint,
            true,
        ),
        (
            "User: arn:aws:iam::123456789012:user/MaryMajor is not authorized to perform:\ns3:GetObject on resource: \"arn:aws:s3:::amzn-s3-demo-bucket1/object-name\"\nbecause no permissions boundary allows the s3:GetObject action",
            ClaimKind::ImplicitDeny,
            ClaimLayer::PermissionsBoundary,
            true,
        ),
        (
            "User: arn:aws:iam::777788889999:user/MaryMajor is not authorized to perform:\ns3:GetObject with an explicit deny in a permissions boundary",
            ClaimKind::ExplicitDeny,
            ClaimLayer::PermissionsBoundary,
            false,
        ),
        (
            "User: arn:aws:iam::123456789012:user/MaryMajor is not authorized to perform:\ns3:GetObject because no session policy allows the s3:GetObject action",
            ClaimKind::ImplicitDeny,
            ClaimLayer::Session,
            false,
        ),
        (
            "User: arn:aws:iam::123456789012:user/MaryMajor is not authorized to perform:\ns3:GetObject on resource: \"arn:aws:s3:::amzn-s3-demo-bucket1/object-name\" with\nan explicit deny in a session policy",
            ClaimKind::ExplicitDeny,
            ClaimLayer::Session,
            true,
        ),
        (
            "User: arn:aws:iam::123456789012:user/MaryMajor is not authorized to perform:\ns3:GetObject because no resource-based policy allows the s3:GetObject action",
            ClaimKind::ImplicitDeny,
            ClaimLayer::Resource,
            false,
        ),
        (
            "User: arn:aws:iam::123456789012:user/MaryMajor is not authorized to perform:\ns3:GetObject on resource: \"arn:aws:s3:::amzn-s3-demo-bucket1/object-name\" with\nan explicit deny in a resource-based policy",
            ClaimKind::ExplicitDeny,
            ClaimLayer::Resource,
            true,
        ),
        (
            "User: arn:aws:iam::123456789012:user/MaryMajor is not authorized to perform:\ns3:GetObject because no identity-based policy allows the s3:GetObject action",
            ClaimKind::ImplicitDeny,
            ClaimLayer::Identity,
            false,
        ),
        (
            "User: arn:aws:iam::123456789012:user/MaryMajor is not authorized to perform:\ns3:GetObject on resource: \"arn:aws:s3:::amzn-s3-demo-bucket1/object-name\" with\nan explicit deny in an identity-based policy",
            ClaimKind::ExplicitDeny,
            ClaimLayer::Identity,
            true,
        ),
    ];
    for (text, kind, layer, has_resource) in cases {
        let m = parse(text);
        assert_eq!(m.action.as_deref(), Some("s3:GetObject"), "{text}");
        assert_eq!(claim(&m), (kind, layer), "{text}");
        assert_eq!(
            m.resource.as_deref(),
            has_resource.then_some("arn:aws:s3:::amzn-s3-demo-bucket1/object-name"),
            "{text}"
        );
    }
}

#[test]
fn s3_guide_block_public_access_and_sts_user_arn() {
    // The S3 guide writes the user with an `sts` ARN; it is the IAM user.
    let m = parse(
        "An error occurred (AccessDenied) when calling the CopyObject operation:\nUser: arn:aws:sts::123456789012:user/MaryMajor is not authorized to\nperform: s3:CopyObject on resource: \"arn:aws:s3:::amzn-s3-demo-bucket1/object-name\"\nbecause public ACLs are prevented by the BlockPublicAcls setting in S3 Block Public Access.",
    );
    assert!(
        matches!(&m.caller, Some(Caller::User { arn, .. }) if arn == "arn:aws:iam::123456789012:user/MaryMajor"),
        "{:?}",
        m.caller
    );
    assert_eq!(
        claim(&m),
        (ClaimKind::ExplicitDeny, ClaimLayer::BlockPublicAccess)
    );
    let m = parse(
        "An error occurred (AccessDenied) when calling the PutBucketPolicy operation:\nUser: arn:aws:sts::123456789012:user/MaryMajor is not authorized to\nperform: s3:PutBucketPolicy on resource: \"arn:aws:s3:::amzn-s3-demo-bucket1/object-name\"\nbecause public policies are prevented by the BlockPublicPolicy setting in S3 Block Public Access.",
    );
    assert_eq!(m.action.as_deref(), Some("s3:PutBucketPolicy"));
    assert_eq!(
        claim(&m),
        (ClaimKind::ExplicitDeny, ClaimLayer::BlockPublicAccess)
    );
}

#[test]
fn s3_guide_blocked_sse_c() {
    let m = parse(
        "\nAn error occurred (AccessDenied) when calling the PutObject operation:\nUser: arn:aws:iam::123456789012:user/MaryMajor  is not\nauthorized to perform: s3:PutObject on resource:\n\"arn:aws:s3:::amzn-s3-demo-bucket1/object-name\" because this\nbucket has blocked upload requests that specify\nServer Side Encryption with Customer provided keys (SSE-C).\nPlease specify a different server-side encryption type\n",
    );
    assert_eq!(caller_arn(&m), "arn:aws:iam::123456789012:user/MaryMajor");
    assert_eq!(m.action.as_deref(), Some("s3:PutObject"));
    assert_eq!(
        m.resource.as_deref(),
        Some("arn:aws:s3:::amzn-s3-demo-bucket1/object-name")
    );
    assert_eq!(claim(&m).1, ClaimLayer::Other);
}

#[test]
fn s3_bare_access_denied() {
    let m = parse(
        "An error occurred (AccessDenied) when calling the GetObject operation: Access Denied",
    );
    assert_eq!(m.shape, MessageShape::Bare);
    assert_eq!(m.operation.as_deref(), Some("GetObject"));
    assert_eq!(m.caller, None);
    assert_eq!(m.action, None);
    // The CLI's S3 commands say it differently.
    let m = parse(
        "download failed: s3://my-bucket/key.txt to ./key.txt An error occurred (403) when calling the HeadObject operation: Forbidden",
    );
    assert_eq!(m.shape, MessageShape::Bare);
    assert_eq!(m.operation.as_deref(), Some("HeadObject"));
    // The XML body, as a browser or curl shows it.
    let m = parse(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>AHPTHX3RHAQJ1GB2</RequestId><HostId>OEf195Q90HSVxRShzFl1k1QtHIAciYvjeh8QOmppX7bJnljmp+RyZQzaJFfrl607d961AWUsR7c=</HostId></Error>",
    );
    assert_eq!(m.error_code.as_deref(), Some("AccessDenied"));
    assert_eq!(m.service.as_deref(), Some("s3"));
}

// ---- EC2 and encoded messages ----

#[test]
fn ec2_unauthorized_operation_encoded() {
    let m = parse(
        "An error occurred (UnauthorizedOperation) when calling the RunInstances operation: You are not authorized to perform this operation. Encoded authorization failure message: 4GIOHlTkIaWHQD0Q0m6XSnuUMCm-abcdefgh_XYZ",
    );
    assert_eq!(m.shape, MessageShape::Bare);
    assert_eq!(m.error_code.as_deref(), Some("UnauthorizedOperation"));
    assert_eq!(m.operation.as_deref(), Some("RunInstances"));
    assert_eq!(
        m.encoded_message.as_deref(),
        Some("4GIOHlTkIaWHQD0Q0m6XSnuUMCm-abcdefgh_XYZ")
    );
}

#[test]
fn ec2_newer_message_with_reason_and_encoded_tail() {
    let m = parse(
        "api error UnauthorizedOperation: You are not authorized to perform this operation. User: arn:aws:iam::966994807536:user/Anup is not authorized to perform: ec2:RunInstances on resource: arn:aws:ec2:ap-south-1:966994807536:instance/* with an explicit deny in an identity-based policy: arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3. Encoded authorization failure message: GHi3Mmcygm9wNWTtxemhhQKYGdXfcL1Dn5TQURkzFSRZy-6icjPACU2tFO2ZAIJkiKFhxpmkWDKKQST0VHWniSQhulAQHDYslc77m2IJY5iQU",
    );
    assert_eq!(m.shape, MessageShape::NotAuthorized);
    assert_eq!(m.error_code.as_deref(), Some("UnauthorizedOperation"));
    assert_eq!(
        m.resource.as_deref(),
        Some("arn:aws:ec2:ap-south-1:966994807536:instance/*")
    );
    let c = m.claim.as_ref().unwrap();
    assert_eq!(
        c.policy_arn.as_deref(),
        Some("arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3")
    );
    assert!(
        m.encoded_message
            .as_deref()
            .unwrap()
            .starts_with("GHi3Mmcyg")
    );
}

#[test]
fn govcloud_session_with_boundary_and_encoded() {
    let m = parse(
        "User: arn:aws-us-gov:sts::018743596699:assumed-role/project-accumulator-github-actions-iam-role/GitHubActions is not authorized to perform: ec2:CreateInternetGateway on resource: arn:aws-us-gov:ec2:us-gov-west-1:018743596699:internet-gateway/* because no permissions boundary allows the ec2:CreateInternetGateway action. Encoded authorization failure message: uzhQeqw3RXzAVbBps8w4HrvJ05suyvHltqZ1YMuN3TJ8lUG7fRqoeqAc0pi6kb2QRNJyrSukulVqQctmgzTNxHYSEJr-lR5__y4OwxUm9hKkeULTYzV0Mr7mab5sd83KIRb0CbCwXzCOBJ2IBEWZdqgCQVY4P5-z9lVpb9",
    );
    let Some(Caller::AssumedRole { role_name, .. }) = &m.caller else {
        panic!("{:?}", m.caller)
    };
    assert_eq!(role_name, "project-accumulator-github-actions-iam-role");
    assert_eq!(
        m.resource.as_deref(),
        Some("arn:aws-us-gov:ec2:us-gov-west-1:018743596699:internet-gateway/*")
    );
    assert_eq!(
        claim(&m),
        (ClaimKind::ImplicitDeny, ClaimLayer::PermissionsBoundary)
    );
    assert!(m.encoded_message.is_some());
}

// ---- Callers ----

#[test]
fn assumed_role_sessions_and_sso() {
    let m = parse(
        "An error occurred (AccessDenied) when calling the PutObject operation:\nUser: arn:aws:sts::112233445566:assumed-role/AWSReservedSSO_PermSetName_0123456789abcdef/abcde\nis not authorized to perform: s3:PutObject\non resource: \"arn:aws:s3:::test-intelligent-tiering-class-only/standard.txt\"\nwith an explicit deny in a resource control policy",
    );
    let Some(Caller::AssumedRole {
        role_name,
        session_name,
        account,
        ..
    }) = &m.caller
    else {
        panic!("{:?}", m.caller)
    };
    assert_eq!(role_name, "AWSReservedSSO_PermSetName_0123456789abcdef");
    assert_eq!(session_name, "abcde");
    assert_eq!(account, "112233445566");
    assert_eq!(
        m.resource.as_deref(),
        Some("arn:aws:s3:::test-intelligent-tiering-class-only/standard.txt")
    );
    // Session names may hold `@`, `=`, `,`, `.`, `-`.
    let m = parse(
        "User: arn:aws:sts::123456789012:assumed-role/MyAppTaskRole/jane.doe@example.com is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/Orders because no identity-based policy allows the dynamodb:PutItem action",
    );
    let Some(Caller::AssumedRole { session_name, .. }) = &m.caller else {
        panic!()
    };
    assert_eq!(session_name, "jane.doe@example.com");
}

#[test]
fn federated_root_and_anonymous_callers() {
    let m = parse(
        "User: arn:aws:sts::123456789012:federated-user/Bob is not authorized to perform: s3:ListBucket on resource: arn:aws:s3:::example-bucket because no session policy allows the s3:ListBucket action",
    );
    assert!(matches!(&m.caller, Some(Caller::FederatedUser { name, .. }) if name == "Bob"));
    let m = parse(
        "User: arn:aws:iam::123456789012:root is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::b/k\" with an explicit deny in a service control policy",
    );
    assert!(matches!(m.caller, Some(Caller::Root { .. })));
    let m = parse(
        "User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/items",
    );
    assert_eq!(m.caller, Some(Caller::Anonymous));
    assert_eq!(m.action.as_deref(), Some("execute-api:Invoke"));
}

#[test]
fn users_with_paths() {
    let m = parse(
        "User: arn:aws:iam::123456789012:user/division_abc/subdivision_xyz/JaneDoe is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::123456789012:user/ because no identity-based policy allows the iam:ListUsers action",
    );
    assert_eq!(
        caller_arn(&m),
        "arn:aws:iam::123456789012:user/division_abc/subdivision_xyz/JaneDoe"
    );
    assert_eq!(
        m.resource.as_deref(),
        Some("arn:aws:iam::123456789012:user/")
    );
}

// ---- Wrappers and noise ----

#[test]
fn old_cli_wrapper() {
    let m = parse(
        "A client error (AccessDenied) occurred when calling the GetUser operation: User: arn:aws:iam::548698731369:user/emr is not authorized to perform: iam:GetUser on resource: arn:aws:iam::548698731369:user/emr",
    );
    assert_eq!(m.error_code.as_deref(), Some("AccessDenied"));
    assert_eq!(m.operation.as_deref(), Some("GetUser"));
    assert_eq!(
        m.resource.as_deref(),
        Some("arn:aws:iam::548698731369:user/emr")
    );
    assert_eq!(m.claim, None);
}

#[test]
fn terraform_and_go_sdk() {
    let m = parse(
        "Error: unable to get role (voclabs): operation error IAM: GetRole, https response error StatusCode: 403, RequestID: 2f7e3c1a-0000-4000-8000-000000000000, api error AccessDenied: User: arn:aws:sts::123456789012:assumed-role/voclabs/user123 is not authorized to perform: iam:GetRole on resource: role voclabs with an explicit deny in an identity-based policy: arn:aws:iam::123456789012:policy/Pvoclabs2",
    );
    assert_eq!(m.service.as_deref(), Some("iam"));
    assert_eq!(m.operation.as_deref(), Some("GetRole"));
    assert_eq!(m.error_code.as_deref(), Some("AccessDenied"));
    // IAM names the role without an ARN: built from the caller's account.
    assert_eq!(
        m.resource.as_deref(),
        Some("arn:aws:iam::123456789012:role/voclabs")
    );
    assert_eq!(m.resource_as_written.as_deref(), Some("role voclabs"));
    let c = m.claim.as_ref().unwrap();
    assert_eq!(
        c.policy_arn.as_deref(),
        Some("arn:aws:iam::123456789012:policy/Pvoclabs2")
    );

    let m = parse(
        "operation error S3: GetObject, https response error StatusCode: 403, RequestID: 1A2B3C4D5E6F7G8H, HostID: abc/def=, api error AccessDenied: Access Denied",
    );
    assert_eq!(m.shape, MessageShape::Bare);
    assert_eq!(m.service.as_deref(), Some("s3"));
    assert_eq!(m.operation.as_deref(), Some("GetObject"));
}

#[test]
fn java_and_python_exceptions() {
    let m = parse(
        "com.amazonaws.services.dynamodbv2.model.AmazonDynamoDBException: User: arn:aws:sts::123456789012:assumed-role/WorkerTaskRole/i-0abc is not authorized to perform: dynamodb:Query on resource: arn:aws:dynamodb:us-east-1:123456789012:table/Orders/index/byCustomer (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: AccessDeniedException; Request ID: ABCDEF; Proxy: null)",
    );
    assert_eq!(m.service.as_deref(), Some("dynamodb"));
    assert_eq!(m.error_code.as_deref(), Some("AccessDeniedException"));
    assert_eq!(
        m.resource.as_deref(),
        Some("arn:aws:dynamodb:us-east-1:123456789012:table/Orders/index/byCustomer")
    );

    let m = parse(
        "software.amazon.awssdk.services.s3.model.S3Exception: Access Denied (Service: S3, Status Code: 403, Request ID: XYZ, Extended Request ID: abc=)",
    );
    assert_eq!(m.shape, MessageShape::Bare);
    assert_eq!(m.service.as_deref(), Some("s3"));

    let m = parse(
        "Traceback (most recent call last):\n  File \"app.py\", line 12, in <module>\n    s3.get_object(Bucket=\"b\", Key=\"k\")\nbotocore.exceptions.ClientError: An error occurred (AccessDenied) when calling the GetObject operation: User: arn:aws:sts::123456789012:assumed-role/WebTaskRole/abc123 is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::my-app-prod-data/reports/2026/11.csv\" because no identity-based policy allows the s3:GetObject action",
    );
    assert_eq!(m.operation.as_deref(), Some("GetObject"));
    assert_eq!(
        m.resource.as_deref(),
        Some("arn:aws:s3:::my-app-prod-data/reports/2026/11.csv")
    );
    assert_eq!(claim(&m), (ClaimKind::ImplicitDeny, ClaimLayer::Identity));
}

#[test]
fn javascript_sdk_and_lambda() {
    let m = parse(
        "AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/ImageProcessingLambdaRole/image-resizer is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:123456789012:function:thumbnailer because no resource-based policy allows the lambda:InvokeFunction action",
    );
    assert_eq!(m.error_code.as_deref(), Some("AccessDeniedException"));
    assert_eq!(
        m.resource.as_deref(),
        Some("arn:aws:lambda:us-east-1:123456789012:function:thumbnailer")
    );
    assert_eq!(claim(&m), (ClaimKind::ImplicitDeny, ClaimLayer::Resource));
}

#[test]
fn kms_message_without_resource() {
    let m = parse(
        "An error occurred (AccessDeniedException) when calling the Decrypt operation: User: arn:aws:sts::123456789012:assumed-role/WorkerTaskRole/abc is not authorized to perform: kms:Decrypt on this resource because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access",
    );
    assert_eq!(m.action.as_deref(), Some("kms:Decrypt"));
    assert_eq!(m.resource, None);
    assert_eq!(claim(&m), (ClaimKind::Unspecified, ClaimLayer::Resource));
}

#[test]
fn cloudtrail_record() {
    let m = parse(
        r#"{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDARSCCN4A3X2YWZ37ZI","arn":"arn:aws:iam::107513503799:user/temp-user","accountId":"107513503799","userName":"temp-user"},"eventTime":"2023-08-26T20:35:56Z","eventSource":"s3.amazonaws.com","eventName":"ListObjects","awsRegion":"us-east-1","errorCode":"AccessDenied","errorMessage":"Access Denied","requestParameters":{"bucketName":"emergency-data-recovery","prefix":""}}"#,
    );
    assert_eq!(caller_arn(&m), "arn:aws:iam::107513503799:user/temp-user");
    assert_eq!(m.operation.as_deref(), Some("ListObjects"));
    assert_eq!(m.service.as_deref(), Some("s3"));
    assert_eq!(
        m.resource.as_deref(),
        Some("arn:aws:s3:::emergency-data-recovery")
    );

    // The errorMessage with its escaped quotes, pasted from the JSON.
    let m = parse(
        r#""errorMessage": "User: arn:aws:iam::[ACCOUNT-ID]:user/Niaomi-Developer is not authorized to perform: s3:DeleteObject on resource: \"arn:aws:s3:::niaomi-lab/cli-tests/phase4-test.txt\" with an explicit deny in an identity-based policy: arn:aws:iam::123456789012:policy/phase4-explicit-deny-policy","#,
    );
    assert_eq!(
        m.resource.as_deref(),
        Some("arn:aws:s3:::niaomi-lab/cli-tests/phase4-test.txt")
    );
    assert_eq!(
        m.claim.as_ref().unwrap().policy_arn.as_deref(),
        Some("arn:aws:iam::123456789012:policy/phase4-explicit-deny-policy")
    );
}

#[test]
fn sqs_queue_url() {
    let m = parse(
        "An error occurred (AccessDenied) when calling the SendMessage operation: Access to the resource https://sqs.us-east-1.amazonaws.com/123456789012/orders-queue is denied.",
    );
    assert_eq!(m.service.as_deref(), Some("sqs"));
    assert_eq!(
        m.resource.as_deref(),
        Some("arn:aws:sqs:us-east-1:123456789012:orders-queue")
    );
}

#[test]
fn robust_to_quotes_periods_markdown_and_colors() {
    let m = parse(
        "> `User: arn:aws:iam::123456789012:user/alice is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::my-app-uploads/a.png because no identity-based policy allows the s3:PutObject action.`",
    );
    assert_eq!(caller_arn(&m), "arn:aws:iam::123456789012:user/alice");
    assert_eq!(
        m.resource.as_deref(),
        Some("arn:aws:s3:::my-app-uploads/a.png")
    );
    assert_eq!(claim(&m), (ClaimKind::ImplicitDeny, ClaimLayer::Identity));

    let m = parse(
        "\u{1b}[31mAn error occurred (AccessDenied) when calling the DeleteObject operation: User: arn:aws:iam::123456789012:user/alice is not authorized to perform: s3:DeleteObject on resource: “arn:aws:s3:::my-app-prod-data/a.csv” with an explicit deny in an identity-based policy\u{1b}[0m",
    );
    assert_eq!(
        m.resource.as_deref(),
        Some("arn:aws:s3:::my-app-prod-data/a.csv")
    );
    assert_eq!(claim(&m), (ClaimKind::ExplicitDeny, ClaimLayer::Identity));

    // A resource at the end of a sentence.
    let m = parse(
        "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/LegacyAdminRole.",
    );
    assert_eq!(
        m.resource.as_deref(),
        Some("arn:aws:iam::123456789012:role/LegacyAdminRole")
    );

    // Windows line endings, tabs and doubled spaces.
    let m = parse(
        "User:\tarn:aws:iam::123456789012:user/bob\r\nis not authorized to perform:  ecs:RunTask\r\non resource:   arn:aws:ecs:us-east-1:123456789012:task-definition/web:3\r\nbecause no identity-based policy allows the ecs:RunTask action",
    );
    assert_eq!(m.action.as_deref(), Some("ecs:RunTask"));
    assert_eq!(
        m.resource.as_deref(),
        Some("arn:aws:ecs:us-east-1:123456789012:task-definition/web:3")
    );
}

#[test]
fn lower_case_actions_and_log_group_arns() {
    let m = parse(
        "User: arn:aws:sts::123456789012:assumed-role/CronTaskRole/abc is not authorized to perform: sqs:sendmessage on resource: arn:aws:sqs:us-east-1:123456789012:jobs because no identity-based policy allows the sqs:sendmessage action",
    );
    assert_eq!(m.action.as_deref(), Some("sqs:sendmessage"));
    let m = parse(
        "User: arn:aws:sts::123456789012:assumed-role/ImageProcessingLambdaRole/fn is not authorized to perform: logs:CreateLogStream on resource: arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/image-resizer:log-stream:2026/11/01/[$LATEST]abc because no identity-based policy allows the logs:CreateLogStream action",
    );
    assert_eq!(
        m.resource.as_deref(),
        Some(
            "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/image-resizer:log-stream:2026/11/01/[$LATEST]abc"
        )
    );
}

#[test]
fn not_a_denial() {
    assert_eq!(parse_message("   \n"), Err(ParseError::Empty));
    let e = parse_message("hello world, everything is fine").unwrap_err();
    assert_eq!(e, ParseError::NotUnderstood);
    assert!(
        e.to_string().contains("is not authorized to perform"),
        "{e}"
    );
}

#[test]
fn web_identity_and_saml_without_caller() {
    let m = parse(
        "Error: Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity",
    );
    assert_eq!(m.shape, MessageShape::NotAuthorized);
    assert_eq!(m.caller, None);
    assert_eq!(m.action.as_deref(), Some("sts:AssumeRoleWithWebIdentity"));
    let m = parse(
        "An error occurred (AccessDenied) when calling the AssumeRoleWithSAML operation: Not authorized to perform sts:AssumeRoleWithSAML",
    );
    assert_eq!(m.action.as_deref(), Some("sts:AssumeRoleWithSAML"));
    assert_eq!(m.operation.as_deref(), Some("AssumeRoleWithSAML"));
}

#[test]
fn a_word_cut_by_the_terminal() {
    let m = parse(
        "An error occurred (AccessDenied) when calling the GetObject operation: User: arn:aws:iam::123456789012:user/alice is not authori\nzed to perform: s3:GetObject on resource: \"arn:aws:s3:::b/k\" because no identity-based policy allows the s3:GetObject action",
    );
    assert_eq!(caller_arn(&m), "arn:aws:iam::123456789012:user/alice");
    assert_eq!(m.action.as_deref(), Some("s3:GetObject"));
}

#[test]
fn provider_callers() {
    assert!(matches!(
        Caller::parse(
            "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
        ),
        Caller::IdentityProvider { .. }
    ));
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    const FRAGMENTS: &[&str] = &[
        "User: ",
        "arn:aws:iam::123456789012:user/alice",
        "arn:aws:sts::123456789012:assumed-role/R/s",
        " is not authorized to perform",
        ": ",
        "s3:GetObject",
        " on resource: ",
        "\"arn:aws:s3:::b/k\"",
        " because no ",
        "identity-based policy allows the s3:GetObject action",
        " with an explicit deny in ",
        "a service control policy",
        ": arn:aws:iam::123456789012:policy/P",
        "An error occurred (AccessDenied) when calling the ",
        "GetObject operation: ",
        "Access Denied",
        ". Encoded authorization failure message: ",
        "abcDEF-_123",
        "\n",
        "\\\"",
        "`",
        "é",
        "日本語",
        "\u{1b}[31m",
        "operation error S3: ",
        "(Service: ",
        "https://sqs.us-east-1.amazonaws.com/1/q",
        "{",
        "}",
        "\"errorCode\":",
        "role ",
        "on this resource",
        "<Code>",
        "</Code>",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn arbitrary_text(s in "\\PC{0,300}") {
            let _ = parse_message(&s);
        }

        #[test]
        fn fragments_in_any_order(picks in proptest::collection::vec(0..FRAGMENTS.len(), 0..24)) {
            let text: String = picks.iter().map(|&i| FRAGMENTS[i]).collect();
            let _ = parse_message(&text);
        }
    }
}
