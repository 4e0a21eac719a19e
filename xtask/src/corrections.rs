//! Corrections of errors in Authing's document, each with its evidence,
//! from `xtask/corrections.json`.
//!
//! A correction is a JSON Patch (RFC 6902) whose `test` operations check that
//! the document still says what was wrong. When it does not, either the
//! document already says what the correction would make it say (Authing
//! fixed it, or the document predates the error: reported, nothing to
//! apply) or the place moved or vanished, and then
//! the import fails until the correction is updated or marked `retired`:
//! a bug that was corrected never comes back silently, and nothing is half applied.

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
    /// Why it is no longer applied (Authing fixed it), when it is not.
    #[serde(default)]
    pub retired: Option<String>,
    /// A JSON pointer to what the error is about (a field, a parameter),
    /// when a document may not have it at all: one without it predates the
    /// error, and has nothing to correct (a document that has it, but not
    /// as the correction expects, still fails the import).
    #[serde(default)]
    subject: Option<String>,
    patch: json_patch::Patch,
}

/// What became of one correction.
pub struct Outcome<'a> {
    pub correction: &'a Correction,
    pub fate: Fate,
}

/// What a correction did to a document.
#[derive(Debug, PartialEq)]
pub enum Fate {
    /// The document said what was wrong; it was corrected.
    Applied,
    /// The document already says what the correction would make it say:
    /// Authing fixed it, or the document is older than the error. Nothing to apply.
    AlreadyCorrect,
    /// The document says something else there, or nothing: the place moved
    /// or vanished, and the correction must be updated or retired.
    Moved(String),
    /// Marked `retired` in the corrections file: not applied.
    Retired,
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

/// Applies each correction that is not retired and still matches `doc`.
pub fn apply_all<'a>(doc: &mut Value, corrections: &'a [Correction]) -> Vec<Outcome<'a>> {
    corrections
        .iter()
        .map(|correction| {
            let fate = if correction.retired.is_some() {
                Fate::Retired
            } else if correction.subject.as_ref().is_some_and(|subject| doc.pointer(subject).is_none()) {
                Fate::AlreadyCorrect
            } else {
                // json_patch undoes every operation of a patch that fails part way.
                match json_patch::patch(doc, &correction.patch.0) {
                    Ok(()) => Fate::Applied,
                    Err(_) if correction.already_holds(doc) => Fate::AlreadyCorrect,
                    Err(error) => Fate::Moved(error.to_string()),
                }
            };
            Outcome { correction, fate }
        })
        .collect()
}

impl Correction {
    /// Whether `doc` already says what the correction would make it say:
    /// every value it adds or replaces is there, every one it removes is gone.
    fn already_holds(&self, doc: &Value) -> bool {
        use json_patch::PatchOperation as Op;
        self.patch.0.iter().all(|op| match op {
            Op::Test(_) => true,
            Op::Add(add) => doc.pointer(add.path.as_str()) == Some(&add.value),
            Op::Replace(replace) => doc.pointer(replace.path.as_str()) == Some(&replace.value),
            Op::Remove(remove) => doc.pointer(remove.path.as_str()).is_none(),
            Op::Move(_) | Op::Copy(_) => false,
        })
    }
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
        assert_eq!(outcomes[0].fate, Fate::Applied);
        assert_eq!(doc, json!({"count": {"type": "integer"}}));
        assert_eq!(corrections[0].places(), ["/count/type"]);
    }

    #[test]
    fn a_correction_whose_place_says_something_else_has_moved_and_changes_nothing() {
        let corrections = correction();
        let mut doc = json!({"count": {"type": "number"}});
        let outcomes = apply_all(&mut doc, &corrections);
        let Fate::Moved(why) = &outcomes[0].fate else { panic!("{:?}", outcomes[0].fate) };
        assert!(why.contains("/count/type"), "{why}");
        assert_eq!(doc, json!({"count": {"type": "number"}}));
    }

    #[test]
    fn a_correction_whose_place_vanished_has_moved() {
        let corrections = correction();
        let mut doc = json!({"total": {"type": "boolean"}});
        assert!(matches!(apply_all(&mut doc, &corrections)[0].fate, Fate::Moved(_)));
    }

    #[test]
    fn a_document_that_already_says_what_a_correction_makes_it_say_needs_nothing() {
        let corrections = load(
            r#"[{"name": "open", "evidence": "e", "patch": [
                {"op": "test", "path": "/count/type", "value": "boolean"},
                {"op": "replace", "path": "/count/type", "value": "integer"},
                {"op": "remove", "path": "/count/enum"}
            ]}]"#,
        )
        .unwrap();
        let mut doc = json!({"count": {"type": "integer"}});
        assert_eq!(apply_all(&mut doc, &corrections)[0].fate, Fate::AlreadyCorrect);
        // Half fixed is not fixed: the enum is still there.
        let mut doc = json!({"count": {"type": "integer", "enum": [1]}});
        assert!(matches!(apply_all(&mut doc, &corrections)[0].fate, Fate::Moved(_)));
    }

    #[test]
    fn a_document_without_the_subject_of_a_correction_predates_the_error() {
        let corrections = load(
            r#"[{"name": "key-is-optional", "evidence": "e", "subject": "/schema/properties/key", "patch": [
                {"op": "test", "path": "/schema/required", "value": ["key", "id"]},
                {"op": "replace", "path": "/schema/required", "value": ["id"]}
            ]}]"#,
        )
        .unwrap();
        let mut older = json!({"schema": {"required": ["id", "name"], "properties": {"id": {}, "name": {}}}});
        assert_eq!(apply_all(&mut older, &corrections)[0].fate, Fate::AlreadyCorrect);
        // A document that has the subject, but not as the correction expects, has moved it.
        let mut moved = json!({"schema": {"required": ["id", "key", "name"], "properties": {"key": {}}}});
        assert!(matches!(apply_all(&mut moved, &corrections)[0].fate, Fate::Moved(_)));
    }

    #[test]
    fn a_retired_correction_is_not_applied() {
        let corrections = load(
            r#"[{"name": "c", "evidence": "e", "retired": "fixed in 2024-05",
                 "patch": [{"op": "replace", "path": "/count/type", "value": "integer"}]}]"#,
        )
        .unwrap();
        let mut doc = json!({"count": {"type": "boolean"}});
        assert_eq!(apply_all(&mut doc, &corrections)[0].fate, Fate::Retired);
        assert_eq!(doc, json!({"count": {"type": "boolean"}}));
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
