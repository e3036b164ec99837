//! Requests may name an inventory device (`"device": "core-1"`) instead of spelling out
//! `connection_args`. Secrets come from the environment variable or file the inventory
//! names, never from the config file itself, and never appear in an error.

use super::ApiError;
use super::request::ConnectionArgs;
use crate::config::{Config, InventoryDevice};

/// `connection_args` fields that change where the connection goes (or through what): with
/// `device` set they would send the inventory's credentials to an address the caller chose,
/// so they are refused. The jump-host fields (NetPulse's `proxy_*`) and Netmiko's socket and
/// ssh_config options are here before the gateway honours them, so no future field can open
/// the hole again.
pub const ADDRESS_FIELDS: &[&str] = &[
    "host",
    "ip",
    "port",
    "proxy_host",
    "proxy_port",
    "proxy_username",
    "proxy_password",
    "proxy_key",
    "proxy",
    "sock",
    "ssh_config_file",
    "jump_host",
];

/// Refuses a request that names an inventory device and also says where to connect.
fn refuse_address_fields(name: &str, given: &ConnectionArgs) -> Result<(), ApiError> {
    let named = |field: &str| match field {
        "host" => given.host.is_some(),
        "ip" => given.ip.is_some(),
        "port" => given.port.is_some(),
        other => given.extra.get(other).is_some_and(|v| !v.is_null()),
    };
    match ADDRESS_FIELDS.iter().find(|f| named(f)) {
        None => Ok(()),
        Some(field) => Err(ApiError::Invalid(format!(
            "connection_args.{field}: not allowed with device {name:?}: an inventory device's credentials go only to its inventory address; remove connection_args.{field} or give connection_args without device"
        ))),
    }
}

/// `connection_args` for inventory device `name`: the address is the inventory's alone
/// ([`ADDRESS_FIELDS`] given too are a 422); any other field the request gave wins.
pub fn resolve(
    config: &Config,
    name: &str,
    given: &ConnectionArgs,
) -> Result<ConnectionArgs, ApiError> {
    refuse_address_fields(name, given)?;
    let device = config
        .inventory
        .iter()
        .find(|d| d.name == name)
        .ok_or_else(|| {
            let known: Vec<&str> = config.inventory.iter().map(|d| d.name.as_str()).collect();
            ApiError::Invalid(format!(
                "device: no inventory device named {name:?}; known: {}",
                if known.is_empty() {
                    "(the inventory is empty)".to_string()
                } else {
                    known.join(", ")
                }
            ))
        })?;
    let cred = &device.credential;
    let password = match (&cred.password_env, &cred.password_file) {
        (Some(var), _) => Some(from_env(device, var)?),
        (None, Some(file)) => Some(from_file(device, file)?),
        (None, None) => None,
    };
    let private_key = cred
        .private_key_file
        .as_deref()
        .map(|file| read(device, file))
        .transpose()?;
    let secret = cred
        .secret_env
        .as_deref()
        .map(|var| from_env(device, var))
        .transpose()?;
    let mut args = given.clone();
    args.host = Some(device.host.clone());
    args.ip = None;
    args.port = device.port;
    args.device_type = args
        .device_type
        .or_else(|| Some(device.device_type.clone()));
    args.username = args
        .username
        .or_else(|| (!cred.username.is_empty()).then(|| cred.username.clone()));
    args.password = args.password.or(password);
    args.private_key = args.private_key.or(private_key);
    args.secret = args.secret.or(secret);
    Ok(args)
}

fn from_env(device: &InventoryDevice, var: &str) -> Result<String, ApiError> {
    std::env::var(var).map_err(|_| {
        ApiError::Invalid(format!(
            "device: inventory device {:?} takes its secret from environment variable {var}, which is not set",
            device.name
        ))
    })
}

fn from_file(device: &InventoryDevice, file: &str) -> Result<String, ApiError> {
    read(device, file).map(|text| text.lines().next().unwrap_or_default().to_string())
}

fn read(device: &InventoryDevice, file: &str) -> Result<String, ApiError> {
    std::fs::read_to_string(file).map_err(|e| {
        ApiError::Invalid(format!(
            "device: inventory device {:?}: cannot read credential file {file}: {e}",
            device.name
        ))
    })
}
