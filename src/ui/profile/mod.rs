//! Parts of the profile view that only some profiles have (the heap size
//! over time of a massif profile). Views only: they draw what `analysis`
//! computed and return nothing but widget state.

pub mod heap_chart;
