//! Integration tests.
mod perf;
