//! The areas of the API (users, roles, organizations, ...): each a cargo
//! feature of the crate, which compiles only the operations of the areas
//! enabled ([`Areas`], [`select`]), and one page of the crate's
//! documentation (`authing::operations`) listing every operation under its
//! area, with its method, Authing's summary, what `.await` gives and
//! whether it pages, so that a reader browsing "roles" finds the call
//! without knowing its name.
//!
//! The document has no tags, so an operation's area is read from the words
//! of its method name: the first area in [`AREAS`] with a word the name
//! has (`list_role_members` is under Roles; `get_user_roles` under Users).
//! An area is public API (a feature a user's `Cargo.toml` names): it is
//! recorded per operation in `openapi/SURFACE.txt`, and a move is breaking.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use openapiv3::OpenAPI;
use serde_json::Value;

use crate::names::method_name;

use crate::envelope::Envelope;
use crate::operation::Operation;
use crate::paging::Found;

/// An area: its title in the docs, the cargo feature that compiles it, and
/// the words of a method name that put an operation under it.
pub struct Area {
    /// As the docs head it (`Organizations and departments`).
    pub title: &'static str,
    /// The cargo feature (`organizations`).
    pub feature: &'static str,
    words: &'static [&'static str],
}

const fn area_of(title: &'static str, feature: &'static str, words: &'static [&'static str]) -> Area {
    Area { title, feature, words }
}

/// The area of the operations no other area's words name.
pub const OTHER: Area = area_of("Everything else", "other", &[]);

/// The areas, in the order a name is matched against them; [`OTHER`] last.
pub const AREAS: &[Area] = &[
    area_of("Tenants", "tenants", &["tenant", "tenants"]),
    area_of("Public accounts", "public-accounts", &["public"]),
    area_of("Users", "users", &["user", "users"]),
    area_of("Roles", "roles", &["role", "roles"]),
    area_of("Groups", "groups", &["group", "groups"]),
    area_of(
        "Organizations and departments",
        "organizations",
        &["organization", "organizations", "department", "departments"],
    ),
    area_of("Posts (job positions)", "posts", &["post", "posts"]),
    area_of(
        "Applications",
        "applications",
        &["application", "applications", "app", "apps", "asa", "account", "login", "domain", "session"],
    ),
    area_of("Invitations", "invitations", &["invitation", "invitee", "invitees", "roster"]),
    area_of("Approvals", "approvals", &["approval", "pend", "reject", "closed", "capture"]),
    area_of(
        "Permissions, resources and namespaces",
        "permissions",
        &[
            "permission",
            "permissions",
            "resource",
            "resources",
            "namespace",
            "namespaces",
            "authorize",
            "authorization",
            "authorizations",
            "policy",
            "policies",
            "polices",
            "dnef",
            "access",
            "auth",
            "action",
            "rights",
            "scope",
            "mutual",
            "subject",
        ],
    ),
    area_of(
        "Data objects and custom fields",
        "data-objects",
        &[
            "metadata", "model", "models", "field", "fields", "row", "rows", "custom", "function", "relation",
            "operate", "filter", "import", "template", "upload", "node", "detail",
        ],
    ),
    area_of(
        "Identity sources",
        "identity-sources",
        &["ext", "idp", "conn", "connection", "connections", "identity", "identities", "social", "enterprise"],
    ),
    area_of("Synchronization", "sync", &["sync"]),
    area_of(
        "Security and risk",
        "security",
        &[
            "security",
            "risk",
            "whitelist",
            "whitelists",
            "white",
            "mfa",
            "otp",
            "device",
            "devices",
            "password",
            "pwd",
            "ip",
            "rule",
        ],
    ),
    area_of("Events, webhooks and pipelines", "webhooks", &["event", "events", "webhook", "webhooks", "pipeline"]),
    area_of("Logs and audits", "logs", &["log", "logs", "audit"]),
    area_of("Messages (email, SMS)", "messages", &["email", "sms", "message", "messages"]),
    area_of(
        "Billing and usage",
        "billing",
        &["usage", "usages", "cost", "costs", "billing", "subscription", "order", "orders", "package"],
    ),
    area_of("LDAP", "ldap", &["ldap"]),
    area_of("Access keys and tokens", "access-keys", &["key", "keys", "ak", "sk", "token"]),
];

/// The area of an operation, from its method name.
pub fn area(function: &str) -> &'static Area {
    let words: Vec<&str> = function.split('_').collect();
    AREAS.iter().find(|area| area.words.iter().any(|word| words.contains(word))).unwrap_or(&OTHER)
}

/// Every area, [`OTHER`] last.
fn every_area() -> impl Iterator<Item = &'static Area> {
    AREAS.iter().chain(std::iter::once(&OTHER))
}

/// The place of `area` in [`every_area`].
fn place(area: &Area) -> usize {
    every_area().position(|a| std::ptr::eq(a, area)).expect("an area is one of every_area")
}

/// A set of areas: the features enabled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Areas(u32);

impl Areas {
    /// Every area: the feature `full`, and what regen and the docs see.
    pub const ALL: Areas = Areas((1 << (AREAS.len() + 1)) - 1);

    /// The areas whose feature `enabled` says is on.
    pub fn enabled(mut enabled: impl FnMut(&str) -> bool) -> Areas {
        Areas(every_area().enumerate().filter(|(_, area)| enabled(area.feature)).fold(0, |set, (n, _)| set | 1 << n))
    }

    /// Whether the operation whose method is `function` is in one of them.
    pub fn has(self, function: &str) -> bool {
        self.0 & (1 << place(area(function))) != 0
    }

    /// Whether no area is in.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether every area is in.
    pub fn is_all(self) -> bool {
        every_area().enumerate().all(|(n, _)| self.0 & (1 << n) != 0)
    }
}

/// The cargo features of the areas, `other` last: what the crate's
/// `Cargo.toml` must declare, each, and `full` with all of them.
pub fn features() -> Vec<&'static str> {
    every_area().map(|area| area.feature).collect()
}

/// `spec` with only the operations of `areas`, and only the components
/// those operations reach (through `$ref`s, to any depth), so that
/// progenitor generates each type they need once and nothing else.
pub(crate) fn select(spec: &OpenAPI, areas: Areas) -> Result<OpenAPI, String> {
    let mut json = serde_json::to_value(spec).map_err(|e| format!("cannot read the document: {e}"))?;
    let Some(Value::Object(paths)) = json.get_mut("paths") else { return Err("the document has no paths".into()) };
    for item in paths.values_mut() {
        if let Value::Object(item) = item {
            item.retain(|method, op| {
                let id = op.get("operationId").and_then(Value::as_str);
                !HTTP_METHODS.contains(&method.as_str()) || id.is_some_and(|id| areas.has(&method_name(id)))
            });
        }
    }
    paths
        .retain(|_, item| item.as_object().is_some_and(|item| item.keys().any(|k| HTTP_METHODS.contains(&k.as_str()))));
    // The components reached from the paths, then from those, until no new one is.
    let components = json.get("components").cloned().unwrap_or(Value::Null);
    let mut reached = BTreeSet::new();
    let mut next = vec![json["paths"].clone()];
    while let Some(value) = next.pop() {
        for reference in references(&value) {
            let Some(place) = reference.strip_prefix("#/components/") else { continue };
            if reached.insert(place.to_string()) {
                let target =
                    components.pointer(&format!("/{place}")).ok_or_else(|| format!("`{reference}` names nothing"))?;
                next.push(target.clone());
            }
        }
    }
    if let Some(Value::Object(kinds)) = json.get_mut("components") {
        for (kind, entries) in kinds.iter_mut() {
            if let Value::Object(entries) = entries
                && kind != "securitySchemes"
            {
                entries.retain(|name, _| reached.contains(&format!("{kind}/{name}")));
            }
        }
    }
    serde_json::from_value(json).map_err(|e| format!("the document with only the areas enabled: {e}"))
}

const HTTP_METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// Every `$ref` in `value`.
fn references(value: &Value) -> Vec<&str> {
    let mut out = Vec::new();
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref") {
                    out.push(reference.as_str());
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    out
}

/// The page, as Markdown for the module's documentation.
pub(crate) fn page(
    operations: &[Operation],
    envelopes: &BTreeMap<String, Envelope>,
    paging: &Found,
) -> Result<String, String> {
    let mut by_area: BTreeMap<usize, Vec<&Operation>> = BTreeMap::new();
    for op in operations {
        by_area.entry(place(area(&op.function))).or_default().push(op);
    }
    let mut out = String::from(
        "Every operation of the Management API, by the area of Authing it works on, each a method of \
         [`ManagementClient`](crate::ManagementClient): its name, Authing's summary (in Chinese, as the \
         document has it), what `.await` gives, and, for a list, what `.items()` yields. Search this page \
         for a word of the task (`role`, `department`, `email`). Each area is a cargo feature: a crate \
         that depends on `authing` with `default-features = false` compiles only the areas it names \
         (`features = [\"users\", \"roles\"]`), and a method whose area is off is not there.\n\n",
    );
    let titles: Vec<String> = by_area
        .iter()
        .map(|(place, ops)| {
            let title = every_area().nth(*place).expect("a place of every_area").title;
            format!("[{title}](#{}) ({})", anchor(title), ops.len())
        })
        .collect();
    writeln!(out, "Areas: {}.\n", titles.join(" · ")).expect("writing to a String");
    for (place, mut ops) in by_area {
        ops.sort_by(|a, b| a.function.cmp(&b.function));
        let Area { title, feature, .. } = every_area().nth(place).expect("a place of every_area");
        writeln!(
            out,
            "## {title}\n\nCompiled with the feature `{feature}` (or `full`, the default).\n\n\
             | method | summary | `.await` gives | `.items()` yields |\n|---|---|---|---|"
        )
        .expect("writing to a String");
        for op in ops {
            let envelope = envelopes.get(&op.response).ok_or_else(|| format!("no envelope {}", op.response))?;
            let gives = match &envelope.data {
                Some(data) => format!("`{}`", shown(data)?),
                None => format!("`{}` (whole)", op.response),
            };
            let items = match paging.paginated.get(&op.id).map(|paging| &paging.answer) {
                Some(Ok(list)) => format!("`{}`", shown(&list.item)?),
                Some(Err(_)) => "JSON".to_string(),
                None => String::new(),
            };
            let summary = op.summary.replace('|', "\\|").replace('\n', " ");
            writeln!(out, "| [`{0}`](crate::ManagementClient::{0}) | {summary} | {gives} | {items} |", op.function)
                .expect("writing to a String");
        }
        out.push('\n');
    }
    Ok(out)
}

/// A type as users' code names it (`Vec<UserDto>`).
fn shown(ty: &str) -> Result<String, String> {
    let parsed: syn::Type = syn::parse_str(ty).map_err(|e| format!("type {ty}: {e}"))?;
    Ok(crate::surface::show(&parsed))
}

/// The anchor rustdoc gives a heading.
fn anchor(title: &str) -> String {
    title
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            'a'..='z' | '0'..='9' => Some(c),
            ' ' | '-' => Some('-'),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operation_is_under_the_first_area_its_name_has_a_word_of() {
        let title = |function| area(function).title;
        assert_eq!(title("list_role_members"), "Roles");
        assert_eq!(title("get_user_roles"), "Users");
        assert_eq!(title("list_tenant_users"), "Tenants");
        assert_eq!(title("create_department"), "Organizations and departments");
        assert_eq!(title("get_public_account"), "Public accounts");
        assert_eq!(title("post_list"), "Posts (job positions)");
        assert_eq!(title("something_new"), "Everything else");
    }

    #[test]
    fn a_set_of_areas_has_the_operations_of_the_features_enabled_and_no_other() {
        let users = Areas::enabled(|feature| feature == "users");
        assert!(users.has("get_user") && users.has("list_users"));
        assert!(!users.has("create_role") && !users.has("something_new"));
        assert!(Areas::enabled(|feature| feature == "other").has("something_new"));
        assert!(!users.is_all() && Areas::ALL.is_all() && Areas::enabled(|_| true).is_all());
        assert_eq!(Areas::enabled(|_| true), Areas::ALL, "one value means every area");
        assert!(!Areas::enabled(|_| false).has("get_user") && Areas::enabled(|_| false).is_empty());
        let features = features();
        let mut unique = features.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), features.len(), "one feature per area");
        assert!(features.len() <= 32, "a set of areas is a u32");
    }

    #[test]
    fn the_crates_features_are_the_areas_and_full_has_them_all() {
        let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml")).unwrap();
        let section = manifest.split("\n[features]\n").nth(1).unwrap().split("\n[").next().unwrap();
        // `name = [...]`, a value possibly over several lines; comments dropped.
        let text: String =
            section.lines().filter(|line| !line.trim_start().starts_with('#')).collect::<Vec<_>>().join(" ");
        let mut declared = BTreeMap::new();
        for entry in text.split(']').filter(|entry| entry.contains('=')) {
            let (name, value) = entry.split_once('=').unwrap();
            let values: Vec<String> = value
                .trim()
                .trim_start_matches('[')
                .split(',')
                .map(|v| v.trim().trim_matches('"').to_string())
                .filter(|v| !v.is_empty())
                .collect();
            declared.insert(name.trim().to_string(), values);
        }
        assert_eq!(declared["default"], ["full", "subscriptions", "aws-lc-rs"]);
        assert_eq!(declared["full"], features(), "`full` in Cargo.toml lists the areas in codegen's order");
        for feature in features() {
            assert_eq!(
                declared.get(feature).map(Vec::len),
                Some(0),
                "the feature `{feature}` is declared, enabling nothing else"
            );
        }
        let others: Vec<&String> = declared.keys().filter(|name| !features().contains(&name.as_str())).collect();
        let others: Vec<&str> = others.iter().map(|name| name.as_str()).collect();
        assert_eq!(
            others,
            ["aws-lc-rs", "default", "full", "mock", "ring", "schemars", "subscriptions"],
            "a feature that is not an area"
        );
    }

    #[test]
    fn every_area_generates_alone_with_its_operations_and_no_other() {
        let spec = crate::committed_document();
        let every = crate::operation::operations(&spec).unwrap();
        let mut generated = Vec::new();
        for feature in features() {
            let areas = Areas::enabled(|f| f == feature);
            let options = crate::Options { areas, ..crate::Options::default() };
            let alone = crate::generate(&spec, options).unwrap_or_else(|e| panic!("the area `{feature}` alone: {e}"));
            let expected: Vec<&str> =
                every.iter().filter(|op| areas.has(&op.function)).map(|op| op.function.as_str()).collect();
            assert!(!expected.is_empty(), "the area `{feature}` has no operation");
            // The operation methods generated: `pub fn name(&self) -> builder::Name`, however laid out.
            let flat: String = alone.client.split_whitespace().collect::<String>().replace("(&self,)", "(&self)");
            let mut methods: Vec<&str> = flat
                .split("pubfn")
                .filter_map(|rest| rest.split_once("(&self)->builder::").map(|(name, _)| name))
                .filter(|name| name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                .collect();
            methods.sort_unstable();
            let mut expected = expected;
            expected.sort_unstable();
            assert_eq!(methods, expected, "the area `{feature}` alone generates its operations and no other");
            generated.extend(methods.into_iter().map(str::to_string));
        }
        generated.sort_unstable();
        let mut all: Vec<String> = every.iter().map(|op| op.function.clone()).collect();
        all.sort_unstable();
        assert_eq!(generated, all, "every operation is in exactly one area");
    }
}
