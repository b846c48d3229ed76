//! The one error type of the service. The web layer maps it to a status and a `{code, message,
//! fields}` body; the CLI prints it.

use crate::domain::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 404: the thing does not exist (or must not be known to exist).
    #[error("{0}")]
    NotFound(String),
    /// 409: the edit was based on a version of the record that is no longer current (someone else changed it
    /// meanwhile, or the data a plan was made from moved on); the current version, when known, is told.
    #[error("{message}")]
    StaleVersion {
        message: String,
        current_version: Option<i32>,
    },
    /// 409: the write collides with existing data or with the record's state (a code already taken, a draft
    /// already open, a period closed); `field` names the input at fault, if one is.
    #[error("{message}")]
    Conflict {
        field: Option<&'static str>,
        message: String,
    },
    /// 428: a write that needs the version it was based on came without one.
    #[error("{0}")]
    PreconditionRequired(String),
    /// 412: the request's precondition (`If-Match`) cannot match, whatever the version.
    #[error("{0}")]
    PreconditionFailed(String),
    /// 422: the input was understood but is wrong; the fields say where.
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// 429: too many requests from one place; try again after `retry_after` seconds.
    #[error("{message}")]
    TooMany { message: String, retry_after: u64 },
    /// 400: the request itself is malformed (not JSON, not UTF-8).
    #[error("{0}")]
    BadRequest(String),
    #[error(transparent)]
    Database(sea_orm::DbErr),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid(FieldErrors::single(field, message))
    }
}

impl From<sea_orm::DbErr> for Error {
    /// A unique-constraint violation is two writers racing for the same code: a conflict, not a crash.
    fn from(e: sea_orm::DbErr) -> Self {
        match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => Error::Conflict {
                message: "与同时写入的另一条记录冲突（编号或名称相同）；请刷新后再试".into(),
                field: None,
            },
            _ => Error::Database(e),
        }
    }
}

impl From<sea_orm::TransactionError<Error>> for Error {
    fn from(e: sea_orm::TransactionError<Error>) -> Self {
        match e {
            sea_orm::TransactionError::Connection(db) => Error::Database(db),
            sea_orm::TransactionError::Transaction(e) => e,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
