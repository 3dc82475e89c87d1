//! Finds where a profile that prost rejected goes wrong.
//!
//! prost's `DecodeError` names the field path (`Profile.sample:
//! Sample.location_id`) and the cause, but not the byte offset. After a
//! failed decode, the shared locator ([`crate::load::proto_locate`]) walks
//! the fields with prost's own helpers, guided by the schemas below, down to
//! the innermost bad field and its offset. It runs only on the error path.

use super::proto;
use crate::load::proto_locate::{self, Field, Schema, check};

static PROFILE: Schema = Schema { name: "Profile", check: check::<proto::Profile>, field: profile_field };
static VALUE_TYPE: Schema = Schema { name: "ValueType", check: check::<proto::ValueType>, field: value_type_field };
static SAMPLE: Schema = Schema { name: "Sample", check: check::<proto::Sample>, field: sample_field };
static LABEL: Schema = Schema { name: "Label", check: check::<proto::Label>, field: label_field };
static MAPPING: Schema = Schema { name: "Mapping", check: check::<proto::Mapping>, field: mapping_field };
static LOCATION: Schema = Schema { name: "Location", check: check::<proto::Location>, field: location_field };
static LINE: Schema = Schema { name: "Line", check: check::<proto::Line>, field: line_field };
static FUNCTION: Schema = Schema { name: "Function", check: check::<proto::Function>, field: function_field };

fn profile_field(tag: u32) -> Option<Field> {
    Some(match tag {
        1 => Field::many("sample_type", &VALUE_TYPE),
        2 => Field::many("sample", &SAMPLE),
        3 => Field::many("mapping", &MAPPING),
        4 => Field::many("location", &LOCATION),
        5 => Field::many("function", &FUNCTION),
        6 => Field::many_plain("string_table"),
        7 => Field::plain("drop_frames"),
        8 => Field::plain("keep_frames"),
        9 => Field::plain("time_nanos"),
        10 => Field::plain("duration_nanos"),
        11 => Field::one("period_type", &VALUE_TYPE),
        12 => Field::plain("period"),
        13 => Field::many_plain("comment"),
        14 => Field::plain("default_sample_type"),
        _ => return None,
    })
}

fn value_type_field(tag: u32) -> Option<Field> {
    Some(Field::plain(match tag {
        1 => "type",
        2 => "unit",
        _ => return None,
    }))
}

fn sample_field(tag: u32) -> Option<Field> {
    Some(match tag {
        1 => Field::many_plain("location_id"),
        2 => Field::many_plain("value"),
        3 => Field::many("label", &LABEL),
        _ => return None,
    })
}

fn label_field(tag: u32) -> Option<Field> {
    Some(Field::plain(match tag {
        1 => "key",
        2 => "str",
        3 => "num",
        4 => "num_unit",
        _ => return None,
    }))
}

fn mapping_field(tag: u32) -> Option<Field> {
    Some(Field::plain(match tag {
        1 => "id",
        2 => "memory_start",
        3 => "memory_limit",
        4 => "file_offset",
        5 => "filename",
        6 => "build_id",
        7 => "has_functions",
        8 => "has_filenames",
        9 => "has_line_numbers",
        10 => "has_inline_frames",
        _ => return None,
    }))
}

fn location_field(tag: u32) -> Option<Field> {
    Some(match tag {
        1 => Field::plain("id"),
        2 => Field::plain("mapping_id"),
        3 => Field::plain("address"),
        4 => Field::many("line", &LINE),
        5 => Field::plain("is_folded"),
        _ => return None,
    })
}

fn line_field(tag: u32) -> Option<Field> {
    Some(Field::plain(match tag {
        1 => "function_id",
        2 => "line",
        3 => "column",
        _ => return None,
    }))
}

fn function_field(tag: u32) -> Option<Field> {
    Some(Field::plain(match tag {
        1 => "id",
        2 => "name",
        3 => "system_name",
        4 => "filename",
        5 => "start_line",
        _ => return None,
    }))
}

/// The byte offset and a description of the innermost bad field of `data`
/// (`field sample[3].location_id: invalid varint`), or `None` when every
/// field decodes on its own (the caller falls back to prost's message).
pub fn locate(data: &[u8]) -> Option<(u64, String)> {
    proto_locate::locate(data, &PROFILE, "profile").map(|l| (l.offset, l.what))
}
