//! Trend charts, drawn with plotters' SVG backend into the page itself: nothing is fetched when
//! the pack is opened (council networks block CDNs, and packs are opened from file shares).

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

/// Colours: the LA's line, the target, England and the statistical neighbours.
const LA: RGBColor = RGBColor(0, 94, 165);
const TARGET: RGBColor = RGBColor(212, 53, 28);
const ENGLAND: RGBColor = RGBColor(80, 90, 95);
const NEIGHBOURS: RGBColor = RGBColor(0, 112, 60);

/// How many labelled ticks the y axis has at most.
const Y_TICKS: usize = 5;

/// What one chart shows.
#[derive(Debug, Clone, Default)]
pub struct Trend {
    /// Labels of the x axis (months or years).
    pub labels: Vec<String>,
    /// One value per label; `None` where there is no figure (no data or suppressed).
    pub values: Vec<Option<f64>>,
    pub target: Option<f64>,
    pub england: Option<f64>,
    pub neighbours: Option<f64>,
    /// Axis caption: the unit.
    pub unit: String,
}

/// Renders a trend as an SVG element. `None` when there is nothing to draw (no value at all).
pub fn trend_svg(t: &Trend, width: u32, height: u32) -> Option<String> {
    let shown: Vec<f64> = t.values.iter().flatten().copied().collect();
    if shown.is_empty() || t.labels.len() != t.values.len() {
        return None;
    }
    let refs: Vec<f64> = [t.target, t.england, t.neighbours].into_iter().flatten().collect();
    let lo = shown.iter().chain(&refs).copied().fold(f64::INFINITY, f64::min).min(0.0);
    let hi = shown.iter().chain(&refs).copied().fold(f64::NEG_INFINITY, f64::max);
    let hi = if t.unit == "percent" { hi.clamp(1.0, 100.0).max(hi) } else { hi.max(1.0) } * 1.08;
    let mut svg = String::new();
    draw(t, &mut svg, width, height, lo, hi).ok()?;
    Some(svg)
}

fn draw(t: &Trend, svg: &mut String, width: u32, height: u32, lo: f64, hi: f64) -> Result<(), String> {
    draw_on(t, svg, width, height, lo, hi).map_err(|e| e.to_string())
}

fn draw_on<'a>(t: &Trend, svg: &'a mut String, width: u32, height: u32, lo: f64, hi: f64) -> Result<(), Box<dyn std::error::Error + 'a>> {
    let n = t.labels.len();
    let root = SVGBackend::with_string(svg, (width, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let x_max = (n.max(2) - 1) as f64;
    let mut chart = ChartBuilder::on(&root)
        .margin(8)
        .margin_right(16)
        .x_label_area_size(24)
        .y_label_area_size(44)
        .build_cartesian_2d(-0.3..x_max + 0.3, lo..hi)?;
    let labels = t.labels.clone();
    let every = n.div_ceil(7).max(1);
    let decimals = tick_decimals(lo, hi);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(RGBColor(235, 235, 235))
        .x_labels(n)
        .x_label_formatter(&|x| {
            let i = x.round();
            let idx = i as usize;
            if (x - i).abs() < 0.01 && i >= 0.0 && idx < labels.len() && (idx % every == 0 || idx + 1 == labels.len()) {
                labels[idx].clone()
            } else {
                String::new()
            }
        })
        .y_labels(Y_TICKS)
        .y_label_formatter(&|y| tick_label(*y, decimals, &t.unit))
        .label_style(("sans-serif", 11))
        .draw()?;
    let reference = |value: Option<f64>, colour: RGBColor, name: &str| (value, colour, name.to_string());
    for (value, colour, name) in [
        reference(t.target, TARGET, "Target"),
        reference(t.england, ENGLAND, "England"),
        reference(t.neighbours, NEIGHBOURS, "Stat. neighbours"),
    ] {
        if let Some(v) = value {
            chart
                .draw_series(DashedLineSeries::new(vec![(-0.3, v), (x_max + 0.3, v)], 6, 4, colour.stroke_width(2)))?
                .label(name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2)));
        }
    }
    // The LA's line breaks where a figure is missing, so a gap is never drawn as a trend.
    let mut segment: Vec<(f64, f64)> = Vec::new();
    let mut segments = Vec::new();
    for (i, v) in t.values.iter().enumerate() {
        match v {
            Some(v) => segment.push((i as f64, *v)),
            None => segments.push(std::mem::take(&mut segment)),
        }
    }
    segments.push(segment);
    let mut first = true;
    for s in segments.into_iter().filter(|s| !s.is_empty()) {
        let series = chart.draw_series(LineSeries::new(s.clone(), LA.stroke_width(2)))?;
        if first {
            series.label("This LA").legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], LA.stroke_width(2)));
            first = false;
        }
        chart.draw_series(s.into_iter().map(|p| Circle::new(p, 3, LA.filled())))?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .label_font(("sans-serif", 11))
        .position(SeriesLabelPosition::LowerLeft)
        .draw()?;
    root.present()?;
    Ok(())
}

/// Decimal places the y axis labels of `lo..hi` need so that neighbouring ticks read differently:
/// as many as the tick step plotters chooses (1, 2 or 5 times a power of ten) has, so a 0-2.5 %
/// axis reads 0.0%, 0.5%, 1.0% ... instead of 0%, 1%, 1%, 2%.
fn tick_decimals(lo: f64, hi: f64) -> usize {
    let ticks = RangedCoordf64::from(lo..hi).key_points(Y_TICKS);
    let step = ticks.windows(2).map(|w| w[1] - w[0]).fold(f64::INFINITY, f64::min);
    if !step.is_finite() || step <= 0.0 {
        return 0;
    }
    (0..6)
        .find(|&d| {
            let scaled = step * 10f64.powi(d);
            (scaled - scaled.round()).abs() < 1e-6 * scaled
        })
        .unwrap_or(6) as usize
}

/// A y axis label: the value to `decimals` places, with `%` for a percent.
fn tick_label(y: f64, decimals: usize, unit: &str) -> String {
    let suffix = if unit == "percent" { "%" } else { "" };
    format!("{y:.decimals$}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trend_is_an_svg_with_its_line_and_reference_lines() {
        let t = Trend {
            labels: vec!["Jan".into(), "Feb".into(), "Mar".into()],
            values: vec![Some(20.0), None, Some(25.0)],
            target: Some(23.0),
            england: Some(21.0),
            neighbours: None,
            unit: "percent".into(),
        };
        let svg = trend_svg(&t, 420, 200).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("</svg>"));
        assert!(svg.contains("Target") && svg.contains("England") && svg.contains("This LA"));
        assert!(!svg.contains("Stat. neighbours"), "no neighbour line without a value");
        assert!(trend_svg(&Trend { values: vec![None, None], labels: vec!["a".into(), "b".into()], ..t }, 420, 200).is_none());
    }

    /// The labels plotters would write on an axis from `lo` to `hi`.
    fn axis(lo: f64, hi: f64, unit: &str) -> Vec<String> {
        let d = tick_decimals(lo, hi);
        RangedCoordf64::from(lo..hi).key_points(Y_TICKS).into_iter().map(|y| tick_label(y, d, unit)).collect()
    }

    #[test]
    fn tick_labels_follow_the_tick_step() {
        // Values up to 2 % (axis to 2.16, as trend_svg scales it): ticks every 0.5, once read 0%, 0%, 1%, 2%, 2%.
        assert_eq!(axis(0.0, 2.16, "percent"), ["0.0%", "0.5%", "1.0%", "1.5%", "2.0%"]);
        assert_eq!(axis(0.0, 108.0, "percent"), ["0%", "50%", "100%"]);
        assert_eq!(axis(0.0, 0.27, "days"), ["0.0", "0.1", "0.2"]);
        assert_eq!(axis(0.0, 0.1, "days"), ["0.00", "0.05", "0.10"]);
        for (lo, hi) in [(0.0, 1.08), (0.0, 2.7), (0.0, 5.4), (-3.0, 12.0), (0.0, 0.3), (0.0, 1234.0)] {
            let labels = axis(lo, hi, "percent");
            let mut distinct = labels.clone();
            distinct.dedup();
            assert_eq!(labels, distinct, "{lo}..{hi}: every tick reads differently");
        }
        // The drawn chart carries them.
        let t = Trend {
            labels: vec!["Jan".into(), "Feb".into()],
            values: vec![Some(1.0), Some(2.0)],
            unit: "percent".into(),
            ..Default::default()
        };
        let svg = trend_svg(&t, 420, 200).unwrap();
        let texts: Vec<&str> = svg.lines().map(str::trim).filter(|l| l.ends_with('%')).collect();
        assert_eq!(texts, ["0.0%", "0.5%", "1.0%", "1.5%", "2.0%"], "{svg}");
    }
}
