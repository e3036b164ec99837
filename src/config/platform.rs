//! Platform names: Netmiko's are canonical, scrapli/ntc and NAPALM spellings are aliases
//! (design §4), so clients written for any of those libraries work unchanged.

/// Canonical platform names NetPulse knows how to drive.
pub const CANONICAL: &[&str] = &[
    "cisco_ios",
    "cisco_xe",
    "cisco_nxos",
    "cisco_xr",
    "arista_eos",
    "juniper_junos",
    "huawei",
    "linux",
];

/// Alias → canonical name. Scrapli/ntc and NAPALM users send these.
const ALIASES: &[(&str, &str)] = &[
    ("cisco_iosxe", "cisco_xe"),
    ("cisco_iosxr", "cisco_xr"),
    ("huawei_vrp", "huawei"),
    ("huawei_vrpv8", "huawei"),
    ("ios", "cisco_ios"),
    ("iosxe", "cisco_xe"),
    ("iosxr", "cisco_xr"),
    ("eos", "arista_eos"),
    ("junos", "juniper_junos"),
    ("nxos", "cisco_nxos"),
    ("nxos_ssh", "cisco_nxos"),
    ("cisco_nxos_ssh", "cisco_nxos"),
    ("vrp", "huawei"),
];

/// Resolves a platform name or alias to its canonical spelling; `None` when unknown,
/// so callers can answer 422 with the list of [`CANONICAL`] names.
pub fn canonical(name: &str) -> Option<&'static str> {
    let lower = name.trim().to_ascii_lowercase();
    if let Some(found) = CANONICAL.iter().find(|c| **c == lower) {
        return Some(found);
    }
    ALIASES
        .iter()
        .find(|(alias, _)| *alias == lower)
        .map(|(_, canonical)| *canonical)
}

/// The other spellings of a canonical name, for lookups keyed by another library's names:
/// ntc-templates' index says `huawei_vrp` where Netmiko, and so NetPulse, says `huawei`.
pub fn aliases_of(canonical: &str) -> impl Iterator<Item = &'static str> + '_ {
    ALIASES
        .iter()
        .filter(move |(_, c)| *c == canonical)
        .map(|(alias, _)| *alias)
}

/// Every accepted spelling, for error messages that list what exists.
pub fn known_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = CANONICAL.to_vec();
    names.extend(ALIASES.iter().map(|(alias, _)| *alias));
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_canonical_name_lists_its_other_spellings() {
        let huawei: Vec<_> = aliases_of("huawei").collect();
        assert_eq!(huawei, ["huawei_vrp", "huawei_vrpv8", "vrp"]);
        assert_eq!(aliases_of("linux").count(), 0);
    }

    #[test]
    fn aliases_resolve_to_canonical() {
        assert_eq!(canonical("cisco_iosxe"), Some("cisco_xe"));
        assert_eq!(canonical("EOS"), Some("arista_eos"));
        assert_eq!(canonical("huawei_vrp"), Some("huawei"));
        assert_eq!(canonical("cisco_ios"), Some("cisco_ios"));
        assert_eq!(canonical("bogus_os"), None);
    }
}
