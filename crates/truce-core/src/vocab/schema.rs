//! JSON Schemas (2020-12) for the GeoJSON geometries, behind the `schema` feature.
//!
//! Every other type derives its schema next to its definition. These three are written by
//! hand because their serde forms are hand-made too: a `Position` is a bare `[lon, lat]`
//! pair with ranges, and a `LineString` or `Polygon` is an RFC 7946 geometry object whose
//! `type` is a constant. The bounds are the same named limits the parsers enforce.

use std::borrow::Cow;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};

use crate::{
    vocab::geometry::{LineString, Polygon, Position},
    vocab::limits::{RINGS_MAX, VERTICES_MAX},
};

impl JsonSchema for Position {
    fn schema_name() -> Cow<'static, str> {
        "Position".into()
    }

    fn schema_id() -> Cow<'static, str> {
        concat!(module_path!(), "::Position").into()
    }

    fn json_schema(_generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A GeoJSON position (RFC 7946): [longitude, latitude] in degrees, WGS84, in that order.",
            "type": "array",
            "prefixItems": [
                { "description": "longitude, degrees", "type": "number", "minimum": -180.0, "maximum": 180.0 },
                { "description": "latitude, degrees", "type": "number", "minimum": -90.0, "maximum": 90.0 }
            ],
            "items": false,
            "minItems": 2,
            "maxItems": 2
        })
    }
}

impl JsonSchema for LineString {
    fn schema_name() -> Cow<'static, str> {
        "LineString".into()
    }

    fn schema_id() -> Cow<'static, str> {
        concat!(module_path!(), "::LineString").into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let position = generator.subschema_for::<Position>();
        json_schema!({
            "description": "A GeoJSON LineString geometry (RFC 7946 section 3.1.4): at least 2 positions and a geodesic length above zero.",
            "type": "object",
            "properties": {
                "type": { "const": "LineString" },
                "coordinates": { "type": "array", "items": position, "minItems": 2, "maxItems": VERTICES_MAX }
            },
            "required": ["type", "coordinates"],
            "additionalProperties": false
        })
    }
}

impl JsonSchema for Polygon {
    fn schema_name() -> Cow<'static, str> {
        "Polygon".into()
    }

    fn schema_id() -> Cow<'static, str> {
        concat!(module_path!(), "::Polygon").into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let position = generator.subschema_for::<Position>();
        json_schema!({
            "description": "A GeoJSON Polygon geometry (RFC 7946 section 3.1.6): an outer ring, then any holes. Each ring is closed (its last position equals its first) and has at least 4 positions.",
            "type": "object",
            "properties": {
                "type": { "const": "Polygon" },
                "coordinates": {
                    "type": "array",
                    "items": { "type": "array", "items": position, "minItems": 4, "maxItems": VERTICES_MAX },
                    "minItems": 1,
                    "maxItems": RINGS_MAX
                }
            },
            "required": ["type", "coordinates"],
            "additionalProperties": false
        })
    }
}
