//! JSON pointers (RFC 6901): owns [`escape`], [`unescape`], [`child`] and [`segments`], the one
//! way pointers are built and read, so `~` and `/` in keys are always escaped; and [`pattern`],
//! a pointer with its array indexes generalized.

/// A key as a pointer segment: `~` becomes `~0`, `/` becomes `~1`.
pub fn escape(segment: &str) -> String {
    if segment.contains(['~', '/']) {
        segment.replace('~', "~0").replace('/', "~1")
    } else {
        segment.to_owned()
    }
}

/// A pointer segment as the key it names.
pub fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// `pointer` extended by the key or index `segment`, escaped.
pub fn child(pointer: &str, segment: impl std::fmt::Display) -> String {
    format!("{pointer}/{}", escape(&segment.to_string()))
}

/// The unescaped segments of `pointer` (none for the empty pointer, the whole document).
pub fn segments(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer
        .strip_prefix('/')
        .unwrap_or(pointer)
        .split('/')
        .map(unescape)
        .collect()
}

/// A pointer with every array index replaced by `*` (`/body/data/*/amount`), or `-` for none:
/// how many items a list holds, and at which place, varies with what else ran on the target.
pub fn pattern(pointer: Option<&str>) -> String {
    let Some(pointer) = pointer else {
        return "-".to_owned();
    };
    pointer
        .split('/')
        .map(|segment| {
            if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
                "*"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_with_slashes_and_tildes_round_trip() {
        let p = child(&child("/body", "a/b"), "c~d");
        assert_eq!(p, "/body/a~1b/c~0d");
        assert_eq!(segments(&p), ["body", "a/b", "c~d"]);
        assert_eq!(child("", 3), "/3");
        assert!(segments("").is_empty());
        // `~01` is `~1` unescaped, never `/`.
        assert_eq!(unescape("~01"), "~1");
        assert_eq!(pattern(Some("/body/data/12/id")), "/body/data/*/id");
        assert_eq!(pattern(None), "-");
    }
}
