//! Reading a type reference: the declaration files (`*.d.ts`) the official `stripe` Node library
//! ships, generated from the API's OpenAPI description. Owns [`read_reference`], which finds
//! every resource interface (one whose `object` is a string literal) and turns it into a
//! [`Listing`] of attribute paths with kind, nullability, expandability and enum values, the
//! same plain data the documented listings give, so one emitter serves both sources.
//!
//! Mapping: `string` -> string; `number` -> integer; `boolean`; a `'literal'` union -> enum
//! (open when it admits `OtherString`); `Decimal` -> decimal string; `Array<T>` -> array;
//! `ApiList<T>` and `{ [key: string]: T }` and `Metadata` -> object; `X | null` -> nullable; a
//! union of `string` with a resource interface -> expandable; a nested interface -> an object
//! whose fields are its children. Only declarations are read, never the comments around them.

use std::collections::BTreeMap;
use std::path::Path;

use super::parse::{Attribute, Kind, Listing};
use super::DeriveError;

/// One field of an interface: name, optional (`?`), and its type text.
#[derive(Debug, Clone)]
struct Field {
    name: String,
    optional: bool,
    ty: String,
}

/// What a qualified name (`Invoice.StatusTransitions`) declares.
#[derive(Debug, Clone)]
enum Declared {
    Interface(Vec<Field>),
    Alias(String),
}

/// Every declaration of a reference, by qualified name.
#[derive(Debug, Default)]
pub struct Reference {
    declared: BTreeMap<String, Declared>,
    /// The interfaces each interface extends (`CustomerListParams` extends `PaginationParams`).
    extends: BTreeMap<String, Vec<String>>,
}

/// A resource of the reference: its listing and the top-level attributes it always carries.
#[derive(Debug, Clone)]
pub struct Resource {
    pub listing: Listing,
    /// Attributes not marked optional (`?`).
    pub required: Vec<String>,
}

/// How deep nested interfaces are followed (the references are acyclic in practice; this bounds
/// a cycle all the same).
const MAX_DEPTH: usize = 8;

/// Reads every `*.d.ts` below `dir` (the `stripe` package folder, or its `cjs/` folder).
pub fn read_reference(dir: &Path) -> Result<Reference, DeriveError> {
    if !dir.is_dir() {
        return Err(DeriveError {
            file: dir.to_path_buf(),
            message: "not a folder (expected the `stripe` Node package)".to_owned(),
        });
    }
    let mut reference = Reference::default();
    let mut files: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(walkdir::DirEntry::into_path)
        .filter(|p| p.to_string_lossy().ends_with(".d.ts"))
        .filter(|p| !p.components().any(|c| c.as_os_str() == "esm"))
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|e| DeriveError {
            file: file.clone(),
            message: format!("cannot read: {e}"),
        })?;
        // The SDK declares `resources/Checkout/Sessions.d.ts`'s `Session` as `Checkout.Session`:
        // the folder is a namespace, which keeps it apart from other folders' `Session`.
        let namespace: Vec<String> = file
            .strip_prefix(dir)
            .ok()
            .map(|relative| {
                relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .skip_while(|c| c != "resources")
                    .skip(1)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        let folders = namespace.len().saturating_sub(1);
        reference.add_in(&text, &namespace[..folders].join("."));
    }
    if reference.declared.is_empty() {
        return Err(DeriveError {
            file: dir.to_path_buf(),
            message: "no type declarations (*.d.ts) found".to_owned(),
        });
    }
    Ok(reference)
}

impl Reference {
    /// Adds the declarations of one file.
    pub fn add(&mut self, text: &str) {
        self.add_in(text, "");
    }

    /// Adds the declarations of one file, inside namespace `prefix` (`Checkout`, or none).
    pub fn add_in(&mut self, text: &str, prefix: &str) {
        let clean = strip_comments(text);
        let mut at = 0;
        self.block(&clean, &mut at, prefix);
    }

    /// The resource whose `object` is `object` (not its deleted form).
    /// A top-level interface wins; else one inside a namespace (`Checkout.Session` for
    /// `checkout.session`), the shortest qualified name first.
    pub fn resource(&self, object: &str) -> Option<Resource> {
        self.resource_in(object, false)
            .or_else(|| self.resource_in(object, true))
    }

    fn resource_in(&self, object: &str, namespaced: bool) -> Option<Resource> {
        let literal = format!("'{object}'");
        let (owner, fields) = self
            .declared
            .iter()
            .filter_map(|(name, d)| match d {
                Declared::Interface(fields)
                    if name.contains('.') == namespaced
                        && fields.iter().any(|f| f.name == "object" && f.ty == literal)
                        && !fields.iter().any(|f| f.name == "deleted" && f.ty == "true") =>
                {
                    Some((name.clone(), fields))
                }
                _ => None,
            })
            .min_by_key(|(name, _)| (name.matches('.').count(), name.clone()))?;
        let mut listing = Listing::default();
        for field in fields
            .iter()
            .filter(|f| f.name != "object" && f.ty != "void")
        {
            self.attributes(&owner, field, Vec::new(), 0, &mut listing.attributes);
        }
        let required = fields
            .iter()
            .filter(|f| !f.optional && f.ty != "void")
            .map(|f| f.name.clone())
            .collect();
        Some(Resource { listing, required })
    }

    /// The attributes of the interface named `name` (a parameters interface such as
    /// `CustomerCreateParams`), when it is declared.
    /// Its fields include those of the interfaces it extends.
    pub fn listing_of(&self, name: &str) -> Option<Listing> {
        let Some(Declared::Interface(fields)) = self.declared.get(name) else {
            return None;
        };
        let mut listing = Listing::default();
        for field in fields.iter().filter(|f| f.ty != "void") {
            self.attributes(name, field, Vec::new(), 0, &mut listing.attributes);
        }
        for base in self.extends.get(name).into_iter().flatten() {
            if let Some(inherited) = self
                .lookup(&parent(name), base)
                .and_then(|(qualified, _)| self.listing_of(&qualified))
            {
                listing.attributes.extend(inherited.attributes);
            }
        }
        Some(listing)
    }

    /// Parses declarations from `at` until the closing brace of the current block.
    fn block(&mut self, text: &str, at: &mut usize, prefix: &str) {
        loop {
            let rest = &text[*at..];
            let trimmed = rest.trim_start();
            *at += rest.len() - trimmed.len();
            if trimmed.is_empty() {
                return;
            }
            if trimmed.starts_with('}') {
                *at += 1;
                return;
            }
            let Some((end, opener)) = statement_end(trimmed) else {
                *at = text.len();
                return;
            };
            let head = trimmed[..end].trim().to_owned();
            *at += end + 1;
            if opener == b';' {
                if let Some((name, value)) = alias(&head) {
                    self.declared
                        .insert(qualify(prefix, name), Declared::Alias(value.to_owned()));
                }
                continue;
            }
            let words: Vec<&str> = head.split_whitespace().collect();
            let named = |keyword: &str| {
                words
                    .iter()
                    .position(|w| *w == keyword)
                    .and_then(|i| words.get(i + 1))
                    .map(|n| n.split('<').next().unwrap_or(n).to_owned())
            };
            if let Some(name) = named("interface") {
                let fields = interface_fields(text, at);
                let bases: Vec<String> = words
                    .iter()
                    .skip_while(|w| **w != "extends")
                    .skip(1)
                    .map(|w| {
                        w.trim_end_matches(',')
                            .split('<')
                            .next()
                            .unwrap_or(w)
                            .to_owned()
                    })
                    .filter(|w| !w.is_empty())
                    .collect();
                if !bases.is_empty() {
                    self.extends.insert(qualify(prefix, &name), bases);
                }
                self.declared
                    .insert(qualify(prefix, &name), Declared::Interface(fields));
            } else if let Some(name) = named("namespace") {
                // A file under `Checkout/` that declares `namespace Checkout` means the same one.
                let inner = if prefix.rsplit('.').next() == Some(name.as_str()) {
                    prefix.to_owned()
                } else {
                    qualify(prefix, &name)
                };
                self.block(text, at, &inner);
            } else {
                skip_block(text, at);
            }
        }
    }

    /// The declaration `name` means when written inside `scope` (innermost namespace first).
    fn lookup(&self, scope: &str, name: &str) -> Option<(String, &Declared)> {
        let mut scope = scope.to_owned();
        loop {
            let candidate = qualify(&scope, name);
            if let Some(d) = self.declared.get(&candidate) {
                return Some((candidate, d));
            }
            if scope.is_empty() {
                // Imports such as `TestHelpers.TestClock` name a namespace of another file, and
                // the package imports a name it also declares under an underscore
                // (`Refund as _Refund`).
                let last = name.rsplit('.').next().unwrap_or(name);
                let imported = last.strip_prefix('_').unwrap_or(last);
                return self
                    .declared
                    .get_key_value(imported)
                    .map(|(k, d)| (k.clone(), d));
            }
            scope = scope
                .rsplit_once('.')
                .map_or(String::new(), |(s, _)| s.to_owned());
        }
    }

    /// Whether `name` (in `scope`) is a resource: an interface with a literal `object`.
    fn is_resource(&self, scope: &str, name: &str) -> bool {
        match self.lookup(scope, name) {
            Some((_, Declared::Interface(fields))) => fields
                .iter()
                .any(|f| f.name == "object" && f.ty.starts_with('\'')),
            Some((qualified, Declared::Alias(value))) => split_union(value)
                .iter()
                .all(|alt| self.is_resource(&parent(&qualified), alt)),
            None => false,
        }
    }

    /// Appends the attributes of `field` (and of its nested interface) below `path`.
    fn attributes(
        &self,
        scope: &str,
        field: &Field,
        mut path: Vec<String>,
        depth: usize,
        out: &mut Vec<Attribute>,
    ) {
        path.push(field.name.clone());
        let mut attribute = Attribute {
            path: path.clone(),
            kind: Kind::String,
            nullable: false,
            expandable: false,
            values: Vec::new(),
            open: false,
        };
        let mut nested: Option<(String, Vec<Field>)> = None;
        let kind = self.kind(scope, &field.ty, &mut attribute, &mut nested);
        attribute.kind = kind;
        out.push(attribute);
        if depth < MAX_DEPTH {
            if let Some((inner_scope, fields)) = nested {
                for child in fields.iter().filter(|f| f.ty != "void") {
                    self.attributes(&inner_scope, child, path.clone(), depth + 1, out);
                }
            }
        }
    }

    /// The kind of type text `ty`; sets nullability, enum values and expandability on
    /// `attribute`, and the fields of a nested interface in `nested`.
    fn kind(
        &self,
        scope: &str,
        ty: &str,
        attribute: &mut Attribute,
        nested: &mut Option<(String, Vec<Field>)>,
    ) -> Kind {
        let mut kinds: Vec<Kind> = Vec::new();
        let mut string = false;
        let mut resource = false;
        let mut array: Option<Kind> = None;
        for alt in split_union(ty) {
            match alt.as_str() {
                "null" => attribute.nullable = true,
                "OtherString" => attribute.open = true,
                "string" => string = true,
                "number" => kinds.push(Kind::Integer),
                "boolean" | "true" | "false" => kinds.push(Kind::Boolean),
                "Decimal" => kinds.push(Kind::Decimal),
                "Metadata" => kinds.push(Kind::Dictionary),
                literal if literal.starts_with('\'') => {
                    attribute.values.push(literal.trim_matches('\'').to_owned());
                }
                list if list.starts_with("Array<") && list.ends_with('>') => {
                    let inner = &list["Array<".len()..list.len() - 1];
                    let mut item = attribute.clone();
                    item.values.clear();
                    let kind = self.kind(scope, inner, &mut item, nested);
                    attribute.values = item.values;
                    attribute.open |= item.open;
                    attribute.expandable |= item.expandable;
                    array = Some(kind);
                }
                object if object.starts_with('{') || object.starts_with("ApiList<") => {
                    kinds.push(Kind::Dictionary)
                }
                name => match self.lookup(scope, name) {
                    Some((qualified, Declared::Alias(value))) => {
                        let kind = self.kind(&parent(&qualified), value, attribute, nested);
                        if self.is_resource(&parent(&qualified), name) {
                            resource = true;
                        } else if kind != Kind::String || attribute.values.is_empty() {
                            kinds.push(kind);
                        }
                    }
                    Some((qualified, Declared::Interface(fields))) => {
                        if self.is_resource(scope, name) {
                            resource = true;
                        } else {
                            *nested = Some((qualified, fields.clone()));
                            kinds.push(Kind::Dictionary);
                        }
                    }
                    None => kinds.push(Kind::Dictionary),
                },
            }
        }
        if let Some(item) = array {
            return Kind::ArrayOf(Box::new(item));
        }
        if string && resource {
            attribute.expandable = true;
            return Kind::String;
        }
        if resource {
            kinds.push(Kind::Dictionary);
        }
        if !attribute.values.is_empty() {
            // `'a' | 'b'` (or an alias of it) is an enum; with `string` beside it, an open one.
            attribute.open |= string;
            return Kind::Enum;
        }
        match kinds.into_iter().next() {
            Some(kind) => kind,
            None => Kind::String,
        }
    }
}

fn qualify(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

fn parent(qualified: &str) -> String {
    qualified
        .rsplit_once('.')
        .map_or(String::new(), |(p, _)| p.to_owned())
}

/// `type Name = value` of an alias statement.
fn alias(head: &str) -> Option<(&str, &str)> {
    let rest = head
        .trim_start_matches("export ")
        .trim_start_matches("declare ")
        .strip_prefix("type ")?;
    let (name, value) = rest.split_once('=')?;
    Some((name.trim(), value.trim()))
}

/// The offset of the first `{` or `;` outside `<...>` and `(...)`, and which it is.
fn statement_end(text: &str) -> Option<(usize, u8)> {
    let mut depth = 0usize;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'<' | b'(' => depth += 1,
            b'>' | b')' => depth = depth.saturating_sub(1),
            b'{' | b';' if depth == 0 => return Some((i, b)),
            _ => {}
        }
    }
    None
}

/// Moves `at` past the block that starts there (its `{` already consumed).
fn skip_block(text: &str, at: &mut usize) {
    let mut depth = 1usize;
    for (i, b) in text[*at..].bytes().enumerate() {
        match b {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    *at += i + 1;
                    return;
                }
            }
            _ => {}
        }
    }
    *at = text.len();
}

/// Reads `name?: type;` members up to the interface's closing brace.
fn interface_fields(text: &str, at: &mut usize) -> Vec<Field> {
    let mut fields = Vec::new();
    loop {
        let rest = &text[*at..];
        let trimmed = rest.trim_start();
        *at += rest.len() - trimmed.len();
        if trimmed.is_empty() {
            return fields;
        }
        if trimmed.starts_with('}') {
            *at += 1;
            return fields;
        }
        // A member ends at `;` outside braces and angle brackets.
        let mut depth = 0usize;
        let mut end = trimmed.len();
        for (i, b) in trimmed.bytes().enumerate() {
            match b {
                b'{' | b'<' | b'(' | b'[' => depth += 1,
                b'}' | b'>' | b')' | b']' => depth = depth.saturating_sub(1),
                b';' if depth == 0 => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        let member = trimmed[..end].trim();
        *at += (end + 1).min(trimmed.len());
        if let Some((name, ty)) = member.split_once(':') {
            let name = name.trim();
            let optional = name.ends_with('?');
            let name = name.trim_end_matches('?').trim_matches('\'');
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                fields.push(Field {
                    name: name.to_owned(),
                    optional,
                    ty: ty.split_whitespace().collect::<Vec<_>>().join(" "),
                });
            }
        }
    }
}

/// The alternatives of a union type, split at `|` outside brackets.
fn split_union(ty: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut current = String::new();
    for c in ty.chars() {
        match c {
            '<' | '{' | '(' | '[' => depth += 1,
            '>' | '}' | ')' | ']' => depth = depth.saturating_sub(1),
            '|' if depth == 0 => {
                out.push(std::mem::take(&mut current).trim().to_owned());
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    out.push(current.trim().to_owned());
    out.retain(|s| !s.is_empty());
    out
}

/// The text with `/* ... */` and `// ...` comments removed (string literals kept).
fn strip_comments(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut in_string: Option<u8> = None;
    while i < bytes.len() {
        let b = bytes[i];
        if let Some(quote) = in_string {
            out.push(b as char);
            if b == b'\\' && i + 1 < bytes.len() {
                out.push(bytes[i + 1] as char);
                i += 2;
                continue;
            }
            if b == quote {
                in_string = None;
            }
            i += 1;
            continue;
        }
        if b == b'/' && bytes.get(i + 1) == Some(&b'*') {
            i = text[i + 2..]
                .find("*/")
                .map_or(bytes.len(), |e| i + 2 + e + 2);
            continue;
        }
        if b == b'/' && bytes.get(i + 1) == Some(&b'/') {
            i = text[i..].find('\n').map_or(bytes.len(), |e| i + e);
            continue;
        }
        if b == b'\'' || b == b'"' {
            in_string = Some(b);
        }
        out.push(b as char);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DECLARATIONS: &str = r#"
import { Metadata, OtherString } from '../shared.js';
export declare class WidgetResource extends StripeResource {
    /** Retrieves a widget. */
    retrieve(id: string): Promise<Response<Widget>>;
}
export interface Widget {
    /**
     * Unique identifier; a `comment: 'with' | 'colons'` must not count.
     */
    id: string;
    object: 'widget';
    amount: number;
    customer: string | Customer | null;
    refunds: Array<Widget.Refund>;
    labels?: Array<Widget.Label>;
    metadata: Metadata | null;
    note?: string;
    period: Widget.Period;
    size: Widget.Size;
    tiers: {
        [key: string]: number;
    };
}
export interface DeletedWidget {
    id: string;
    object: 'widget';
    deleted: true;
}
export interface Customer {
    id: string;
    object: 'customer';
}
export declare namespace Widget {
    type Label = 'a' | 'b' | OtherString;
    type Size = 'small' | 'large';
    interface Period {
        end: number | null;
        start: number;
    }
    interface Refund {
        amount: number;
        refund: string | _Refund;
    }
}
export interface Refund {
    id: string;
    object: 'refund';
}
"#;

    fn widget() -> Resource {
        let mut reference = Reference::default();
        reference.add(DECLARATIONS);
        reference.resource("widget").expect("the widget resource")
    }

    fn attribute<'a>(resource: &'a Resource, dotted: &str) -> &'a Attribute {
        resource
            .listing
            .attributes
            .iter()
            .find(|a| a.dotted() == dotted)
            .unwrap_or_else(|| panic!("no attribute {dotted}"))
    }

    #[test]
    fn an_expandable_attribute_inside_list_items_names_its_resource_by_its_import() {
        let widget = widget();
        let refund = attribute(&widget, "refunds.refund");
        assert!(refund.expandable, "{refund:?}");
        assert_eq!(refund.kind, Kind::String);
    }

    #[test]
    fn a_resource_interface_becomes_a_listing() {
        let widget = widget();
        assert_eq!(attribute(&widget, "amount").kind, Kind::Integer);
        let customer = attribute(&widget, "customer");
        assert!(customer.expandable && customer.nullable);
        let labels = attribute(&widget, "labels");
        assert_eq!(labels.kind, Kind::ArrayOf(Box::new(Kind::Enum)));
        assert!(labels.open);
        assert_eq!(labels.values, ["a", "b"]);
        let size = attribute(&widget, "size");
        assert_eq!((size.kind.clone(), size.open), (Kind::Enum, false));
        assert!(attribute(&widget, "period.end").nullable);
        assert_eq!(attribute(&widget, "tiers").kind, Kind::Dictionary);
        assert!(attribute(&widget, "metadata").nullable);
        // Optional members are not required; comments are not declarations.
        assert!(widget.required.contains(&"amount".to_owned()));
        assert!(!widget.required.contains(&"note".to_owned()));
        assert!(!widget
            .listing
            .attributes
            .iter()
            .any(|a| a.dotted() == "comment"));
    }

    #[test]
    fn the_deleted_form_is_not_the_resource_and_unknown_objects_are_absent() {
        let mut reference = Reference::default();
        reference.add(DECLARATIONS);
        assert!(reference.resource("widget").is_some());
        assert!(reference.resource("gadget").is_none());
        assert_eq!(
            split_union("Array<'a' | 'b'> | null"),
            ["Array<'a' | 'b'>", "null"]
        );
    }
}
