//! API keys and roles: `X-API-KEY: <key>` or `Authorization: Bearer <key>`, compared in
//! constant time against every configured key, then the key's role checked against the
//! route's (design §10's table, [`route_role`]) and, in handlers, against the request's
//! kind ([`exec_role`], [`work_role`], [`Caller::may_cancel`]).
//!
//! A route missing from the table needs `admin`: a route added later is closed until it
//! states its role.

use std::sync::Arc;

use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::Method;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use subtle::{ConditionallySelectable, ConstantTimeEq};

use super::request::ExecutionRequest;
use super::{ApiError, AppState};
use crate::config::{ApiKey, Role};
use crate::jobs::Work;

/// Who sent a request: the matched key's name (never the key) and its role. Handlers take it
/// as an extractor; the auth layer puts it in the request's extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The key's name, recorded on jobs and batches as `submitted_by`.
    pub name: Arc<str>,
    /// What the key may do.
    pub role: Role,
}

/// The caller when `server.insecure_no_auth` lets requests in without a key.
const ANONYMOUS: &str = "anonymous";

impl Caller {
    /// 403 naming the role `needed` for `what`, unless the caller has it.
    pub fn require(&self, needed: Role, what: &str) -> Result<(), ApiError> {
        if self.role >= needed {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "{what} needs role {} (or above); key {:?} has role {}",
                needed.as_str(),
                &*self.name,
                self.role.as_str()
            )))
        }
    }

    /// Cancelling a job: `change` for the caller's own jobs, `admin` for anyone else's (or a
    /// job recorded without a submitter).
    pub fn may_cancel(&self, submitted_by: Option<&str>) -> Result<(), ApiError> {
        self.require(Role::Change, "cancelling a job")?;
        if submitted_by == Some(&*self.name) {
            Ok(())
        } else {
            self.require(Role::Admin, "cancelling a job submitted by another key")
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts.extensions.get::<Caller>().cloned().ok_or_else(|| {
            // Only a handler mounted outside the auth layer can get here: a wiring bug.
            ApiError::Internal("caller asked for on a route without the auth layer".into())
        })
    }
}

/// The role a `/device/exec` body needs: `change` for a config push, `operate` for show
/// commands. Decided on the body as sent, before validation, so a key that may not push
/// learns nothing from the validator about a push body.
pub fn exec_role(request: &ExecutionRequest) -> Role {
    if request.config.is_some() {
        Role::Change
    } else {
        Role::Operate
    }
}

/// The role a job's work needs (a bulk asks it for every device).
pub fn work_role(work: &Work) -> Role {
    match work {
        Work::Commands(_) => Role::Operate,
        Work::Config { .. } => Role::Change,
    }
}

/// Admits a parsed bulk: the role its work needs (any device pushing config needs
/// `change`), one token per device from `security.rate_limit.per_device`, and the caller
/// recorded as every job's submitter.
pub fn admit_bulk(
    state: &AppState,
    caller: &Caller,
    config: &crate::config::Config,
    submission: &mut crate::jobs::batch::BulkSubmission,
) -> Result<(), ApiError> {
    let needed = submission
        .devices
        .iter()
        .map(|d| work_role(&d.spec.work))
        .max()
        .unwrap_or(Role::Operate);
    caller.require(needed, "POST /device/bulk with config")?;
    state.rate_limits().check_devices(config, || {
        submission
            .devices
            .iter()
            .map(|d| d.spec.target.label())
            .collect()
    })?;
    for device in &mut submission.devices {
        device.spec.submitted_by = Some(caller.name.to_string());
    }
    Ok(())
}

/// `DELETE /jobs/{id}`: an admin cancels any job; a `change` key only the jobs it submitted
/// (404 for an unknown job either way).
pub async fn admit_cancel(state: &AppState, caller: &Caller, id: &str) -> Result<(), ApiError> {
    if caller.role >= Role::Admin {
        return Ok(());
    }
    let job = state.jobs().get(id).await?;
    caller.may_cancel(job.submitted_by.as_deref())
}

/// Design §10's table: the role each route needs before its handler runs (handlers raise it
/// per request kind). `HEAD` is answered by the `GET` route, so it needs what `GET` needs.
pub fn route_role(method: &Method, path: &str) -> Role {
    let read = *method == Method::GET || *method == Method::HEAD;
    match (read, method, path) {
        (true, _, "/config" | "/plugins") => Role::Admin,
        (true, _, _) => Role::Read,
        (_, &Method::POST, "/device/exec" | "/device/bulk") => Role::Operate,
        (_, &Method::POST, "/device/test" | "/template/parse") => Role::Operate,
        (_, &Method::DELETE, "/jobs/{id}") => Role::Change,
        (_, &Method::POST, "/batches/{id}/resume") => Role::Admin,
        _ => Role::Admin,
    }
}

/// The accepted keys, each with its name and role. Built once per config (re)load.
#[derive(Debug, Default)]
pub struct Keys {
    entries: Vec<(String, Caller)>,
}

impl Keys {
    /// The table for `keys`.
    pub fn new(keys: &[ApiKey]) -> Self {
        Self {
            entries: keys
                .iter()
                .map(|k| {
                    (
                        k.secret().to_string(),
                        Caller {
                            name: k.name().into(),
                            role: k.role(),
                        },
                    )
                })
                .collect(),
        }
    }

    /// No key configured.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The caller whose key is `presented`. Every key is compared, each in constant time,
    /// and the match is selected without a branch, so timing reveals neither which key
    /// matched nor how much of one did.
    pub fn identify(&self, presented: &str) -> Option<&Caller> {
        let mut found = subtle::Choice::from(0);
        let mut index = 0u64;
        for (i, (secret, _)) in self.entries.iter().enumerate() {
            let equal = secret.as_bytes().ct_eq(presented.as_bytes());
            index.conditional_assign(&(i as u64), equal);
            found |= equal;
        }
        if bool::from(found) {
            usize::try_from(index)
                .ok()
                .and_then(|i| self.entries.get(i))
                .map(|(_, caller)| caller)
        } else {
            None
        }
    }
}

/// Rejects requests without a valid key (401 missing, 403 wrong), or whose key's role is
/// below the route's (403 naming the role), or over the key's rate (429); hands the
/// [`Caller`] to the handler. `/health` is routed outside this layer.
pub async fn require_key(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let keys = state.api_keys();
    let caller = if keys.is_empty() && state.insecure_no_auth() {
        Caller {
            name: ANONYMOUS.into(),
            role: Role::Admin,
        }
    } else {
        let headers = request.headers();
        let presented = headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .or_else(|| {
                headers
                    .get(axum::http::header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| {
                        v.strip_prefix("Bearer ")
                            .or_else(|| v.strip_prefix("bearer "))
                    })
            })
            .map(str::trim)
            .ok_or(ApiError::MissingKey)?;
        keys.identify(presented)
            .cloned()
            .ok_or(ApiError::WrongKey)?
    };
    let path = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("", MatchedPath::as_str);
    let needed = route_role(request.method(), path);
    caller.require(needed, &format!("{} {path}", request.method()))?;
    state
        .rate_limits()
        .check_key(&state.config(), &caller.name)?;
    request.extensions_mut().insert(caller);
    Ok(next.run(request).await)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::config::NamedKey;

    #[test]
    fn identify_finds_the_matching_entry_and_its_role() {
        let keys = Keys::new(&[
            ApiKey::Plain("plain-admin-key-0123".into()),
            ApiKey::Named(NamedKey {
                name: "viewer".into(),
                key: "viewer-key-0123456789".into(),
                role: Role::Read,
            }),
            ApiKey::Named(NamedKey {
                name: "ops".into(),
                key: "ops-key-0123456789ab".into(),
                role: Role::Operate,
            }),
        ]);
        let ops = keys.identify("ops-key-0123456789ab").unwrap();
        assert_eq!((&*ops.name, ops.role), ("ops", Role::Operate));
        let viewer = keys.identify("viewer-key-0123456789").unwrap();
        assert_eq!((&*viewer.name, viewer.role), ("viewer", Role::Read));
        let admin = keys.identify("plain-admin-key-0123").unwrap();
        assert_eq!(admin.role, Role::Admin);
        assert!(admin.name.starts_with("key-") && admin.name.len() == 12);
        assert!(
            !admin.name.contains("plain"),
            "a bare key's name is not the key"
        );
        assert!(keys.identify("ops-key-0123456789a").is_none());
    }

    #[test]
    fn route_table_follows_design_section_10() {
        assert_eq!(route_role(&Method::GET, "/jobs"), Role::Read);
        assert_eq!(route_role(&Method::HEAD, "/jobs/{id}"), Role::Read);
        assert_eq!(route_role(&Method::GET, "/config"), Role::Admin);
        assert_eq!(route_role(&Method::GET, "/plugins"), Role::Admin);
        assert_eq!(route_role(&Method::POST, "/device/exec"), Role::Operate);
        assert_eq!(route_role(&Method::DELETE, "/jobs/{id}"), Role::Change);
        assert_eq!(
            route_role(&Method::POST, "/batches/{id}/resume"),
            Role::Admin
        );
        assert_eq!(route_role(&Method::POST, "/some/new/route"), Role::Admin);
    }

    #[test]
    fn cancelling_needs_change_for_own_jobs_and_admin_for_others() {
        let change = Caller {
            name: "pusher".into(),
            role: Role::Change,
        };
        assert!(change.may_cancel(Some("pusher")).is_ok());
        assert!(change.may_cancel(Some("other")).is_err());
        assert!(change.may_cancel(None).is_err());
        let operate = Caller {
            name: "ops".into(),
            role: Role::Operate,
        };
        assert!(operate.may_cancel(Some("ops")).is_err());
        let admin = Caller {
            name: "root".into(),
            role: Role::Admin,
        };
        assert!(admin.may_cancel(Some("other")).is_ok());
    }
}
