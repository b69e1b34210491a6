//! The case-wide id symbol table: owns [`Symbols`], which gives each distinct id a stable
//! symbol `<prefix_N>`, numbered per prefix by first appearance.

use std::collections::{BTreeMap, HashMap};

use crate::ids;

/// Id prefixes of values that differ on every request and are never referenced again (request
/// ids): they become `<req>` without a number.
pub const VOLATILE_PREFIXES: &[&str] = &["req"];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Symbols {
    by_id: HashMap<String, String>,
    counters: BTreeMap<String, usize>,
    /// Whether a target's id that is not shaped like the API's (`cus_a1-B2`) was assigned a
    /// symbol: only then is every whole string looked up before scanning it for ids.
    odd_ids: bool,
}

impl Symbols {
    /// The symbol of `id`, assigning the next number of its prefix if it has none yet.
    pub fn symbol(&mut self, id: &str) -> String {
        self.symbol_as(id, ids::prefix(id))
    }

    /// The symbol of `id` under `prefix` (for an id whose prefix [`ids::prefix`] cannot read).
    pub fn symbol_as(&mut self, id: &str, prefix: &str) -> String {
        if let Some(symbol) = self.by_id.get(id) {
            return symbol.clone();
        }
        let prefix = prefix.to_owned();
        if VOLATILE_PREFIXES.contains(&prefix.as_str()) {
            return format!("<{prefix}>");
        }
        let n = self.counters.entry(prefix.clone()).or_insert(0);
        *n += 1;
        let symbol = format!("<{prefix}_{n}>");
        self.by_id.insert(id.to_owned(), symbol.clone());
        symbol
    }

    /// The symbol of a generated value (not an id) in `namespace`: `<prefix_1>`, numbered by
    /// first appearance like ids.
    pub fn generated(&mut self, namespace: &str, value: &str) -> String {
        if let Some(symbol) = self.by_id.get(value) {
            return symbol.clone();
        }
        let n = self.counters.entry(namespace.to_owned()).or_insert(0);
        *n += 1;
        let symbol = format!("<{namespace}_{n}>");
        self.by_id.insert(value.to_owned(), symbol.clone());
        symbol
    }

    /// The symbol assigned to a target's id that is not shaped like the API's, when `text` is
    /// one.
    pub fn odd(&self, text: &str) -> Option<&str> {
        if self.odd_ids {
            self.get(text)
        } else {
            None
        }
    }

    /// Whether ids of this prefix were numbered in the case (`prod` once a product id was).
    pub fn knows_prefix(&self, prefix: &str) -> bool {
        self.counters.contains_key(prefix)
    }

    /// The symbol already given to `id`, if any.
    pub fn get(&self, id: &str) -> Option<&str> {
        self.by_id.get(id).map(String::as_str)
    }

    /// Gives `id` a known `symbol` (an id the target returned where the recording had the id
    /// behind `symbol`). An id that already has a symbol keeps it.
    pub fn assign(&mut self, id: &str, symbol: &str) {
        self.odd_ids |= !ids::is_id(id);
        self.by_id
            .entry(id.to_owned())
            .or_insert_with(|| symbol.to_owned());
    }
}
