//! Charts as PNG images: the same [`Figure`]s the report inlines as SVG, drawn by
//! plotters' bitmap backend with the bundled DejaVu Sans and encoded by the `png` crate.
//! Renders only; computes nothing.
//!
//! The bundled font has no CJK glyphs (nor Arabic, Hebrew, Thai, …), and group and member
//! names may well be Chinese. An SVG leaves the glyphs to the browser's fonts, a bitmap
//! cannot: drawing such a name would give boxes. So before drawing, every text that comes
//! from the community is checked against the font: a caption keeps the app's English chart
//! label and drops the group's name when the font cannot draw it, a bar's name becomes its
//! fallback (the member's rank), and a stray character elsewhere becomes "?". Drawing CJK
//! in PNGs would need a CJK font bundled beside DejaVu Sans (e.g. Noto Sans CJK, ~16 MB).

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef};
use plotters::prelude::*;

use super::charts::{register_font, Figure, FONT};

#[derive(Debug, thiserror::Error)]
pub enum PngError {
    #[error("cannot draw the chart {title:?}: {message}")]
    Draw { title: String, message: String },
    #[error("cannot encode the chart {title:?} as PNG: {source}")]
    Encode { title: String, source: png::EncodingError },
}

fn font() -> &'static FontRef<'static> {
    static PARSED: OnceLock<FontRef<'static>> = OnceLock::new();
    PARSED.get_or_init(|| FontRef::try_from_slice(FONT).expect("the bundled DejaVu Sans is a valid TrueType font"))
}

/// Whether the bundled font has a glyph for every visible character of `text`.
pub fn font_covers(text: &str) -> bool {
    let font = font();
    text.chars().all(|character| character.is_whitespace() || font.glyph_id(character).0 != 0)
}

/// `text` with every character the font cannot draw replaced by "?".
fn drawable(text: &str) -> String {
    let font = font();
    text.chars().map(|character| if character.is_whitespace() || font.glyph_id(character).0 != 0 { character } else { '?' }).collect()
}

/// The figure with every text the bundled font cannot draw replaced, as the module says.
pub fn bitmap_safe<'a>(figure: &Figure<'a>) -> Figure<'a> {
    let mut safe = figure.clone();
    if !font_covers(figure.subject()) {
        safe.set_subject(String::new());
    }
    match &mut safe {
        Figure::Trend(_) => {}
        Figure::Grid(grid) => {
            grid.title = drawable(&grid.title);
            for label in grid.rows.iter_mut().chain(grid.columns.iter_mut()) {
                *label = drawable(label);
            }
        }
        Figure::Bars(bars) => {
            bars.title = drawable(&bars.title);
            for bar in &mut bars.rows {
                if !font_covers(&bar.label) {
                    bar.label = bar.fallback.clone();
                }
            }
        }
    }
    safe
}

/// The figure as a PNG file's bytes (8-bit RGB, the figure's size in pixels).
pub fn png(figure: &Figure<'_>, title: &str) -> Result<Vec<u8>, PngError> {
    register_font();
    let safe = bitmap_safe(figure);
    let (width, height) = safe.size();
    let mut pixels = vec![0u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area();
        let drawn = safe.draw(&root).and_then(|()| root.present());
        drawn.map_err(|error| PngError::Draw { title: title.to_string(), message: error.to_string() })?;
    }
    let encode = |pixels: &[u8]| -> Result<Vec<u8>, png::EncodingError> {
        let mut bytes = Vec::new();
        let mut encoder = png::Encoder::new(&mut bytes, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(pixels)?;
        writer.finish()?;
        Ok(bytes)
    };
    encode(&pixels).map_err(|source| PngError::Encode { title: title.to_string(), source })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::charts::{Bar, Bars};

    fn bars(name: &str) -> Figure<'static> {
        Figure::Bars(Bars {
            title: "Top members by PageRank".to_string(),
            subject: name.to_string(),
            value_desc: "PageRank".to_string(),
            rows: vec![Bar { label: name.to_string(), fallback: "#1".to_string(), value: Some(2.0), reference: Some(1.0) }],
            range: (0.0, 3.0),
            value_label: "now".to_string(),
            reference_label: Some("before".to_string()),
            marker: None,
            decimals: 2,
        })
    }

    #[test]
    fn the_font_covers_latin_and_cyrillic_but_not_chinese() {
        assert!(font_covers("Makers Guild (demo) — Ärger, café, Привет"));
        assert!(!font_covers("创客公会"));
        assert_eq!(drawable("Rust 中文 group"), "Rust ?? group");
    }

    #[test]
    fn names_the_font_cannot_draw_fall_back_in_bitmaps_only() {
        let figure = bars("创客公会");
        let Figure::Bars(safe) = bitmap_safe(&figure) else { unreachable!() };
        assert_eq!(safe.subject, "", "the caption keeps the English label only");
        assert_eq!(safe.rows[0].label, "#1");
        let Figure::Bars(kept) = bitmap_safe(&bars("Ada Lovelace")) else { unreachable!() };
        assert_eq!((kept.subject.as_str(), kept.rows[0].label.as_str()), ("Ada Lovelace", "Ada Lovelace"));
        assert!(figure.svg().contains("创客公会"), "the SVG leaves the glyphs to the browser");
    }

    #[test]
    fn a_chart_becomes_a_png_of_its_size_with_text_drawn() {
        let bytes = png(&bars("Ada"), "bars").unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        let decoder = png::Decoder::new(std::io::Cursor::new(&bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut pixels).unwrap();
        assert_eq!((info.width, info.height), bars("Ada").size());
        // Text is drawn: some pixels are the dark grey of labels, not only white and bars.
        let dark = pixels.chunks(3).filter(|pixel| pixel.iter().all(|&channel| channel < 110)).count();
        assert!(dark > 200, "only {dark} dark pixels: the text was not drawn");
    }
}
