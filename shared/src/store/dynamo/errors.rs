//! Which SDK errors are worth retrying.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Class {
    /// Throttling, server-side faults, timeouts, broken connections: retry later.
    Transient,
    /// The request itself is wrong (validation, missing table, failed condition): never retry.
    Permanent,
}

/// Error codes DynamoDB uses for "slow down" and "our fault".
const TRANSIENT_CODES: &[&str] = &[
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "LimitExceededException",
    "TransactionInProgressException",
];

pub fn classify<E: ProvideErrorMetadata>(err: &SdkError<E>) -> Class {
    match err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            Class::Transient
        }
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or_default();
            let status = service.raw().status().as_u16();
            if TRANSIENT_CODES.contains(&code) || status >= 500 {
                Class::Transient
            } else {
                Class::Permanent
            }
        }
        _ => Class::Permanent,
    }
}
