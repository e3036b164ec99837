//! `show version`: host name, model, Junos release and the version of each package. A
//! multi-RE or virtual-chassis box prints one section per member (`fpc0:`, `node1:`);
//! they are folded into one record, the later section's values winning.

use crate::record::{Field, Records, list, plain, re, required};
use serde_json::Value;

const FIELDS: &[Field] = &[
    required("hostname"),
    plain("model"),
    plain("junos_version"),
    plain("base_os_boot"),
    plain("base_os_software_suite"),
    plain("kernel_software_suite"),
    plain("crypto_software_suite"),
    plain("packet_forwarding_engine_support_m_t_ex_common"),
    plain("packet_forwarding_engine_support_mx_common"),
    plain("fips_mode_utilities"),
    plain("online_documentation"),
    plain("services_aacl_container_package"),
    plain("services_application_level_gateways"),
    plain("appid_services"),
    plain("border_gateway_function_package"),
    plain("services_captive_portal_content_delivery_package"),
    plain("services_http_content_management_package"),
    plain("idp_services"),
    plain("services_jflow_container_package"),
    plain("services_ll_pdf_container_package"),
    plain("services_mobilenext_software_package"),
    plain("services_mobile_subscriber_service_package"),
    plain("services_nat"),
    plain("services_ptsp_container_package"),
    plain("services_rpm"),
    plain("services_stateful_firewall"),
    plain("voice_services_container_package"),
    plain("services_crypto"),
    plain("services_ssl"),
    plain("services_ipsec"),
    plain("platform_software_suite"),
    plain("runtime_software_suite"),
    plain("routing_software_suite"),
    plain("py_base_i386"),
    plain("lab_package"),
    plain("serial_number"),
    plain("qfabric_system_id"),
    list("other_device_properties"),
    list("other_properties_versions"),
    plain("redis_version"),
];

/// Packages with a field of their own: the name between `JUNOS` and `[version]`, words
/// separated by single spaces. Any other `JUNOS <name> [version]` line lands in the
/// `other_device_properties` / `other_properties_versions` lists.
const PACKAGES: &[(&str, &str)] = &[
    ("EX Software Suite", "junos_version"),
    ("Base OS boot", "base_os_boot"),
    ("Base OS Software Suite", "base_os_software_suite"),
    ("Kernel Software Suite", "kernel_software_suite"),
    ("Crypto Software Suite", "crypto_software_suite"),
    (
        "Packet Forwarding Engine Support (M/T/EX Common)",
        "packet_forwarding_engine_support_m_t_ex_common",
    ),
    (
        "Packet Forwarding Engine Support (MX Common)",
        "packet_forwarding_engine_support_mx_common",
    ),
    ("FIPS mode utilities", "fips_mode_utilities"),
    ("Online Documentation", "online_documentation"),
    (
        "Services AACL Container package",
        "services_aacl_container_package",
    ),
    (
        "Services Application Level Gateways",
        "services_application_level_gateways",
    ),
    ("AppId Services", "appid_services"),
    (
        "Border Gateway Function package",
        "border_gateway_function_package",
    ),
    (
        "Services Captive Portal and Content Delivery Container package",
        "services_captive_portal_content_delivery_package",
    ),
    (
        "Services HTTP Content Management package",
        "services_http_content_management_package",
    ),
    ("IDP Services", "idp_services"),
    (
        "Services Jflow Container package",
        "services_jflow_container_package",
    ),
    (
        "Services LL-PDF Container package",
        "services_ll_pdf_container_package",
    ),
    (
        "Services MobileNext Software package",
        "services_mobilenext_software_package",
    ),
    (
        "Services Mobile Subscriber Service Container package",
        "services_mobile_subscriber_service_package",
    ),
    ("Services NAT", "services_nat"),
    (
        "Services PTSP Container package",
        "services_ptsp_container_package",
    ),
    ("Services RPM", "services_rpm"),
    ("Services Stateful Firewall", "services_stateful_firewall"),
    (
        "Voice Services Container package",
        "voice_services_container_package",
    ),
    ("Services Crypto", "services_crypto"),
    ("Services SSL", "services_ssl"),
    ("Services IPSec", "services_ipsec"),
    ("platform Software Suite", "platform_software_suite"),
    ("Runtime Software Suite", "runtime_software_suite"),
    ("Routing Software Suite", "routing_software_suite"),
    ("py-base-i386", "py_base_i386"),
];

/// Parses `show version`; there is one record per output, emitted at the end.
pub(crate) fn parse(output: &str) -> Vec<Value> {
    let simple = [
        re!(r"^Hostname:\s+(?P<hostname>\S+)"),
        re!(r"^Model:\s+(?P<model>\S+)"),
        re!(r"^Junos:\s+(?P<junos_version>.*)"),
        re!(r"^labpkg\s+\[(?P<lab_package>\S+)\]"),
        re!(r"^Serial\s+Number:\s+(?P<serial_number>\S+)"),
        re!(r"^QFabric\s+System\s+ID:\s+(?P<qfabric_system_id>\S+)"),
        re!(r"^Redis\s+\[(?P<redis_version>\S+)\]"),
    ];
    // `JUNOS <package name> [<version>]`; the name keeps its trailing space, as
    // ntc-templates reports it in `other_device_properties`.
    let package = re!(r"^JUNOS\s+(?P<name>[^\[]*)\[(?P<version>\S+)\]");
    let mut records = Records::new(FIELDS);
    for line in output.lines() {
        if let Some(c) = package.captures(line) {
            let name = &c["name"];
            let folded = name.split_whitespace().collect::<Vec<_>>().join(" ");
            let version = &c["version"];
            match PACKAGES.iter().find(|(known, _)| *known == folded) {
                Some((_, field)) => records.set(field, Some(version)),
                None => {
                    records.set("other_device_properties", Some(name));
                    records.set("other_properties_versions", Some(version));
                }
            }
            continue;
        }
        records.assign_first_match(&simple, line);
    }
    records.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn packages_and_other_properties() {
        let out = "\
fpc0:
--------------------------------------------------------------------------
Hostname: access-sw3
Model: ex4300-48p
Junos: 18.4R2-S4.3
JUNOS EX  Software Suite [18.4R2-S4.3]
JUNOS FIPS mode utilities [18.4R2-S4.3]
JUNOS Online Documentation [18.4R2-S4.3]
JUNOS EX 4300 Software Suite [18.4R2-S4.3]
JUNOS Web Management Platform Package [18.4R2-S4.3]

{master:0}
";
        let rows = parse(out);
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(r["hostname"], "access-sw3");
        assert_eq!(r["model"], "ex4300-48p");
        assert_eq!(r["junos_version"], "18.4R2-S4.3");
        assert_eq!(r["fips_mode_utilities"], "18.4R2-S4.3");
        assert_eq!(
            r["other_device_properties"],
            json!([
                "EX 4300 Software Suite ",
                "Web Management Platform Package "
            ])
        );
        assert_eq!(
            r["other_properties_versions"],
            json!(["18.4R2-S4.3", "18.4R2-S4.3"])
        );
    }

    #[test]
    fn no_hostname_no_record() {
        assert!(parse("Model: mx960\nJunos: 20.4R3.8\n").is_empty());
    }
}
