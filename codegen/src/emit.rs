//! The code written around progenitor's: the glue to the runtime, and the
//! tables the tests read.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::envelope::Envelope;
use crate::operation::Operation;
use crate::paging::{Found, Paging, TypedList};

/// The code that plugs the generated code into the hand-written runtime: an
/// `Envelope` impl per response type, an awaitable builder per operation.
pub(crate) fn glue(envelopes: &BTreeMap<String, Envelope>, operations: &[Operation]) -> Result<String, String> {
    let mut out = String::from("\n// Added by authing-codegen: envelopes and awaitable builders.\n");
    for (name, envelope) in envelopes {
        let Envelope { data, message, api_code, request_id } = envelope;
        let (data_type, data, whole) = match data {
            Some(ty) => (ty.as_str(), "self.data", false),
            None => ("Self", "self", true),
        };
        writeln!(
            out,
            "impl crate::call::sealed::Sealed for types::{name} {{}} \
             impl crate::envelope::Envelope for types::{name} {{ type Data = {data_type}; const WHOLE: bool = {whole}; \
             #[inline] fn into_data(self) -> crate::Result<Self::Data> {{ \
             if self.status_code == crate::envelope::SUCCESS {{ Ok({data}) }} else {{ \
             Err(crate::envelope::failure(self.status_code, {message}, {api_code}, {request_id})) }} }} \
             #[inline] fn is_success(&self) -> bool {{ self.status_code == crate::envelope::SUCCESS }} }}"
        )
        .expect("writing to a String");
    }
    for op in operations {
        if !envelopes.contains_key(&op.response) {
            return Err(format!("operation {} answers `{}`, which is not a generated type", op.id, op.response));
        }
        writeln!(
            out,
            "crate::call::awaitable!({} => types::{}, {:?}, {:?}, {:?}, {:?});",
            op.builder, op.response, op.id, op.function, op.method, op.path
        )
        .expect("writing to a String");
    }
    // By method name, as a prepared request carries it; sorted for a binary search.
    let mut read_only_posts: Vec<_> =
        operations.iter().filter(|op| op.post_that_reads).map(|op| op.function.as_str()).collect();
    read_only_posts.sort_unstable();
    out.push_str(
        "/// The `POST` operations that only read, by method name (sorted): sent again after a passing failure as a `GET` is.\n\
         pub(crate) static READ_ONLY_POSTS: &[&str] = &[\n",
    );
    for function in read_only_posts {
        writeln!(out, "    {function:?},").expect("writing to a String");
    }
    out.push_str("];\n");
    Ok(out)
}

/// `CASES`: a call of every operation with its required parameters and body
/// filled with values valid for their schemas, for the contract tests, and
/// for an operation that pages, a walk through its pages.
///
/// The including file provides `Case`, `Call`, `body::<T>(operation_id)`,
/// which samples the body from the document at run time, and `walk(request)`.
pub(crate) fn contract_cases(operations: &[Operation], paging: &Found) -> String {
    let mut out = String::from("/// A call of every operation of the document.\npub const CASES: &[Case] = &[\n");
    for op in operations {
        let mut call = format!("client.{}()", op.function);
        let mut cannot = None;
        for (setter, literal) in &op.required {
            match literal {
                Ok(literal) => write!(call, ".{setter}({literal})").expect("writing to a String"),
                Err(why) => cannot = Some(format!("{setter}: {why}")),
            }
        }
        if let Some(body) = &op.body {
            write!(call, ".body(body::<types::{body}>({:?}))", op.id).expect("writing to a String");
        }
        let walk = match paging.paginated.contains_key(&op.id) {
            true => format!("Some(|client| Box::pin(walk({call})))"),
            false => "None".to_string(),
        };
        match cannot {
            None => writeln!(
                out,
                "    Case {{ operation_id: {:?}, call: Some(|client| Box::pin(async move {{ {call}.await.map(drop) }})), \
                 walk: {walk} }},",
                op.id
            ),
            Some(why) => writeln!(
                out,
                "    Case {{ operation_id: {:?}, call: None, walk: None }}, // cannot fill {why}",
                op.id
            ),
        }
        .expect("writing to a String");
    }
    out.push_str("];\n");
    out
}

/// `OPERATIONS`: every operation with a function that calls its generated method.
pub(crate) fn operation_table(operations: &[Operation]) -> String {
    let mut out = String::from(
        "/// Every operation of the document, as generated.\n\
         pub const OPERATIONS: &[GeneratedOperation] = &[\n",
    );
    for op in operations {
        writeln!(
            out,
            "    GeneratedOperation {{ operation_id: {:?}, method: {:?}, path: {:?}, function: {:?}, post_that_reads: {}, \
             builder: |client| std::any::type_name_of_val(&client.{}()) }},",
            op.id, op.method, op.path, op.function, op.post_that_reads, op.function
        )
        .expect("writing to a String");
    }
    out.push_str("];\n");
    out
}

/// `Paginated` for every operation that pages: one line each.
pub(crate) fn paging_glue(operations: &[Operation], paging: &Found) -> String {
    let mut out = String::from("\n// Added by authing-codegen: paginated operations.\n");
    for op in operations {
        let Some(Paging { by, for_page, answer }) = paging.paginated.get(&op.id) else { continue };
        let (item, split) = match answer {
            Ok(TypedList { item, split }) => (item.as_str(), format!(", |data| {split}")),
            Err(_) => ("json", String::new()),
        };
        writeln!(out, "crate::paging::paginated!({} => {item}, {by}, |this, at, size| {for_page}{split});", op.builder)
            .expect("writing to a String");
    }
    out
}

/// `PAGINATED`, the operations that page, `AS_JSON`, those of them whose
/// pages are read as JSON, with why, and `NOT_STREAMED`, those that take
/// paging input without a stream, with why.
pub(crate) fn paging_table(paging: &Found) -> String {
    let mut out = String::from("/// The operations that page.\npub const PAGINATED: &[&str] = &[\n");
    for id in paging.paginated.keys() {
        writeln!(out, "    {id:?},").expect("writing to a String");
    }
    out.push_str("];\n/// The operations that page, read as JSON, and why.\npub const AS_JSON: &[(&str, &str)] = &[\n");
    for (id, why) in paging.as_json() {
        writeln!(out, "    ({id:?}, {why:?}),").expect("writing to a String");
    }
    out.push_str("];\n/// The operations that take paging input but have no stream, and why.\npub const NOT_STREAMED: &[(&str, &str)] = &[\n");
    for (id, why) in &paging.not_streamed {
        writeln!(out, "    ({id:?}, {why:?}),").expect("writing to a String");
    }
    out.push_str("];\n");
    out
}

/// A hidden method of the same name for each operation of an area that is
/// off, whose call fails with a message naming the feature to add, where the
/// compiler would only say that no method of that name exists. It cannot be
/// called (its bound has no impl), so it is neither API nor code in a build.
pub(crate) fn areas_off(spec_functions: &[String], areas: crate::areas::Areas) -> String {
    let off: Vec<&String> = spec_functions.iter().filter(|function| !areas.has(function)).collect();
    if off.is_empty() {
        return String::new();
    }
    let mut features: Vec<&'static str> = off.iter().map(|function| crate::areas::area(function).feature).collect();
    features.sort_unstable();
    features.dedup();
    let mut out = String::from(
        "\n// Added by authing-codegen: the operations of the areas that are off, each naming its feature.\n\
         #[doc(hidden)]\npub mod areas_off {\n",
    );
    for feature in &features {
        writeln!(
            out,
            "    #[diagnostic::on_unimplemented(message = \"this operation is in the area `{feature}`, whose feature is off\", \
             label = \"add \\\"{feature}\\\" to authing's features in Cargo.toml\", \
             note = \"with `default-features = false`, only the areas named are compiled\")]\n    \
             pub trait {} {{}}",
            trait_name(feature)
        )
        .expect("writing to a String");
    }
    out.push_str("}\n#[doc(hidden)]\nimpl crate::ManagementClient {\n");
    for function in off {
        let feature = crate::areas::area(function).feature;
        writeln!(
            out,
            "    #[doc(hidden)]\n    #[inline]\n    pub fn {function}<'a>(&'a self) -> ::std::convert::Infallible \
             where &'a Self: areas_off::{} {{ unreachable!(\"no impl of its bound\") }}",
            trait_name(feature)
        )
        .expect("writing to a String");
    }
    out.push_str("}\n");
    out
}

/// `Roles` for `roles`, `DataObjects` for `data-objects`: the bound of an area that is off.
fn trait_name(feature: &str) -> String {
    let words: String = feature.split('-').map(|word| word[..1].to_uppercase() + &word[1..]).collect();
    format!("{words}IsOff")
}

#[cfg(test)]
mod tests {
    use crate::areas::Areas;

    #[test]
    fn an_operation_of_an_area_that_is_off_names_its_feature() {
        let functions = ["get_user".to_string(), "create_role".to_string(), "list_tenant_users".to_string()];
        let users = Areas::enabled(|feature| feature == "users");
        let code = super::areas_off(&functions, users);
        assert!(!code.contains("fn get_user"), "{code}");
        assert!(code.contains("pub fn create_role<'a>(&'a self)"), "{code}");
        assert!(code.contains("where &'a Self: areas_off::RolesIsOff"), "{code}");
        assert!(code.contains("this operation is in the area `roles`, whose feature is off"), "{code}");
        assert!(code.contains(r#"add \"roles\" to authing's features"#), "{code}");
        assert_eq!(super::areas_off(&functions, Areas::ALL), "");
    }
}
