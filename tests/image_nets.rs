//! Outputs selected from a network, networks on images, and the input
//! gradient queries: exact values recomputed here another way, keys that
//! fail, and the errors as snapshots.

// The exact forward pass below reads clearest with indices.
#![allow(clippy::needless_range_loop)]

mod common;
use common::diagnose;

use common::{check, passing_finding};
use nnkey::check::FileReport;

/// The value of the only finding named `name`, printed, with its
/// cross-check required to pass.
fn derived(report: &FileReport, name: &str) -> String {
    let (p, f) = passing_finding(report, name);
    f.finding.value.print(&p.problem.ring)
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
    // At a kink the answer carries the one-sided partial derivatives.
    assert_eq!(derived(&r, "all"), "{ gradient: undefined, forward: [[1, 0], [1, 1]], backward: [[1, 0], [1, 0]] }");
    assert_eq!(derived(&r, "first"), "{ W: [[1, 0]], b: 0, gradient: [1, 0] }");
    assert!(derived(&r, "second").starts_with("{ gradient: undefined,"), "{}", derived(&r, "second"));
    assert!(derived(&r, "margin").starts_with("{ gradient: undefined,"), "{}", derived(&r, "margin"));
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

case!(selected_output_out_of_range, &format!("problem q\n{TWO}  find a = linear piece of h[2] at x = [1, 0]\n"));
case!(
    selection_of_two_networks,
    &format!(
        "problem q\n{TWO}  g = network (x: 2) {{ dense [[1, 1]] + 0 }}\n  find a = linear piece of h[0] - g[0] at x = [1, 0]\n"
    )
);
case!(
    a_product_of_outputs_is_not_a_selection,
    &format!("problem q\n{TWO}  find a = linear piece of h[0] * h[1] at x = [1, 0]\n")
);

// Networks on images, against an exact forward pass written here.

use nnkey::algebra::Q;
use nnkey::check::Status;
use nnkey::derive::Answer;
use nnkey::derive::input_gradient::Outcome;

/// A seeded generator for the random networks.
struct Lcg(u64);

impl Lcg {
    fn int(&mut self, lo: i64, hi: i64) -> i64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        lo + ((self.0 >> 33) % ((hi - lo + 1) as u64)) as i64
    }
}

/// conv2d (2 output channels, 2×2, padding 1) with bias, relu,
/// max_pool2d(2), flatten and a 2×18 dense layer, on a 1×5×5 image.
struct Net {
    kernel: Vec<[[i64; 2]; 2]>,
    conv_bias: [i64; 2],
    dense: Vec<Vec<i64>>,
}

impl Net {
    fn scores(&self, x: &[Q]) -> Vec<Q> {
        let px = |r: i64, c: i64| -> Q {
            if (0..5).contains(&r) && (0..5).contains(&c) { x[(r * 5 + c) as usize].clone() } else { Q::zero() }
        };
        // conv with padding 1: 6×6 per channel, then relu.
        let mut a = vec![vec![vec![Q::zero(); 6]; 6]; 2];
        for (o, k) in self.kernel.iter().enumerate() {
            for r in 0..6 {
                for c in 0..6 {
                    let mut s = Q::from_int(self.conv_bias[o]);
                    for i in 0..2 {
                        for j in 0..2 {
                            s = &s + &(&Q::from_int(k[i][j]) * &px(r as i64 + i as i64 - 1, c as i64 + j as i64 - 1));
                        }
                    }
                    a[o][r][c] = if s.is_negative() { Q::zero() } else { s };
                }
            }
        }
        // max pool 2×2, stride 2, then flatten.
        let mut p = Vec::new();
        for ch in &a {
            for r in 0..3 {
                for c in 0..3 {
                    let m =
                        [&ch[2 * r][2 * c], &ch[2 * r][2 * c + 1], &ch[2 * r + 1][2 * c], &ch[2 * r + 1][2 * c + 1]]
                            .into_iter()
                            .max()
                            .unwrap()
                            .clone();
                    p.push(m);
                }
            }
        }
        self.dense
            .iter()
            .map(|row| row.iter().zip(&p).fold(Q::zero(), |s, (w, v)| &s + &(&Q::from_int(*w) * v)))
            .collect()
    }

    fn margin(&self, x: &[Q]) -> Q {
        let s = self.scores(x);
        &s[0] - &s[1]
    }

    fn text(&self, point: &[Q]) -> String {
        let k: Vec<String> =
            self.kernel.iter().map(|k| format!("[[[{}, {}], [{}, {}]]]", k[0][0], k[0][1], k[1][0], k[1][1])).collect();
        let rows: Vec<String> = (0..5)
            .map(|r| format!("[{}]", (0..5).map(|c| point[r * 5 + c].to_string()).collect::<Vec<_>>().join(", ")))
            .collect();
        let dense: Vec<String> = self
            .dense
            .iter()
            .map(|r| format!("[{}]", r.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ")))
            .collect();
        format!(
            "problem r\n  K = kernel [{}]\n  X = input [{}]\n  h = network (x: 1x5x5) {{\n    conv2d(K, padding: 1) + [{}, {}]\n    relu\n    max_pool2d(2)\n    flatten\n    dense [{}]\n  }}\n  find g = input gradient of h[0] - h[1] at x = X\n  find s = gradient sign step of h[0] - h[1] at x = X with eps 1/4\n",
            k.join(", "),
            rows.join(", "),
            self.conv_bias[0],
            self.conv_bias[1],
            dense.join(", ")
        )
    }
}

#[test]
fn gradients_of_random_conv_networks_match_exact_differences() {
    let mut rng = Lcg(7);
    let (mut smooth, mut kinks) = (0, 0);
    for _ in 0..24 {
        let net = Net {
            kernel: (0..2).map(|_| [[rng.int(-2, 2), rng.int(-2, 2)], [rng.int(-2, 2), rng.int(-2, 2)]]).collect(),
            conv_bias: [rng.int(-1, 1), rng.int(-1, 1)],
            dense: (0..2).map(|_| (0..18).map(|_| rng.int(-2, 2)).collect()).collect(),
        };
        let x: Vec<Q> = (0..25).map(|_| Q::new(rng.int(-8, 8), 4)).collect();
        let report = check(&net.text(&x));
        let (_, f) = passing_finding(&report, "g");
        let Answer::InputGradient(a) = &f.finding.answer else { panic!("a gradient answer") };
        // Every value is a multiple of 1/4, so a step of 10^-9 crosses no
        // kink that the point is not on.
        let h = Q::new(1, 1_000_000_000);
        let s0 = net.margin(&x);
        let side = |i: usize, sign: i64| {
            let mut y = x.clone();
            y[i] = &y[i] + &(&h * &Q::from_int(sign));
            &(&net.margin(&y) - &s0) / &(&h * &Q::from_int(sign))
        };
        match &a.outcome {
            Outcome::Smooth { gradient, .. } => {
                smooth += 1;
                for i in 0..25 {
                    assert_eq!(side(i, 1), gradient[i], "coordinate {i} of\n{}", net.text(&x));
                    assert_eq!(side(i, -1), gradient[i], "coordinate {i} of\n{}", net.text(&x));
                }
                // The sign step, recomputed: x − ε·sign(∇), its scores and class.
                let (_, fs) = passing_finding(&report, "s");
                let Answer::InputGradient(b) = &fs.finding.answer else { panic!("a step answer") };
                let st = b.step.as_ref().expect("a step");
                let eps = Q::new(1, 4);
                let image: Vec<Q> =
                    x.iter().zip(gradient).map(|(v, g)| v - &(&eps * &Q::from_int(g.signum() as i64))).collect();
                assert_eq!(st.image, image);
                let after = net.scores(&image);
                assert_eq!(st.scores_after, after);
                let top = after.iter().max().unwrap();
                let classes: Vec<usize> = (0..2).filter(|&k| &after[k] == top).collect();
                assert_eq!(st.classes_after, classes);
            }
            Outcome::Kink { .. } => {
                kinks += 1;
                // Not affine near the point: along some coordinate the two
                // one-sided derivatives differ, or a second difference
                // along a random direction is not zero.
                let bent = (0..25).any(|i| side(i, 1) != side(i, -1))
                    || (0..16).any(|_| {
                        let v: Vec<Q> = (0..25).map(|_| Q::from_int(rng.int(-3, 3))).collect();
                        let up: Vec<Q> = x.iter().zip(&v).map(|(a, b)| a + &(&h * b)).collect();
                        let down: Vec<Q> = x.iter().zip(&v).map(|(a, b)| a - &(&h * b)).collect();
                        &(&net.margin(&up) + &net.margin(&down)) - &(&s0 + &s0) != Q::zero()
                    });
                assert!(bent, "a kink that no direction shows:\n{}", net.text(&x));
            }
        }
    }
    assert!(smooth >= 8 && kinks >= 1, "{smooth} smooth points and {kinks} kinks");
}

/// A max-pool window whose largest value is shared, and a ReLU unit at
/// 0 that only one output reads.
const TIES: &str = "  X = input [[1, 1], [0, 0]]
  f = network (x: 1x2x2) {
    max_pool2d(2)
    flatten
    dense [[1], [1]] + [0, -1]
    relu
  }
  k = network (x: 1x2x2) {
    flatten
    dense [[1, 0, 0, 0], [0, 0, 1, 0]] + [0, 0]
    relu
  }
";

#[test]
fn ties_are_kinks_only_for_the_outputs_that_read_them() {
    let text = format!(
        "problem t\n{TIES}  find pool = input gradient of f[0] at x = X\n  find unit = input gradient of k[0] at x = X\n  \
         find other = input gradient of k[1] at x = X\n  find both = input gradient of k[0] + k[1] at x = X\n"
    );
    let r = check(&text);
    // The pool's two 1s tie: its output is max(x00, x01, …), which bends there.
    assert_eq!(derived(&r, "pool"), "{ gradient: undefined }");
    // k[0] = relu(x00) is on; k[1] = relu(x10) is at its kink.
    assert_eq!(derived(&r, "unit"), "{ gradient: [[1, 0], [0, 0]] }");
    assert_eq!(derived(&r, "other"), "{ gradient: undefined }");
    assert_eq!(derived(&r, "both"), "{ gradient: undefined }");
}

#[test]
fn a_wrong_key_fails() {
    let text = format!(
        "problem t\n{TIES}  find unit = input gradient of k[0] at x = X\n  expect unit = {{ gradient: [[0, 1], [0, 0]] }}\n  \
         find step = gradient sign step of k[0] at x = X with eps 1/2\n  expect step = {{ image: [[1/2, 1], [0, 0]], scores: [1/2, 0], class: 0, flipped: true }}\n"
    );
    let r = check(&text);
    for f in r.problems.iter().flat_map(|p| &p.findings) {
        assert!(matches!(f.status, Status::Fail(_)), "{}: {:?}", f.finding.name, f.status);
    }
}

#[test]
fn average_pooling_is_exact() {
    let text = "problem a\n  X = input [[1, 2, 3], [4, 5, 6], [7, 8, 9]]\n  \
                m = network (x: 1x3x3) { avg_pool2d(2, stride: 1); flatten; dense [[1, 2, 0, 0]] }\n  \
                find g = input gradient of m at x = X\n";
    let r = check(text);
    // s = (x00 + x01 + x10 + x11)/4 + 2 (x01 + x02 + x11 + x12)/4.
    assert_eq!(derived(&r, "g"), "{ gradient: [[1/4, 3/4, 1/2], [1/4, 3/4, 1/2], [0, 0, 0]] }");
}

case!(
    image_layer_with_an_unknown_argument,
    "problem q\n  K = kernel [[[[1, 0], [0, 1]]]]\n  h = network (x: 1x4x4) {\n    conv2d(K, strde: 2)\n  }\n"
);
case!(
    dense_layer_on_an_image,
    "problem q\n  K = kernel [[[[1, 0], [0, 1]]]]\n  h = network (x: 1x4x4) {\n    conv2d(K, stride: 2)\n    dense [[1]]\n  }\n"
);
case!(
    kernel_channels_do_not_match_the_layer_before,
    "problem q\n  K = kernel [[[[1, 0], [0, 1]]]]\n  M = kernel 2x1x2x2 m\n  h = network (x: 1x4x4) {\n    conv2d(M, padding: 1)\n    relu\n    max_pool2d(2)\n    conv2d(K)\n  }\n  L = kernel 2x3x2x2 w\n  g = network (x: 2x4x4) { conv2d(L) }\n"
);
case!(
    pool_on_a_vector_and_window_too_large,
    "problem q\n  h = network (x: 16) { max_pool2d(2) }\n  g = network (x: 1x3x3) { avg_pool2d(4) }\n  f = network (x: 1x3x3) { flatten(1) }\n"
);
case!(
    class_out_of_range_and_no_selection,
    &format!(
        "problem t\n{TIES}  find a = saliency of k for class 2 at x = X\n  find b = input gradient of k at x = X\n  \
         find c = gradient sign step of k[0] at x = X with eps 0\n  find d = input gradient of k[0] at x = [1, 2]\n"
    )
);
case!(
    linear_piece_of_an_image_network,
    &format!("problem t\n{TIES}  find a = linear piece of f[0] at x = [1, 1, 0, 0]\n")
);
