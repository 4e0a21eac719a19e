//! Corrections of errors in Authing's document, each with its evidence,
//! from `xtask/corrections.json`.
//!
//! A correction is a JSON Patch (RFC 6902) whose `test` operations check that
//! the document still says what was wrong. When it does not (Authing fixed
//! it, or the place moved), the correction is reported as no longer matching
//! and the document is left as it is there: never silently skipped, never
//! half applied.

use anyhow::{Context as _, Result};
use serde::Deserialize;
use serde_json::Value;

/// The committed corrections, relative to the workspace root.
pub const CORRECTIONS_PATH: &str = "xtask/corrections.json";

/// One correction of the document.
#[derive(Deserialize)]
pub struct Correction {
    /// Stable name, used in the output and the record.
    pub name: String,
    /// Why the document is wrong there: what the server does, and where that was seen.
    pub evidence: String,
    patch: json_patch::Patch,
}

/// What became of one correction.
pub struct Outcome<'a> {
    pub correction: &'a Correction,
    /// `None` when applied; otherwise why it no longer matches the document.
    pub stale: Option<String>,
}

impl Correction {
    /// The JSON pointers the correction changes.
    pub fn places(&self) -> Vec<String> {
        let mut places: Vec<String> = self
            .patch
            .0
            .iter()
            .filter(|op| !matches!(op, json_patch::PatchOperation::Test(_)))
            .map(|op| op.path().to_string())
            .collect();
        places.dedup();
        places
    }
}

/// Reads the corrections file.
pub fn load(text: &str) -> Result<Vec<Correction>> {
    serde_json::from_str(text).context("the corrections are not a list of {name, evidence, patch}")
}

/// Applies each correction that still matches `doc`.
pub fn apply_all<'a>(doc: &mut Value, corrections: &'a [Correction]) -> Vec<Outcome<'a>> {
    corrections
        .iter()
        .map(|correction| {
            // json_patch undoes every operation of a patch that fails part way.
            let stale = json_patch::patch(doc, &correction.patch.0).err().map(|e| e.to_string());
            Outcome { correction, stale }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn correction() -> Vec<Correction> {
        load(
            r#"[{"name": "count-is-a-number", "evidence": "the server sends 3", "patch": [
                {"op": "test", "path": "/count/type", "value": "boolean"},
                {"op": "replace", "path": "/count/type", "value": "integer"}
            ]}]"#,
        )
        .unwrap()
    }

    #[test]
    fn a_correction_that_matches_is_applied() {
        let corrections = correction();
        let mut doc = json!({"count": {"type": "boolean"}});
        let outcomes = apply_all(&mut doc, &corrections);
        assert!(outcomes[0].stale.is_none());
        assert_eq!(doc, json!({"count": {"type": "integer"}}));
        assert_eq!(corrections[0].places(), ["/count/type"]);
    }

    #[test]
    fn a_correction_that_no_longer_matches_is_reported_and_changes_nothing() {
        let corrections = correction();
        let mut doc = json!({"count": {"type": "number"}});
        let outcomes = apply_all(&mut doc, &corrections);
        let why = outcomes[0].stale.as_deref().expect("reported as stale");
        assert!(why.contains("/count/type"), "{why}");
        assert_eq!(doc, json!({"count": {"type": "number"}}));
    }

    #[test]
    fn the_committed_corrections_are_well_formed() {
        let text = std::fs::read_to_string(crate::workspace_root().join(CORRECTIONS_PATH)).unwrap();
        let corrections = load(&text).unwrap();
        assert!(corrections.len() >= 6);
        for c in &corrections {
            assert!(!c.evidence.is_empty() && !c.places().is_empty(), "{}", c.name);
        }
    }
}
