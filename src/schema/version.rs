//! Where the documents are older than the API version the corpus pins: owns [`NEWER`], the
//! documented attributes whose values the pinned version changed, with the reference that
//! says so, and [`apply`], which brings a derived listing up to that version. Everything else is
//! taken from the documents as they are. `docs/corpus.md` lists these for people.

use super::parse::Listing;

/// The API version the corpus pins, and the one `explore` sends.
pub const PINNED: &str = "2026-09-30.endive";

/// An attribute whose documented values an older API version gave.
pub struct Newer {
    pub object: &'static str,
    /// The dotted attribute path (`ui_mode`).
    pub attribute: &'static str,
    /// Its values at the pinned version.
    pub values: &'static [&'static str],
    /// Where the pinned version's values are declared.
    pub reference: &'static str,
}

/// Every attribute the pinned version changed from what the documents list.
pub const NEWER: &[Newer] = &[Newer {
    object: "checkout.session",
    attribute: "ui_mode",
    values: &["elements", "embedded_page", "form", "hosted_page"],
    reference: "stripe-node 23.0.0, Checkout.Session.UiMode",
}];

/// Replaces the values of every [`NEWER`] attribute of `object` in `listing`.
pub fn apply(object: &str, listing: &mut Listing) {
    for newer in NEWER.iter().filter(|n| n.object == object) {
        for attribute in listing
            .attributes
            .iter_mut()
            .filter(|a| a.dotted() == newer.attribute)
        {
            attribute.values = newer.values.iter().map(|v| (*v).to_owned()).collect();
        }
    }
}
