//! Work limits: an input that asks for a huge computation gets an error
//! that names the limit, at the span that asked, before the work starts;
//! exponents never wrap.

use nnkey::check::check_source;
use nnkey::language::SourceFile;

/// A problem whose key is `key`, checked; the first error, rendered, with
/// the text it underlines.
fn key_error(key: &str) -> Option<(String, String)> {
    let text = format!(
        "problem p \"t\"\n  X = matrix 2x3 x\n  y = vector 2 y\n  find v = minimum-norm solution of X v = y\n  \
         expect v = {key}\n"
    );
    let report = check_source(SourceFile::new("k.nnk", text.clone()));
    report.diagnostics.first().map(|d| (d.render(&report.source, false), text[d.span.start..d.span.end].to_string()))
}

/// The key fails (no error) and the failure says so.
fn key_fails(key: &str) -> String {
    let text = format!(
        "problem p \"t\"\n  X = matrix [[1, 2]]\n  y = vector [1]\n  find v = minimum-norm solution of X v = y\n  \
         expect v = {key}\n"
    );
    let report = check_source(SourceFile::new("k.nnk", text));
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    format!("{:?}", report.problems[0].findings[0].status)
}

#[test]
fn huge_powers_of_numbers_are_refused_by_their_digits() {
    for (key, size) in [("3^1000000000", "1584962501"), ("2^(2^31)", "2147483648"), ("2^(2^40)", "1099511627776")] {
        let (e, at) = key_error(key).expect("an error");
        assert!(e.contains(size) && e.contains("limit of 1000000"), "{key}: {e}");
        assert_eq!(at, key);
        assert!(!e.contains("zero to a negative power"), "{e}");
    }
    let (e, _) = key_error("2^(2^70)").expect("an error");
    assert!(e.contains("1000000 binary digits"), "{e}");
}

#[test]
fn exponents_beyond_32_and_64_bits_do_not_wrap() {
    // 1 and -1 to any power are computed; 0 to a negative one is an error.
    for key in ["1^4294967296", "1^(2^70)", "(-1)^(2^40)", "(-1)^(2^70 + 2)", "0^(2^40) + 1"] {
        assert!(key_fails(key).contains("Fail"), "{key}");
    }
    assert!(key_error("1^4294967296 * [1, 2, 3]").is_none());
    let (e, _) = key_error("0^(-(2^70))").expect("an error");
    assert!(e.contains("zero to a negative power"), "{e}");
    let (e, _) = key_error("(-1)^(2^70 + 1) * [1, 2, 3] + 1").expect("an error");
    assert!(e.contains("cannot add"), "{e}");
}

#[test]
fn huge_powers_of_polynomials_and_matrices_are_refused_before_the_work() {
    let (e, at) = key_error("(x[0,0] + x[1,1] + 1)^1000000").expect("an error");
    assert!(e.contains("degree 1000000") && e.contains("limit of 1000"), "{e}");
    assert_eq!(at, "(x[0,0] + x[1,1] + 1)^1000000");
    let (e, _) = key_error("(X X^T)^-1000000").expect("an error");
    assert!(e.contains("degree 4000000") && e.contains("limit of 1000"), "{e}");
    let (e, _) = key_error("(x[0,0] + x[0,1] + x[0,2] + x[1,0] + 1)^200").expect("an error");
    assert!(e.contains("terms") && e.contains("limit of 10000"), "{e}");
    let (e, _) = key_error("[[2, 1], [1, 1]]^100000000").expect("an error");
    assert!(e.contains("binary digits") && e.contains("limit of 131072"), "{e}");
    let (e, _) = key_error("[[x[0,0], 1], [1, x[1,1]]]^600").expect("an error");
    assert!(e.contains("terms"), "{e}");
}

#[test]
fn small_results_of_large_exponents_are_computed() {
    // Repeated squaring: 27 products, entries of 27 bits.
    assert!(key_fails("[[1, 1], [0, 1]]^100000000").contains("2×2"));
    assert!(key_error("X^T (X X^T)^-1 y * ((x + 1)^100)^0").is_none());
}

#[test]
fn a_large_identity_in_a_key_is_sparse() {
    // I(4096) densely would be 16 million entries.
    assert!(key_fails("I(4096)").contains("4096×4096"));
    assert!(key_fails("2 * I(4096)^T").contains("4096×4096"));
    let (e, _) = key_error("I(4096) + I(4096)").expect("an error");
    assert!(e.contains("16777216 entries") && e.contains("limit of 1048576"), "{e}");
    let (e, _) = key_error("I(4096)^2").expect("an error");
    assert!(e.contains("limit of 1048576"), "{e}");
}

/// The first error of a problem file, rendered, and the text it underlines.
fn first_error(text: &str) -> (String, String) {
    let report = check_source(SourceFile::new("n.nnk", text.to_string()));
    let d = report.diagnostics.first().expect("an error");
    (d.message.clone(), text[d.span.start..d.span.end].to_string())
}

#[test]
fn weights_and_biases_of_thousands_of_digits_are_refused() {
    let weight = "3".repeat(4000);
    let text = format!(
        "problem p\n  f = network (x: 1) {{ dense [[{weight}]] + -1; abs }}\n  \
         find regions = identified regions of f from (0,1) onto (0,1)\n"
    );
    let (e, at) = first_error(&text);
    assert!(e.contains("13287 binary digits") && e.contains("limit of 3322"), "{e}");
    assert_eq!(at, format!("[[{weight}]]"));
    let bias = "1".repeat(100_000);
    let text = format!(
        "problem p\n  h = network (x: 1) {{\n    dense [[1], [-1]] + [{bias}, 0]\n    relu\n    dense [[1, 1]]\n  }}\n  \
         find all = pieces of h\n"
    );
    let (e, at) = first_error(&text);
    assert!(e.contains("limit of 3322"), "{e}");
    assert_eq!(at, format!("[{bias}, 0]"));
}

#[test]
fn a_network_of_4096_inputs_is_refused_before_it_is_built() {
    let text = "problem p\n  f = network (x: 4096) { dense 2*I(4096) + -1; abs }\n  \
                find regions = identified regions of f from (0,1)^4096 onto (0,1)^4096\n";
    let (e, at) = first_error(text);
    assert!(e.contains("16777216 entries"), "{e}");
    assert_eq!(at, "2*I(4096)");
}

/// A gradient-descent (or minimum-norm) query on a symbolic n×d X.
fn symbolic_data(n: usize, d: usize, find: &str) -> String {
    format!("problem p\n  X = matrix {n}x{d} x\n  y = vector {n} y\n  find w = {find}\n")
}

const LIMIT: &str = "limit of gradient descent on least squares(X, y) from 0";

#[test]
fn symbolic_data_matrices_too_large_to_solve_exactly_are_refused_before_the_work() {
    // 6 rows: over the row limit of the closed form, whatever the columns.
    for (n, d) in [(6, 9), (6, 6)] {
        let (e, at) = first_error(&symbolic_data(n, d, LIMIT));
        assert!(e.contains(&format!("{n} rows")) && e.contains("limit of 5 rows"), "{e}");
        assert_eq!(at, LIMIT);
    }
    // det(X Xᵀ) of a 2×100 X has C(100, 2)·2!² = 19800 terms, each of the
    // 100 entries specialized in 202 symbols.
    let (e, at) = first_error(&symbolic_data(2, 100, LIMIT));
    assert!(e.contains("19800 terms") && e.contains("399960000") && e.contains("limit of 20000000"), "{e}");
    assert_eq!(at, LIMIT);
    let (e, _) = first_error(&symbolic_data(5, 7, LIMIT));
    assert!(e.contains("302400 terms") && e.contains("limit of 20000000"), "{e}");
    // The minimum-norm solution keeps the limits of Cramer's rule.
    for (n, d) in [(4, 5), (4, 4)] {
        let (e, _) = first_error(&symbolic_data(n, d, "minimum-norm solution of X v = y"));
        assert!(e.contains(&format!("{n} rows")) && e.contains("limit of 3 rows"), "{e}");
    }
    let (e, at) = first_error(&symbolic_data(1, 500, "minimum-norm solution of X v = y"));
    assert!(e.contains("500 terms") && e.contains("limit of 20000000"), "{e}");
    assert_eq!(at, "minimum-norm solution of X v = y");
}

#[test]
fn symbolic_data_matrices_within_the_limits_are_answered() {
    // The benched 3×5 and 4×5 closed forms.
    for (n, d) in [(3, 5), (4, 5)] {
        let report = check_source(SourceFile::new("g.nnk", symbolic_data(n, d, LIMIT)));
        assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    }
    assert_eq!(nnkey::derive::budget::gram_det_terms(3, 5), 360);
    assert_eq!(nnkey::derive::budget::gram_det_terms(4, 5), 2880);
    assert_eq!(nnkey::derive::budget::closed_form_work(4, 6), 1_451_520);
}

/// The first error of a regions query on `network`, from and onto the
/// open unit box of `dims` coordinates.
fn regions_error(network: &str, dims: &str) -> (String, String) {
    let query = format!("identified regions of f from (0,1)^{dims} onto (0,1)^{dims}");
    let (e, at) = first_error(&format!("problem p\n  f = {network}\n  find n = {query}\n"));
    assert_eq!(at, query);
    (e, at)
}

#[test]
fn regions_past_the_piece_budget_are_refused_before_a_piece_is_checked() {
    // 2^40 pieces per coordinate: refused once a prefix of the line has
    // more than 2^21.
    let (e, _) = regions_error("network (x: 2) repeat 40 { dense 2*I(2) + -1; abs }", "2");
    assert!(e.contains("more than 2097152 linear pieces") && e.contains("limit of 2097152 pieces"), "{e}");
    // A symbolic d with L = 1000: every instance has 2^1000 pieces.
    let (e, _) = regions_error("network (x: d) repeat 1000 { dense 2*I(d) + -1; abs }", "d");
    assert!(e.starts_with("at d = 1: more than 2097152 linear pieces"), "{e}");
}

#[test]
fn regions_as_polytopes_past_their_budget_are_refused() {
    // 60 units: refused before the enumeration starts.
    let (e, _) = regions_error("network (x: 2) repeat 30 { dense [[2, 1], [1, 2]] + -1; abs }", "2");
    assert!(e.contains("60 activation units") && e.contains("limit of 16"), "{e}");
    // 16 units: enumerated until the tested inequalities pass the limit.
    let (e, _) = regions_error("network (x: 2) repeat 8 { dense [[2, 1], [1, 2]] + -1; abs }", "2");
    assert!(e.contains("more than 400000 inequalities") && e.contains("limit of 400000"), "{e}");
}

#[test]
fn regions_within_the_budgets_are_counted() {
    let count = |text: &str| {
        let report = check_source(SourceFile::new("r.nnk", text.to_string()));
        assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
        format!("{:?}", report.problems[0].findings[0].finding.value)
    };
    // 2^10 pieces per coordinate, as benched.
    let v = count(
        "problem p\n  f = network (x: 2) repeat 10 { dense 2*I(2) + -1; abs }\n  \
         find n = identified regions of f from (0,1)^2 onto (0,1)^2\n",
    );
    assert!(v.contains("1048576"), "{v}");
    // The symbolic L·d of problem set 3 is checked on small instances.
    let v = count(
        "problem p\n  f = network (x: d) repeat L { dense 2*I(d) + -1; abs }\n  \
         find n = identified regions of f from (0,1)^d onto (0,1)^d\n",
    );
    assert!(!v.is_empty());
    // Mixing coordinates, 3 layers: polytopes within the budget.
    count(
        "problem p\n  f = network (x: 2) repeat 3 { dense [[2, 1], [1, 2]] + -1; abs }\n  \
         find n = identified regions of f from (0,1)^2 onto (0,1)^2\n",
    );
}
