//! Outputs selected from a network, networks on images, and the input
//! gradient queries: exact values recomputed here another way, keys that
//! fail, and the errors as snapshots.

mod common;

use common::{check, passing_finding};
use nnkey::check::{FileReport, check_source};
use nnkey::language::SourceFile;

/// The value of the only finding named `name`, printed, with its
/// cross-check required to pass.
fn derived(report: &FileReport, name: &str) -> String {
    let (p, f) = passing_finding(report, name);
    f.finding.value.print(&p.problem.ring)
}

/// Every diagnostic of a file, rendered.
fn diagnose(text: &str) -> String {
    let report = check_source(SourceFile::new("bad.nnk", text));
    assert!(!report.diagnostics.is_empty(), "expected diagnostics for:\n{text}");
    report.diagnostics.iter().map(|d| d.render(&report.source, false)).collect::<Vec<_>>().join("\n")
}

macro_rules! case {
    ($name:ident, $text:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(stringify!($name), diagnose($text));
        }
    };
}

/// Two inputs; the second hidden unit is at its kink at (1, 0), and only
/// output 1 reads it.
const TWO: &str = "  h = network (x: 2) {
    dense [[1, 0], [0, 1]] + [0, 0]
    relu
    dense [[1, 0], [1, 1]] + [0, 0]
  }
";

#[test]
fn a_selected_output_is_differentiable_where_another_output_bends() {
    let text = format!(
        "problem q\n{TWO}  find all = linear piece of h at x = [1, 0]\n  find first = linear piece of h[0] at x = [1, 0]\n  \
         find second = linear piece of h[1] at x = [1, 0]\n  find margin = linear piece of h[1] - h[0] at x = [1, 0]\n"
    );
    let r = check(&text);
    // h = (relu(x1), relu(x1) + relu(x2)): output 0 never reads the unit
    // at its kink; output 1 and the margin relu(x2) do.
    assert_eq!(derived(&r, "all"), "{ gradient: undefined }");
    assert_eq!(derived(&r, "first"), "{ W: [[1, 0]], b: 0, gradient: [1, 0] }");
    assert_eq!(derived(&r, "second"), "{ gradient: undefined }");
    assert_eq!(derived(&r, "margin"), "{ gradient: undefined }");
}

#[test]
fn combinations_whose_bends_cancel_are_differentiable() {
    // relu(x) and relu(-x) both bend at 0, but relu(x) - relu(-x) = x.
    let text = "problem q\n  g = network (x: 1) { dense [[1], [-1]] + [0, 0]; relu }\n  \
                find p = linear piece of g[0] - g[1] at x = 0\n  find q = pieces of 2*g[1] + g[0]/2\n  \
                find r = pieces of g[0]\n";
    let r = check(text);
    assert_eq!(derived(&r, "p"), "{ W: 1, b: 0, gradient: 1 }");
    assert_eq!(derived(&r, "q"), "{ breakpoints: [0], pieces: [-2*x, 1/2*x] }");
    assert_eq!(derived(&r, "r"), "{ breakpoints: [0], pieces: [0, x] }");
}

case!(
    selected_output_out_of_range,
    &format!("problem q\n{TWO}  find a = linear piece of h[2] at x = [1, 0]\n")
);
case!(
    selection_of_two_networks,
    &format!("problem q\n{TWO}  g = network (x: 2) {{ dense [[1, 1]] + 0 }}\n  find a = linear piece of h[0] - g[0] at x = [1, 0]\n")
);
case!(
    a_product_of_outputs_is_not_a_selection,
    &format!("problem q\n{TWO}  find a = linear piece of h[0] * h[1] at x = [1, 0]\n")
);
