//! Which schema or operation makes progenitor refuse a document.
//!
//! progenitor's errors do not say where they arose ("value does not conform
//! to the given schema"). The document is generated again in parts: first
//! its schemas alone, then growing prefixes of its schemas or of its paths,
//! found by bisection, so a failure costs about twenty more generations.

use openapiv3::{OpenAPI, Paths, ReferenceOr, Schema, SchemaKind};

use crate::{Options, progenitor_takes};

/// The first schema or path, in document order, that progenitor cannot take,
/// or `None` when no single one is at fault.
pub(crate) fn failure(spec: &OpenAPI, options: Options) -> Option<String> {
    let mut schemas_only = spec.clone();
    schemas_only.paths = Paths::default();
    let fails = |candidate: &OpenAPI| !progenitor_takes(candidate, options);

    if fails(&schemas_only) {
        let names: Vec<String> = schemas_only.components.as_ref()?.schemas.keys().cloned().collect();
        // Keep the first `k` schemas as they are, the others free-form.
        let keep = |k: usize| {
            let mut candidate = schemas_only.clone();
            let schemas = &mut candidate.components.as_mut().expect("checked above").schemas;
            for name in &names[k..] {
                schemas.insert(name.clone(), ReferenceOr::Item(free_form()));
            }
            candidate
        };
        let k = first_failing(names.len(), |k| fails(&keep(k)))?;
        return Some(format!("schema {}", names[k - 1]));
    }

    let paths: Vec<String> = spec.paths.paths.keys().cloned().collect();
    let keep = |k: usize| {
        let mut candidate = spec.clone();
        candidate.paths.paths.retain(|path, _| paths[..k].contains(path));
        candidate
    };
    let k = first_failing(paths.len(), |k| fails(&keep(k)))?;
    let path = &paths[k - 1];
    let ids: Vec<String> = spec
        .operations()
        .filter(|(p, _, _)| p == path)
        .map(|(_, method, op)| format!("{} {}", op.operation_id.as_deref().unwrap_or("?"), method.to_uppercase()))
        .collect();
    Some(format!("operation {} at {path}", ids.join(", ")))
}

/// The smallest `k` in `1..=n` for which `fails(k)`, assuming that what fails
/// with `k` parts fails with more; `None` when even all `n` pass.
fn first_failing(n: usize, fails: impl Fn(usize) -> bool) -> Option<usize> {
    if n == 0 || !fails(n) {
        return None;
    }
    let (mut low, mut high) = (1, n);
    while low < high {
        let middle = low + (high - low) / 2;
        if fails(middle) {
            high = middle;
        } else {
            low = middle + 1;
        }
    }
    Some(low)
}

/// `{}`: a schema any value fits.
fn free_form() -> Schema {
    Schema { schema_data: Default::default(), schema_kind: SchemaKind::Any(Default::default()) }
}

#[cfg(test)]
mod tests {
    use super::first_failing;

    #[test]
    fn bisection_finds_the_first_part_at_fault() {
        for culprit in 1..=9 {
            assert_eq!(first_failing(9, |k| k >= culprit), Some(culprit));
        }
        assert_eq!(first_failing(9, |_| false), None);
        assert_eq!(first_failing(0, |_| true), None);
    }
}
