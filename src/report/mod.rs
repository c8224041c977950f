//! Charts drawn with plotters (SVG first). Report code renders structs the analytics
//! returned; it computes no metric itself.

pub mod charts;
