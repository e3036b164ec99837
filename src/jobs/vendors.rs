//! Where platform knowledge comes from: the job runner asks these traits, answered by the
//! vendor plugins ([`PluginVendors`]) with built-in profiles for platforms no plugin serves.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::plugin::Host;
use crate::plugin::calls::{
    Decision, DeviceRef, Wave, WaveSummary, after_wave_with, plan_with, profile_with,
};
use crate::ssh::profile::{self, SessionProfile};

/// Session profiles by canonical platform.
pub trait Profiles: Send + Sync {
    /// The compiled profile for `platform`, or why there is none.
    fn profile(&self, platform: &str) -> Result<Arc<SessionProfile>, String>;
}

/// Output parsers.
pub trait Parsers: Send + Sync {
    /// Parses `output` of `command` on `platform` with `parser` (`auto` or a plugin name).
    fn parse(
        &self,
        parser: &str,
        platform: &str,
        command: &str,
        output: &str,
    ) -> Result<Value, String>;

    /// Parser names a request may use, for 422 messages.
    fn known(&self) -> Vec<String>;

    /// The platform's canonical spelling of `command` (`sh ver` → `show version`), so cache
    /// keys and parser lookup see one spelling.
    fn normalize(&self, platform: &str, command: &str) -> String;
}

/// The job runner's view of the host: compiled profiles cached per plugin version.
pub struct PluginVendors {
    host: Arc<Host>,
    compiled: Mutex<HashMap<String, (String, Arc<SessionProfile>)>>,
}

impl PluginVendors {
    /// Wraps the host.
    pub fn new(host: Arc<Host>) -> Self {
        Self {
            host,
            compiled: Mutex::new(HashMap::new()),
        }
    }

    /// The host.
    pub fn host(&self) -> &Arc<Host> {
        &self.host
    }
}

impl Profiles for PluginVendors {
    fn profile(&self, platform: &str) -> Result<Arc<SessionProfile>, String> {
        let snapshot = self.host.snapshot();
        let Some(plugin) = snapshot.vendor_for(platform) else {
            // Platforms without a vendor plugin (linux) fall back to the built-ins.
            let spec = profile::builtin(platform)
                .ok_or_else(|| format!("no vendor plugin serves platform {platform}"))?;
            return SessionProfile::compile(platform, &spec)
                .map(Arc::new)
                .map_err(|e| e.to_string());
        };
        let key = format!("{}:{platform}", plugin.info.name);
        let mut cache = self
            .compiled
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((sha, profile)) = cache.get(&key)
            && *sha == plugin.sha256
        {
            return Ok(profile.clone());
        }
        let spec = profile_with(plugin, platform).map_err(|e| e.to_string())?;
        let compiled =
            Arc::new(SessionProfile::compile(platform, &spec).map_err(|e| e.to_string())?);
        cache.insert(key, (plugin.sha256.clone(), compiled.clone()));
        Ok(compiled)
    }
}

impl Parsers for PluginVendors {
    fn parse(
        &self,
        parser: &str,
        platform: &str,
        command: &str,
        output: &str,
    ) -> Result<Value, String> {
        self.host
            .parse(parser, platform, command, output)
            .map_err(|e| e.to_string())
    }

    fn known(&self) -> Vec<String> {
        self.host.parser_names()
    }

    fn normalize(&self, platform: &str, command: &str) -> String {
        self.host.normalize(platform, command)
    }
}

/// Bulk strategies: plugins that plan waves and decide after each one.
pub trait Strategies: Send + Sync {
    /// Strategy names a request may use, for 422 messages.
    fn names(&self) -> Vec<String>;

    /// The waves for `devices`, as the plugin answers (validated by the caller).
    fn plan(&self, name: &str, devices: &[DeviceRef], params: &str) -> Result<Vec<Wave>, String>;

    /// What to do after a wave.
    fn after_wave(
        &self,
        name: &str,
        summary: &WaveSummary,
        params: &str,
    ) -> Result<Decision, String>;
}

impl PluginVendors {
    fn strategy(&self, name: &str) -> Result<Arc<crate::plugin::Plugin>, String> {
        self.host
            .snapshot()
            .by_name(name)
            .filter(|p| p.kind() == crate::plugin::Kind::Strategy)
            .cloned()
            .ok_or_else(|| format!("strategy plugin {name:?} is not loaded (was it removed?)"))
    }
}

impl Strategies for PluginVendors {
    fn names(&self) -> Vec<String> {
        self.host.strategy_names()
    }

    fn plan(&self, name: &str, devices: &[DeviceRef], params: &str) -> Result<Vec<Wave>, String> {
        let plugin = self.strategy(name)?;
        plan_with(&plugin, devices, params).map_err(|e| e.to_string())
    }

    fn after_wave(
        &self,
        name: &str,
        summary: &WaveSummary,
        params: &str,
    ) -> Result<Decision, String> {
        let plugin = self.strategy(name)?;
        after_wave_with(&plugin, summary, params).map_err(|e| e.to_string())
    }
}
