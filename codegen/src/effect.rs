//! Which `POST` operations only read, so that sending them again after a
//! passing failure cannot do anything twice (the runtime's `retry` module
//! says what is sent again, and that every `GET` reads).
//!
//! A `POST` reads when its operationId begins with a verb
//! that reads (`listUsers`, `checkPermission`, `isUserExists`) and its path
//! does not begin with one that writes: `getPublicAccountOfGroups` is
//! `POST /api/v3/set-public-account-of-groups` ("add groups to public
//! accounts"), and its path is what it does. Everything else writes, so an
//! operation the rule does not know is never sent twice.

/// The first words of the operationIds of `POST`s that only read.
const READ_VERBS: &[&str] = &["get", "list", "search", "check", "is", "has", "find", "filter", "query", "count"];

/// The first words of paths that change something.
const WRITE_VERBS: &[&str] = &[
    "add", "assign", "bind", "create", "delete", "disable", "enable", "import", "remove", "reset", "revoke", "send",
    "set", "unbind", "update",
];

/// Whether the operation `id`, `method` (upper case) `path`, is a `POST` that only reads.
pub(crate) fn post_that_reads(method: &str, id: &str, path: &str) -> bool {
    let last_segment = path.rsplit('/').next().unwrap_or_default();
    method == "POST" && READ_VERBS.contains(&first_word(id)) && !WRITE_VERBS.contains(&first_word(last_segment))
}

/// The first word of a camelCase or kebab-case name, in lower case.
fn first_word(name: &str) -> &str {
    let end = name.find(|c: char| c.is_ascii_uppercase() || c == '-' || c == '_').unwrap_or(name.len());
    &name[..end]
}

#[cfg(test)]
mod tests {
    use super::post_that_reads as reads;

    #[test]
    fn posts_named_and_routed_as_reads_read() {
        assert!(reads("POST", "listUsers", "/api/v3/list-users"));
        assert!(reads("POST", "checkPermission", "/api/v3/check-permission"));
        assert!(reads("POST", "getMetadataGroupList", "/api/v3/metadata/group"));
    }

    #[test]
    fn everything_else_writes() {
        assert!(!reads("POST", "createRole", "/api/v3/create-role"));
        assert!(!reads("POST", "getPublicAccountOfGroups", "/api/v3/set-public-account-of-groups"));
        assert!(!reads("POST", "exportUsers", "/api/v3/invitation-invitee/export"));
        assert!(!reads("DELETE", "deleteById", "/api/v3/x"));
        assert!(!reads("PUT", "processApproval", "/api/v3/x"));
        // Not a `POST`: the runtime decides on its method alone.
        assert!(!reads("GET", "getUser", "/api/v3/get-user"));
        // A word that merely starts like a read verb.
        assert!(!reads("POST", "issueCertificate", "/api/v3/issue-certificate"));
    }
}
