//! Charts drawn with plotters (SVG first, PNG on request) and the shareable HTML report. Report code renders structs the analytics
//! returned; it computes no metric itself.

pub mod charts;
pub mod html;
pub mod png;
