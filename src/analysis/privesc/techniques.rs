//! The known privilege-escalation techniques, as data.
//!
//! Sources: pathfinding.cloud (Datadog; ids like `iam-001` are its path ids), Rhino Security
//! Labs' "AWS Privilege Escalation Methods" (numbered 1-21), Hacking the Cloud and HackTricks.
//! Each technique says which actions it needs and on what; `privesc` decides, with the
//! evaluator, whether a principal has them on a resource where they work.

/// How a technique changes what the attacker can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Grant more permissions to a principal (the attacker itself, or one it can become).
    Modify(Modify),
    /// Obtain credentials or a session of another principal.
    Become(Become),
    /// Make a service run attacker code as a role that trusts the service.
    Service(ServiceRun),
}

/// Ways to change a principal's permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Modify {
    PutUserPolicy,
    AttachUserPolicy,
    PutRolePolicy,
    AttachRolePolicy,
    /// On a group the target user belongs to.
    PutGroupPolicy,
    AttachGroupPolicy,
    /// On a customer managed policy attached to the target (directly or through a group).
    CreatePolicyVersion,
    /// On such a policy that has a more powerful non-default version.
    SetDefaultPolicyVersion,
    /// Put the target user in a more powerful group.
    AddUserToGroup,
    /// Remove the permissions boundary that holds the target back.
    DeleteBoundary,
    /// Replace that boundary with a permissive one.
    PutBoundary,
    /// Detach or delete a policy (or leave a group) whose Deny holds the target back.
    RemoveDeny,
}

/// Ways to become another principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Become {
    AssumeRole,
    CreateAccessKey,
    CreateLoginProfile,
    UpdateLoginProfile,
    /// Rewrite a role's trust policy to admit the attacker, then assume it.
    UpdateAssumeRolePolicy,
}

/// A service that runs code as a role: a new resource with a passed role (`pass_role`), or an
/// existing resource already running as the role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceRun {
    /// `iam:PassRole` on the target role is needed (a new resource is given the role).
    pub pass_role: bool,
    /// The service principals the target role must trust.
    pub trust: &'static [&'static str],
    /// `iam:PassedToService` values to try; empty: the `trust` values.
    pub passed_to: &'static [&'static str],
    /// Every group must be allowed; within a group, any one action suffices.
    pub steps: &'static [&'static [&'static str]],
    /// The target role must be in an instance profile (it runs on EC2).
    pub instance_profile: bool,
    /// The role trusts the service through web identity federation (Cognito identity pools).
    pub web_identity: bool,
    /// For techniques on an existing resource: what must already exist, with `{role}`.
    pub existing: Option<&'static str>,
}

impl ServiceRun {
    const fn new(
        pass_role: bool,
        trust: &'static [&'static str],
        steps: &'static [&'static [&'static str]],
    ) -> ServiceRun {
        ServiceRun {
            pass_role,
            trust,
            passed_to: &[],
            steps,
            instance_profile: false,
            web_identity: false,
            existing: None,
        }
    }
    const fn passed_to(mut self, p: &'static [&'static str]) -> ServiceRun {
        self.passed_to = p;
        self
    }
    const fn on_ec2(mut self) -> ServiceRun {
        self.instance_profile = true;
        self
    }
    const fn web_identity(mut self) -> ServiceRun {
        self.web_identity = true;
        self
    }
    const fn existing(mut self, what: &'static str) -> ServiceRun {
        self.existing = Some(what);
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Technique {
    /// Rule id suffix: the finding's rule is `privesc.<id>`.
    pub id: &'static str,
    /// As shown in paths: the actions, `+`-joined.
    pub name: &'static str,
    pub kind: Kind,
    /// Where it is documented.
    pub source: &'static str,
    /// One line: how to close it.
    pub fix: &'static str,
}

const fn t(
    id: &'static str,
    name: &'static str,
    kind: Kind,
    source: &'static str,
    fix: &'static str,
) -> Technique {
    Technique {
        id,
        name,
        kind,
        source,
        fix,
    }
}

const fn svc(s: ServiceRun) -> Kind {
    Kind::Service(s)
}

const EC2: &[&str] = &["ec2.amazonaws.com"];
const LAMBDA: &[&str] = &["lambda.amazonaws.com"];
const GLUE: &[&str] = &["glue.amazonaws.com"];
const CFN: &[&str] = &["cloudformation.amazonaws.com"];
const CODEBUILD: &[&str] = &["codebuild.amazonaws.com"];
const SAGEMAKER: &[&str] = &["sagemaker.amazonaws.com"];
const ECS_TASKS: &[&str] = &["ecs-tasks.amazonaws.com"];
const APPRUNNER: &[&str] = &[
    "tasks.apprunner.amazonaws.com",
    "build.apprunner.amazonaws.com",
];
const AGENTCORE: &[&str] = &["bedrock-agentcore.amazonaws.com"];
const AIRFLOW: &[&str] = &["airflow-env.amazonaws.com", "airflow.amazonaws.com"];

const FIX_PASSROLE: &str = "Limit iam:PassRole to the specific roles the workload needs, with an iam:PassedToService condition, and keep administrator roles out of reach.";

/// Every technique iamscope checks.
pub static TECHNIQUES: &[Technique] = &[
    // Permissions of the attacker itself or of a principal it can become.
    t(
        "iam-create-policy-version",
        "iam:CreatePolicyVersion",
        Kind::Modify(Modify::CreatePolicyVersion),
        "pathfinding.cloud iam-001, iam-016, iam-020; Rhino Security Labs #1",
        "Remove iam:CreatePolicyVersion, or limit it to policies attached to nobody this principal can act as.",
    ),
    t(
        "iam-set-default-policy-version",
        "iam:SetDefaultPolicyVersion",
        Kind::Modify(Modify::SetDefaultPolicyVersion),
        "Rhino Security Labs #2",
        "Remove iam:SetDefaultPolicyVersion, and delete non-default policy versions that grant more than the default.",
    ),
    t(
        "iam-put-user-policy",
        "iam:PutUserPolicy",
        Kind::Modify(Modify::PutUserPolicy),
        "pathfinding.cloud iam-007, iam-018; Rhino Security Labs #10",
        "Remove iam:PutUserPolicy, or limit it to users this principal cannot act as.",
    ),
    t(
        "iam-attach-user-policy",
        "iam:AttachUserPolicy",
        Kind::Modify(Modify::AttachUserPolicy),
        "pathfinding.cloud iam-008, iam-015; Rhino Security Labs #7",
        "Remove iam:AttachUserPolicy, or constrain it with an iam:PolicyARN condition to harmless policies.",
    ),
    t(
        "iam-put-role-policy",
        "iam:PutRolePolicy",
        Kind::Modify(Modify::PutRolePolicy),
        "pathfinding.cloud iam-005, iam-017, iam-021; Rhino Security Labs #12",
        "Remove iam:PutRolePolicy, or limit it to roles this principal cannot act as.",
    ),
    t(
        "iam-attach-role-policy",
        "iam:AttachRolePolicy",
        Kind::Modify(Modify::AttachRolePolicy),
        "pathfinding.cloud iam-009, iam-014, iam-019; Rhino Security Labs #9",
        "Remove iam:AttachRolePolicy, or constrain it with an iam:PolicyARN condition to harmless policies.",
    ),
    t(
        "iam-put-group-policy",
        "iam:PutGroupPolicy",
        Kind::Modify(Modify::PutGroupPolicy),
        "pathfinding.cloud iam-011; Rhino Security Labs #11",
        "Remove iam:PutGroupPolicy on groups this principal (or a user it can act as) belongs to.",
    ),
    t(
        "iam-attach-group-policy",
        "iam:AttachGroupPolicy",
        Kind::Modify(Modify::AttachGroupPolicy),
        "pathfinding.cloud iam-010; Rhino Security Labs #8",
        "Remove iam:AttachGroupPolicy on groups this principal (or a user it can act as) belongs to.",
    ),
    t(
        "iam-add-user-to-group",
        "iam:AddUserToGroup",
        Kind::Modify(Modify::AddUserToGroup),
        "pathfinding.cloud iam-013; Rhino Security Labs #13",
        "Remove iam:AddUserToGroup, or limit it to groups that grant no more than the principal has.",
    ),
    t(
        "iam-delete-permissions-boundary",
        "iam:Delete*PermissionsBoundary",
        Kind::Modify(Modify::DeleteBoundary),
        "Hacking the Cloud (permissions boundary removal)",
        "Deny iam:DeleteUserPermissionsBoundary and iam:DeleteRolePermissionsBoundary to principals under a boundary.",
    ),
    t(
        "iam-put-permissions-boundary",
        "iam:Put*PermissionsBoundary",
        Kind::Modify(Modify::PutBoundary),
        "Hacking the Cloud (permissions boundary replacement)",
        "Deny iam:PutUserPermissionsBoundary and iam:PutRolePermissionsBoundary, or pin the boundary with an iam:PermissionsBoundary condition.",
    ),
    t(
        "iam-remove-deny-policy",
        "iam:Detach/Delete*Policy",
        Kind::Modify(Modify::RemoveDeny),
        "HackTricks (removing an explicit deny)",
        "Deny the detach/delete of the guarding policy (and RemoveUserFromGroup on its group) to the principals it guards.",
    ),
    // Credentials or sessions of other principals.
    t(
        "sts-assume-role",
        "sts:AssumeRole",
        Kind::Become(Become::AssumeRole),
        "pathfinding.cloud sts-001",
        "Narrow the role's trust policy (or the caller's sts:AssumeRole) so only principals that should hold its permissions can assume it.",
    ),
    t(
        "iam-create-access-key",
        "iam:CreateAccessKey",
        Kind::Become(Become::CreateAccessKey),
        "pathfinding.cloud iam-002, iam-003; Rhino Security Labs #4",
        "Limit iam:CreateAccessKey to the caller's own user (Resource arn:aws:iam::ACCOUNT:user/${aws:username}).",
    ),
    t(
        "iam-create-login-profile",
        "iam:CreateLoginProfile",
        Kind::Become(Become::CreateLoginProfile),
        "pathfinding.cloud iam-004; Rhino Security Labs #5",
        "Limit iam:CreateLoginProfile to the caller's own user, and require MFA for console sign-in.",
    ),
    t(
        "iam-update-login-profile",
        "iam:UpdateLoginProfile",
        Kind::Become(Become::UpdateLoginProfile),
        "pathfinding.cloud iam-006; Rhino Security Labs #6",
        "Limit iam:UpdateLoginProfile to the caller's own user, and require MFA for console sign-in.",
    ),
    t(
        "iam-update-assume-role-policy",
        "iam:UpdateAssumeRolePolicy",
        Kind::Become(Become::UpdateAssumeRolePolicy),
        "pathfinding.cloud iam-012, iam-019, iam-020, iam-021; Rhino Security Labs #14",
        "Remove iam:UpdateAssumeRolePolicy, or limit it to roles no more privileged than the caller.",
    ),
    // New compute with a passed role.
    t(
        "passrole-ec2-run-instances",
        "iam:PassRole + ec2:RunInstances",
        svc(ServiceRun::new(true, EC2, &[&["ec2:RunInstances"]]).on_ec2()),
        "pathfinding.cloud ec2-001; Rhino Security Labs #3",
        FIX_PASSROLE,
    ),
    t(
        "passrole-ec2-request-spot-instances",
        "iam:PassRole + ec2:RequestSpotInstances",
        svc(ServiceRun::new(true, EC2, &[&["ec2:RequestSpotInstances"]]).on_ec2()),
        "pathfinding.cloud ec2-004",
        FIX_PASSROLE,
    ),
    t(
        "passrole-ec2-associate-instance-profile",
        "iam:PassRole + ec2:AssociateIamInstanceProfile",
        svc(ServiceRun::new(
            true,
            EC2,
            &[&[
                "ec2:AssociateIamInstanceProfile",
                "ec2:ReplaceIamInstanceProfileAssociation",
            ]],
        )
        .on_ec2()),
        "Hacking the Cloud (instance profile swap)",
        FIX_PASSROLE,
    ),
    t(
        "passrole-autoscaling-launch-configuration",
        "iam:PassRole + autoscaling:CreateLaunchConfiguration",
        svc(ServiceRun::new(
            true,
            EC2,
            &[
                &["autoscaling:CreateLaunchConfiguration"],
                &[
                    "autoscaling:CreateAutoScalingGroup",
                    "autoscaling:UpdateAutoScalingGroup",
                ],
            ],
        )
        .on_ec2()),
        "Hacking the Cloud (autoscaling launch configuration)",
        FIX_PASSROLE,
    ),
    t(
        "passrole-autoscaling-launch-template",
        "iam:PassRole + ec2:CreateLaunchTemplate + autoscaling:CreateAutoScalingGroup",
        svc(ServiceRun::new(
            true,
            EC2,
            &[
                &["ec2:CreateLaunchTemplate"],
                &[
                    "autoscaling:CreateAutoScalingGroup",
                    "autoscaling:UpdateAutoScalingGroup",
                ],
            ],
        )
        .on_ec2()),
        "Hacking the Cloud (autoscaling launch template)",
        FIX_PASSROLE,
    ),
    t(
        "passrole-lambda-invoke",
        "iam:PassRole + lambda:CreateFunction + lambda:InvokeFunction",
        svc(ServiceRun::new(
            true,
            LAMBDA,
            &[&["lambda:CreateFunction"], &["lambda:InvokeFunction"]],
        )),
        "pathfinding.cloud lambda-001; Rhino Security Labs #15",
        FIX_PASSROLE,
    ),
    t(
        "passrole-lambda-event-source",
        "iam:PassRole + lambda:CreateFunction + lambda:CreateEventSourceMapping",
        svc(ServiceRun::new(
            true,
            LAMBDA,
            &[
                &["lambda:CreateFunction"],
                &["lambda:CreateEventSourceMapping"],
            ],
        )),
        "pathfinding.cloud lambda-002; Rhino Security Labs #16",
        FIX_PASSROLE,
    ),
    t(
        "passrole-lambda-add-permission",
        "iam:PassRole + lambda:CreateFunction + lambda:AddPermission",
        svc(ServiceRun::new(
            true,
            LAMBDA,
            &[&["lambda:CreateFunction"], &["lambda:AddPermission"]],
        )),
        "pathfinding.cloud lambda-006",
        FIX_PASSROLE,
    ),
    t(
        "passrole-glue-dev-endpoint",
        "iam:PassRole + glue:CreateDevEndpoint",
        svc(ServiceRun::new(true, GLUE, &[&["glue:CreateDevEndpoint"]])),
        "pathfinding.cloud glue-001; Rhino Security Labs #18",
        FIX_PASSROLE,
    ),
    t(
        "passrole-glue-job",
        "iam:PassRole + glue:CreateJob + glue:StartJobRun",
        svc(ServiceRun::new(
            true,
            GLUE,
            &[
                &["glue:CreateJob"],
                &["glue:StartJobRun", "glue:CreateTrigger"],
            ],
        )),
        "pathfinding.cloud glue-003, glue-004",
        FIX_PASSROLE,
    ),
    t(
        "passrole-glue-update-job",
        "iam:PassRole + glue:UpdateJob + glue:StartJobRun",
        svc(ServiceRun::new(
            true,
            GLUE,
            &[
                &["glue:UpdateJob"],
                &["glue:StartJobRun", "glue:CreateTrigger"],
            ],
        )),
        "pathfinding.cloud glue-005, glue-006",
        FIX_PASSROLE,
    ),
    t(
        "passrole-glue-session",
        "iam:PassRole + glue:CreateSession + glue:RunStatement",
        svc(ServiceRun::new(
            true,
            GLUE,
            &[&["glue:CreateSession"], &["glue:RunStatement"]],
        )),
        "pathfinding.cloud glue-007",
        FIX_PASSROLE,
    ),
    t(
        "passrole-cloudformation-stack",
        "iam:PassRole + cloudformation:CreateStack",
        svc(ServiceRun::new(
            true,
            CFN,
            &[&["cloudformation:CreateStack"]],
        )),
        "pathfinding.cloud cloudformation-001; Rhino Security Labs #20",
        FIX_PASSROLE,
    ),
    t(
        "passrole-cloudformation-stackset",
        "iam:PassRole + cloudformation:CreateStackSet + cloudformation:CreateStackInstances",
        svc(ServiceRun::new(
            true,
            CFN,
            &[
                &["cloudformation:CreateStackSet"],
                &["cloudformation:CreateStackInstances"],
            ],
        )),
        "pathfinding.cloud cloudformation-003",
        FIX_PASSROLE,
    ),
    t(
        "passrole-cloudformation-update-stackset",
        "iam:PassRole + cloudformation:UpdateStackSet",
        svc(ServiceRun::new(
            true,
            CFN,
            &[&["cloudformation:UpdateStackSet"]],
        )),
        "pathfinding.cloud cloudformation-004",
        FIX_PASSROLE,
    ),
    t(
        "passrole-datapipeline",
        "iam:PassRole + datapipeline:CreatePipeline + datapipeline:PutPipelineDefinition",
        svc(ServiceRun::new(
            true,
            &["datapipeline.amazonaws.com"],
            &[
                &["datapipeline:CreatePipeline"],
                &["datapipeline:PutPipelineDefinition"],
                &["datapipeline:ActivatePipeline"],
            ],
        )),
        "pathfinding.cloud datapipeline-001; Rhino Security Labs #21",
        FIX_PASSROLE,
    ),
    t(
        "passrole-codebuild-project",
        "iam:PassRole + codebuild:CreateProject + codebuild:StartBuild",
        svc(ServiceRun::new(
            true,
            CODEBUILD,
            &[
                &["codebuild:CreateProject"],
                &["codebuild:StartBuild", "codebuild:StartBuildBatch"],
            ],
        )),
        "pathfinding.cloud codebuild-001, codebuild-004",
        FIX_PASSROLE,
    ),
    t(
        "passrole-codebuild-update-project",
        "iam:PassRole + codebuild:UpdateProject + codebuild:StartBuild",
        svc(ServiceRun::new(
            true,
            CODEBUILD,
            &[
                &["codebuild:UpdateProject"],
                &["codebuild:StartBuild", "codebuild:StartBuildBatch"],
            ],
        )),
        "HackTricks (codebuild:UpdateProject)",
        FIX_PASSROLE,
    ),
    t(
        "passrole-sagemaker-notebook",
        "iam:PassRole + sagemaker:CreateNotebookInstance",
        svc(ServiceRun::new(
            true,
            SAGEMAKER,
            &[&["sagemaker:CreateNotebookInstance"]],
        )),
        "pathfinding.cloud sagemaker-001",
        FIX_PASSROLE,
    ),
    t(
        "passrole-sagemaker-training-job",
        "iam:PassRole + sagemaker:CreateTrainingJob",
        svc(ServiceRun::new(
            true,
            SAGEMAKER,
            &[&["sagemaker:CreateTrainingJob"]],
        )),
        "pathfinding.cloud sagemaker-002",
        FIX_PASSROLE,
    ),
    t(
        "passrole-sagemaker-processing-job",
        "iam:PassRole + sagemaker:CreateProcessingJob",
        svc(ServiceRun::new(
            true,
            SAGEMAKER,
            &[&["sagemaker:CreateProcessingJob"]],
        )),
        "pathfinding.cloud sagemaker-003",
        FIX_PASSROLE,
    ),
    t(
        "passrole-ecs-task-definition",
        "iam:PassRole + ecs:RegisterTaskDefinition + ecs:RunTask",
        svc(ServiceRun::new(
            true,
            ECS_TASKS,
            &[
                &["ecs:RegisterTaskDefinition"],
                &[
                    "ecs:RunTask",
                    "ecs:StartTask",
                    "ecs:CreateService",
                    "ecs:UpdateService",
                ],
            ],
        )),
        "pathfinding.cloud ecs-001 to ecs-005",
        FIX_PASSROLE,
    ),
    t(
        "passrole-ecs-task-override",
        "iam:PassRole + ecs:RunTask (task role override)",
        svc(ServiceRun::new(
            true,
            ECS_TASKS,
            &[&["ecs:RunTask", "ecs:StartTask"]],
        )),
        "pathfinding.cloud ecs-007, ecs-008, ecs-009",
        FIX_PASSROLE,
    ),
    t(
        "passrole-apprunner-create-service",
        "iam:PassRole + apprunner:CreateService",
        svc(ServiceRun::new(
            true,
            APPRUNNER,
            &[&["apprunner:CreateService"]],
        )),
        "pathfinding.cloud apprunner-001",
        FIX_PASSROLE,
    ),
    t(
        "passrole-batch-job",
        "iam:PassRole + batch:RegisterJobDefinition + batch:SubmitJob",
        svc(ServiceRun::new(
            true,
            ECS_TASKS,
            &[&["batch:RegisterJobDefinition"], &["batch:SubmitJob"]],
        )
        .passed_to(&["batch.amazonaws.com", "ecs-tasks.amazonaws.com"])),
        "pathfinding.cloud batch-001, batch-003",
        FIX_PASSROLE,
    ),
    t(
        "passrole-bedrock-code-interpreter",
        "iam:PassRole + bedrock-agentcore:CreateCodeInterpreter",
        svc(ServiceRun::new(
            true,
            AGENTCORE,
            &[
                &["bedrock-agentcore:CreateCodeInterpreter"],
                &["bedrock-agentcore:StartCodeInterpreterSession"],
                &["bedrock-agentcore:InvokeCodeInterpreter"],
            ],
        )),
        "pathfinding.cloud bedrock-001",
        FIX_PASSROLE,
    ),
    t(
        "passrole-bedrock-agent-runtime",
        "iam:PassRole + bedrock-agentcore:CreateAgentRuntime",
        svc(ServiceRun::new(
            true,
            AGENTCORE,
            &[
                &["bedrock-agentcore:CreateAgentRuntime"],
                &[
                    "bedrock-agentcore:InvokeAgentRuntime",
                    "bedrock-agentcore:InvokeAgentRuntimeCommand",
                ],
            ],
        )),
        "pathfinding.cloud bedrock-003",
        FIX_PASSROLE,
    ),
    t(
        "passrole-bedrock-harness",
        "iam:PassRole + bedrock-agentcore:CreateHarness",
        svc(ServiceRun::new(
            true,
            AGENTCORE,
            &[
                &["bedrock-agentcore:CreateHarness"],
                &["bedrock-agentcore:InvokeHarness"],
            ],
        )),
        "pathfinding.cloud bedrock-005",
        FIX_PASSROLE,
    ),
    t(
        "passrole-bedrock-browser",
        "iam:PassRole + bedrock-agentcore:CreateBrowser",
        svc(ServiceRun::new(
            true,
            AGENTCORE,
            &[
                &["bedrock-agentcore:CreateBrowser"],
                &["bedrock-agentcore:StartBrowserSession"],
            ],
        )),
        "pathfinding.cloud bedrock-006",
        FIX_PASSROLE,
    ),
    t(
        "passrole-braket-job",
        "iam:PassRole + braket:CreateJob",
        svc(ServiceRun::new(
            true,
            &["braket.amazonaws.com"],
            &[&["braket:CreateJob"]],
        )),
        "pathfinding.cloud braket-001",
        FIX_PASSROLE,
    ),
    t(
        "passrole-cognito-identity-pool",
        "iam:PassRole + cognito-identity:SetIdentityPoolRoles",
        svc(ServiceRun::new(
            true,
            &["cognito-identity.amazonaws.com"],
            &[&["cognito-identity:SetIdentityPoolRoles"]],
        )
        .web_identity()),
        "pathfinding.cloud cognitoidentity-001",
        FIX_PASSROLE,
    ),
    t(
        "passrole-emr-cluster",
        "iam:PassRole + elasticmapreduce:RunJobFlow",
        svc(
            ServiceRun::new(true, EC2, &[&["elasticmapreduce:RunJobFlow"]])
                .passed_to(&["elasticmapreduce.amazonaws.com", "ec2.amazonaws.com"])
                .on_ec2(),
        ),
        "pathfinding.cloud emr-001",
        FIX_PASSROLE,
    ),
    t(
        "passrole-emr-serverless",
        "iam:PassRole + emr-serverless:CreateApplication + emr-serverless:StartJobRun",
        svc(ServiceRun::new(
            true,
            &["emr-serverless.amazonaws.com"],
            &[
                &["emr-serverless:CreateApplication"],
                &["emr-serverless:StartJobRun"],
            ],
        )),
        "pathfinding.cloud emrserverless-001",
        FIX_PASSROLE,
    ),
    t(
        "passrole-gamelift-fleet",
        "iam:PassRole + gamelift:CreateBuild + gamelift:CreateFleet",
        svc(ServiceRun::new(
            true,
            &["gamelift.amazonaws.com", "ec2.amazonaws.com"],
            &[
                &["gamelift:CreateBuild"],
                &["gamelift:CreateFleet"],
                &["gamelift:RequestUploadCredentials"],
            ],
        )),
        "pathfinding.cloud gamelift-001",
        FIX_PASSROLE,
    ),
    t(
        "passrole-imagebuilder",
        "iam:PassRole + imagebuilder:CreateInfrastructureConfiguration + imagebuilder:CreateImage",
        svc(ServiceRun::new(
            true,
            EC2,
            &[
                &["imagebuilder:CreateComponent"],
                &["imagebuilder:CreateImageRecipe"],
                &["imagebuilder:CreateInfrastructureConfiguration"],
                &["imagebuilder:CreateImage"],
            ],
        )
        .passed_to(&["ec2.amazonaws.com", "imagebuilder.amazonaws.com"])
        .on_ec2()),
        "pathfinding.cloud imagebuilder-001",
        FIX_PASSROLE,
    ),
    t(
        "passrole-kinesisanalytics",
        "iam:PassRole + kinesisanalytics:CreateApplication + kinesisanalytics:StartApplication",
        svc(ServiceRun::new(
            true,
            &["kinesisanalytics.amazonaws.com"],
            &[
                &["kinesisanalytics:CreateApplication"],
                &["kinesisanalytics:StartApplication"],
            ],
        )),
        "pathfinding.cloud kinesisanalytics-001",
        FIX_PASSROLE,
    ),
    t(
        "passrole-omics",
        "iam:PassRole + omics:CreateWorkflow + omics:StartRun",
        svc(ServiceRun::new(
            true,
            &["omics.amazonaws.com"],
            &[&["omics:CreateWorkflow"], &["omics:StartRun"]],
        )),
        "pathfinding.cloud omics-001",
        FIX_PASSROLE,
    ),
    t(
        "passrole-mwaa-environment",
        "iam:PassRole + airflow:CreateEnvironment",
        svc(ServiceRun::new(
            true,
            AIRFLOW,
            &[&["airflow:CreateEnvironment"]],
        )),
        "pathfinding.cloud mwaa-001",
        FIX_PASSROLE,
    ),
    t(
        "passrole-amplify",
        "iam:PassRole + amplify:CreateApp + amplify:StartJob",
        svc(ServiceRun::new(
            true,
            &["amplify.amazonaws.com"],
            &[
                &["amplify:CreateApp"],
                &["amplify:CreateBranch"],
                &["amplify:StartJob"],
            ],
        )),
        "pathfinding.cloud amplify-001",
        FIX_PASSROLE,
    ),
    t(
        "passrole-ssm-automation",
        "iam:PassRole + ssm:CreateDocument + ssm:StartAutomationExecution",
        svc(ServiceRun::new(
            true,
            &["ssm.amazonaws.com"],
            &[&["ssm:CreateDocument"], &["ssm:StartAutomationExecution"]],
        )),
        "pathfinding.cloud ssm-003",
        FIX_PASSROLE,
    ),
    t(
        "passrole-step-functions",
        "iam:PassRole + states:CreateStateMachine + states:StartExecution",
        svc(ServiceRun::new(
            true,
            &["states.amazonaws.com"],
            &[
                &["states:CreateStateMachine"],
                &["states:StartExecution", "states:StartSyncExecution"],
            ],
        )),
        "HackTricks (Step Functions)",
        FIX_PASSROLE,
    ),
    t(
        "passrole-scheduler",
        "iam:PassRole + scheduler:CreateSchedule",
        svc(ServiceRun::new(
            true,
            &["scheduler.amazonaws.com"],
            &[&["scheduler:CreateSchedule"]],
        )),
        "HackTricks (EventBridge Scheduler universal targets)",
        FIX_PASSROLE,
    ),
    t(
        "passrole-codestar-project",
        "iam:PassRole + codestar:CreateProject",
        svc(ServiceRun::new(
            true,
            &["codestar.amazonaws.com"],
            &[&["codestar:CreateProject"]],
        )),
        "Rhino Security Labs (CodeStar)",
        FIX_PASSROLE,
    ),
    // Existing resources that already run as a role.
    t(
        "lambda-update-function-code",
        "lambda:UpdateFunctionCode",
        svc(
            ServiceRun::new(false, LAMBDA, &[&["lambda:UpdateFunctionCode"]])
                .existing("a Lambda function that runs as {role}"),
        ),
        "pathfinding.cloud lambda-003, lambda-004, lambda-005; Rhino Security Labs #17",
        "Limit lambda:UpdateFunctionCode to functions whose role is no more privileged than the caller.",
    ),
    t(
        "lambda-update-function-configuration",
        "lambda:UpdateFunctionConfiguration (layer)",
        svc(
            ServiceRun::new(false, LAMBDA, &[&["lambda:UpdateFunctionConfiguration"]])
                .existing("a Lambda function that runs as {role}"),
        ),
        "Hacking the Cloud (Lambda layer injection)",
        "Limit lambda:UpdateFunctionConfiguration to functions whose role is no more privileged than the caller.",
    ),
    t(
        "glue-update-dev-endpoint",
        "glue:UpdateDevEndpoint",
        svc(ServiceRun::new(false, GLUE, &[&["glue:UpdateDevEndpoint"]])
            .existing("a Glue development endpoint that runs as {role}")),
        "pathfinding.cloud glue-002; Rhino Security Labs #19",
        "Limit glue:UpdateDevEndpoint to endpoints whose role is no more privileged than the caller.",
    ),
    t(
        "cloudformation-update-stack",
        "cloudformation:UpdateStack",
        svc(
            ServiceRun::new(false, CFN, &[&["cloudformation:UpdateStack"]])
                .existing("a CloudFormation stack with {role} as its service role"),
        ),
        "pathfinding.cloud cloudformation-002",
        "Limit cloudformation:UpdateStack to stacks whose service role is no more privileged than the caller.",
    ),
    t(
        "cloudformation-change-set",
        "cloudformation:CreateChangeSet + cloudformation:ExecuteChangeSet",
        svc(ServiceRun::new(
            false,
            CFN,
            &[
                &["cloudformation:CreateChangeSet"],
                &["cloudformation:ExecuteChangeSet"],
            ],
        )
        .existing("a CloudFormation stack with {role} as its service role")),
        "pathfinding.cloud cloudformation-005",
        "Limit change sets to stacks whose service role is no more privileged than the caller.",
    ),
    t(
        "codebuild-start-build",
        "codebuild:StartBuild (buildspec override)",
        svc(ServiceRun::new(
            false,
            CODEBUILD,
            &[&["codebuild:StartBuild", "codebuild:StartBuildBatch"]],
        )
        .existing("a CodeBuild project that runs as {role}")),
        "pathfinding.cloud codebuild-002, codebuild-003",
        "Limit codebuild:StartBuild to projects whose role is no more privileged than the caller.",
    ),
    t(
        "sagemaker-presigned-notebook-url",
        "sagemaker:CreatePresignedNotebookInstanceUrl",
        svc(ServiceRun::new(
            false,
            SAGEMAKER,
            &[&["sagemaker:CreatePresignedNotebookInstanceUrl"]],
        )
        .existing("a SageMaker notebook instance that runs as {role}")),
        "pathfinding.cloud sagemaker-004",
        "Limit sagemaker:CreatePresignedNotebookInstanceUrl to notebooks whose role is no more privileged than the caller.",
    ),
    t(
        "sagemaker-notebook-lifecycle",
        "sagemaker:CreateNotebookInstanceLifecycleConfig + sagemaker:UpdateNotebookInstance",
        svc(ServiceRun::new(
            false,
            SAGEMAKER,
            &[
                &["sagemaker:CreateNotebookInstanceLifecycleConfig"],
                &["sagemaker:UpdateNotebookInstance"],
                &["sagemaker:StopNotebookInstance"],
                &["sagemaker:StartNotebookInstance"],
            ],
        )
        .existing("a SageMaker notebook instance that runs as {role}")),
        "pathfinding.cloud sagemaker-005",
        "Limit notebook updates to notebooks whose role is no more privileged than the caller.",
    ),
    t(
        "ssm-send-command",
        "ssm:SendCommand",
        svc(ServiceRun::new(false, EC2, &[&["ssm:SendCommand"]])
            .on_ec2()
            .existing("an EC2 instance (SSM-managed) running with {role}")),
        "pathfinding.cloud ssm-002",
        "Limit ssm:SendCommand to instances (by tag) whose role is no more privileged than the caller.",
    ),
    t(
        "ssm-start-session",
        "ssm:StartSession",
        svc(ServiceRun::new(false, EC2, &[&["ssm:StartSession"]])
            .on_ec2()
            .existing("an EC2 instance (SSM-managed) running with {role}")),
        "pathfinding.cloud ssm-001",
        "Limit ssm:StartSession to instances (by tag) whose role is no more privileged than the caller.",
    ),
    t(
        "ec2-instance-connect",
        "ec2-instance-connect:SendSSHPublicKey",
        svc(
            ServiceRun::new(false, EC2, &[&["ec2-instance-connect:SendSSHPublicKey"]])
                .on_ec2()
                .existing("an EC2 instance running with {role}"),
        ),
        "pathfinding.cloud ec2-003",
        "Limit ec2-instance-connect:SendSSHPublicKey to instances whose role is no more privileged than the caller.",
    ),
    t(
        "ec2-modify-user-data",
        "ec2:ModifyInstanceAttribute + ec2:StopInstances + ec2:StartInstances",
        svc(ServiceRun::new(
            false,
            EC2,
            &[
                &["ec2:ModifyInstanceAttribute"],
                &["ec2:StopInstances"],
                &["ec2:StartInstances"],
            ],
        )
        .on_ec2()
        .existing("an EC2 instance running with {role}")),
        "pathfinding.cloud ec2-002",
        "Limit ec2:ModifyInstanceAttribute to instances whose role is no more privileged than the caller.",
    ),
    t(
        "ec2-launch-template-version",
        "ec2:CreateLaunchTemplateVersion + ec2:ModifyLaunchTemplate",
        svc(ServiceRun::new(
            false,
            EC2,
            &[
                &["ec2:CreateLaunchTemplateVersion"],
                &["ec2:ModifyLaunchTemplate"],
            ],
        )
        .on_ec2()
        .existing("a launch template that launches instances with {role}")),
        "pathfinding.cloud ec2-005",
        "Limit launch template changes to templates whose instance profile is no more privileged than the caller.",
    ),
    t(
        "codedeploy-create-deployment",
        "codedeploy:CreateDeployment",
        svc(
            ServiceRun::new(false, EC2, &[&["codedeploy:CreateDeployment"]])
                .on_ec2()
                .existing("a CodeDeploy deployment group of instances running with {role}"),
        ),
        "pathfinding.cloud codedeploy-001",
        "Limit codedeploy:CreateDeployment to deployment groups whose instances run with roles no more privileged than the caller.",
    ),
    t(
        "ecs-execute-command",
        "ecs:ExecuteCommand",
        svc(ServiceRun::new(
            false,
            ECS_TASKS,
            &[&["ecs:ExecuteCommand"], &["ecs:DescribeTasks"]],
        )
        .existing("a running ECS task with {role} as its task role")),
        "pathfinding.cloud ecs-006",
        "Limit ecs:ExecuteCommand to clusters and tasks whose role is no more privileged than the caller.",
    ),
    t(
        "apprunner-update-service",
        "apprunner:UpdateService",
        svc(
            ServiceRun::new(false, APPRUNNER, &[&["apprunner:UpdateService"]])
                .existing("an App Runner service that runs as {role}"),
        ),
        "pathfinding.cloud apprunner-002",
        "Limit apprunner:UpdateService to services whose role is no more privileged than the caller.",
    ),
    t(
        "batch-submit-job",
        "batch:SubmitJob (container override)",
        svc(ServiceRun::new(false, ECS_TASKS, &[&["batch:SubmitJob"]])
            .existing("a Batch job definition with {role} as its job role")),
        "pathfinding.cloud batch-002",
        "Limit batch:SubmitJob to job definitions whose role is no more privileged than the caller.",
    ),
    t(
        "bedrock-code-interpreter-session",
        "bedrock-agentcore:StartCodeInterpreterSession + InvokeCodeInterpreter",
        svc(ServiceRun::new(
            false,
            AGENTCORE,
            &[
                &["bedrock-agentcore:StartCodeInterpreterSession"],
                &["bedrock-agentcore:InvokeCodeInterpreter"],
            ],
        )
        .existing("a Bedrock AgentCore code interpreter that runs as {role}")),
        "pathfinding.cloud bedrock-002",
        "Limit code interpreter sessions to interpreters whose role is no more privileged than the caller.",
    ),
    t(
        "bedrock-agent-runtime-command",
        "bedrock-agentcore:InvokeAgentRuntimeCommand",
        svc(ServiceRun::new(
            false,
            AGENTCORE,
            &[&[
                "bedrock-agentcore:InvokeAgentRuntimeCommand",
                "bedrock-agentcore:InvokeAgentRuntimeCommandShell",
            ]],
        )
        .existing("a Bedrock AgentCore runtime that runs as {role}")),
        "pathfinding.cloud bedrock-004",
        "Limit agent runtime commands to runtimes whose role is no more privileged than the caller.",
    ),
    t(
        "bedrock-browser-session",
        "bedrock-agentcore:StartBrowserSession + ConnectBrowserAutomationStream",
        svc(ServiceRun::new(
            false,
            AGENTCORE,
            &[
                &["bedrock-agentcore:StartBrowserSession"],
                &["bedrock-agentcore:ConnectBrowserAutomationStream"],
            ],
        )
        .existing("a Bedrock AgentCore browser that runs as {role}")),
        "pathfinding.cloud bedrock-007",
        "Limit browser sessions to browsers whose role is no more privileged than the caller.",
    ),
    t(
        "mwaa-update-environment",
        "airflow:UpdateEnvironment + airflow:CreateCliToken",
        svc(ServiceRun::new(
            false,
            AIRFLOW,
            &[&["airflow:UpdateEnvironment"], &["airflow:CreateCliToken"]],
        )
        .existing("an MWAA environment that runs as {role}")),
        "pathfinding.cloud mwaa-002",
        "Limit airflow:UpdateEnvironment to environments whose role is no more privileged than the caller.",
    ),
];

/// Every action some technique needs, lower-cased (for the evaluator's prefilter).
pub fn actions() -> impl Iterator<Item = &'static str> {
    const MODIFY: &[&str] = &[
        "iam:PutUserPolicy",
        "iam:AttachUserPolicy",
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
        "iam:PutGroupPolicy",
        "iam:AttachGroupPolicy",
        "iam:CreatePolicyVersion",
        "iam:SetDefaultPolicyVersion",
        "iam:AddUserToGroup",
        "iam:DeleteUserPermissionsBoundary",
        "iam:DeleteRolePermissionsBoundary",
        "iam:PutUserPermissionsBoundary",
        "iam:PutRolePermissionsBoundary",
        "iam:DetachUserPolicy",
        "iam:DeleteUserPolicy",
        "iam:DetachRolePolicy",
        "iam:DeleteRolePolicy",
        "iam:DetachGroupPolicy",
        "iam:DeleteGroupPolicy",
        "iam:RemoveUserFromGroup",
        "sts:AssumeRole",
        "iam:CreateAccessKey",
        "iam:DeleteAccessKey",
        "iam:CreateLoginProfile",
        "iam:UpdateLoginProfile",
        "iam:UpdateAssumeRolePolicy",
        "iam:PassRole",
    ];
    MODIFY
        .iter()
        .copied()
        .chain(TECHNIQUES.iter().flat_map(|t| {
            match t.kind {
                Kind::Service(s) => s
                    .steps
                    .iter()
                    .flat_map(|g| g.iter().copied())
                    .collect::<Vec<_>>(),
                _ => Vec::new(),
            }
        }))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::catalog::catalog;

    #[test]
    fn ids_are_unique_and_actions_exist() {
        let mut ids = HashSet::new();
        for t in TECHNIQUES {
            assert!(ids.insert(t.id), "duplicate {}", t.id);
            assert!(!t.fix.is_empty() && !t.source.is_empty(), "{}", t.id);
        }
        for a in actions() {
            assert!(catalog().lookup(a).is_some(), "{a} is not in the catalog");
        }
        assert!(TECHNIQUES.len() >= 65, "{}", TECHNIQUES.len());
    }
}
