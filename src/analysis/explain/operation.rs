//! From an API operation (`GetObject`, as in "when calling the GetObject operation") to the IAM
//! action it is authorized as (`s3:GetObject`).
//!
//! Most operations are authorized as the action of the same name; the exceptions are listed
//! here, from the Service Authorization Reference and the Amazon S3 User Guide ("Required
//! permissions for Amazon S3 API operations"). The catalog gives the action's canonical case.

use crate::catalog::catalog;

/// Operations authorized as an action of another name: (service, operation, action).
const RENAMED: &[(&str, &str, &str)] = &[
    ("s3", "ListObjects", "ListBucket"),
    ("s3", "ListObjectsV2", "ListBucket"),
    ("s3", "HeadBucket", "ListBucket"),
    ("s3", "ListObjectVersions", "ListBucketVersions"),
    ("s3", "HeadObject", "GetObject"),
    ("s3", "GetObjectAttributes", "GetObject"),
    ("s3", "SelectObjectContent", "GetObject"),
    // CopyObject needs s3:GetObject on the source and s3:PutObject on the destination; the
    // resource in a message is the destination.
    ("s3", "CopyObject", "PutObject"),
    ("s3", "UploadPartCopy", "PutObject"),
    ("s3", "CreateMultipartUpload", "PutObject"),
    ("s3", "UploadPart", "PutObject"),
    ("s3", "CompleteMultipartUpload", "PutObject"),
    ("s3", "ListMultipartUploads", "ListBucketMultipartUploads"),
    ("s3", "ListParts", "ListMultipartUploadParts"),
    ("s3", "DeleteObjects", "DeleteObject"),
    ("s3", "ListBuckets", "ListAllMyBuckets"),
    ("s3", "GetBucketEncryption", "GetEncryptionConfiguration"),
    ("s3", "PutBucketEncryption", "PutEncryptionConfiguration"),
    ("s3", "DeleteBucketEncryption", "PutEncryptionConfiguration"),
    (
        "s3",
        "GetBucketLifecycleConfiguration",
        "GetLifecycleConfiguration",
    ),
    (
        "s3",
        "PutBucketLifecycleConfiguration",
        "PutLifecycleConfiguration",
    ),
    ("s3", "DeleteBucketLifecycle", "PutLifecycleConfiguration"),
    (
        "s3",
        "GetBucketNotificationConfiguration",
        "GetBucketNotification",
    ),
    (
        "s3",
        "PutBucketNotificationConfiguration",
        "PutBucketNotification",
    ),
    ("s3", "GetBucketReplication", "GetReplicationConfiguration"),
    ("s3", "PutBucketReplication", "PutReplicationConfiguration"),
    (
        "s3",
        "DeleteBucketReplication",
        "PutReplicationConfiguration",
    ),
    ("s3", "GetPublicAccessBlock", "GetBucketPublicAccessBlock"),
    ("s3", "PutPublicAccessBlock", "PutBucketPublicAccessBlock"),
    (
        "s3",
        "DeletePublicAccessBlock",
        "PutBucketPublicAccessBlock",
    ),
    (
        "s3",
        "GetObjectLockConfiguration",
        "GetBucketObjectLockConfiguration",
    ),
    (
        "s3",
        "PutObjectLockConfiguration",
        "PutBucketObjectLockConfiguration",
    ),
    (
        "s3",
        "GetBucketAccelerateConfiguration",
        "GetAccelerateConfiguration",
    ),
    (
        "s3",
        "PutBucketAccelerateConfiguration",
        "PutAccelerateConfiguration",
    ),
    (
        "s3",
        "GetBucketAnalyticsConfiguration",
        "GetAnalyticsConfiguration",
    ),
    (
        "s3",
        "PutBucketAnalyticsConfiguration",
        "PutAnalyticsConfiguration",
    ),
    (
        "s3",
        "GetBucketMetricsConfiguration",
        "GetMetricsConfiguration",
    ),
    (
        "s3",
        "PutBucketMetricsConfiguration",
        "PutMetricsConfiguration",
    ),
    (
        "s3",
        "GetBucketInventoryConfiguration",
        "GetInventoryConfiguration",
    ),
    (
        "s3",
        "PutBucketInventoryConfiguration",
        "PutInventoryConfiguration",
    ),
    ("s3", "GetBucketCors", "GetBucketCORS"),
    ("s3", "PutBucketCors", "PutBucketCORS"),
    ("s3", "DeleteBucketCors", "PutBucketCORS"),
    ("s3", "DeleteBucketTagging", "PutBucketTagging"),
    (
        "s3",
        "GetBucketIntelligentTieringConfiguration",
        "GetIntelligentTieringConfiguration",
    ),
    (
        "s3",
        "PutBucketIntelligentTieringConfiguration",
        "PutIntelligentTieringConfiguration",
    ),
    (
        "s3",
        "DeleteBucketOwnershipControls",
        "PutBucketOwnershipControls",
    ),
    ("lambda", "Invoke", "InvokeFunction"),
    ("lambda", "InvokeWithResponseStream", "InvokeFunction"),
    ("dynamodb", "TransactGetItems", "GetItem"),
    ("dynamodb", "TransactWriteItems", "PutItem"),
];

/// The IAM action for `operation` of `service` (`s3`, `GetObject` → `s3:GetObject`), in the
/// catalog's case. `None` when `service` is empty or the operation is not a word.
pub fn action_for_operation(service: &str, operation: &str) -> Option<String> {
    if service.is_empty() || operation.is_empty() {
        return None;
    }
    let service = service.to_ascii_lowercase();
    let name = RENAMED
        .iter()
        .find(|(s, op, _)| *s == service && op.eq_ignore_ascii_case(operation))
        .map_or(operation, |(_, _, action)| action);
    let full = format!("{service}:{name}");
    Some(canonical_action(&full).unwrap_or(full))
}

/// The action as the catalog spells it (`sqs:sendmessage` → `sqs:SendMessage`), if it is there.
pub fn canonical_action(action: &str) -> Option<String> {
    catalog().lookup(action).map(|a| a.full_name())
}

/// The services that have an operation of this name (an action of the name, or one of the
/// renamed operations above), for an operation named without its service.
pub fn services_with_action(operation: &str) -> Vec<String> {
    let mut out: Vec<String> = catalog()
        .services()
        .iter()
        .filter(|s| s.action(operation).is_some())
        .map(|s| s.prefix.clone())
        .collect();
    for (service, op, _) in RENAMED {
        if op.eq_ignore_ascii_case(operation) && !out.iter().any(|s| s == service) {
            out.push((*service).to_owned());
        }
    }
    out
}

/// Whether the action is authorized against resources (false for wildcard-only actions such
/// as `s3:ListAllMyBuckets`, which are requested with resource `*`). `None` when the catalog
/// does not know the action.
pub fn has_resource_types(action: &str) -> Option<bool> {
    catalog()
        .lookup(action)
        .map(|a| !a.action.resources.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renamed_and_plain_operations() {
        assert_eq!(
            action_for_operation("s3", "ListObjectsV2").as_deref(),
            Some("s3:ListBucket")
        );
        assert_eq!(
            action_for_operation("s3", "GetObject").as_deref(),
            Some("s3:GetObject")
        );
        assert_eq!(
            action_for_operation("lambda", "Invoke").as_deref(),
            Some("lambda:InvokeFunction")
        );
        assert_eq!(
            action_for_operation("ec2", "RunInstances").as_deref(),
            Some("ec2:RunInstances")
        );
        assert_eq!(action_for_operation("", "GetObject"), None);
    }

    #[test]
    fn catalog_case() {
        assert_eq!(
            canonical_action("sqs:sendmessage").as_deref(),
            Some("sqs:SendMessage")
        );
        assert_eq!(has_resource_types("s3:ListAllMyBuckets"), Some(false));
        assert_eq!(has_resource_types("s3:GetObject"), Some(true));
    }
}
