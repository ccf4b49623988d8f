//! Canonical JSON: the serde data model written as compact JSON with object keys sorted.
//!
//! Scalars are formatted by `serde_json` itself (numbers, string escapes), so a value's
//! canonical form is byte-for-byte `serde_json::to_string(&serde_json::to_value(v)?)` with
//! sorted maps. Unlike going through `serde_json::Value`, this writes straight into one buffer
//! and sorts each object on its own, so it does not depend on how `serde_json::Map` orders its
//! keys (the `preserve_order` feature changes that for the whole build).

use std::fmt;

use serde::ser::{self, Serialize};

/// Why a value has no canonical JSON form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalError(String);

impl fmt::Display for CanonicalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CanonicalError {}

impl ser::Error for CanonicalError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        CanonicalError(msg.to_string())
    }
}

type Result<T = ()> = std::result::Result<T, CanonicalError>;

/// Appends the canonical JSON of `value` to `out`.
pub fn write_canonical<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result {
    value.serialize(Canonical { out })
}

/// The canonical JSON of `value` as a string.
///
/// ```
/// use std::collections::HashMap;
/// let map: HashMap<&str, Vec<u8>> = [("b", vec![2]), ("a", vec![1])].into();
/// assert_eq!(pjx::hash::canonical_json(&map).unwrap(), r#"{"a":[1],"b":[2]}"#);
/// ```
pub fn canonical_json<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    let mut out = Vec::new();
    write_canonical(&mut out, value)?;
    // Every byte written is either serde_json output or ASCII punctuation.
    String::from_utf8(out).map_err(|e| CanonicalError(e.to_string()))
}

/// Writes a scalar exactly as serde_json would.
fn scalar<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result {
    value
        .serialize(&mut serde_json::Serializer::new(out))
        .map_err(|e| CanonicalError(e.to_string()))
}

struct Canonical<'a> {
    out: &'a mut Vec<u8>,
}

impl<'a> ser::Serializer for Canonical<'a> {
    type Ok = ();
    type Error = CanonicalError;
    type SerializeSeq = Seq<'a>;
    type SerializeTuple = Seq<'a>;
    type SerializeTupleStruct = Seq<'a>;
    type SerializeTupleVariant = VariantSeq<'a>;
    type SerializeMap = Object<'a>;
    type SerializeStruct = Object<'a>;
    type SerializeStructVariant = VariantObject<'a>;

    fn serialize_bool(self, v: bool) -> Result {
        scalar(self.out, &v)
    }
    fn serialize_i8(self, v: i8) -> Result {
        scalar(self.out, &v)
    }
    fn serialize_i16(self, v: i16) -> Result {
        scalar(self.out, &v)
    }
    fn serialize_i32(self, v: i32) -> Result {
        scalar(self.out, &v)
    }
    fn serialize_i64(self, v: i64) -> Result {
        scalar(self.out, &v)
    }
    fn serialize_i128(self, v: i128) -> Result {
        scalar(self.out, &v)
    }
    fn serialize_u8(self, v: u8) -> Result {
        scalar(self.out, &v)
    }
    fn serialize_u16(self, v: u16) -> Result {
        scalar(self.out, &v)
    }
    fn serialize_u32(self, v: u32) -> Result {
        scalar(self.out, &v)
    }
    fn serialize_u64(self, v: u64) -> Result {
        scalar(self.out, &v)
    }
    fn serialize_u128(self, v: u128) -> Result {
        scalar(self.out, &v)
    }
    fn serialize_f32(self, v: f32) -> Result {
        scalar(self.out, &v)
    }
    fn serialize_f64(self, v: f64) -> Result {
        scalar(self.out, &v)
    }
    fn serialize_char(self, v: char) -> Result {
        scalar(self.out, &v)
    }
    fn serialize_str(self, v: &str) -> Result {
        scalar(self.out, v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result {
        scalar(self.out, v)
    }
    fn serialize_none(self) -> Result {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result {
        self.serialize_none()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result {
        scalar(self.out, variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result {
        self.out.push(b'{');
        scalar(self.out, variant)?;
        self.out.push(b':');
        value.serialize(Canonical { out: self.out })?;
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Seq<'a>> {
        self.out.push(b'[');
        Ok(Seq {
            out: self.out,
            first: true,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq<'a>> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Seq<'a>> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<VariantSeq<'a>> {
        self.out.push(b'{');
        scalar(self.out, variant)?;
        self.out.extend_from_slice(b":[");
        Ok(VariantSeq(Seq {
            out: self.out,
            first: true,
        }))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Object<'a>> {
        Ok(Object::new(self.out))
    }
    fn serialize_struct(self, _: &'static str, _len: usize) -> Result<Object<'a>> {
        Ok(Object::new(self.out))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<VariantObject<'a>> {
        self.out.push(b'{');
        scalar(self.out, variant)?;
        self.out.push(b':');
        Ok(VariantObject(Object::new(self.out)))
    }
}

struct Seq<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl Seq<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        value.serialize(Canonical { out: self.out })
    }
}

impl ser::SerializeSeq for Seq<'_> {
    type Ok = ();
    type Error = CanonicalError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.element(value)
    }
    fn end(self) -> Result {
        self.out.push(b']');
        Ok(())
    }
}

impl ser::SerializeTuple for Seq<'_> {
    type Ok = ();
    type Error = CanonicalError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.element(value)
    }
    fn end(self) -> Result {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for Seq<'_> {
    type Ok = ();
    type Error = CanonicalError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.element(value)
    }
    fn end(self) -> Result {
        ser::SerializeSeq::end(self)
    }
}

struct VariantSeq<'a>(Seq<'a>);

impl ser::SerializeTupleVariant for VariantSeq<'_> {
    type Ok = ();
    type Error = CanonicalError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.0.element(value)
    }
    fn end(self) -> Result {
        self.0.out.extend_from_slice(b"]}");
        Ok(())
    }
}

/// An object being written: entries are buffered, then sorted by key when it ends.
struct Object<'a> {
    out: &'a mut Vec<u8>,
    /// (unescaped key, canonical value) pairs.
    entries: Vec<(String, Vec<u8>)>,
    pending_key: Option<String>,
}

impl<'a> Object<'a> {
    fn new(out: &'a mut Vec<u8>) -> Self {
        Object {
            out,
            entries: Vec::new(),
            pending_key: None,
        }
    }

    fn entry<T: Serialize + ?Sized>(&mut self, key: String, value: &T) -> Result {
        let mut buf = Vec::new();
        value.serialize(Canonical { out: &mut buf })?;
        self.entries.push((key, buf));
        Ok(())
    }

    /// Writes the sorted object and hands the buffer back (struct variants close around it).
    fn finish(mut self) -> Result<&'a mut Vec<u8>> {
        // Stable sort, then keep the last of equal keys, as a JSON object (and serde_json's
        // `Value`) would.
        self.entries.sort_by(|a, b| a.0.cmp(&b.0));
        let out = self.out;
        out.push(b'{');
        let mut first = true;
        let mut entries = self.entries.iter().peekable();
        while let Some((key, value)) = entries.next() {
            if entries.peek().is_some_and(|(next, _)| next == key) {
                continue;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            scalar(out, key.as_str())?;
            out.push(b':');
            out.extend_from_slice(value);
        }
        out.push(b'}');
        Ok(out)
    }
}

impl ser::SerializeMap for Object<'_> {
    type Ok = ();
    type Error = CanonicalError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result {
        self.pending_key = Some(key.serialize(MapKey)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        let key = self
            .pending_key
            .take()
            .ok_or_else(|| CanonicalError("map value without a key".into()))?;
        self.entry(key, value)
    }
    fn end(self) -> Result {
        self.finish().map(drop)
    }
}

impl ser::SerializeStruct for Object<'_> {
    type Ok = ();
    type Error = CanonicalError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
        self.entry(key.to_owned(), value)
    }
    fn end(self) -> Result {
        self.finish().map(drop)
    }
}

struct VariantObject<'a>(Object<'a>);

impl ser::SerializeStructVariant for VariantObject<'_> {
    type Ok = ();
    type Error = CanonicalError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
        self.0.entry(key.to_owned(), value)
    }
    fn end(self) -> Result {
        self.0.finish()?.push(b'}');
        Ok(())
    }
}

/// Map keys become JSON strings, following serde_json's rules for which keys are allowed.
struct MapKey;

fn key_must_be_a_string() -> CanonicalError {
    CanonicalError("a map key must be a string, a number, a bool or a char".into())
}

impl ser::Serializer for MapKey {
    type Ok = String;
    type Error = CanonicalError;
    type SerializeSeq = ser::Impossible<String, CanonicalError>;
    type SerializeTuple = ser::Impossible<String, CanonicalError>;
    type SerializeTupleStruct = ser::Impossible<String, CanonicalError>;
    type SerializeTupleVariant = ser::Impossible<String, CanonicalError>;
    type SerializeMap = ser::Impossible<String, CanonicalError>;
    type SerializeStruct = ser::Impossible<String, CanonicalError>;
    type SerializeStructVariant = ser::Impossible<String, CanonicalError>;

    fn serialize_bool(self, v: bool) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_i8(self, v: i8) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_i16(self, v: i16) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_i32(self, v: i32) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_i64(self, v: i64) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_i128(self, v: i128) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_u16(self, v: u16) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_u32(self, v: u32) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_u64(self, v: u64) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_u128(self, v: u128) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_f32(self, v: f32) -> Result<String> {
        float_key(&v, v.is_finite())
    }
    fn serialize_f64(self, v: f64) -> Result<String> {
        float_key(&v, v.is_finite())
    }
    fn serialize_char(self, v: char) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_str(self, v: &str) -> Result<String> {
        Ok(v.to_owned())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<String> {
        Err(key_must_be_a_string())
    }
    fn serialize_none(self) -> Result<String> {
        Err(key_must_be_a_string())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<String> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit(self) -> Result<String> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<String> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<String> {
        Ok(variant.to_owned())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<String> {
        value.serialize(MapKey)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String> {
        Err(key_must_be_a_string())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(key_must_be_a_string())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(key_must_be_a_string())
    }
}

fn float_key<T: Serialize>(v: &T, finite: bool) -> Result<String> {
    if !finite {
        return Err(CanonicalError("a float map key must be finite".into()));
    }
    let mut out = Vec::new();
    scalar(&mut out, v)?;
    String::from_utf8(out).map_err(|e| CanonicalError(e.to_string()))
}
