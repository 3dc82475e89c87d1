//! The `firesight` binary.
fn main() {}
