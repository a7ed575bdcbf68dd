//! Reading and writing the `io.kubewarden.metadata` custom section, as
//! `kwctl annotate` does.

use anyhow::{Result, anyhow, bail};

/// Name of the custom section kwctl stores the policy metadata (JSON) in.
pub const KUBEWARDEN_METADATA_SECTION: &str = "io.kubewarden.metadata";

const WASM_HEADER_LEN: usize = 8;
const WASM_MAGIC: &[u8; 4] = b"\0asm";

/// The payload of the first custom section called `name`, if any.
pub fn read_custom_section(wasm: &[u8], name: &str) -> Result<Option<Vec<u8>>> {
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(|e| anyhow!("invalid wasm module: {e}"))?;
        if let wasmparser::Payload::CustomSection(reader) = payload
            && reader.name() == name
        {
            return Ok(Some(reader.data().to_vec()));
        }
    }
    Ok(None)
}

/// A copy of `wasm` without its custom sections called `name` (an annotated
/// policy made plain again, for annotating it afresh).
pub fn remove_custom_section(wasm: &[u8], name: &str) -> Result<Vec<u8>> {
    if wasm.len() < WASM_HEADER_LEN || &wasm[..4] != WASM_MAGIC {
        bail!("not a WebAssembly module (missing \\0asm header)");
    }
    let mut out = Vec::with_capacity(wasm.len());
    out.extend_from_slice(&wasm[..WASM_HEADER_LEN]);

    let mut pos = WASM_HEADER_LEN;
    while pos < wasm.len() {
        let start = pos;
        let id = wasm[pos];
        pos += 1;
        let (size, size_len) =
            read_leb_u32(&wasm[pos..]).ok_or_else(|| anyhow!("malformed section size at byte {pos}"))?;
        pos += size_len;
        let end = pos
            .checked_add(size as usize)
            .filter(|end| *end <= wasm.len())
            .ok_or_else(|| anyhow!("section at byte {start} runs past the end of the module"))?;
        let keep = if id == 0 {
            let (name_len, name_len_len) =
                read_leb_u32(&wasm[pos..end]).ok_or_else(|| anyhow!("malformed custom section name at byte {pos}"))?;
            let name_start = pos + name_len_len;
            let name_end = name_start
                .checked_add(name_len as usize)
                .filter(|e| *e <= end)
                .ok_or_else(|| anyhow!("custom section name at byte {pos} is too long"))?;
            &wasm[name_start..name_end] != name.as_bytes()
        } else {
            true
        };
        if keep {
            out.extend_from_slice(&wasm[start..end]);
        }
        pos = end;
    }
    Ok(out)
}

/// A copy of `wasm` with every custom section called `name` removed and one
/// new custom section `name` carrying `data` appended at the end.
pub fn write_custom_section(wasm: &[u8], name: &str, data: &[u8]) -> Result<Vec<u8>> {
    let mut out = remove_custom_section(wasm, name)?;
    let mut body = Vec::with_capacity(name.len() + data.len() + 5);
    write_leb_u32(&mut body, leb_len(name.len())?);
    body.extend_from_slice(name.as_bytes());
    body.extend_from_slice(data);
    out.push(0);
    write_leb_u32(&mut out, leb_len(body.len())?);
    out.extend_from_slice(&body);
    Ok(out)
}

fn leb_len(n: usize) -> Result<u32> {
    u32::try_from(n).map_err(|_| anyhow!("custom section too large ({n} bytes)"))
}

fn read_leb_u32(bytes: &[u8]) -> Option<(u32, usize)> {
    let mut result: u64 = 0;
    for (i, byte) in bytes.iter().take(5).enumerate() {
        result |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return u32::try_from(result).ok().map(|v| (v, i + 1));
        }
    }
    None
}

fn write_leb_u32(out: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(module (func (export "f") (result i32) i32.const 42))` plus a custom
    /// section "other" = "keep".
    fn module() -> Vec<u8> {
        let mut m = vec![0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
        // type section: 1 type, func () -> i32
        m.extend_from_slice(&[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f]);
        // function section: 1 func of type 0
        m.extend_from_slice(&[0x03, 0x02, 0x01, 0x00]);
        // export section: "f" func 0
        m.extend_from_slice(&[0x07, 0x05, 0x01, 0x01, b'f', 0x00, 0x00]);
        // code section: 1 body, size 4: 0 locals, i32.const 42, end
        m.extend_from_slice(&[0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x2a, 0x0b]);
        // custom section "other" -> "keep"
        m.extend_from_slice(&[0x00, 0x0a, 0x05]);
        m.extend_from_slice(b"other");
        m.extend_from_slice(b"keep");
        m
    }

    fn custom_sections(wasm: &[u8]) -> Vec<(String, Vec<u8>)> {
        wasmparser::Parser::new(0)
            .parse_all(wasm)
            .filter_map(|p| match p.unwrap() {
                wasmparser::Payload::CustomSection(r) => Some((r.name().to_owned(), r.data().to_vec())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn leb128_round_trip() {
        for v in [0u32, 1, 127, 128, 300, 16_383, 16_384, 5_000_000, u32::MAX] {
            let mut buf = Vec::new();
            write_leb_u32(&mut buf, v);
            assert_eq!(read_leb_u32(&buf), Some((v, buf.len())), "{v}");
        }
        let mut buf = Vec::new();
        write_leb_u32(&mut buf, 624_485);
        assert_eq!(buf, [0xe5, 0x8e, 0x26]);
    }

    #[test]
    fn appends_and_reads_back() {
        let original = module();
        assert_eq!(
            read_custom_section(&original, KUBEWARDEN_METADATA_SECTION).unwrap(),
            None
        );
        let payload = br#"{"protocolVersion":"v1"}"#;
        let annotated = write_custom_section(&original, KUBEWARDEN_METADATA_SECTION, payload).unwrap();
        wasmparser::validate(&annotated).unwrap();
        assert_eq!(
            read_custom_section(&annotated, KUBEWARDEN_METADATA_SECTION).unwrap(),
            Some(payload.to_vec())
        );
        // the original module is a prefix: nothing else was touched
        assert_eq!(&annotated[..original.len()], &original[..]);
        assert_eq!(
            custom_sections(&annotated)
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>(),
            ["other", KUBEWARDEN_METADATA_SECTION]
        );
    }

    #[test]
    fn replaces_an_existing_section() {
        let once = write_custom_section(&module(), KUBEWARDEN_METADATA_SECTION, b"first").unwrap();
        // large payload forces a multi-byte section size
        let big = vec![b'x'; 70_000];
        let twice = write_custom_section(&once, KUBEWARDEN_METADATA_SECTION, &big).unwrap();
        wasmparser::validate(&twice).unwrap();
        let sections = custom_sections(&twice);
        assert_eq!(sections.len(), 2, "old section must be dropped");
        assert_eq!(sections[0], ("other".to_owned(), b"keep".to_vec()));
        assert_eq!(sections[1].0, KUBEWARDEN_METADATA_SECTION);
        assert_eq!(sections[1].1, big);
        assert_eq!(twice.len(), module().len() + 1 + 3 + 1 + 22 + 70_000);
    }

    #[test]
    fn removes_a_section_and_keeps_the_rest() {
        let annotated = write_custom_section(&module(), KUBEWARDEN_METADATA_SECTION, b"meta").unwrap();
        let plain = remove_custom_section(&annotated, KUBEWARDEN_METADATA_SECTION).unwrap();
        wasmparser::validate(&plain).unwrap();
        assert_eq!(plain, module());
        assert_eq!(read_custom_section(&plain, KUBEWARDEN_METADATA_SECTION).unwrap(), None);
        assert_eq!(remove_custom_section(&plain, "absent").unwrap(), plain);
    }

    #[test]
    fn rejects_non_wasm_and_truncated_input() {
        assert!(write_custom_section(b"hello world", "x", b"").is_err());
        let mut truncated = module();
        truncated.truncate(truncated.len() - 3);
        assert!(write_custom_section(&truncated, "x", b"").is_err());
        assert!(read_custom_section(&truncated, "other").is_err());
    }
}
