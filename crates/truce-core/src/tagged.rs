//! Internally tagged enums (`{"type": "endorse", ...}`) whose content keeps its path.
//!
//! serde parses an internally tagged enum (`#[serde(tag = "type")]`) by buffering the whole
//! object before it looks at the tag, so an error anywhere inside is reported at the
//! object: `serde_path_to_error` says `body`, not `body.terms.corridors[0].windows[0].end`.
//!
//! `internally_tagged!` keeps the wire format and the path. The enum derives serde's
//! externally tagged form (`{"endorse": {...}}`) as inherent functions
//! (`#[serde(remote = "Self")]`), and the macro writes the trait impls around them:
//!
//! - `Deserialize` reads the object's keys until it meets the tag, parses the tag's value as
//!   the variant name (an unknown one is refused with the list of known ones), then hands
//!   the rest of the same object to the variant, as the externally tagged form would see
//!   `{tag: rest}`. Whatever follows the tag is parsed straight from the caller's
//!   deserializer, so paths are tracked; fields before the tag must be buffered (as JSON
//!   values) and lose the path inside them, which `TagFirst` avoids by giving the tag first.
//! - `Serialize` runs the externally tagged form through `TaggedSerializer`, which writes
//!   what serde's internally tagged form writes: the tag first, then the fields, byte for byte.
//!
//! The JSON Schema is unchanged: schemars is told `#[schemars(!remote, tag = "...")]`.

use std::{fmt, marker::PhantomData};

use serde::{
    de::{
        self,
        value::{MapAccessDeserializer, MapDeserializer, SeqDeserializer},
        DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, VariantAccess, Visitor,
    },
    forward_to_deserialize_any,
    ser::{self, Impossible, SerializeMap, SerializeStruct, SerializeStructVariant, Serializer},
    Serialize,
};
use serde_json::Value;

/// Writes `Serialize` and `Deserialize` for an enum that derives its externally tagged form
/// with `#[serde(remote = "Self")]`, so that it is internally tagged by `$tag` on the wire.
macro_rules! internally_tagged {
    ($name:ident, $tag:literal) => {
        impl $crate::tagged::RemoteDerived for $name {
            const TAG: &'static str = $tag;

            fn deserialize_external<'de, D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                // The inherent function serde derived, not the trait's.
                $name::deserialize(deserializer)
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                $name::serialize(self, $crate::tagged::TaggedSerializer::new($tag, serializer))
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::tagged::deserialize(deserializer)
            }
        }
    };
}

pub(crate) use internally_tagged;

/// An enum whose externally tagged form serde derived as inherent functions.
pub(crate) trait RemoteDerived: Sized {
    const TAG: &'static str;
    fn deserialize_external<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
}

// ---------------------------------------------------------------------------------------------
// Deserializing.

pub(crate) fn deserialize<'de, D: Deserializer<'de>, T: RemoteDerived>(deserializer: D) -> Result<T, D::Error> {
    deserializer.deserialize_map(TagVisitor(PhantomData))
}

struct TagVisitor<T>(PhantomData<T>);

impl<'de, T: RemoteDerived> Visitor<'de> for TagVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object with a `{}` field", T::TAG)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut before = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == T::TAG {
                return T::deserialize_external(Tagged { map, before });
            }
            let value: Value = map.next_value()?;
            before.push((key, value));
        }
        Err(de::Error::missing_field(T::TAG))
    }
}

/// An object whose tag is next: as a deserializer, the enum `{tag: rest}`; as an enum, its
/// variant is the tag's value and its content the rest of the object.
struct Tagged<A> {
    map: A,
    before: Vec<(String, Value)>,
}

impl<'de, A: MapAccess<'de>> Deserializer<'de> for Tagged<A> {
    type Error = A::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, A::Error> {
        visitor.visit_enum(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de, A: MapAccess<'de>> EnumAccess<'de> for Tagged<A> {
    type Error = A::Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(mut self, seed: V) -> Result<(V::Value, Self), A::Error> {
        // The tag's value, parsed where it is, so that an unknown one is reported at the tag.
        let variant = self.map.next_value_seed(seed)?;
        Ok((variant, self))
    }
}

impl<'de, A: MapAccess<'de>> VariantAccess<'de> for Tagged<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        let mut rest = self.rest();
        match rest.next_key::<String>()? {
            None => Ok(()),
            Some(key) => Err(de::Error::unknown_field(&key, &[])),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        seed.deserialize(MapAccessDeserializer::new(self.rest()))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, A::Error> {
        Err(de::Error::invalid_type(de::Unexpected::Map, &visitor))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        visitor.visit_map(self.rest())
    }
}

impl<A> Tagged<A> {
    fn rest(self) -> Rest<A> {
        Rest { map: self.map, before: self.before.into_iter(), pending: None }
    }
}

/// The fields of a tagged object other than the tag: those buffered before it, then the
/// rest of the object as it comes.
struct Rest<A> {
    map: A,
    before: std::vec::IntoIter<(String, Value)>,
    pending: Option<Value>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Rest<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        match self.before.next() {
            Some((key, value)) => {
                self.pending = Some(value);
                seed.deserialize(key.into_deserializer()).map(Some)
            }
            None => self.map.next_key_seed(seed),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match self.pending.take() {
            Some(value) => seed.deserialize(value).map_err(de::Error::custom),
            None => self.map.next_value_seed(seed),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint().map(|len| len + self.before.len())
    }
}

/// A JSON value to deserialize from that gives each object's `tag` key first, so that an
/// internally tagged enum from `internally_tagged!` buffers nothing and every error inside
/// it has its full path.
#[derive(Clone, Copy)]
pub(crate) struct TagFirst<'de> {
    value: &'de Value,
    tag: &'static str,
}

impl<'de> TagFirst<'de> {
    pub(crate) fn new(value: &'de Value, tag: &'static str) -> TagFirst<'de> {
        TagFirst { value, tag }
    }

    fn at(self, value: &'de Value) -> TagFirst<'de> {
        TagFirst { value, tag: self.tag }
    }
}

impl<'de> IntoDeserializer<'de, serde_json::Error> for TagFirst<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> TagFirst<'de> {
    /// An object (tag first) or an array, of values that are `TagFirst` too.
    fn deserialize_structure<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, serde_json::Error> {
        match self.value {
            Value::Object(object) => {
                let tag = self.tag;
                let first = object.get_key_value(tag);
                let others = object.iter().filter(move |(key, _)| key.as_str() != tag);
                let entries = first.into_iter().chain(others).map(|(key, value)| (key.as_str(), self.at(value)));
                MapDeserializer::new(entries).deserialize_any(visitor)
            }
            Value::Array(items) => {
                SeqDeserializer::new(items.iter().map(|item| self.at(item))).deserialize_any(visitor)
            }
            scalar => scalar.deserialize_any(visitor),
        }
    }
}

/// Objects and arrays through `deserialize_structure`; any other value exactly as
/// serde_json's own `&Value` deserializer takes it (so `"type": 3` is not a variant index).
macro_rules! structure_or_scalar {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        $(fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, serde_json::Error> {
            match self.value {
                Value::Object(_) | Value::Array(_) => self.deserialize_structure(visitor),
                scalar => scalar.$method($($arg,)* visitor),
            }
        })*
    };
}

impl<'de> Deserializer<'de> for TagFirst<'de> {
    type Error = serde_json::Error;

    structure_or_scalar! {
        deserialize_any();
        deserialize_bool();
        deserialize_i8();
        deserialize_i16();
        deserialize_i32();
        deserialize_i64();
        deserialize_i128();
        deserialize_u8();
        deserialize_u16();
        deserialize_u32();
        deserialize_u64();
        deserialize_u128();
        deserialize_f32();
        deserialize_f64();
        deserialize_char();
        deserialize_str();
        deserialize_string();
        deserialize_bytes();
        deserialize_byte_buf();
        deserialize_unit();
        deserialize_unit_struct(name: &'static str);
        deserialize_seq();
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_map();
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
        deserialize_identifier();
        deserialize_ignored_any();
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, serde_json::Error> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, serde_json::Error> {
        visitor.visit_newtype_struct(self)
    }

    /// Externally tagged enums (`{"corridor": "..."}`, `"city"`) as serde_json parses them.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, serde_json::Error> {
        self.value.deserialize_enum(name, variants, visitor)
    }
}

// ---------------------------------------------------------------------------------------------
// Serializing.

/// Serializes an externally tagged enum as serde's internally tagged form does: a struct
/// variant `V { a, b }` as `{tag: "v", a, b}`, a newtype variant `V(S)` of a struct as
/// `{tag: "v", ...S's fields}`, a unit variant as `{tag: "v"}`.
pub(crate) struct TaggedSerializer<S> {
    tag: &'static str,
    delegate: S,
}

impl<S> TaggedSerializer<S> {
    pub(crate) fn new(tag: &'static str, delegate: S) -> TaggedSerializer<S> {
        TaggedSerializer { tag, delegate }
    }
}

fn not_a_variant<E: ser::Error>() -> E {
    E::custom("an internally tagged enum serializes only struct, newtype and unit variants")
}

fn not_a_struct<E: ser::Error>() -> E {
    E::custom("the newtype variant of an internally tagged enum must hold a struct or a map")
}

/// The methods of `Serializer` that a case does not support, each failing with `$error`.
macro_rules! refuse {
    ($error:ident; $($method:ident($($arg:ty),*) -> $ret:ty;)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<$ret, Self::Error> {
            Err($error())
        })*
    };
}

/// Everything but variants and structs, which each serializer below handles itself.
macro_rules! refuse_the_rest {
    ($error:ident) => {
        refuse! { $error;
            serialize_bool(bool) -> Self::Ok;
            serialize_i8(i8) -> Self::Ok;
            serialize_i16(i16) -> Self::Ok;
            serialize_i32(i32) -> Self::Ok;
            serialize_i64(i64) -> Self::Ok;
            serialize_u8(u8) -> Self::Ok;
            serialize_u16(u16) -> Self::Ok;
            serialize_u32(u32) -> Self::Ok;
            serialize_u64(u64) -> Self::Ok;
            serialize_f32(f32) -> Self::Ok;
            serialize_f64(f64) -> Self::Ok;
            serialize_char(char) -> Self::Ok;
            serialize_str(&str) -> Self::Ok;
            serialize_bytes(&[u8]) -> Self::Ok;
            serialize_none() -> Self::Ok;
            serialize_unit() -> Self::Ok;
            serialize_unit_struct(&'static str) -> Self::Ok;
            serialize_seq(Option<usize>) -> Self::SerializeSeq;
            serialize_tuple(usize) -> Self::SerializeTuple;
            serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
            serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        }

        fn serialize_some<T: ?Sized + Serialize>(self, _value: &T) -> Result<Self::Ok, Self::Error> {
            Err($error())
        }

        fn serialize_newtype_struct<T: ?Sized + Serialize>(
            self,
            _name: &'static str,
            _value: &T,
        ) -> Result<Self::Ok, Self::Error> {
            Err($error())
        }
    };
}

impl<S: Serializer> Serializer for TaggedSerializer<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Impossible<S::Ok, S::Error>;
    type SerializeTuple = Impossible<S::Ok, S::Error>;
    type SerializeTupleStruct = Impossible<S::Ok, S::Error>;
    type SerializeTupleVariant = Impossible<S::Ok, S::Error>;
    type SerializeMap = Impossible<S::Ok, S::Error>;
    type SerializeStruct = Impossible<S::Ok, S::Error>;
    type SerializeStructVariant = TaggedStruct<S::SerializeStruct>;

    refuse_the_rest!(not_a_variant);

    refuse! { not_a_variant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct(&'static str, usize) -> Self::SerializeStruct;
    }

    fn serialize_unit_variant(
        self,
        name: &'static str,
        _variant_index: u32,
        variant: &'static str,
    ) -> Result<S::Ok, S::Error> {
        let mut state = self.delegate.serialize_struct(name, 1)?;
        state.serialize_field(self.tag, variant)?;
        state.end()
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _variant_index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        value.serialize(TagInjector { tag: self.tag, variant, delegate: self.delegate })
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        _variant_index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        let mut state = self.delegate.serialize_struct(name, len + 1)?;
        state.serialize_field(self.tag, variant)?;
        Ok(TaggedStruct(state))
    }
}

/// The fields of a struct variant, written into the struct that already holds the tag.
pub(crate) struct TaggedStruct<S>(S);

impl<S: SerializeStruct> SerializeStructVariant for TaggedStruct<S> {
    type Ok = S::Ok;
    type Error = S::Error;

    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, value: &T) -> Result<(), S::Error> {
        self.0.serialize_field(key, value)
    }

    fn skip_field(&mut self, key: &'static str) -> Result<(), S::Error> {
        self.0.skip_field(key)
    }

    fn end(self) -> Result<S::Ok, S::Error> {
        self.0.end()
    }
}

/// Serializes the struct (or map) inside a newtype variant with the tag as its first field.
struct TagInjector<S> {
    tag: &'static str,
    variant: &'static str,
    delegate: S,
}

impl<S: Serializer> Serializer for TagInjector<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Impossible<S::Ok, S::Error>;
    type SerializeTuple = Impossible<S::Ok, S::Error>;
    type SerializeTupleStruct = Impossible<S::Ok, S::Error>;
    type SerializeTupleVariant = Impossible<S::Ok, S::Error>;
    type SerializeMap = S::SerializeMap;
    type SerializeStruct = S::SerializeStruct;
    type SerializeStructVariant = Impossible<S::Ok, S::Error>;

    refuse_the_rest!(not_a_struct);

    refuse! { not_a_struct;
        serialize_unit_variant(&'static str, u32, &'static str) -> Self::Ok;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _variant_index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<S::Ok, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_map(self, len: Option<usize>) -> Result<S::SerializeMap, S::Error> {
        let mut state = self.delegate.serialize_map(len.map(|len| len + 1))?;
        state.serialize_entry(self.tag, self.variant)?;
        Ok(state)
    }

    fn serialize_struct(self, name: &'static str, len: usize) -> Result<S::SerializeStruct, S::Error> {
        let mut state = self.delegate.serialize_struct(name, len + 1)?;
        state.serialize_field(self.tag, self.variant)?;
        Ok(state)
    }
}
