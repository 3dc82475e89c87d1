//! Integration tests.
mod pprof;
