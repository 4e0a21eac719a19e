//! The operations by task: one page of the crate's documentation
//! (`authing::operations`) listing every operation under the area of
//! Authing it works on (users, roles, organizations, ...), with its method,
//! Authing's summary, what `.await` gives and whether it pages, so that a
//! reader browsing "roles" finds the call without knowing its name.
//!
//! The document has no tags, so an operation's area is read from the words
//! of its method name: the first area in [`AREAS`] with a word the name
//! has (`list_role_members` is under Roles; `get_user_roles` under Users).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::envelope::Envelope;
use crate::operation::Operation;
use crate::paging::Found;

/// The areas, in the order a name is matched against them: each a title and
/// the words of a method name that put an operation under it.
const AREAS: &[(&str, &[&str])] = &[
    ("Tenants", &["tenant", "tenants"]),
    ("Public accounts", &["public"]),
    ("Users", &["user", "users"]),
    ("Roles", &["role", "roles"]),
    ("Groups", &["group", "groups"]),
    ("Organizations and departments", &["organization", "organizations", "department", "departments"]),
    ("Posts (job positions)", &["post", "posts"]),
    ("Applications", &["application", "applications", "app", "apps", "asa", "account", "login", "domain", "session"]),
    ("Invitations", &["invitation", "invitee", "invitees", "roster"]),
    ("Approvals", &["approval", "pend", "reject", "closed", "capture"]),
    (
        "Permissions, resources and namespaces",
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
    (
        "Data objects and custom fields",
        &[
            "metadata", "model", "models", "field", "fields", "row", "rows", "custom", "function", "relation",
            "operate", "filter", "import", "template", "upload", "node", "detail",
        ],
    ),
    (
        "Identity sources",
        &["ext", "idp", "conn", "connection", "connections", "identity", "identities", "social", "enterprise"],
    ),
    ("Synchronization", &["sync"]),
    (
        "Security and risk",
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
    ("Events, webhooks and pipelines", &["event", "events", "webhook", "webhooks", "pipeline"]),
    ("Logs and audits", &["log", "logs", "audit"]),
    ("Messages (email, SMS)", &["email", "sms", "message", "messages"]),
    (
        "Billing and usage",
        &["usage", "usages", "cost", "costs", "billing", "subscription", "order", "orders", "package"],
    ),
    ("LDAP", &["ldap"]),
    ("Access keys and tokens", &["key", "keys", "ak", "sk", "token"]),
];

/// The area of an operation, from its method name.
fn area(function: &str) -> &'static str {
    let words: Vec<&str> = function.split('_').collect();
    AREAS
        .iter()
        .find(|(_, keys)| keys.iter().any(|key| words.contains(key)))
        .map(|(title, _)| *title)
        .unwrap_or("Everything else")
}

/// The page, as Markdown for the module's documentation.
pub(crate) fn page(
    operations: &[Operation],
    envelopes: &BTreeMap<String, Envelope>,
    paging: &Found,
) -> Result<String, String> {
    let mut by_area: BTreeMap<usize, Vec<&Operation>> = BTreeMap::new();
    for op in operations {
        let title = area(&op.function);
        let place = AREAS.iter().position(|(t, _)| *t == title).unwrap_or(AREAS.len());
        by_area.entry(place).or_default().push(op);
    }
    let mut out = String::from(
        "Every operation of the Management API, by the area of Authing it works on, each a method of \
         [`ManagementClient`](crate::ManagementClient): its name, Authing's summary (in Chinese, as the \
         document has it), what `.await` gives, and, for a list, what `.items()` yields. Search this page \
         for a word of the task (`role`, `department`, `email`).\n\n",
    );
    let titles: Vec<String> = by_area
        .iter()
        .map(|(place, ops)| {
            let title = AREAS.get(*place).map_or("Everything else", |(t, _)| t);
            format!("[{title}](#{}) ({})", anchor(title), ops.len())
        })
        .collect();
    writeln!(out, "Areas: {}.\n", titles.join(" · ")).expect("writing to a String");
    for (place, mut ops) in by_area {
        ops.sort_by(|a, b| a.function.cmp(&b.function));
        let title = AREAS.get(place).map_or("Everything else", |(t, _)| t);
        writeln!(out, "## {title}\n\n| method | summary | `.await` gives | `.items()` yields |\n|---|---|---|---|")
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
    use super::area;

    #[test]
    fn an_operation_is_under_the_first_area_its_name_has_a_word_of() {
        assert_eq!(area("list_role_members"), "Roles");
        assert_eq!(area("get_user_roles"), "Users");
        assert_eq!(area("list_tenant_users"), "Tenants");
        assert_eq!(area("create_department"), "Organizations and departments");
        assert_eq!(area("get_public_account"), "Public accounts");
        assert_eq!(area("post_list"), "Posts (job positions)");
        assert_eq!(area("something_new"), "Everything else");
    }
}
