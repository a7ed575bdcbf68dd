//! Validation against the user's own CustomResourceDefinitions (`promha
//! lint --crd`): their openAPIV3Schema, made to behave as the API server
//! does, checked by the jsonschema crate. Only the CLI has this (the `crd`
//! feature); the policy and the web page use the compact schema alone.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use serde_json::Value as Json;

use super::{SchemaIssue, type_phrase};
use crate::read::{Document, Node, ReadLimits, Source, read_text};
use crate::suggest::suggest;

/// A CustomResourceDefinition version's schema, from the user's `--crd` files.
pub struct CrdSchema {
    pub group: String,
    pub kind: String,
    pub version: String,
    /// Where the CRD came from, for messages.
    pub source: String,
    pub(super) schema: Json,
    pub(super) validator: Validator,
}

impl std::fmt::Debug for CrdSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CrdSchema({}/{} {} from {})",
            self.group, self.version, self.kind, self.source
        )
    }
}

/// Reads the CustomResourceDefinitions in files (`--crd`); other documents
/// are ignored. A file that cannot be read, or a CRD whose schema cannot be
/// compiled, is an error naming it.
pub fn crd_schemas(sources: &[Source<'_>]) -> Result<Vec<CrdSchema>, String> {
    let mut documents = Vec::new();
    for source in sources {
        let text = std::str::from_utf8(source.bytes)
            .map_err(|e| format!("{}: not UTF-8 text (at byte {})", source.file, e.valid_up_to()))?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        documents
            .extend(read_text(source.file, text, &ReadLimits::default()).map_err(|e| format!("{}: {e}", source.file))?);
    }
    crds_among(&documents)
}

fn crds_among(documents: &[Document]) -> Result<Vec<CrdSchema>, String> {
    let mut schemas = Vec::new();
    for doc in documents {
        let root = &doc.root;
        if root.get("kind").and_then(Node::as_str) != Some("CustomResourceDefinition") {
            continue;
        }
        let name = root.path(&["metadata", "name"]).and_then(Node::as_str).unwrap_or("?");
        let (Some(group), Some(kind), Some(versions)) = (
            root.path(&["spec", "group"]).and_then(Node::as_str),
            root.path(&["spec", "names", "kind"]).and_then(Node::as_str),
            root.path(&["spec", "versions"]).and_then(Node::as_seq),
        ) else {
            return Err(format!(
                "{}: CRD {name} has no spec.group, spec.names.kind or spec.versions",
                doc.file
            ));
        };
        for version in versions {
            let Some(version_name) = version.get("name").and_then(Node::as_str) else {
                continue;
            };
            let Some(openapi) = version.path(&["schema", "openAPIV3Schema"]) else {
                continue;
            };
            let mut schema = openapi.to_json();
            structural_to_json_schema(&mut schema);
            // The API server adds these to every resource's schema.
            if let Some(Json::Object(properties)) = schema.get_mut("properties") {
                for (field, field_schema) in [
                    ("apiVersion", serde_json::json!({"type": "string"})),
                    ("kind", serde_json::json!({"type": "string"})),
                    ("metadata", serde_json::json!({"type": "object"})),
                ] {
                    properties.entry(field).or_insert(field_schema);
                }
            }
            let validator = jsonschema::validator_for(&schema)
                .map_err(|e| format!("{}: CRD {name} version {version_name}: {e}", doc.file))?;
            schemas.push(CrdSchema {
                group: group.to_string(),
                kind: kind.to_string(),
                version: version_name.to_string(),
                source: doc.file.clone(),
                schema,
                validator,
            });
        }
    }
    Ok(schemas)
}

/// Makes a CRD's structural schema behave as the API server does: fields not
/// in `properties` are unknown (the API server prunes them), `nullable`
/// allows null, and int-or-string allows both.
fn structural_to_json_schema(schema: &mut Json) {
    let Json::Object(map) = schema else {
        return;
    };
    let preserve = map.get("x-kubernetes-preserve-unknown-fields") == Some(&Json::Bool(true));
    if map.contains_key("properties") && !map.contains_key("additionalProperties") && !preserve {
        map.insert("additionalProperties".to_string(), Json::Bool(false));
    }
    if map.get("x-kubernetes-int-or-string") == Some(&Json::Bool(true)) {
        map.remove("type");
        map.insert("type".to_string(), serde_json::json!(["integer", "string"]));
    }
    if map.remove("nullable") == Some(Json::Bool(true))
        && let Some(Json::String(t)) = map.get("type").cloned()
    {
        map.insert("type".to_string(), serde_json::json!([t, "null"]));
    }
    // Formats are annotations for the API server too; keep them out of the way.
    map.remove("format");
    for (key, value) in map.iter_mut() {
        match key.as_str() {
            "properties" | "patternProperties" | "definitions" | "$defs" => {
                if let Json::Object(children) = value {
                    children.values_mut().for_each(structural_to_json_schema);
                }
            }
            "items" | "additionalProperties" | "not" => structural_to_json_schema(value),
            "allOf" | "anyOf" | "oneOf" => {
                if let Json::Array(children) = value {
                    children.iter_mut().for_each(structural_to_json_schema);
                }
            }
            _ => {}
        }
    }
}

pub(super) fn validate(
    validator: &Validator,
    schema: &Json,
    root: &Node,
    unknown_fields: bool,
    source: &str,
) -> Vec<SchemaIssue> {
    let instance = root.to_json();
    let mut issues = Vec::new();
    for error in validator.iter_errors(&instance) {
        issues.extend(describe(&error, schema, root, unknown_fields, source));
    }
    issues.sort_by(|a, b| (a.position, &a.path).cmp(&(b.position, &b.path)));
    issues.dedup();
    issues
}

fn describe(
    error: &ValidationError<'_>,
    schema: &Json,
    root: &Node,
    unknown_fields: bool,
    source: &str,
) -> Vec<SchemaIssue> {
    let pointer = error.instance_path().as_str();
    let path = dotted_path(pointer);
    let node = root.at_pointer(pointer);
    let position = node.map_or(root.position, |n| n.position);
    let found = node.map_or_else(|| "missing".to_string(), Node::describe);
    let issue = |message: String, fix: String| SchemaIssue {
        position,
        path: path.clone(),
        message: format!("{message}{source}"),
        fix,
        unknown_field: false,
    };
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            if !unknown_fields {
                return Vec::new();
            }
            let known = known_properties(schema, error.schema_path().as_str());
            unexpected
                .iter()
                .map(|field| {
                    let field_path = if path.is_empty() { field.clone() } else { format!("{path}.{field}") };
                    let suggestion = suggest(field, known.iter().map(String::as_str));
                    SchemaIssue {
                        position: node.and_then(|n| n.get(field)).map_or(position, |n| n.position),
                        message: format!(
                            "`{field_path}` is not a field promha or the API knows{source}; it is ignored (pruned by the API server), so whatever it was meant to set stays at its default"
                        ),
                        fix: match suggestion {
                            Some(s) => format!("rename `{field}` to `{s}`"),
                            None => format!("remove `{field}` or move it to where it belongs"),
                        },
                        path: field_path,
                        unknown_field: true,
                    }
                })
                .collect()
        }
        ValidationErrorKind::Type { kind } => {
            let expected: Vec<&str> = match kind {
                TypeKind::Single(t) => vec![type_phrase(t.as_str())],
                TypeKind::Multiple(set) => set
                    .into_iter()
                    .filter(|t| t.as_str() != "null")
                    .map(|t| type_phrase(t.as_str()))
                    .collect(),
            };
            vec![issue(
                format!("`{path}` must be {}, but is {found}", expected.join(" or ")),
                format!("write `{path}` as {}", expected.join(" or ")),
            )]
        }
        ValidationErrorKind::Enum { options } => {
            let choices: Vec<String> = options
                .as_array()
                .map(|o| {
                    o.iter()
                        .filter(|v| !v.is_null())
                        .map(|v| v.to_string().trim_matches('"').to_string())
                        .collect()
                })
                .unwrap_or_default();
            vec![issue(
                format!("`{path}` must be one of {}, but is {found}", choices.join(", ")),
                format!("set `{path}` to one of {}", choices.join(", ")),
            )]
        }
        ValidationErrorKind::Required { property } => {
            let property = property.as_str().unwrap_or_default();
            vec![issue(
                format!(
                    "`{}` is required but missing",
                    if path.is_empty() {
                        property.to_string()
                    } else {
                        format!("{path}.{property}")
                    }
                ),
                format!("add `{property}`"),
            )]
        }
        _ => vec![issue(format!("`{path}`: {error}"), String::new())],
    }
}

/// `/spec/a/0/b` → `spec.a[0].b`.
pub fn dotted_path(pointer: &str) -> String {
    let mut path = String::new();
    for raw in pointer.split('/').skip(1) {
        let segment = raw.replace("~1", "/").replace("~0", "~");
        if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
            path.push_str(&format!("[{segment}]"));
        } else {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&segment);
        }
    }
    path
}

/// The property names of the schema object an `additionalProperties` error
/// came from, following `$ref`s, for "did you mean".
fn known_properties(schema: &Json, schema_path: &str) -> Vec<String> {
    let mut current = schema;
    let segments: Vec<String> = schema_path
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    let Some((last, parents)) = segments.split_last() else {
        return Vec::new();
    };
    debug_assert_eq!(last, "additionalProperties");
    for segment in parents {
        current = match resolve_ref(schema, current).and_then(|c| child(c, segment)) {
            Some(next) => next,
            None => return Vec::new(),
        };
    }
    resolve_ref(schema, current)
        .and_then(|c| c.get("properties"))
        .and_then(Json::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

fn child<'a>(value: &'a Json, segment: &str) -> Option<&'a Json> {
    match value {
        Json::Object(map) => map.get(segment),
        Json::Array(items) => items.get(segment.parse::<usize>().ok()?),
        _ => None,
    }
}

fn resolve_ref<'a>(root: &'a Json, value: &'a Json) -> Option<&'a Json> {
    let mut current = value;
    for _ in 0..16 {
        match current.get("$ref").and_then(Json::as_str) {
            Some(reference) => {
                let pointer = reference.strip_prefix('#')?;
                current = root.pointer(pointer)?;
            }
            None => return Some(current),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::object::Object;
    use crate::schema::check_object;

    #[test]
    fn crd_schemas_prune_like_the_api_server() {
        let crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\nspec:\n  group: example.com\n  names: {kind: Widget}\n  versions:\n  - name: v1\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n          spec:\n            type: object\n            properties:\n              size: {type: integer, nullable: true}\n              port: {x-kubernetes-int-or-string: true}\n              extra: {type: object, x-kubernetes-preserve-unknown-fields: true}\n";
        let crds = crd_schemas(&[Source::text("crd.yaml", crd)]).unwrap();
        assert_eq!(crds.len(), 1);
        let objects = read_text(
            "w.yaml",
            "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n  size: null\n  port: web\n  extra: {anything: 1}\n  sise: 3\n",
            &ReadLimits::default(),
        )
        .unwrap();
        let object = Object::identify(0, &objects[0]).unwrap();
        let found = check_object(&object, true, &crds);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].path, "spec.sise");
        assert!(found[0].message.contains("CRD from crd.yaml"));
        assert_eq!(found[0].fix, "rename `sise` to `size`");
    }

    /// The API server's structural rules (`nullable`, int-or-string) hold
    /// inside `anyOf`/`oneOf`/`allOf` branches too.
    #[test]
    fn structural_rules_hold_in_every_branch() {
        let crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\nspec:\n  group: example.com\n  names: {kind: Widget}\n  versions:\n  - name: v1\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n          spec:\n            type: object\n            properties:\n              size:\n                anyOf:\n                - {type: integer, nullable: true}\n                - {type: boolean}\n              port:\n                oneOf:\n                - {x-kubernetes-int-or-string: true}\n              mode:\n                allOf:\n                - {type: string, nullable: true}\n";
        let crds = crd_schemas(&[Source::text("crd.yaml", crd)]).unwrap();
        let issues_of = |spec: &str| {
            let text = format!("apiVersion: example.com/v1\nkind: Widget\nmetadata: {{name: w}}\nspec: {spec}\n");
            let objects = read_text("w.yaml", &text, &ReadLimits::default()).unwrap();
            let object = Object::identify(0, &objects[0]).unwrap();
            check_object(&object, false, &crds)
                .into_iter()
                .map(|i| i.path)
                .collect::<Vec<_>>()
        };
        assert!(issues_of("{size: null, port: web, mode: null}").is_empty());
        assert!(issues_of("{size: 3, port: 8080, mode: fast}").is_empty());
        assert_eq!(
            issues_of("{size: big, port: [1], mode: 1}"),
            ["spec.size", "spec.port", "spec.mode"]
        );
    }

    /// invalid-resource checks an object that is no workload against the
    /// CRD of its group and kind, and not against a CRD of the same kind in
    /// another group.
    #[test]
    fn objects_are_checked_against_the_crd_of_their_group() {
        let crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\nspec:\n  group: example.com\n  names: {kind: Widget}\n  versions:\n  - name: v1\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n          spec: {type: object, properties: {size: {type: integer}}}\n";
        let options = crate::scope::CheckOptions {
            crds: crd_schemas(&[Source::text("crd.yaml", crd)]).unwrap(),
            ..Default::default()
        };
        let invalid = |api_version: &str| {
            let widget =
                format!("apiVersion: {api_version}\nkind: Widget\nmetadata: {{name: w}}\nspec: {{size: big}}\n");
            crate::check::lint(
                &[Source::text("w.yaml", &widget)],
                &crate::settings::Settings::default(),
                &options,
            )
            .findings
            .into_iter()
            .filter(|f| f.rule == "invalid-resource")
            .map(|f| f.message)
            .collect::<Vec<_>>()
        };
        assert_eq!(
            invalid("example.com/v1"),
            ["`spec.size` must be an integer, but is the string \"big\" (CRD from crd.yaml)"]
        );
        assert!(invalid("other.example.com/v1").is_empty());
    }

    /// Each kind of problem the API server would refuse, named by its path
    /// (list items by index) with what was found and what is allowed;
    /// unknown fields only when asked for.
    #[test]
    fn crd_problems_name_the_path_the_value_and_what_is_allowed() {
        let crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\nspec:\n  group: example.com\n  names: {kind: Widget}\n  versions:\n  - name: v1\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n          spec:\n            type: object\n            properties:\n              size: {type: integer, nullable: true}\n              mode: {type: string, enum: [fast, safe]}\n              ports:\n                type: array\n                items:\n                  type: object\n                  required: [name]\n                  properties:\n                    name: {type: string}\n                    port: {x-kubernetes-int-or-string: true}\n";
        let crds = crd_schemas(&[Source::text("crd.yaml", crd)]).unwrap();
        let widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n  size: big\n  mode: quick\n  ports:\n  - {port: web, nam: http}\n  - {name: b, port: 8080}\n";
        let objects = read_text("w.yaml", widget, &ReadLimits::default()).unwrap();
        let object = Object::identify(0, &objects[0]).unwrap();
        let found = check_object(&object, true, &crds);
        let said: Vec<(String, u32, String, String)> = found
            .iter()
            .map(|i| (i.path.clone(), i.position.line, i.message.clone(), i.fix.clone()))
            .collect();
        let said_by = |path: &str| {
            said.iter()
                .find(|s| s.0 == path)
                .unwrap_or_else(|| panic!("nothing on {path}: {said:#?}"))
        };
        assert_eq!(said.len(), 4, "{said:#?}");
        let at = |line: u32, message: &str, fix: &str| (line, message.to_string(), fix.to_string());
        let without_path = |s: &(String, u32, String, String)| (s.1, s.2.clone(), s.3.clone());
        assert_eq!(
            without_path(said_by("spec.size")),
            at(
                5,
                "`spec.size` must be an integer, but is the string \"big\" (CRD from crd.yaml)",
                "write `spec.size` as an integer"
            )
        );
        assert_eq!(
            without_path(said_by("spec.mode")),
            at(
                6,
                "`spec.mode` must be one of fast, safe, but is the string \"quick\" (CRD from crd.yaml)",
                "set `spec.mode` to one of fast, safe"
            )
        );
        assert_eq!(
            without_path(said_by("spec.ports[0]")),
            at(
                8,
                "`spec.ports[0].name` is required but missing (CRD from crd.yaml)",
                "add `name`"
            )
        );
        assert_eq!(said_by("spec.ports[0].nam").3, "rename `nam` to `name`");
        let quiet: Vec<String> = check_object(&object, false, &crds)
            .into_iter()
            .map(|i| i.path)
            .collect();
        assert_eq!(
            quiet,
            ["spec.size", "spec.mode", "spec.ports[0]"],
            "no unknown field unless asked"
        );
    }
}
