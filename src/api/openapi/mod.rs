//! `GET /openapi.json` and `GET /docs`: the API described by an OpenAPI 3.1 document that
//! utoipa generates from the request types the handlers deserialize (`api::request`,
//! `api::handlers::ParseRequest`), the response shapes in [`schema`] and [`system`], and the
//! operations in [`paths`]; and Swagger UI serving it from files embedded at build time.
//!
//! What every route shares is added here, from the code that decides it rather than from a
//! copy: each operation's role comes from [`auth::route_role`], the error responses from what
//! the auth layer and extractors can answer (401/403/429 behind the key; 400/408/413/422 for a
//! body; 404 for an id in the path), and the request bounds from the `api::checks` constants.
//! Both routes are open, like `/health`: the document holds no secret.

mod paths;
pub mod schema;
mod system;

use axum::Router;
use axum::http::Method;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::schema::{ArrayBuilder, Object, OneOfBuilder, Schema, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{
    Components, ContentBuilder, Header, Ref, RefOr, Required, ResponseBuilder, SecurityRequirement,
};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use super::{auth, checks};
use crate::config::platform;
use crate::jobs::JobStatus;
use crate::jobs::batch::MAX_DEVICES;

/// Where the document is served.
pub const DOCUMENT_PATH: &str = "/openapi.json";
/// Where the interactive page is served (its files under `/docs/`).
pub const PAGE_PATH: &str = "/docs";

/// Routes answered without a key.
const OPEN_PATHS: &[&str] = &["/health", DOCUMENT_PATH, PAGE_PATH];

/// Security scheme names in the document.
const API_KEY: &str = "api_key";
const BEARER: &str = "bearer";

/// A host or `ip`, as `checks::host` accepts it: one token of letters, digits and `. - _ : %`
/// (an empty `ip` is taken as not given).
const HOST_PATTERN: &str = "^[A-Za-z0-9._:%-]*$";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "NetPulse",
        description = "Network-automation gateway: commands and config pushes on network devices over pooled SSH sessions, parsed by sandboxed plugins, cached, in waves for a fleet.\n\nEvery route except `/health`, `/openapi.json` and `/docs` needs an API key, sent as `X-API-KEY: <key>` or `Authorization: Bearer <key>`; each operation says which role it needs. Every error answers `{\"error\": {\"code\", \"message\"}}`, the message naming the field or thing at fault.",
    ),
    paths(
        paths::exec,
        paths::test_device,
        paths::bulk,
        paths::get_batch,
        paths::resume_batch,
        paths::list_jobs,
        paths::get_job,
        paths::cancel_job,
        paths::template_parse,
        paths::list_plugins,
        paths::system_stats,
        paths::metrics,
        paths::config,
        paths::health,
        paths::document,
        paths::page,
    ),
    components(schemas(paths::BulkDevice, paths::Strategy)),
    modifiers(&Shared),
    tags(
        (name = "devices", description = "Work on devices: one, a fleet, or a login check."),
        (name = "jobs", description = "Job records."),
        (name = "batches", description = "Bulk batches and their waves."),
        (name = "parsing", description = "Parsers, without a device."),
        (name = "system", description = "Health, figures, metrics, config and this document."),
    )
)]
struct ApiDoc;

/// The document, as served at [`DOCUMENT_PATH`].
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// `GET /openapi.json` and the Swagger UI page at `/docs`, both without auth.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    SwaggerUi::new(PAGE_PATH)
        .url(DOCUMENT_PATH, document())
        .into()
}

/// Adds what every operation shares: security, role, shared errors, and the request bounds.
struct Shared;

impl Modify for Shared {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Components::default);
        components.add_security_scheme(
            API_KEY,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-API-KEY",
                "An API key from `server.api_keys` or `NETPULSE_API_KEYS`.",
            ))),
        );
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        apply_bounds(components);
        bulk_request(components);
        for (path, item) in doc.paths.paths.iter_mut() {
            for (method, operation) in operations(item) {
                shared(&method, path, operation);
            }
        }
    }
}

/// The operations of a path item, with their methods.
fn operations(item: &mut PathItem) -> impl Iterator<Item = (Method, &mut Operation)> {
    [
        (Method::GET, item.get.as_mut()),
        (Method::POST, item.post.as_mut()),
        (Method::PUT, item.put.as_mut()),
        (Method::PATCH, item.patch.as_mut()),
        (Method::DELETE, item.delete.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, operation)| Some((method, operation?)))
}

/// An error response in the API's one error shape.
fn error(description: &str) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("ErrorBody")))
            .build(),
    )
}

/// Adds `status` unless the operation declares its own.
fn add(operation: &mut Operation, status: &str, response: ResponseBuilder) {
    operation
        .responses
        .responses
        .entry(status.to_string())
        .or_insert_with(|| RefOr::T(response.build()));
}

/// Role, security and the errors an operation shares with others of its kind.
fn shared(method: &Method, path: &str, operation: &mut Operation) {
    if OPEN_PATHS.contains(&path) {
        operation.security = Some(vec![SecurityRequirement::default()]);
        return;
    }
    let role = auth::route_role(method, path).as_str();
    let description = operation.description.take().unwrap_or_default();
    operation.description = Some(
        format!("**Role:** `{role}` or above.\n\n{description}")
            .trim_end()
            .to_string(),
    );
    operation.security = Some(vec![
        SecurityRequirement::new(API_KEY, Vec::<String>::new()),
        SecurityRequirement::new(BEARER, Vec::<String>::new()),
    ]);
    add(
        operation,
        "401",
        error("No API key was sent (`missing_api_key`)."),
    );
    add(
        operation,
        "403",
        error(
            "The key is not a configured key (`invalid_api_key`), its role is below what the route or the body needs (`forbidden`, naming the role), or the device is outside `security.allowed_targets` (`target_not_allowed`, naming the rule).",
        ),
    );
    add(
        operation,
        "429",
        error("Over `security.rate_limit` (`rate_limited`); retry after `Retry-After` seconds.")
            .header("Retry-After", Header::new(Object::with_type(Type::Integer))),
    );
    add(
        operation,
        "500",
        error("The gateway failed (`internal`); the detail is in its log, never in the answer."),
    );
    if let Some(RefOr::T(body)) = operation.request_body.as_mut() {
        // Every body route reads its body whole; none is optional.
        body.required = Some(Required::True);
        add(
            operation,
            "400",
            error("The body is not JSON (`invalid_json`); the message names line and column."),
        );
        add(
            operation,
            "408",
            error("The body did not arrive within the body deadline (`body_timeout`)."),
        );
        add(
            operation,
            "413",
            error("The body is larger than `server.body_limit` (`body_too_large`)."),
        );
        add(
            operation,
            "422",
            error("The body breaks a rule; the message names the field (`validation_failed`)."),
        );
    }
    if path.contains("{id}") {
        add(
            operation,
            "404",
            error("No such job or batch (`not_found`)."),
        );
    }
}

/// `BulkRequest`: every property of `ExecutionRequest` (shared by the devices), plus
/// `devices` and `strategy` — what `api::bulk::parse` reads.
fn bulk_request(components: &mut Components) {
    let Some(RefOr::T(Schema::Object(request))) = components.schemas.get("ExecutionRequest") else {
        return;
    };
    let mut bulk: Object = request.clone();
    bulk.description = Some(
        "An `ExecutionRequest` shared by every device (its `connection_args` carry no `host`), the devices with their own fields, and the strategy planning the waves.".into(),
    );
    bulk.properties.insert(
        "devices".into(),
        ArrayBuilder::new()
            .items(Ref::from_schema_name("BulkDevice"))
            .min_items(Some(1))
            .max_items(Some(MAX_DEVICES))
            .description(Some("The devices, each overriding the shared request."))
            .into(),
    );
    bulk.properties.insert(
        "strategy".into(),
        OneOfBuilder::new()
            .item(Object::with_type(Type::Null))
            .item(Ref::from_schema_name("Strategy"))
            .description(Some(
                "How to plan the waves; absent: one wave of every device.",
            ))
            .into(),
    );
    bulk.required.push("devices".into());
    components
        .schemas
        .insert("BulkRequest".into(), RefOr::T(Schema::Object(bulk)));
}

/// A bound the request validator enforces, written into a property of a component schema.
type Bound = (&'static str, &'static str, fn(&mut Object));

/// The bounds of `api::checks` and the words the validator knows (platforms, drivers, queue
/// strategies), so a client (and a test generator) knows them up front.
const BOUNDS: &[Bound] = &[
    ("ExecutionRequest", "ttl", |o| {
        o.maximum = Some(checks::MAX_TTL_SECS.into())
    }),
    ("ExecutionRequest", "result_ttl", |o| {
        o.maximum = Some(checks::MAX_RESULT_TTL_SECS.into())
    }),
    ("ExecutionRequest", "execution_timeout", |o| {
        o.exclusive_minimum = Some(0.into());
        o.maximum = Some(checks::MAX_EXECUTION_TIMEOUT_SECS.into());
    }),
    ("CacheControl", "ttl", |o| {
        o.maximum = Some(checks::MAX_CACHE_TTL_SECS.into())
    }),
    ("ConnectionArgs", "timeout", |o| {
        o.exclusive_minimum = Some(0.into());
        o.maximum = Some(checks::MAX_CONNECT_TIMEOUT_SECS.into());
    }),
    ("ConnectionArgs", "host", |o| {
        o.min_length = Some(1);
        host(o);
    }),
    ("ConnectionArgs", "ip", host),
    ("ConnectionArgs", "port", |o| {
        o.maximum = Some(u16::MAX.into())
    }),
    ("ConnectionArgs", "device_type", |o| {
        o.enum_values = Some(words(&platform::known_names(), true))
    }),
    ("ParseRequest", "platform", |o| {
        o.enum_values = Some(words(&platform::known_names(), false))
    }),
    ("ExecutionRequest", "driver", |o| {
        o.enum_values = Some(words(&["netmiko", "cli", "paramiko", "exec"], true))
    }),
    ("ExecutionRequest", "queue_strategy", |o| {
        o.enum_values = Some(words(&["fifo", "pinned"], true))
    }),
];

/// `words` as enum values, and `null` when the field may be null.
fn words(words: &[&str], nullable: bool) -> Vec<serde_json::Value> {
    let mut values: Vec<serde_json::Value> = words.iter().map(|w| (*w).into()).collect();
    if nullable {
        values.push(serde_json::Value::Null);
    }
    values
}

fn host(o: &mut Object) {
    o.max_length = Some(checks::MAX_HOST_LEN);
    o.pattern = Some(HOST_PATTERN.into());
}

/// Writes [`BOUNDS`] and the job status words; returns the `schema.property` names it did
/// not find.
fn apply_bounds(components: &mut Components) -> Vec<String> {
    let mut missing = Vec::new();
    match components.schemas.get_mut("JobStatus") {
        Some(RefOr::T(Schema::Object(status))) => {
            let statuses = JobStatus::ALL.map(JobStatus::as_str);
            status.enum_values = Some(words(&statuses, false));
        }
        _ => missing.push("JobStatus".into()),
    }
    for (schema, field, bound) in BOUNDS {
        match property(components, schema, field) {
            Some(object) => bound(object),
            None => missing.push(format!("{schema}.{field}")),
        }
    }
    missing
}

/// The inline object schema of `schema.field`.
fn property<'a>(
    components: &'a mut Components,
    schema: &str,
    field: &str,
) -> Option<&'a mut Object> {
    let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(schema) else {
        return None;
    };
    match object.properties.get_mut(field)? {
        RefOr::T(Schema::Object(property)) => Some(property),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_bound_finds_its_property() {
        let mut components = document().components.unwrap();
        assert_eq!(apply_bounds(&mut components), Vec::<String>::new());
    }
}
