//! `cargo xtask regen`: refreshes `openapi/` from a new version of the document.
//!
//! Reads the document, checks it is OpenAPI 3.0, applies the corrections of
//! Authing's known errors and the named normalizations, generates the client
//! from the result exactly as `build.rs` will (the same `authing-codegen`),
//! reports what changed against the committed copy (`SURFACE.txt`, the
//! generated API), builds a scratch copy of the crate from it, and only then
//! replaces the committed files, each through a temporary file and a rename, so a failure
//! at any step leaves them as they were.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use serde_json::Value;

use crate::corrections::{self, CORRECTIONS_PATH, Correction, Fate};
use crate::normalize::{self, Applied, Context};
use crate::scratch;
use crate::spec_diff::SpecDiff;
use authing_codegen::{Change, Impact, Surface};

/// Where Authing serves the live document.
pub const DEFAULT_SOURCE: &str = "https://api.authing.cn/openapi-json";
/// The committed document, relative to the workspace root.
pub const SPEC_PATH: &str = "openapi/authing-management-v3.json";
/// The committed record of what the corrections and normalizations changed.
pub const RECORD_PATH: &str = "openapi/NORMALIZATIONS.md";
/// The generated API as users' code meets it: what a refresh's change report is made against.
pub const SURFACE_PATH: &str = "openapi/SURFACE.txt";
/// Where the last refresh's change report is written, ready for the CHANGELOG.
pub const CHANGES_PATH: &str = "target/regen-changes.md";
/// Authing's document as last imported, byte for byte: what `openapi/` is
/// checked against, so that the check follows every refresh.
pub const SOURCE_COPY_PATH: &str = "xtask/fixtures/authing-management-v3.json";

/// Options of `cargo xtask regen`.
#[derive(clap::Args)]
pub struct RegenArgs {
    /// URL or file of the OpenAPI document to import.
    #[arg(long, default_value = DEFAULT_SOURCE)]
    pub from: String,
    /// Report what would change without writing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Write nothing; fail when openapi/ differs from what regen would write (for CI).
    #[arg(long, conflicts_with = "dry_run")]
    pub check: bool,
    /// Whether a refresh builds a scratch copy of the crate from the new
    /// document before writing it; always from the command line, off only
    /// in the tests of what comes before it.
    #[arg(skip = true)]
    pub build_check: bool,
}

/// A document as regen makes it from Authing's: what it would write.
pub struct Imported<'a> {
    /// The document the client is generated from.
    pub doc: Value,
    /// What each normalization changed.
    pub applied: Vec<Applied>,
    /// What became of each correction.
    pub corrections: Vec<corrections::Outcome<'a>>,
    /// One line: version, operations, schemas.
    pub summary: String,
    /// The generated API, as `SURFACE.txt` has it.
    pub surface: Surface,
}

impl Imported<'_> {
    /// The document as written to `openapi/`.
    pub fn spec_text(&self) -> Result<String> {
        let mut text = serde_json::to_string_pretty(&self.doc)?;
        text.push('\n');
        Ok(text)
    }

    /// `NORMALIZATIONS.md`: every change made to Authing's document.
    pub fn record(&self) -> String {
        let mut out = String::from(
            "# Corrections and normalizations\n\n\
             Written by `cargo xtask regen`; do not edit. These are the only differences between\n\
             `authing-management-v3.json` and the upstream document it was imported from.\n\n\
             # Corrections\n\n\
             Errors in Authing's document, from `xtask/corrections.json`, each with its evidence.\n",
        );
        for outcome in &self.corrections {
            let c = outcome.correction;
            out.push_str(&format!("\n## {}\n\n{}\n\n", c.name, c.evidence));
            match &outcome.fate {
                Fate::Applied => c.places().iter().for_each(|place| out.push_str(&format!("- `{place}`\n"))),
                Fate::AlreadyCorrect => out.push_str(
                    "**Already correct**: this document already says what the correction makes it say \
                     (fixed upstream, or older than the error); nothing to apply.\n",
                ),
                Fate::Retired => out.push_str(&format!("**Retired**: {}\n", c.retired.as_deref().unwrap_or_default())),
                // `import` refuses such a document: nothing is written with it.
                Fate::Moved(why) => out.push_str(&format!("**Its place moved**: {why}\n")),
            }
        }
        out.push_str("\n# Normalizations\n\nWhat the generator and the runtime need, applied after the corrections.\n");
        for n in &self.applied {
            out.push_str(&format!("\n## {}\n\n{}\n\n", n.name, n.why));
            if n.places.is_empty() {
                out.push_str("Nothing to change in this version of the document.\n");
            }
            for place in &n.places {
                out.push_str(&format!("- `{place}`\n"));
            }
            if !n.left.is_empty() {
                out.push_str("\nLeft alone, though the rule names them:\n\n");
            }
            for place in &n.left {
                out.push_str(&format!("- {place}\n"));
            }
        }
        out
    }
}

/// Makes the committed form of the document `raw`, read from `source`:
/// corrections, normalizations, and the check that the client generates.
pub fn import<'a>(
    raw: &[u8],
    source: &str,
    previous: Option<&Value>,
    corrections: &'a [Correction],
) -> Result<Imported<'a>> {
    let mut doc: Value = serde_json::from_slice(raw).with_context(|| format!("{source} is not JSON"))?;
    check_version(&doc).with_context(|| format!("{source} is not an OpenAPI 3.0 document"))?;
    let corrections = corrections::apply_all(&mut doc, corrections);
    let moved: Vec<String> = corrections
        .iter()
        .filter_map(|o| match &o.fate {
            Fate::Moved(why) => Some(format!("  {}: {why}", o.correction.name)),
            _ => None,
        })
        .collect();
    if !moved.is_empty() {
        bail!(
            "{source}: {} correction(s) of {CORRECTIONS_PATH} no longer find what they correct: the place moved or \
             vanished, and the error they correct may be back under another name. Update each to where the document \
             now has it, or mark it `\"retired\": \"why\"` when Authing fixed it:\n{}",
            moved.len(),
            moved.join("\n")
        );
    }
    let applied = normalize::apply_all(&mut doc, &Context { previous })?;
    let (summary, surface) =
        check_generator_can_take(&doc).with_context(|| format!("{source} cannot be used to generate the client"))?;
    Ok(Imported { doc, applied, corrections, summary, surface })
}

/// The committed corrections.
pub fn load_corrections(root: &Path) -> Result<Vec<Correction>> {
    let text =
        fs::read_to_string(root.join(CORRECTIONS_PATH)).with_context(|| format!("cannot read {CORRECTIONS_PATH}"))?;
    corrections::load(&text).with_context(|| format!("{CORRECTIONS_PATH} is malformed"))
}

/// The committed document, when there is one.
pub fn committed(root: &Path) -> Result<Option<Value>> {
    match fs::read(root.join(SPEC_PATH)) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes).map(Some).with_context(|| format!("the committed {SPEC_PATH} is not JSON"))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).context(format!("cannot read {SPEC_PATH}")),
    }
}

pub async fn run(root: &Path, args: RegenArgs) -> Result<()> {
    let raw = read_source(&args.from).await?;
    let corrections = load_corrections(root)?;
    let previous = committed(root)?;
    let imported = import(&raw, &args.from, previous.as_ref(), &corrections)?;
    println!("read {}: {}", args.from, imported.summary);
    report(&imported);
    match &previous {
        Some(previous) => match SpecDiff::between(previous, &imported.doc) {
            diff if diff.is_empty() => println!("no changes against the committed document"),
            diff => println!("changes against the committed document:\n{diff}"),
        },
        None => println!("no committed document yet: everything is new"),
    }

    let before = committed_surface(root)?;
    let changes = before.as_ref().map(|before| before.changes(&imported.surface)).unwrap_or_default();
    let report = change_report(&args.from, &imported.summary, before.is_some(), &changes);
    print!("{report}");

    let spec_text = imported.spec_text()?;
    let record = imported.record();
    let surface = imported.surface.to_string();
    let files = [(SPEC_PATH, &spec_text), (RECORD_PATH, &record), (SURFACE_PATH, &surface)];
    if args.check {
        let stale: Vec<&str> = files
            .into_iter()
            .filter(|(path, text)| fs::read_to_string(root.join(path)).ok().as_deref() != Some(text.as_str()))
            .map(|(path, _)| path)
            .collect();
        if !stale.is_empty() {
            bail!(
                "{} differ(s) from what regen makes of {} (the changes are above): run `cargo xtask regen --from {}`",
                stale.join(" and "),
                args.from,
                args.from
            );
        }
        println!("check: openapi/ is what regen makes of {}", args.from);
        return Ok(());
    }
    if args.dry_run {
        println!("dry run: nothing written");
        return Ok(());
    }
    if args.build_check {
        println!("checking that the crate builds from it (a scratch copy under target/)");
        scratch::check_builds(&crate::workspace_root(), "regen-check", &spec_text)
            .await
            .with_context(|| format!("{}: nothing written", args.from))?;
    }
    // Every file is prepared before any is replaced. The source is kept as
    // imported, so that `--check` and the tests follow this refresh.
    let written = files.map(|(path, text)| (path, text.as_bytes())).into_iter().chain([(SOURCE_COPY_PATH, &raw[..])]);
    let staged =
        written.map(|(path, bytes)| Ok((path, stage(&root.join(path), bytes)?))).collect::<Result<Vec<_>>>()?;
    for (path, file) in staged {
        file.persist(root.join(path)).with_context(|| format!("cannot replace {path}"))?;
    }
    stage(&root.join(CHANGES_PATH), report.as_bytes())?
        .persist(root.join(CHANGES_PATH))
        .with_context(|| format!("cannot write {CHANGES_PATH}"))?;
    println!(
        "wrote {SPEC_PATH}, {RECORD_PATH}, {SURFACE_PATH} and the source as imported, {SOURCE_COPY_PATH}; \
         the changes, ready for the CHANGELOG, are in {CHANGES_PATH}"
    );
    Ok(())
}

/// The committed surface, when there is one.
fn committed_surface(root: &Path) -> Result<Option<Surface>> {
    match fs::read_to_string(root.join(SURFACE_PATH)) {
        Ok(text) => Surface::parse(&text).map(Some).map_err(anyhow::Error::msg).context(SURFACE_PATH),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).context(format!("cannot read {SURFACE_PATH}")),
    }
}

/// The changes to the generated API, in Markdown, breaking ones first: what
/// the CHANGELOG says of this refresh, and the version it needs (README, "Versions").
fn change_report(source: &str, summary: &str, had_surface: bool, changes: &[Change]) -> String {
    let mut out = format!("## The generated API, refreshed from {source}\n\n{summary}.\n\n");
    if !had_surface {
        out.push_str(&format!("No {SURFACE_PATH} before this refresh: nothing to compare with.\n"));
        return out;
    }
    // README, "Versions": what each kind of change asks of the release.
    let impacts: Vec<Impact> = changes.iter().map(|c| c.impact).collect();
    let version = if impacts.is_empty() {
        "no change to the generated API"
    } else if impacts.contains(&Impact::Breaking) {
        "breaking: the next release is a new minor version while below 1.0 (0.x → 0.x+1), a major one after"
    } else if impacts.contains(&Impact::Behaviour) {
        "code compiles but acts differently: the next release is a new minor version (README, \"Versions\")"
    } else {
        "additions only: a patch release may carry them"
    };
    out.push_str(&format!("{} change(s); {version}.\n", changes.len()));
    for impact in [Impact::Breaking, Impact::Behaviour, Impact::Added] {
        let of: Vec<_> = changes.iter().filter(|c| c.impact == impact).collect();
        if of.is_empty() {
            continue;
        }
        let title = match impact {
            Impact::Breaking => "Breaking: code that compiled may not",
            Impact::Behaviour => "Behaviour: code compiles but acts differently",
            Impact::Added => "Added",
        };
        out.push_str(&format!("\n### {title}\n\n"));
        for change in of {
            out.push_str(&format!("- {}\n", change.what));
        }
    }
    out
}

/// Prints what the corrections and normalizations did.
fn report(imported: &Imported) {
    for outcome in &imported.corrections {
        let name = &outcome.correction.name;
        match &outcome.fate {
            Fate::Applied => println!("correction {name}: applied"),
            Fate::AlreadyCorrect => println!(
                "correction {name}: ALREADY CORRECT here, nothing to apply; if Authing fixed it, mark it retired in {CORRECTIONS_PATH}"
            ),
            Fate::Retired => println!("correction {name}: retired"),
            Fate::Moved(why) => println!("correction {name}: its place moved: {why}"),
        }
    }
    for n in &imported.applied {
        println!("normalization {}: {} place(s)", n.name, n.places.len());
        for place in &n.places {
            println!("  {place}");
        }
        for place in &n.left {
            println!("  LEFT ALONE {place}");
        }
    }
}

async fn read_source(source: &str) -> Result<Vec<u8>> {
    if !(source.starts_with("http://") || source.starts_with("https://")) {
        return fs::read(source).with_context(|| format!("cannot read {source}"));
    }
    let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build()?;
    let response = client.get(source).send().await.with_context(|| format!("cannot fetch {source}"))?;
    let status = response.status();
    if !status.is_success() {
        bail!("cannot fetch {source}: HTTP {status}");
    }
    let body = response.bytes().await.with_context(|| format!("cannot read the body of {source}"))?;
    Ok(body.to_vec())
}

fn check_version(doc: &Value) -> Result<()> {
    match doc.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0.") => Ok(()),
        Some(v) => bail!("its `openapi` field is {v:?}; the generator takes 3.0.x only"),
        None if doc.get("swagger").is_some() => bail!("it is Swagger 2.0"),
        None => bail!("it has no `openapi` field"),
    }
}

/// Generates the client from `doc` as `build.rs` will, so that a document
/// the crate could not be built from is never written.
fn check_generator_can_take(doc: &Value) -> Result<(String, Surface)> {
    let spec = authing_codegen::parse(&serde_json::to_string(doc)?).map_err(anyhow::Error::msg)?;
    let mut ids = std::collections::BTreeMap::new();
    for (path, method, op) in spec.operations() {
        let route = format!("{} {path}", method.to_uppercase());
        let Some(id) = &op.operation_id else { bail!("{route} has no operationId") };
        if let Some(other) = ids.insert(authing_codegen::method_name(id), route.clone()) {
            bail!("operationId {id} of {route} gives the same method as {other}");
        }
    }
    let generated =
        authing_codegen::generate(&spec, authing_codegen::Options::default()).map_err(anyhow::Error::msg)?;
    let schemas = spec.components.as_ref().map_or(0, |c| c.schemas.len());
    let summary = format!(
        "OpenAPI {}, {} operations, {schemas} schemas; paging: {}",
        spec.openapi,
        ids.len(),
        generated.paging_summary
    );
    Ok((summary, generated.surface))
}

fn stage(target: &Path, bytes: &[u8]) -> Result<tempfile::NamedTempFile> {
    let dir: PathBuf = target.parent().context("target has no folder")?.to_path_buf();
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut file = tempfile::NamedTempFile::new_in(&dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::normalize::operations;

    /// A document kept in `xtask/fixtures/`, as Authing published it.
    fn fixture(name: &str) -> Vec<u8> {
        fs::read(crate::workspace_root().join("xtask/fixtures").join(name)).expect("a committed fixture")
    }

    fn ids_by_route(doc: &Value) -> BTreeMap<String, String> {
        operations(doc)
            .map(|(path, method, op)| (format!("{method} {path}"), op["operationId"].as_str().unwrap().to_string()))
            .collect()
    }

    #[test]
    fn authings_2023_11_document_generates_and_keeps_every_method_name() {
        let root = crate::workspace_root();
        let corrections = load_corrections(&root).unwrap();
        let committed = committed(&root).unwrap().unwrap();
        let raw = fixture("management-openapi-2023-11.json");

        let imported = import(&raw, "2023-11", Some(&committed), &corrections).unwrap();

        let (old, new) = (ids_by_route(&committed), ids_by_route(&imported.doc));
        let shared: Vec<_> = new.keys().filter(|route| old.contains_key(*route)).collect();
        let renamed: Vec<String> = shared
            .iter()
            .filter(|route| authing_codegen::method_name(&old[**route]) != authing_codegen::method_name(&new[**route]))
            .map(|route| format!("{} -> {}", old[*route], new[*route]))
            .collect();
        println!("2023-11: {} operations shared, {} keep their method", shared.len(), shared.len() - renamed.len());
        assert!(shared.len() > 400, "most operations of 2023 are still there");
        // Authing's typo of the time, fixed in later documents; the change report names it.
        assert_eq!(renamed, ["exportMetadata -> exportMeatdata"]);
        let names = &imported.applied.iter().find(|n| n.name == "operation-names").unwrap().places;
        assert!(names.iter().any(|p| p.contains(" is taken by ")), "{names:#?}");
        assert_eq!(new["post /api/v3/delete-device"], "terminalManagementDeleteDevice");
        assert_eq!(new["post /api/v3/delete-device-by-user"], "deleteDevice");
        // This older document still had decimal coordinates, and predates `listField`'s `from` and
        // `updateModel`'s `showFieldKey`: those corrections have nothing to do there.
        let fixed: Vec<_> = imported
            .corrections
            .iter()
            .filter(|o| o.fate == Fate::AlreadyCorrect)
            .map(|o| o.correction.name.as_str())
            .collect();
        assert_eq!(
            fixed,
            [
                "geo-ip-coordinates-are-decimals",
                "list-field-from-is-optional",
                "update-model-show-field-key-is-optional"
            ]
        );
        assert!(imported.record().contains("**Already correct**"));
    }

    #[test]
    fn the_committed_document_is_what_regen_makes_of_the_current_one_and_a_second_import_changes_nothing() {
        let root = crate::workspace_root();
        let corrections = load_corrections(&root).unwrap();
        let committed_text = fs::read_to_string(root.join(SPEC_PATH)).unwrap();
        let committed = committed(&root).unwrap();

        let first = import(
            &fs::read(crate::workspace_root().join(SOURCE_COPY_PATH)).unwrap(),
            "current",
            committed.as_ref(),
            &corrections,
        )
        .unwrap();
        assert!(first.spec_text().unwrap() == committed_text, "openapi/ is not what regen makes of the fixture");
        assert_eq!(first.record(), fs::read_to_string(root.join(RECORD_PATH)).unwrap());
        // The snapshot of the generated API: what the count tests were, each change named.
        let surface = Surface::parse(&fs::read_to_string(root.join(SURFACE_PATH)).unwrap()).unwrap();
        let changes: Vec<String> =
            surface.changes(&first.surface).iter().map(|c| format!("{}: {}", c.impact, c.what)).collect();
        assert!(changes.is_empty(), "{SURFACE_PATH} is not the generated API; regen it. Changes: {changes:#?}");
        assert_eq!(first.surface.to_string(), fs::read_to_string(root.join(SURFACE_PATH)).unwrap());

        let again = import(first.spec_text().unwrap().as_bytes(), "again", Some(&first.doc), &corrections).unwrap();
        assert!(again.spec_text().unwrap() == committed_text, "a second import changed the document");
        assert!(again.applied.iter().all(|n| n.places.is_empty()), "a second import normalized again");
    }

    #[test]
    fn a_correction_whose_target_was_renamed_with_its_error_intact_refuses_the_import() {
        let root = crate::workspace_root();
        let corrections = load_corrections(&root).unwrap();
        // Authing renames `GeoIpLocation`, its integer coordinates unchanged.
        let mut doc: Value =
            serde_json::from_slice(&fs::read(crate::workspace_root().join(SOURCE_COPY_PATH)).unwrap()).unwrap();
        let schemas = doc["components"]["schemas"].as_object_mut().unwrap();
        let location = schemas.remove("GeoIpLocation").unwrap();
        schemas.insert("GeoLocation".into(), location);
        let text = serde_json::to_string(&doc).unwrap().replace("schemas/GeoIpLocation\"", "schemas/GeoLocation\"");

        let error = import(text.as_bytes(), "renamed", None, &corrections).err().expect("the import is refused");

        let message = format!("{error:#}");
        assert!(message.contains("geo-ip-coordinates-are-decimals"), "{message}");
        assert!(message.contains("retired"), "the way out is named: {message}");
    }

    #[tokio::test]
    async fn a_refresh_keeps_its_source_as_what_the_check_compares_with() {
        let root = tempfile::tempdir().unwrap();
        let source = crate::workspace_root();
        for path in [SPEC_PATH, RECORD_PATH, CORRECTIONS_PATH, SOURCE_COPY_PATH] {
            fs::create_dir_all(root.path().join(path).parent().unwrap()).unwrap();
            fs::copy(source.join(path), root.path().join(path)).unwrap();
        }
        // Authing publishes a new version of its document.
        let mut doc: Value = serde_json::from_slice(&fs::read(source.join(SOURCE_COPY_PATH)).unwrap()).unwrap();
        doc["info"]["version"] = Value::from("next");
        let newer = root.path().join("newer.json");
        fs::write(&newer, serde_json::to_vec(&doc).unwrap()).unwrap();

        let from = newer.to_str().unwrap().to_string();
        run(root.path(), RegenArgs { from, dry_run: false, check: false, build_check: false }).await.unwrap();

        // What `--check` (and `cargo xtask test`) compares openapi/ with.
        assert_eq!(fs::read(root.path().join(SOURCE_COPY_PATH)).unwrap(), fs::read(&newer).unwrap());
    }

    /// The committed document as Authing might publish it next.
    fn current_source() -> Value {
        serde_json::from_slice(&fs::read(crate::workspace_root().join(SOURCE_COPY_PATH)).unwrap()).unwrap()
    }

    #[test]
    fn a_refresh_reports_its_changes_in_rusts_words_each_labelled() {
        let root = crate::workspace_root();
        let corrections = load_corrections(&root).unwrap();
        let before = Surface::parse(&fs::read_to_string(root.join(SURFACE_PATH)).unwrap()).unwrap();
        let mut doc = current_source();
        // A field renamed, an answer enum and a request enum each with a new
        // value, an optional parameter made required, a new paginated list.
        let user = &mut doc["components"]["schemas"]["UserDto"]["properties"];
        let posts = user.as_object_mut().unwrap().remove("postIdList").unwrap();
        user["postIds"] = posts;
        let schemas = &mut doc["components"]["schemas"];
        // A body gains a required field.
        let department = &mut schemas["CreateDepartmentReqDto"];
        department["properties"]["region"] = serde_json::json!({"type": "string"});
        department["required"].as_array_mut().unwrap().push("region".into());
        schemas["AdminAuditLogDto"]["properties"]["operationType"]["enum"].as_array_mut().unwrap().push("merge".into());
        let paths = &mut doc["paths"];
        // A value added to a parameter's enum wherever the document repeats it (one `UserIdType`).
        let user_id_type = |op: &Value| {
            op["parameters"].as_array().and_then(|ps| ps.iter().find(|p| p["name"] == "userIdType")).cloned()
        };
        let shared = user_id_type(&paths["/api/v3/get-user"]["get"]).unwrap()["schema"].clone();
        for item in paths.as_object_mut().unwrap().values_mut() {
            for op in item.as_object_mut().unwrap().values_mut() {
                let parameters = op.get_mut("parameters").and_then(Value::as_array_mut).into_iter().flatten();
                for parameter in parameters.filter(|p| p["name"] == "userIdType" && p["schema"] == shared) {
                    parameter["schema"]["enum"].as_array_mut().unwrap().push("wechat_id".into());
                }
            }
        }
        let resource = &mut paths["/api/v3/get-resource"]["get"]["parameters"];
        resource.as_array_mut().unwrap().iter_mut().find(|p| p["name"] == "namespace").unwrap()["required"] =
            true.into();
        let mut list = paths["/api/v3/list-users"]["post"].clone();
        list["operationId"] = "listUsersAgain".into();
        paths["/api/v3/list-users-again"] = serde_json::json!({ "post": list });
        // And an operation whose body and answer are written inline.
        let inline = serde_json::json!({"type": "object", "properties": {"name": {"type": "string"}}});
        paths["/api/v3/create-thing"] = serde_json::json!({"post": {"operationId": "createThing",
            "requestBody": {"content": {"application/json": {"schema": inline}}},
            "responses": {"200": {"description": "", "content": {"application/json": {"schema": {"type": "object",
                "required": ["statusCode", "message"], "properties": {"statusCode": {"type": "integer"},
                "message": {"type": "string"}, "data": inline}}}}}}}});

        let imported =
            import(&serde_json::to_vec(&doc).unwrap(), "next", committed(&root).unwrap().as_ref(), &corrections)
                .unwrap();
        let changes = before.changes(&imported.surface);

        let said = |impact: Impact, words: &[&str]| {
            changes.iter().any(|c| c.impact == impact && words.iter().all(|w| c.what.contains(w)))
        };
        let all: Vec<String> = changes.iter().map(|c| format!("{}: {}", c.impact, c.what)).collect();
        assert!(said(Impact::Breaking, &["struct UserDto .post_id_list", "removed"]), "{all:#?}");
        // Every generated type is `#[non_exhaustive]`: a new field or value breaks no code.
        assert!(said(Impact::Added, &["struct UserDto .post_ids", "added"]), "{all:#?}");
        assert!(said(Impact::Behaviour, &["fn get_resource .namespace", "now required"]), "{all:#?}");
        assert!(said(Impact::Behaviour, &["struct CreateDepartmentReqDto .region", "required", "refused"]), "{all:#?}");
        assert!(said(Impact::Behaviour, &["AdminAuditLogDtoOperationType ::Merge", "Unknown"]), "{all:#?}");
        assert!(said(Impact::Added, &["AdminAuditLogDtoOperationType ::Merge"]), "{all:#?}");
        assert!(said(Impact::Added, &["enum UserIdType ::WechatId"]), "{all:#?}");
        let breaking: Vec<&String> = all.iter().filter(|line| line.starts_with("breaking")).collect();
        assert_eq!(breaking.len(), 1, "only the renamed field breaks code: {breaking:#?}");
        assert!(said(Impact::Added, &["fn list_users_again .items()", "UserDto"]), "{all:#?}");
        assert!(said(Impact::Added, &["`fn list_users_again`", "POST /api/v3/list-users-again"]), "{all:#?}");
        assert!(said(Impact::Added, &["`fn create_thing`", "CreateThingRespDtoData>"]), "{all:#?}");
        assert!(said(Impact::Added, &["`struct CreateThingReqDto`"]), "{all:#?}");
        // A new operation's area (its cargo feature) is named.
        assert!(said(Impact::Added, &["fn list_users_again .feature", "users"]), "{all:#?}");
        assert!(said(Impact::Added, &["fn create_thing .feature", "other"]), "{all:#?}");
        // A new operation is one change, not one per setter, and its feature; nothing else moved.
        let elsewhere = changes.iter().filter(|c| !c.what.contains("Thing") && !c.what.contains("create_thing"));
        assert_eq!(elsewhere.count(), 10, "{all:#?}");
        let report = change_report("next", &imported.summary, true, &changes);
        assert!(report.contains("### Breaking") && report.contains("### Behaviour") && report.contains("### Added"));
        assert!(report.contains("breaking: the next release is a new minor version"), "{report}");
    }

    /// A document whose one schema progenitor refuses: an int32 default out of range.
    const REFUSED: &str = r##"{
        "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
        "paths": {"/api/v3/get-thing": {"get": {"operationId": "getThing",
            "responses": {"200": {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ThingRespDto"}}}}}}}},
        "components": {"schemas": {
            "CommonResponseDto": {"type": "object", "required": ["statusCode", "message"],
                "properties": {"statusCode": {"type": "integer"}, "message": {"type": "string"}}},
            "ThingRespDto": {"type": "object", "required": ["statusCode", "message"],
                "properties": {"statusCode": {"type": "integer"}, "message": {"type": "string"}, "data": {"$ref": "#/components/schemas/Thing"}}},
            "Thing": {"type": "object", "properties": {"level": {"type": "integer", "format": "int32", "default": 99999999999}}}
        }}
    }"##;

    /// Runs a refresh from the small document `text` in a copy of the
    /// committed files, and says it failed and changed nothing.
    async fn refused_refresh(text: &str) -> String {
        let root = tempfile::tempdir().unwrap();
        let source = crate::workspace_root();
        let kept = [SPEC_PATH, RECORD_PATH, SURFACE_PATH, SOURCE_COPY_PATH];
        for path in kept.iter().chain([&CORRECTIONS_PATH]) {
            fs::create_dir_all(root.path().join(path).parent().unwrap()).unwrap();
            fs::copy(source.join(path), root.path().join(path)).unwrap();
        }
        // The corrections are of schemas this small document does not have.
        fs::write(root.path().join(CORRECTIONS_PATH), "[]").unwrap();
        let refused = root.path().join("refused.json");
        fs::write(&refused, text).unwrap();
        let from = refused.to_str().unwrap().to_string();

        let error = run(root.path(), RegenArgs { from, dry_run: false, check: false, build_check: true })
            .await
            .expect_err("the refresh is refused");

        for path in kept {
            assert!(
                fs::read(root.path().join(path)).unwrap() == fs::read(source.join(path)).unwrap(),
                "{path} changed"
            );
        }
        let files: Vec<_> = fs::read_dir(root.path().join("openapi")).unwrap().collect();
        assert_eq!(files.len(), 3, "a temporary file was left behind");
        println!("{error:#}");
        format!("{error:#}")
    }

    #[tokio::test]
    async fn a_document_the_generator_cannot_take_is_refused_with_the_place_and_nothing_is_written() {
        let message = refused_refresh(REFUSED).await;

        assert!(message.contains("cannot be used to generate the client"), "{message}");
        assert!(message.contains("(schema Thing)"), "{message}");
    }

    #[tokio::test]
    async fn a_document_the_crate_does_not_build_from_is_refused_with_cargos_errors_and_nothing_is_written() {
        // An operation named `raw`: its method would sit beside the client's own `raw`.
        let text = REFUSED.replace("\"getThing\"", "\"raw\"").replace(", \"default\": 99999999999", "");

        let message = refused_refresh(&text).await;

        assert!(message.contains("does not build from it"), "{message}");
        assert!(message.contains("nothing written"), "{message}");
        assert!(message.contains("duplicate definitions with name `raw`"), "{message}");
    }
}
