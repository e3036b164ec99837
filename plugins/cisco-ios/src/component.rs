//! The WIT boundary: generated bindings for world `vendor`, converting the native types.
//! Kept alone so generated code never mixes with parsing logic.

// The glue is shared with the other vendor crates (netpulse-vendor-kit).
netpulse_vendor_kit::vendor_component!();
