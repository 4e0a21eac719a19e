//! Whether a call is the one an expectation describes: the same operation,
//! and the parameters and body fields the expectation names, with the
//! values it gives them.

use serde_json::Value;

use crate::generated::ROUTES;

/// A request as the mock reads it: what it calls, and with what.
#[derive(Debug)]
pub(crate) struct Request {
    /// The operationId of the method and path, when the document has them.
    pub(crate) operation: Option<&'static str>,
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    /// The JSON body; `Null` when there is none.
    pub(crate) body: Value,
}

impl Request {
    /// A request the mock server got.
    pub(crate) fn read(request: &wiremock::Request) -> Request {
        let body = match request.body.is_empty() {
            true => Value::Null,
            false => serde_json::from_slice(&request.body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&request.body).into_owned())),
        };
        Request::new(request.method.as_str(), &request.url, body)
    }

    /// The request an expectation was made from, without the fields left at
    /// their default (`null`, `[]`, `{}`), which say nothing.
    pub(crate) fn expected(request: &reqwest::Request) -> Request {
        let mut body = request
            .body()
            .and_then(|body| body.as_bytes())
            .and_then(|bytes| serde_json::from_slice(bytes).ok())
            .unwrap_or(Value::Null);
        prune(&mut body);
        Request::new(request.method().as_str(), request.url(), body)
    }

    /// Without the page number and size, which a walk sets for each page
    /// whatever the request it walks had.
    pub(crate) fn without_paging(mut self) -> Request {
        self.query.retain(|(name, _)| !PAGING_WORDS.contains(&name.as_str()));
        fn strip(value: &mut Value) {
            if let Value::Object(fields) = value {
                fields.retain(|name, _| !PAGING_WORDS.contains(&name.as_str()));
                fields.values_mut().for_each(strip);
            }
        }
        strip(&mut self.body);
        prune(&mut self.body);
        self
    }

    fn new(method: &str, url: &url::Url, body: Value) -> Request {
        let path = url.path().to_string();
        Request {
            operation: operation_of(method, &path),
            method: method.to_string(),
            query: url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect(),
            path,
            body,
        }
    }

    /// Whether this call, made by the code under test, has everything
    /// `expected` names.
    pub(crate) fn has(&self, expected: &Request) -> bool {
        self.method == expected.method
            && self.path == expected.path
            && expected.query.iter().all(|pair| self.query.contains(pair))
            && contains(&self.body, &expected.body)
    }

    /// `GET /api/v3/get-user?userId=u1`, then the body, cut short.
    pub(crate) fn describe(&self) -> String {
        let mut out = format!("{} {}", self.method, self.path);
        if !self.query.is_empty() {
            let query: Vec<String> = self.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
            out.push('?');
            out.push_str(&query.join("&"));
        }
        if !self.body.is_null() && self.body != Value::Object(Default::default()) {
            let body = self.body.to_string();
            match body.char_indices().nth(300) {
                Some((cut, _)) => out.push_str(&format!(" {}...", &body[..cut])),
                None => out.push_str(&format!(" {body}")),
            }
        }
        out
    }
}

/// The words of a page number and size, in a query or a body.
pub(crate) const PAGING_WORDS: [&str; 4] = ["page", "limit", "pageNo", "pageSize"];

/// `value` without the fields that say nothing: `null`, `[]`, `{}` (after
/// their own such fields are gone).
fn prune(value: &mut Value) {
    if let Value::Object(fields) = value {
        fields.values_mut().for_each(prune);
        fields.retain(|_, field| !says_nothing(field));
    }
}

fn says_nothing(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(fields) => fields.is_empty(),
        _ => false,
    }
}

/// The operation of `method` and `path` (`{name}` in a path template matches any segment).
fn operation_of(method: &str, path: &str) -> Option<&'static str> {
    ROUTES.iter().find(|(m, template, _)| *m == method && same_path(template, path)).map(|(_, _, id)| *id)
}

fn same_path(template: &str, path: &str) -> bool {
    let (mut template, mut path) = (template.split('/'), path.split('/'));
    loop {
        match (template.next(), path.next()) {
            (None, None) => return true,
            (Some(t), Some(p)) if t == p || (t.starts_with('{') && t.ends_with('}') && !p.is_empty()) => {}
            _ => return false,
        }
    }
}

/// Whether `actual` has everything `expected` says: each field of an
/// expected object (recursively), each item of an expected list, each other
/// value equal. A `null`, `[]` or `{}` expected says nothing: it is a field
/// left at its default.
pub(crate) fn contains(actual: &Value, expected: &Value) -> bool {
    match expected {
        Value::Null => true,
        Value::Array(items) if items.is_empty() => true,
        Value::Object(fields) if fields.is_empty() => true,
        Value::Object(fields) => {
            let Value::Object(actual) = actual else { return false };
            fields.iter().all(|(name, value)| match actual.get(name) {
                Some(found) => contains(found, value),
                None => contains(&Value::Null, value),
            })
        }
        Value::Array(items) => {
            let Value::Array(actual) = actual else { return false };
            actual.len() == items.len() && actual.iter().zip(items).all(|(a, e)| contains(a, e))
        }
        Value::Number(n) => match actual {
            Value::Number(m) => n == m || n.as_f64() == m.as_f64(),
            _ => false,
        },
        other => actual == other,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_expected_body_matches_a_call_that_has_every_field_it_names() {
        let actual = json!({"email": "a@b", "profile": {"name": "Ann", "age": 3}, "ids": ["x", "y"]});
        assert!(contains(&actual, &json!({"email": "a@b"})));
        assert!(contains(&actual, &json!({"profile": {"name": "Ann"}, "ids": ["x", "y"]})));
        assert!(contains(&actual, &json!({"unset": null, "empty": [], "none": {}})));
        assert!(contains(&actual, &json!({"profile": {"age": 3.0}})));
        assert!(!contains(&actual, &json!({"email": "b@b"})));
        assert!(!contains(&actual, &json!({"phone": "1"})));
        assert!(!contains(&actual, &json!({"ids": ["x"]})));
        assert!(!contains(&json!(null), &json!({"email": "a@b"})));
    }

    #[test]
    fn fields_that_say_nothing_and_paging_are_left_out_of_an_expectation() {
        let mut body = json!({"options": {"pagination": {"page": 1, "limit": 10}, "advancedFilter": []}, "x": null});
        prune(&mut body);
        assert_eq!(body, json!({"options": {"pagination": {"page": 1, "limit": 10}}}));
        let request = Request {
            operation: None,
            method: "POST".into(),
            path: "/p".into(),
            query: vec![("page".into(), "1".into()), ("code".into(), "admin".into())],
            body,
        };
        let walked = request.without_paging();
        assert_eq!((walked.query, walked.body), (vec![("code".into(), "admin".into())], json!({})));
    }

    #[test]
    fn a_path_template_matches_any_value_of_its_parameter() {
        assert!(same_path("/api/v3/x/{id}", "/api/v3/x/42"));
        assert!(!same_path("/api/v3/x/{id}", "/api/v3/x/"));
        assert!(!same_path("/api/v3/x/{id}", "/api/v3/x/42/y"));
        assert!(same_path("/api/v3/get-user", "/api/v3/get-user"));
        assert!(!same_path("/api/v3/get-user", "/api/v3/get-users"));
    }
}
