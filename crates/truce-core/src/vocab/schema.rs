//! JSON Schemas (2020-12) for the GeoJSON geometries, behind the `schema` feature.
//!
//! Every other type derives its schema next to its definition. These three are written by
//! hand because their serde forms are hand-made too: a `Position` is a bare `[lon, lat]`
//! pair with ranges, and a `LineString` or `Polygon` is an RFC 7946 geometry object whose
//! `type` is a constant (a zone's is a Polygon or a MultiPolygon). The bounds are the same
//! named limits the parsers enforce. The schemas give the form served, which is also
//! accepted; input may also wrap the geometry in a Feature or a FeatureCollection and give
//! positions an altitude (dropped), which the descriptions say.

use std::borrow::Cow;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde_json::json;

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

    fn json_schema(_generator: &mut SchemaGenerator) -> Schema {
        let line = json!({
            "type": "object",
            "properties": {
                "type": { "const": "LineString" },
                "coordinates": { "type": "array", "items": input_position(), "minItems": 2, "maxItems": VERTICES_MAX },
                "bbox": { "type": "array", "items": { "type": "number" } }
            },
            "required": ["type", "coordinates"],
            "additionalProperties": false
        });
        let feature = feature_of(&line);
        json_schema!({
            "description": "A GeoJSON LineString geometry (RFC 7946 section 3.1.4): at least 2 positions and a geodesic length above zero; served as a bare geometry of [longitude, latitude] positions. Accepted also inside a Feature, or a FeatureCollection of one Feature, with positions of three numbers (the altitude is dropped and the reply's `warnings` say so).",
            "oneOf": [
                line,
                feature,
                {
                    "type": "object",
                    "properties": {
                        "type": { "const": "FeatureCollection" },
                        "features": { "type": "array", "items": feature, "minItems": 1, "maxItems": 1 }
                    },
                    "required": ["type", "features"]
                }
            ]
        })
    }
}

/// A position as input may give it: `[lon, lat]` or `[lon, lat, altitude]` (dropped).
fn input_position() -> serde_json::Value {
    json!({
        "type": "array",
        "prefixItems": [
            { "description": "longitude, degrees", "type": "number", "minimum": -180.0, "maximum": 180.0 },
            { "description": "latitude, degrees", "type": "number", "minimum": -90.0, "maximum": 90.0 },
            { "description": "altitude: accepted and dropped", "type": "number" }
        ],
        "items": false,
        "minItems": 2,
        "maxItems": 3
    })
}

/// A GeoJSON Feature holding `geometry` (other members allowed, and ignored).
fn feature_of(geometry: &serde_json::Value) -> serde_json::Value {
    json!({
        "type": "object",
        "properties": {
            "type": { "const": "Feature" },
            "geometry": geometry,
            "properties": { "type": ["object", "null"] }
        },
        "required": ["type", "geometry"]
    })
}

impl JsonSchema for Polygon {
    fn schema_name() -> Cow<'static, str> {
        "Polygon".into()
    }

    fn schema_id() -> Cow<'static, str> {
        concat!(module_path!(), "::Polygon").into()
    }

    fn json_schema(_generator: &mut SchemaGenerator) -> Schema {
        let rings = json!({
            "type": "array",
            "items": { "type": "array", "items": input_position(), "minItems": 4, "maxItems": VERTICES_MAX },
            "minItems": 1,
            "maxItems": RINGS_MAX
        });
        let polygon = json!({
            "type": "object",
            "properties": {
                "type": { "const": "Polygon" },
                "coordinates": rings,
                "bbox": { "type": "array", "items": { "type": "number" } }
            },
            "required": ["type", "coordinates"],
            "additionalProperties": false
        });
        let multi = json!({
            "type": "object",
            "properties": {
                "type": { "const": "MultiPolygon" },
                "coordinates": { "type": "array", "items": rings, "minItems": 1, "maxItems": RINGS_MAX },
                "bbox": { "type": "array", "items": { "type": "number" } }
            },
            "required": ["type", "coordinates"],
            "additionalProperties": false
        });
        let feature = feature_of(&json!({ "oneOf": [polygon, multi] }));
        json_schema!({
            "description": "A zone's boundary: a GeoJSON Polygon (RFC 7946 section 3.1.6: an exterior ring, then any holes) or MultiPolygon (3.1.7: several such polygons). Each ring is closed (its last position equals its first), has at least 4 positions and does not intersect itself; holes lie inside their exterior and parts do not overlap. Served with exteriors counter-clockwise and holes clockwise, as the RFC says; input of either winding is accepted and rewound. Accepted also inside a Feature, or a FeatureCollection whose features' polygons are the parts, with positions of three numbers (the altitude is dropped and the reply's `warnings` say so). A bad ring is refused with its path in `field` (`command.body.boundary.coordinates[1]`).",
            "oneOf": [
                polygon,
                multi,
                feature,
                {
                    "type": "object",
                    "properties": {
                        "type": { "const": "FeatureCollection" },
                        "features": { "type": "array", "items": feature, "minItems": 1 }
                    },
                    "required": ["type", "features"]
                }
            ]
        })
    }
}
