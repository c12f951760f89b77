//! The troubleshooting cases: which kind of failure an error is. Classifying errors into cases is
//! the core's business (`ApiError::case`); the words for each case live in `explain`.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    KeyMissing,
    KeyMalformed,
    Unauthorized,
    Forbidden,
    UnknownModel,
    BadRequest,
    EndpointNotFound,
    RateLimited,
    Unavailable,
    ServerError,
    TlsTrust,
    Network,
    Proxy,
    StreamCut,
    StreamSilent,
    /// Anything the table does not cover (a body that is not JSON, a local I/O error).
    Other,
}

impl Case {
    /// Every case of the troubleshooting table, in the order of the guide.
    pub const ALL: [Case; 15] = [
        Case::KeyMissing,
        Case::KeyMalformed,
        Case::Unauthorized,
        Case::Forbidden,
        Case::UnknownModel,
        Case::BadRequest,
        Case::EndpointNotFound,
        Case::RateLimited,
        Case::Unavailable,
        Case::ServerError,
        Case::TlsTrust,
        Case::Network,
        Case::Proxy,
        Case::StreamCut,
        Case::StreamSilent,
    ];
}
