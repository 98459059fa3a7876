//! Pictures: a [`Figure`] drawn as inline SVG (HTML) and as TikZ (LaTeX),
//! by nnkey itself. Axes carry ticks with exact labels where they are
//! short (`-2`, `1/8`); each mark's meaning has one look, told apart by
//! line style and shade rather than hue, so a picture survives grayscale
//! print and a dark screen alike.

use std::fmt::Write;

use crate::algebra::{Q, Ring};
use crate::derive::explain::{Axis, Figure, Mark, Panel, Role, Shade};
use crate::language::math::Math;
use crate::render::limits::SHOWN_PIXELS;

use super::layout::prose_text;
use super::math::latex::latex;
use super::math::lower::lower;
use super::math::mathml::escape;
use super::math::text::inline;
use super::text::lower_prose;

/// One panel of an SVG picture, in its own units.
const WIDTH: f64 = 440.0;
const HEIGHT: f64 = 300.0;
/// Margins for the axes' ticks and labels (and a panel's title).
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 26.0;
const BOTTOM: f64 = 44.0;
/// The plotting area of a TikZ picture, in centimetres: one panel, or
/// each of two side by side (with their labels, within the text width).
const TIKZ_WIDTH: f64 = 7.0;
const TIKZ_HEIGHT: f64 = 4.2;
const TIKZ_PAIR_WIDTH: f64 = 3.9;
const TIKZ_PAIR_HEIGHT: f64 = 3.6;
/// The width images side by side may take, in centimetres: the text
/// width less a list's indent.
const TIKZ_IMAGES_WIDTH: f64 = 10.0;

/// The ticks of an axis: the figure's own, or about five round values.
pub fn ticks(a: &Axis) -> Vec<Q> {
    if !a.ticks.is_empty() {
        return a.ticks.iter().filter(|t| **t >= a.lo && **t <= a.hi).cloned().collect();
    }
    let span = (&a.hi - &a.lo).to_f64();
    if span <= 0.0 || !span.is_finite() {
        return vec![a.lo.clone()];
    }
    let raw = span / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|k| k * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
    // The step as an exact decimal: 0.25 is 1/4.
    let step = Q::parse(format!("{step:.10}").trim_end_matches('0').trim_end_matches('.')).unwrap_or_else(|_| Q::one());
    if step.is_zero() {
        return vec![a.lo.clone()];
    }
    let first = Q::from_bigints((&a.lo / &step).floor(), num_bigint::BigInt::from(1));
    let mut t = &first * &step;
    let mut out = Vec::new();
    while t <= a.hi && out.len() < 20 {
        if t >= a.lo {
            out.push(t.clone());
        }
        t = &t + &step;
    }
    out
}

/// A tick's label: the exact value when short, else a decimal.
fn tick_label(q: &Q) -> String {
    let exact = q.to_string();
    if exact.len() <= 6 { exact } else { format!("{:.3}", q.to_f64()) }
}

struct Frame {
    /// Where the panel starts in the picture.
    left: f64,
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

impl Frame {
    fn of(f: &Panel, left: f64) -> Frame {
        let (x0, x1) = (f.x.lo.to_f64(), f.x.hi.to_f64());
        let (y0, y1) = (f.y.lo.to_f64(), f.y.hi.to_f64());
        Frame { left, x0, x1: if x1 > x0 { x1 } else { x0 + 1.0 }, y0, y1: if y1 > y0 { y1 } else { y0 + 1.0 } }
    }

    fn sx(&self, x: &Q) -> f64 {
        self.left + LEFT + (x.to_f64() - self.x0) / (self.x1 - self.x0) * (WIDTH - LEFT - RIGHT)
    }

    fn sy(&self, y: &Q) -> f64 {
        TOP + (self.y1 - y.to_f64()) / (self.y1 - self.y0) * (HEIGHT - TOP - BOTTOM)
    }
}

/// The SVG class of a role (styled by the page's CSS, with defaults inline).
fn class(r: Role) -> &'static str {
    match r {
        Role::Main => "main",
        Role::Accent => "accent",
        Role::Second => "second",
        Role::Yes => "yes",
        Role::No => "no",
        Role::Target => "target",
        Role::Guide => "guide",
    }
}

/// The style of each role, inside every SVG so that it also stands alone.
const SVG_STYLE: &str = "\
.main{fill:none;stroke:currentColor;stroke-width:2.2}\
.accent{fill:none;stroke:currentColor;stroke-width:1.6;stroke-dasharray:7 4}\
.second{fill:none;stroke:currentColor;stroke-width:1.6;stroke-dasharray:2 3}\
.yes{fill:currentColor;fill-opacity:.32;stroke:currentColor;stroke-width:1}\
.no{fill:currentColor;fill-opacity:.06;stroke:currentColor;stroke-width:1;stroke-dasharray:3 3}\
.target{fill:none;stroke:currentColor;stroke-width:2.6;stroke-dasharray:10 3 2 3}\
.guide{fill:none;stroke:currentColor;stroke-opacity:.45;stroke-width:1;stroke-dasharray:4 4}\
.dot.yes,.dot.main{fill:currentColor;fill-opacity:1}\
.dot.no{fill:none;stroke:currentColor;stroke-width:1.8;stroke-dasharray:none}\
.axis{fill:none;stroke:currentColor;stroke-width:1}\
text{fill:currentColor;font:13px sans-serif}";

fn points_attr(frame: &Frame, pts: &[(Q, Q)]) -> String {
    pts.iter().map(|(x, y)| format!("{:.1},{:.1}", frame.sx(x), frame.sy(y))).collect::<Vec<_>>().join(" ")
}

/// The figure as an inline `<svg>`, `id` unique in the page.
pub fn svg(f: &Figure, ring: &Ring, id: &str) -> String {
    let caption = prose_text(&lower_prose(&f.caption, ring));
    let width = WIDTH * f.panels.len().max(1) as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"figure\" viewBox=\"0 0 {width} {HEIGHT}\" width=\"{width}\" height=\"{HEIGHT}\" role=\"img\" aria-labelledby=\"{id}-t\" xmlns=\"http://www.w3.org/2000/svg\">\
<title id=\"{id}-t\">{}</title><style>{SVG_STYLE}</style>",
        escape(&caption)
    );
    for (k, p) in f.panels.iter().enumerate() {
        svg_panel(&mut s, p, ring, &format!("{id}-{k}"), WIDTH * k as f64);
    }
    s.push_str("</svg>");
    s
}

fn svg_panel(s: &mut String, f: &Panel, ring: &Ring, id: &str, left: f64) {
    if let Some((rows, shade)) = f.cells() {
        return svg_image(s, f, rows, shade, ring, left);
    }
    let frame = Frame::of(f, left);
    let (l, r, t, b) = (left + LEFT, left + WIDTH - RIGHT, TOP, HEIGHT - BOTTOM);
    if let Some(title) = &f.title {
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"16\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>",
            (l + r) / 2.0,
            escape(&prose_text(&lower_prose(title, ring)))
        );
    }
    let _ = write!(
        s,
        "<clipPath id=\"{id}-c\"><rect x=\"{l}\" y=\"{t}\" width=\"{}\" height=\"{}\"/></clipPath>",
        r - l,
        b - t
    );
    // Axes: the frame's bottom and left sides, with ticks.
    let _ = write!(s, "<path class=\"axis\" d=\"M{l},{t} L{l},{b} L{r},{b}\"/>");
    for q in ticks(&f.x) {
        let x = frame.sx(&q);
        let _ = write!(
            s,
            "<path class=\"axis\" d=\"M{x:.1},{b} l0,5\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            b + 18.0,
            escape(&tick_label(&q))
        );
    }
    for q in ticks(&f.y) {
        let y = frame.sy(&q);
        let _ = write!(
            s,
            "<path class=\"axis\" d=\"M{l},{y:.1} l-5,0\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            l - 8.0,
            y + 4.0,
            escape(&tick_label(&q))
        );
    }
    let _ = write!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-style=\"italic\">{}</text>",
        (l + r) / 2.0,
        HEIGHT - 6.0,
        escape(&inline(&lower(&f.x.label, ring)))
    );
    let ly = (t + b) / 2.0;
    let lx = left + 14.0;
    let _ = write!(
        s,
        "<text x=\"{lx:.1}\" y=\"{ly:.1}\" text-anchor=\"middle\" font-style=\"italic\" transform=\"rotate(-90 {lx:.1} {ly:.1})\">{}</text>",
        escape(&inline(&lower(&f.y.label, ring)))
    );
    let _ = write!(s, "<g clip-path=\"url(#{id}-c)\">");
    let mut labels = String::new();
    let label = |labels: &mut String, at: (f64, f64), m: &Option<Math>, anchor: &str| {
        if let Some(m) = m {
            let _ = write!(
                labels,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>",
                at.0,
                at.1,
                escape(&inline(&lower(m, ring)))
            );
        }
    };
    for m in &f.marks {
        match m {
            Mark::Region { points, role, label: lb } => {
                let _ = write!(s, "<polygon class=\"{}\" points=\"{}\"/>", class(*role), points_attr(&frame, points));
                if !points.is_empty() {
                    let n = points.len() as f64;
                    let cx = points.iter().map(|p| frame.sx(&p.0)).sum::<f64>() / n;
                    let cy = points.iter().map(|p| frame.sy(&p.1)).sum::<f64>() / n;
                    label(&mut labels, (cx, cy + 4.0), lb, "middle");
                }
            }
            Mark::Line { points, role, label: lb } => {
                let _ = write!(s, "<polyline class=\"{}\" points=\"{}\"/>", class(*role), points_attr(&frame, points));
                if let Some(p) = points.last() {
                    label(&mut labels, (frame.sx(&p.0) - 4.0, frame.sy(&p.1) - 6.0), lb, "end");
                }
            }
            Mark::Dot { at, role, label: lb } => {
                let (x, y) = (frame.sx(&at.0), frame.sy(&at.1));
                let _ = write!(s, "<circle class=\"dot {}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"5\"/>", class(*role));
                label(&mut labels, (x + 8.0, y - 8.0), lb, "start");
            }
            Mark::Arrow { from, to, role, label: lb } => {
                let (x0, y0, x1, y1) = (frame.sx(&from.0), frame.sy(&from.1), frame.sx(&to.0), frame.sy(&to.1));
                let (dx, dy) = (x1 - x0, y1 - y0);
                let len = (dx * dx + dy * dy).sqrt().max(1e-9);
                let (ux, uy) = (dx / len, dy / len);
                let (hx, hy) = (x1 - 10.0 * ux, y1 - 10.0 * uy);
                let _ = write!(
                    s,
                    "<path class=\"{}\" d=\"M{x0:.1},{y0:.1} L{x1:.1},{y1:.1} M{:.1},{:.1} L{x1:.1},{y1:.1} L{:.1},{:.1}\"/>",
                    class(*role),
                    hx - 5.0 * uy,
                    hy + 5.0 * ux,
                    hx + 5.0 * uy,
                    hy - 5.0 * ux
                );
                label(&mut labels, (x1 + 6.0, y1 - 6.0), lb, "start");
            }
            // An image fills its own panel (`svg_image`).
            Mark::Cells { .. } => {}
            Mark::Rule { x, role, label: lb } => {
                let sx = frame.sx(x);
                let _ = write!(s, "<path class=\"{}\" d=\"M{sx:.1},{t} L{sx:.1},{b}\"/>", class(*role));
                label(&mut labels, (sx + 4.0, t + 14.0), lb, "start");
            }
        }
    }
    s.push_str("</g>");
    s.push_str(&labels);
}

/// Where a value lies on its shade's scale: 0 lightest, 1 darkest.
fn darkness(v: &Q, shade: &Shade) -> f64 {
    let t = match shade {
        Shade::Range { lo, hi } if hi > lo => ((v - lo) / (hi - lo)).to_f64(),
        Shade::Range { .. } => 0.0,
        Shade::Signed { max } if !max.is_zero() => 0.5 + 0.5 * (v / max).to_f64(),
        Shade::Signed { .. } => 0.5,
    };
    t.clamp(0.0, 1.0)
}

/// A label of the scale: exact when short, else a rounded decimal marked
/// as such.
fn scale_label(q: &Q) -> String {
    let exact = q.to_string();
    if exact.len() <= 6 { exact } else { format!("≈{:.3}", q.to_f64()) }
}

/// The scale's ends (and its middle, 0, when signed), as labels.
fn scale_labels(shade: &Shade) -> Vec<(f64, Q)> {
    match shade {
        Shade::Range { lo, hi } => vec![(0.0, lo.clone()), (1.0, hi.clone())],
        Shade::Signed { max } => vec![(0.0, -max), (0.5, Q::zero()), (1.0, max.clone())],
    }
}

/// How many pixels an image may have and still be drawn, and its size.
fn drawable(rows: &[Vec<Q>]) -> Option<(usize, usize)> {
    let (h, w) = (rows.len(), rows.first().map_or(0, Vec::len));
    (h > 0 && w > 0 && h * w <= SHOWN_PIXELS && rows.iter().all(|r| r.len() == w)).then_some((h, w))
}

/// Steps of the scale bar under an image.
const SCALE_STEPS: usize = 10;

/// An image panel: a square of cells, each filled with the text color at
/// the opacity of its shade (so a dark page inverts it consistently), its
/// title above and its scale below.
fn svg_image(s: &mut String, f: &Panel, rows: &[Vec<Q>], shade: &Shade, ring: &Ring, left: f64) {
    let side = HEIGHT - TOP - BOTTOM;
    let (x0, y0) = (left + (WIDTH - side) / 2.0, TOP);
    if let Some(title) = &f.title {
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"16\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>",
            left + WIDTH / 2.0,
            escape(&prose_text(&lower_prose(title, ring)))
        );
    }
    let Some((h, w)) = drawable(rows) else {
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}×{} pixels: too many to draw</text>",
            left + WIDTH / 2.0,
            y0 + side / 2.0,
            rows.len(),
            rows.first().map_or(0, Vec::len)
        );
        return;
    };
    let cell = side / h.max(w) as f64;
    let (ox, oy) = (x0 + (side - cell * w as f64) / 2.0, y0 + (side - cell * h as f64) / 2.0);
    for (i, row) in rows.iter().enumerate() {
        for (j, v) in row.iter().enumerate() {
            let _ = write!(
                s,
                "<rect x=\"{:.2}\" y=\"{:.2}\" width=\"{cell:.2}\" height=\"{cell:.2}\" fill=\"currentColor\" fill-opacity=\"{:.3}\"><title>{}</title></rect>",
                ox + cell * j as f64,
                oy + cell * i as f64,
                darkness(v, shade),
                escape(&format!("row {i}, column {j}: {v}"))
            );
        }
    }
    let _ = write!(
        s,
        "<rect class=\"axis\" x=\"{ox:.2}\" y=\"{oy:.2}\" width=\"{:.2}\" height=\"{:.2}\"/>",
        cell * w as f64,
        cell * h as f64
    );
    // The scale: a bar of shades from lightest to darkest, labelled exactly.
    let (bw, by) = (160.0, y0 + side + 8.0);
    let bx = left + (WIDTH - bw) / 2.0;
    for k in 0..SCALE_STEPS {
        let t = k as f64 / (SCALE_STEPS - 1) as f64;
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"{by:.1}\" width=\"{:.1}\" height=\"10\" fill=\"currentColor\" fill-opacity=\"{t:.3}\"/>",
            bx + bw * k as f64 / SCALE_STEPS as f64,
            bw / SCALE_STEPS as f64
        );
    }
    let _ = write!(s, "<rect class=\"axis\" x=\"{bx:.1}\" y=\"{by:.1}\" width=\"{bw:.1}\" height=\"10\"/>");
    for (t, q) in scale_labels(shade) {
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            bx + bw * t,
            by + 26.0,
            escape(&scale_label(&q))
        );
    }
}

/// Images side by side in TikZ: each a square that leaves room for its
/// neighbours within the text width, its title above and its scale below.
fn tikz_images(f: &Figure, ring: &Ring) -> String {
    let n = f.panels.len().max(1) as f64;
    let gap = 0.8;
    let side = ((TIKZ_IMAGES_WIDTH - gap * (n - 1.0)) / n).min(TIKZ_HEIGHT);
    let mut s = String::new();
    s.push_str("\\begin{center}\n\\begin{tikzpicture}[font=\\small]\n");
    for (k, p) in f.panels.iter().enumerate() {
        let _ = writeln!(s, "\\begin{{scope}}[xshift={:.2}cm]", k as f64 * (side + gap));
        if let Some(title) = &p.title {
            let _ = writeln!(
                s,
                "\\node[above] at ({:.3},{side:.3}) {{\\textbf{{{}}}}};",
                side / 2.0,
                super::latex::prose(title, ring)
            );
        }
        match p.cells().and_then(|(rows, shade)| drawable(rows).map(|hw| (rows, shade, hw))) {
            Some((rows, shade, (h, w))) => {
                let cell = side / h.max(w) as f64;
                let top = cell * h as f64;
                for (i, row) in rows.iter().enumerate() {
                    for (j, v) in row.iter().enumerate() {
                        let pct = (darkness(v, shade) * 100.0).round();
                        if pct > 0.0 {
                            let _ = writeln!(
                                s,
                                "\\fill[black!{pct:.0}] ({:.3},{:.3}) rectangle +({cell:.3},{cell:.3});",
                                cell * j as f64,
                                top - cell * (i + 1) as f64
                            );
                        }
                    }
                }
                let _ = writeln!(s, "\\draw (0,0) rectangle ({:.3},{top:.3});", cell * w as f64);
                // The scale under the image.
                let steps = SCALE_STEPS as f64;
                for k in 0..SCALE_STEPS {
                    let pct = (k as f64 / (steps - 1.0) * 100.0).round();
                    let _ = writeln!(
                        s,
                        "\\fill[black!{pct:.0}] ({:.3},-0.45) rectangle +({:.3},0.2);",
                        side * k as f64 / steps,
                        side / steps
                    );
                }
                let _ = writeln!(s, "\\draw (0,-0.45) rectangle ({side:.3},-0.25);");
                for (t, q) in scale_labels(shade) {
                    let _ = writeln!(
                        s,
                        "\\node[{}] at ({:.3},-0.45) {{${}$}};",
                        // The ends' labels stay above their own bar, clear of a neighbour's.
                        if t == 0.0 {
                            "below right, inner xsep=0pt"
                        } else if t == 1.0 {
                            "below left, inner xsep=0pt"
                        } else {
                            "below"
                        },
                        side * t,
                        if q.to_string().len() <= 6 {
                            latex(&super::math::lower::number(&q))
                        } else {
                            format!("\\approx {:.3}", q.to_f64())
                        }
                    );
                }
            }
            None => {
                let _ = writeln!(s, "\\node at ({:.3},{:.3}) {{too many pixels to draw}};", side / 2.0, side / 2.0);
            }
        }
        s.push_str("\\end{scope}\n");
    }
    s.push_str("\\end{tikzpicture}\n\n");
    let caption = super::latex::prose(&f.caption, ring);
    let _ = writeln!(s, "{{\\small {caption}}}\n\\end{{center}}");
    s
}

/// The TikZ style of a role.
fn tikz_style(r: Role, fill: bool) -> &'static str {
    // A region is a `\path`: its style must draw (or fill) it.
    match (r, fill) {
        (Role::Main, false) => "thick",
        (Role::Main, true) => "fill=black!15, draw=black, thick",
        (Role::Accent, false) => "dashed",
        (Role::Accent, true) => "draw=black, dashed",
        (Role::Second, false) => "densely dotted",
        (Role::Second, true) => "draw=black, densely dotted",
        (Role::Yes, true) => "fill=black!30, draw=black",
        (Role::Yes, false) => "thick",
        (Role::No, true) => "fill=black!5, draw=black, dashed",
        (Role::No, false) => "dashed",
        (Role::Target, false) => "very thick, dash dot",
        (Role::Target, true) => "draw=black, very thick, dash dot",
        (Role::Guide, false) => "gray, densely dashed",
        (Role::Guide, true) => "draw=gray, densely dashed",
    }
}

/// The figure as a `tikzpicture` (needs `\usepackage{tikz}`), in a
/// `center` environment with its caption below; panels side by side.
pub fn tikz(f: &Figure, ring: &Ring) -> String {
    if !f.panels.is_empty() && f.panels.iter().all(|p| p.cells().is_some()) {
        return tikz_images(f, ring);
    }
    let pair = f.panels.len() > 1;
    let (w, h) = if pair { (TIKZ_PAIR_WIDTH, TIKZ_PAIR_HEIGHT) } else { (TIKZ_WIDTH, TIKZ_HEIGHT) };
    let mut s = String::new();
    s.push_str("\\begin{center}\n\\begin{tikzpicture}[font=\\small]\n");
    for (k, p) in f.panels.iter().enumerate() {
        // Each panel with the room its axis labels take.
        let shift = k as f64 * (w + 1.9);
        let _ = writeln!(s, "\\begin{{scope}}[xshift={shift:.2}cm]");
        tikz_panel(&mut s, p, ring, w, h);
        s.push_str("\\end{scope}\n");
    }
    s.push_str("\\end{tikzpicture}\n\n");
    let caption = super::latex::prose(&f.caption, ring);
    let _ = writeln!(s, "{{\\small {caption}}}\n\\end{{center}}");
    s
}

fn tikz_panel(s: &mut String, f: &Panel, ring: &Ring, w: f64, h: f64) {
    let frame = Frame::of(f, 0.0);
    let sx = w / (frame.x1 - frame.x0);
    let sy = h / (frame.y1 - frame.y0);
    let px = |q: &Q| (q.to_f64() - frame.x0) * sx;
    let py = |q: &Q| (q.to_f64() - frame.y0) * sy;
    let pt = |p: &(Q, Q)| format!("({:.3},{:.3})", px(&p.0), py(&p.1));
    if let Some(title) = &f.title {
        let _ =
            writeln!(s, "\\node[above] at ({:.3},{h}) {{\\textbf{{{}}}}};", w / 2.0, super::latex::prose(title, ring));
    }
    let _ = writeln!(s, "\\draw (0,{h}) -- (0,0) -- ({w},0);");
    for q in ticks(&f.x) {
        let _ = writeln!(
            s,
            "\\draw ({x:.3},0) -- ({x:.3},-0.1) node[below] {{${}$}};",
            latex(&super::math::lower::number(&q)),
            x = px(&q)
        );
    }
    for q in ticks(&f.y) {
        let _ = writeln!(
            s,
            "\\draw (0,{y:.3}) -- (-0.1,{y:.3}) node[left] {{${}$}};",
            latex(&super::math::lower::number(&q)),
            y = py(&q)
        );
    }
    let _ = writeln!(s, "\\node[below] at ({:.3},-0.6) {{${}$}};", w / 2.0, latex(&lower(&f.x.label, ring)));
    let _ = writeln!(s, "\\node[rotate=90, above] at (-0.9,{:.3}) {{${}$}};", h / 2.0, latex(&lower(&f.y.label, ring)));
    s.push_str("\\begin{scope}\n");
    let _ = writeln!(s, "\\clip (0,0) rectangle ({w},{h});");
    let mut labels = String::new();
    let label = |labels: &mut String, at: String, m: &Option<Math>, anchor: &str| {
        if let Some(m) = m {
            let _ = writeln!(labels, "\\node[{anchor}] at {at} {{${}$}};", latex(&lower(m, ring)));
        }
    };
    for m in &f.marks {
        match m {
            Mark::Region { points, role, label: lb } => {
                let path: Vec<String> = points.iter().map(pt).collect();
                let _ = writeln!(s, "\\path[{}] {} -- cycle;", tikz_style(*role, true), path.join(" -- "));
                if !points.is_empty() {
                    let n = points.len() as f64;
                    let cx = points.iter().map(|p| px(&p.0)).sum::<f64>() / n;
                    let cy = points.iter().map(|p| py(&p.1)).sum::<f64>() / n;
                    label(&mut labels, format!("({cx:.3},{cy:.3})"), lb, "");
                }
            }
            Mark::Line { points, role, label: lb } => {
                let path: Vec<String> = points.iter().map(pt).collect();
                let _ = writeln!(s, "\\draw[{}] {};", tikz_style(*role, false), path.join(" -- "));
                if let Some(p) = points.last() {
                    label(&mut labels, pt(p), lb, "above left");
                }
            }
            Mark::Dot { at, role, label: lb } => {
                let fill = if *role == Role::No { "fill=white, draw=black" } else { "fill=black" };
                let _ = writeln!(s, "\\path[{fill}] {} circle (2.5pt);", pt(at));
                label(&mut labels, pt(at), lb, "above right");
            }
            Mark::Arrow { from, to, role, label: lb } => {
                let _ = writeln!(s, "\\draw[->, {}] {} -- {};", tikz_style(*role, false), pt(from), pt(to));
                label(&mut labels, pt(to), lb, "above right");
            }
            Mark::Cells { .. } => {}
            Mark::Rule { x, role, label: lb } => {
                let _ = writeln!(s, "\\draw[{}] ({x:.3},0) -- ({x:.3},{h});", tikz_style(*role, false), x = px(x));
                label(&mut labels, format!("({:.3},{h})", px(x)), lb, "below right");
            }
        }
    }
    s.push_str("\\end{scope}\n");
    s.push_str(&labels);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_region_is_visible_in_tikz() {
        for r in [Role::Main, Role::Accent, Role::Second, Role::Yes, Role::No, Role::Target, Role::Guide] {
            let style = tikz_style(r, true);
            assert!(style.contains("draw=") || style.contains("fill="), "{r:?} region draws nothing: {style}");
        }
    }

    fn image_figure(rows: Vec<Vec<Q>>, shade: Shade) -> Figure {
        use crate::language::math::Prose;
        Figure {
            caption: Prose::text("an image"),
            panels: vec![Panel::image(Prose::text("x"), rows, shade)],
            shows_answer: false,
        }
    }

    #[test]
    fn images_are_drawn_one_shade_per_pixel_on_their_scale() {
        let q = |n: i64| Q::from_int(n);
        let rows = vec![vec![q(0), q(1), q(2)], vec![q(3), q(4), q(4)]];
        let f = image_figure(rows.clone(), Shade::range_of(rows.iter().flatten()));
        let ring = Ring::default();
        let drawn = svg(&f, &ring, "f");
        // Six pixels and the scale's steps, each pixel with its exact value.
        assert_eq!(drawn.matches("<title>row").count(), 6);
        assert!(drawn.contains("row 1, column 2: 4</title>"));
        assert!(drawn.contains("fill-opacity=\"0.000\"><title>row 0, column 0"));
        assert!(drawn.contains("fill-opacity=\"1.000\"><title>row 1, column 1"));
        let tikz = tikz(&f, &ring);
        // The lightest pixel is left white; the five others are filled, darkest black.
        assert_eq!(tikz.matches("rectangle +(").count() - SCALE_STEPS, 5);
        assert!(tikz.contains("\\fill[black!100]"));
        // Signed: 0 is the middle shade.
        let f = image_figure(vec![vec![q(-2), q(0), q(1)]], Shade::signed_of(&[q(-2), q(0), q(1)]));
        let drawn = svg(&f, &ring, "g");
        assert!(drawn.contains("fill-opacity=\"0.500\"><title>row 0, column 1: 0</title>"));
        assert!(drawn.contains("fill-opacity=\"0.750\"><title>row 0, column 2: 1</title>"));
    }

    #[test]
    fn images_past_the_limit_are_not_drawn() {
        let side = 65;
        let rows = vec![vec![Q::one(); side]; side];
        assert!(side * side > SHOWN_PIXELS);
        let f = image_figure(rows, Shade::Range { lo: Q::zero(), hi: Q::one() });
        let ring = Ring::default();
        assert!(svg(&f, &ring, "f").contains("65×65 pixels: too many to draw"));
        assert!(tikz(&f, &ring).contains("too many pixels to draw"));
    }

    #[test]
    fn round_ticks_are_exact() {
        let a = Axis { label: Math::name("x"), lo: Q::new(-3, 1), hi: Q::new(1, 1), ticks: vec![] };
        let t: Vec<String> = ticks(&a).iter().map(|q| q.to_string()).collect();
        assert_eq!(t, vec!["-3", "-2", "-1", "0", "1"]);
        let a = Axis { label: Math::name("x"), lo: Q::zero(), hi: Q::one(), ticks: vec![] };
        let t: Vec<String> = ticks(&a).iter().map(|q| q.to_string()).collect();
        assert_eq!(t, vec!["0", "1/5", "2/5", "3/5", "4/5", "1"]);
    }
}
