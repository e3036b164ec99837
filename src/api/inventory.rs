//! Requests may name an inventory device (`"device": "core-1"`) instead of spelling out
//! `connection_args`. Secrets come from the environment variable or file the inventory
//! names, never from the config file itself, and never appear in an error.

use super::ApiError;
use super::request::ConnectionArgs;
use crate::config::{Config, InventoryDevice};

/// `connection_args` for inventory device `name`, with any field the request gave winning.
pub fn resolve(
    config: &Config,
    name: &str,
    given: &ConnectionArgs,
) -> Result<ConnectionArgs, ApiError> {
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
    args.host = args.host.or_else(|| Some(device.host.clone()));
    args.port = args.port.or(device.port);
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
