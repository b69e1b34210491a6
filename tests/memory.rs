//! What decoding a hostile form costs in memory, counted through the global allocator (this
//! binary's own, so nothing else runs beside the measurement).

use std::alloc::System;

use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Bytes allocated while `work` runs.
fn allocated(work: impl FnOnce()) -> usize {
    let region = Region::new(GLOBAL);
    work();
    region.change().bytes_allocated
}

#[test]
fn a_wide_deep_form_costs_less_than_ten_times_its_size() {
    // 9,999 parameters, each 31 levels deep: within the count and depth limits.
    let form: Vec<String> = (0..9_999)
        .map(|i| format!("p{i:04}{}=1", "[ab]".repeat(30)))
        .collect();
    let form = form.join("&");
    assert!(form.len() > 1_000_000, "{} bytes", form.len());
    refused_within_ten_times_its_size("wide form", &form);
}

/// Asserts `form` is refused, having allocated less than ten times its size.
fn refused_within_ten_times_its_size(label: &str, form: &str) {
    let mut refused = false;
    let bytes = allocated(|| refused = conform::form::decode(form).is_err());
    assert!(refused, "{label}");
    assert!(
        bytes < 10 * form.len(),
        "{label}: {bytes} bytes allocated for a {}-byte form",
        form.len()
    );
    eprintln!(
        "{label}: {bytes} bytes allocated for {} bytes, refused",
        form.len()
    );
}

#[test]
fn one_huge_bracketed_key_costs_less_than_ten_times_its_size() {
    let form = format!("a{}=1", "[b]".repeat(1_400_000));
    refused_within_ten_times_its_size("one key", &form);
}

#[test]
fn a_form_within_every_limit_is_decoded() {
    // 2,400 parameters of 4 segments: near the 10,000-segment limit.
    let form: Vec<String> = (0..2_400)
        .map(|i| format!("line_items[{i}][price_data][unit_amount]={i}"))
        .collect();
    let form = form.join("&");
    let mut items = 0;
    let bytes = allocated(|| {
        items = conform::form::decode(&form).unwrap()["line_items"]
            .as_array()
            .map_or(0, Vec::len)
    });
    assert_eq!(items, 2_400);
    // Bounded by the segment limit, whatever the body's size.
    assert!(bytes < 32 * 1024 * 1024, "{bytes}");
    eprintln!(
        "{bytes} bytes allocated in all for {} bytes of form",
        form.len()
    );
}
