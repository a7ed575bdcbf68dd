//! Compiles promha's compact schema (`src/schema/promha-schema.yaml`) into
//! Rust statics at build time, so that no instance of the admission policy
//! parses or compiles a schema at run time: Kubewarden's policy-server runs
//! every request on a fresh instance, which would pay that cost each time.
//!
//! The schema is plain JSON Schema written as YAML, restricted to the
//! keywords promha's validator knows (`type`, `properties`,
//! `additionalProperties`, `items`, `required`, `enum`, `format: int32`,
//! `$ref` into `$defs`), plus `x-promha-other-fields`: names of fields
//! accepted without being read. Any other keyword fails the build, so the
//! schema cannot ask for a check that is silently not made.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::Value as Json;

const SCHEMA: &str = "src/schema/promha-schema.yaml";

fn main() {
    println!("cargo::rerun-if-changed={SCHEMA}");
    println!("cargo::rerun-if-changed=build.rs");
    let text = std::fs::read_to_string(SCHEMA).unwrap_or_else(|e| panic!("{SCHEMA}: {e}"));
    let root: Json = serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{SCHEMA}: {e}"));
    let mut compiler = Compiler {
        defs: root.get("$defs").and_then(Json::as_object).cloned().unwrap_or_default(),
        nodes: Vec::new(),
        compiled_defs: BTreeMap::new(),
    };
    let kinds = root
        .get("kinds")
        .and_then(Json::as_object)
        .unwrap_or_else(|| panic!("{SCHEMA}: no kinds"));
    let mut roots = Vec::new();
    for (kind, schema) in kinds {
        let index = compiler.compile(schema, kind);
        roots.push((kind.clone(), index));
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("compact_schema.rs");
    std::fs::write(&out, compiler.render(&roots)).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
}

struct Compiler {
    defs: serde_json::Map<String, Json>,
    /// Each compiled node, rendered as a Rust `SchemaNode` expression.
    nodes: Vec<String>,
    compiled_defs: BTreeMap<String, usize>,
}

impl Compiler {
    /// Compiles a schema into a node and returns its index.
    fn compile(&mut self, schema: &Json, at: &str) -> usize {
        if let Some(reference) = schema.get("$ref").and_then(Json::as_str) {
            let name = reference
                .strip_prefix("#/$defs/")
                .unwrap_or_else(|| panic!("{at}: only #/$defs/ references are supported"));
            return self.compile_def(name, at);
        }
        let index = self.nodes.len();
        self.nodes.push(String::new()); // reserved, so children come after.
        let node = match schema {
            Json::Bool(true) => "SchemaNode::ANY".to_string(),
            Json::Object(map) => self.compile_object(map, at),
            other => panic!("{at}: a schema must be a map or true, not {other}"),
        };
        self.nodes[index] = node;
        index
    }

    fn compile_def(&mut self, name: &str, at: &str) -> usize {
        if let Some(&index) = self.compiled_defs.get(name) {
            return index;
        }
        let schema = self
            .defs
            .get(name)
            .cloned()
            .unwrap_or_else(|| panic!("{at}: no $defs/{name}"));
        if schema.get("$ref").is_none() {
            // Known before its children are compiled, so a def may refer to itself.
            self.compiled_defs.insert(name.to_string(), self.nodes.len());
        }
        let index = self.compile(&schema, &format!("$defs/{name}"));
        self.compiled_defs.insert(name.to_string(), index);
        index
    }

    fn compile_object(&mut self, map: &serde_json::Map<String, Json>, at: &str) -> String {
        for key in map.keys() {
            assert!(
                matches!(
                    key.as_str(),
                    "type"
                        | "properties"
                        | "additionalProperties"
                        | "items"
                        | "required"
                        | "enum"
                        | "format"
                        | "x-promha-other-fields"
                ),
                "{at}: the keyword {key:?} is not one promha's validator checks"
            );
        }
        let types = match map.get("type") {
            None => "ANY_TYPE".to_string(),
            Some(Json::String(t)) => type_bit(t, at).to_string(),
            Some(Json::Array(list)) => list
                .iter()
                .map(|t| type_bit(t.as_str().unwrap_or_else(|| panic!("{at}: type names are strings")), at))
                .collect::<Vec<_>>()
                .join(" | "),
            Some(other) => panic!("{at}: type must be a name or a list, not {other}"),
        };
        let int32 = match map.get("format").and_then(Json::as_str) {
            None => false,
            Some("int32") => true,
            Some(other) => panic!("{at}: format {other:?} is not checked"),
        };
        let mut properties: Vec<(String, usize)> = Vec::new();
        if let Some(Json::Object(props)) = map.get("properties") {
            for (name, schema) in props {
                let child = self.compile(schema, &format!("{at}.{name}"));
                properties.push((name.clone(), child));
            }
        }
        if let Some(Json::Array(names)) = map.get("x-promha-other-fields") {
            for name in names.iter().filter_map(Json::as_str) {
                if !properties.iter().any(|(n, _)| n == name) {
                    let any = self.compile(&Json::Bool(true), &format!("{at}.{name}"));
                    properties.push((name.to_string(), any));
                }
            }
        }
        // Sorted, so a field is found by binary search.
        properties.sort();
        let additional = match map.get("additionalProperties") {
            None | Some(Json::Bool(true)) => "Additional::Allowed".to_string(),
            Some(Json::Bool(false)) => "Additional::Unknown".to_string(),
            Some(schema) => {
                let child = self.compile(schema, &format!("{at}.*"));
                format!("Additional::Each({child})")
            }
        };
        let items = match map.get("items") {
            None => "None".to_string(),
            Some(schema) => format!("Some({})", self.compile(schema, &format!("{at}[]"))),
        };
        let required: Vec<String> = map
            .get("required")
            .and_then(Json::as_array)
            .map(|r| r.iter().filter_map(Json::as_str).map(|s| format!("{s:?}")).collect())
            .unwrap_or_default();
        let choices = match map.get("enum").and_then(Json::as_array) {
            None => "None".to_string(),
            Some(values) => {
                let rendered: Vec<String> = values
                    .iter()
                    .map(|v| match v {
                        Json::Null => "Choice::Null".to_string(),
                        Json::String(s) => format!("Choice::Text({s:?})"),
                        other => panic!("{at}: enum values are strings or null, not {other}"),
                    })
                    .collect();
                format!("Some(&[{}])", rendered.join(", "))
            }
        };
        let property_list: Vec<String> = properties.iter().map(|(n, i)| format!("({n:?}, {i})")).collect();
        format!(
            "SchemaNode {{ types: {types}, int32: {int32}, properties: &[{}], additional: {additional}, items: {items}, required: &[{}], choices: {choices} }}",
            property_list.join(", "),
            required.join(", ")
        )
    }

    fn render(&self, roots: &[(String, usize)]) -> String {
        let mut out = String::from("// Generated by build.rs from src/schema/promha-schema.yaml: do not edit.\n\n");
        let _ = writeln!(out, "pub(super) static NODES: [SchemaNode; {}] = [", self.nodes.len());
        for node in &self.nodes {
            let _ = writeln!(out, "    {node},");
        }
        out.push_str("];\n\n");
        let _ = writeln!(out, "pub(super) static KINDS: [(&str, usize); {}] = [", roots.len());
        for (kind, index) in roots {
            let _ = writeln!(out, "    ({kind:?}, {index}),");
        }
        out.push_str("];\n");
        out
    }
}

fn type_bit(name: &str, at: &str) -> &'static str {
    match name {
        "null" => "NULL",
        "boolean" => "BOOLEAN",
        "integer" => "INTEGER",
        "number" => "NUMBER",
        "string" => "STRING",
        "array" => "ARRAY",
        "object" => "OBJECT",
        other => panic!("{at}: unknown type {other:?}"),
    }
}
