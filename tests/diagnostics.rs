//! Every kind of bad input gets a diagnostic that names the place,
//! underlines it and says what was expected. Each case's rendered
//! diagnostics are snapshotted in `tests/snapshots/`; `INSTA_UPDATE=always
//! cargo test --test diagnostics` rewrites them after a deliberate change.

mod common;
use common::diagnose;

macro_rules! case {
    ($name:ident, $text:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(stringify!($name), diagnose($text));
        }
    };
}

const HEAD: &str = "problem q1 \"t\"\n  W = kernel 2x2 w\n  X = input 3x3 x\n";

fn with(body: &str) -> String {
    format!("{HEAD}{body}\n")
}

// Syntax.
case!(shape_with_a_letter, "problem q1\n  W = kernel 2xw\n");
case!(unclosed_bracket, &with("  expect A = [[1, 2], [3, 4]"));
case!(missing_on, &with("  find A = matrix conv2d(W) X"));
case!(unknown_query, &with("  find A = matrx conv2d(W) on X"));
case!(missing_equals_in_find, &with("  find A matrix conv2d(W) on X"));
case!(trailing_text, &with("  find A = matrix conv2d(W) on X now"));
case!(statement_outside_problem, "find n = threshold functions of 2 inputs\nproblem q1\n");
case!(duplicate_problem, "problem q1\nproblem q1\n");
case!(unterminated_string, "problem q1 \"no end\n");
case!(bad_escape, "problem q1\n  answer a = \"a \\q b\"\n");
case!(not_a_statement, &with("  + 1"));
case!(
    several_errors_are_all_reported,
    "problem q1\n  W = kernel 2xw\n  find A = matrx W\n  X = input 3x3 x\n  expect A = [1, 2\n"
);
case!(record_without_colon, &with("  expect A = { W 2 }"));
case!(duplicate_record_field, &with("  expect A = { W: 2, W: 3 }"));

// Names and shapes.
case!(unknown_kernel, &with("  find A = matrix conv2d(Q) on X"));
case!(kernel_used_as_input, &with("  find A = matrix conv2d(W) on W"));
case!(unknown_operator_with_suggestion, &with("  find A = matrix conv2D(W) on X"));
case!(unknown_argument_with_suggestion, &with("  find A = matrix conv2d(W, strides: 2) on X"));
case!(stride_zero, &with("  find A = matrix conv2d(W, stride: 0) on X"));
case!(fractional_stride, &with("  find A = matrix conv2d(W, stride: 1.5) on X"));
case!(kernel_larger_than_input, &with("  find A = matrix conv2d(W, dilation: 3) on X"));
case!(
    channels_do_not_match,
    "problem q1\n  W = kernel 4x2x3x3 w\n  X = input 3x8x8 x\n  find A = matrix conv2d(W) on X\n"
);
case!(
    groups_do_not_divide,
    "problem q1\n  W = kernel 4x1x3x3 w\n  X = input 3x8x8 x\n  find A = matrix conv2d(W, groups: 2) on X\n"
);
case!(output_padding_too_large, &with("  find A = matrix conv_transpose2d(W, stride: 2, output_padding: 2) on X"));
case!(reflect_padding_too_large, &with("  find A = matrix conv2d(W, padding: 3, padding_mode: reflect) on X"));
case!(same_padding_needs_stride_one, &with("  find A = matrix conv2d(W, stride: 2, padding: same) on X"));
case!(unknown_padding_mode, &with("  find A = matrix conv2d(W, padding: 1, padding_mode: mirror) on X"));
case!(kernel_with_three_dimensions, "problem q1\n  W = kernel 2x2x2 w\n");
case!(duplicate_declaration, &with("  W = kernel 3x3 v"));
case!(symbol_clashes_with_a_name, "problem q1\n  X = input 3x3 x\n  W = kernel 2x2 X\n");
case!(ragged_literal_kernel, "problem q1\n  K = kernel [[1, 2], [3]]\n");
case!(expect_without_find, &with("  find A = matrix conv2d(W) on X\n  expect B = 1"));
case!(two_keys, &with("  find A = shape conv2d(W) on X\n  expect A = (2, 2)\n  expect A = (2, 2)"));
case!(key_index_out_of_range, &with("  find A = shape conv2d(W) on X\n  expect A = X[3,0]"));
case!(key_with_fractional_index, &with("  find A = shape conv2d(W) on X\n  expect A = w[0.5,0]"));
case!(key_singular_inverse, &with("  find A = shape conv2d(W) on X\n  expect A = [[1, 1], [1, 1]]^-1"));
case!(key_shape_mismatch_in_arithmetic, &with("  find A = shape conv2d(W) on X\n  expect A = [1, 2] + [1, 2, 3]"));

// Questions and what they show.
case!(two_questions, &with("  question = \"First?\"\n  find A = matrix conv2d(W) on X\n  question = \"Second?\""));
case!(part_for_an_unknown_find, &with("  find size = shape conv2d(W) on X\n  question sise = \"How big is it?\""));
case!(
    part_given_twice,
    &with("  question A = \"One way.\"\n  find A = matrix conv2d(W) on X\n  question A = \"Another way.\"")
);
case!(show_an_unknown_name, &with("  show X, V"));
case!(show_a_name_twice, &with("  show W, X, W"));
case!(show_a_find, &with("  find A = matrix conv2d(W) on X\n  show A"));
case!(show_without_commas, &with("  show W X"));
case!(question_used_as_a_value_name, &with("  question = 1/2"));
case!(show_used_as_a_value_name, &with("  show = 3"));
case!(question_without_text, &with("  find A = matrix conv2d(W) on X\n  question A \"no equals\""));

// Shared declarations, includes and problem ids.
case!(shared_name_declared_again, "W = kernel 2x2 w\nproblem q1\n  W = kernel 3x3 v\n");
case!(include_inside_a_problem, "problem q1\n  include \"common.nnk\"\n");
case!(include_without_a_path, "include common.nnk\nproblem q1\n");
case!(problem_id_ending_in_a_dot, "problem 3.\n");
case!(shared_declaration_with_an_error, "h = kernel 2x2\nproblem q1\n");

// Drawn parameters.
case!(draw_outside_a_problem, "draw a = integer in 1..3\nproblem q1\n");
case!(draw_unknown_condition, "problem q1\n  draw a = integer in -3..3 where nonzer\n");
case!(draw_condition_that_does_not_apply, "problem q1\n  draw a = integer in -3..3 where full row rank\n");
case!(draw_unsatisfiable_condition, "problem q1\n  draw X = matrix 2x3 from 0..0 where full row rank\n");
case!(draw_empty_range, "problem q1\n  draw a = integer in 3..-3\n");
case!(draw_integer_range_with_fractions, "problem q1\n  draw a = integer in 0..1/2\n");
case!(draw_rational_without_step, "problem q1\n  draw r = rational in 0..1\n");
case!(draw_unknown_kind, "problem q1\n  draw a = number in 0..1\n");
case!(draw_too_many_entries, "problem q1\n  draw X = matrix 100x100 from 0..1\n");
case!(draw_kink_of_unknown_network, "problem q1\n  draw p = point 1 from 1..3 where not on a kink of h\n");
case!(
    draw_point_never_off_the_kinks,
    "problem q1\n  h = network (x: 1) { dense 1; relu }\n  draw p = point 1 from 0..0 where not on a kink of h\n"
);
case!(draw_table_too_large, "problem q1\n  draw T = truth table (a, b, c, d, e, f, g)\n");
case!(draw_separable_on_a_number, "problem q1\n  draw a = integer in 0..3 where linearly separable\n");
case!(shared_declaration_wrong_in_every_problem, "h = kernel 0x2 w\nproblem q1\nproblem q2\n");

// Keys name only what the problem has: its declarations, its symbols and
// the findings before them.
case!(
    key_with_a_misspelt_finding,
    &with("  find A = matrix conv2d(W) on X\n  find T = matrix conv_transpose2d(W) on X\n  expect T = transpose(AA)")
);
case!(
    key_with_an_unknown_symbol_family,
    &with("  find A = matrix conv2d(W) on X\n  expect A = [[v[0,0], w[0,1], w[1,0], w[1,1]]]")
);
case!(
    key_naming_a_later_finding,
    &with("  find A = matrix conv2d(W) on X\n  expect A = B\n  find B = matrix conv2d(W) on X")
);
case!(reserved_word_as_a_name, "problem q1 \"t\"\n  on = matrix [[1]]\n");
case!(vector_as_a_one_unit_weight, "problem q1 \"t\"\n  h = network (x: 2) { dense [1, 1] + 0; relu }\n");
case!(input_of_one_dimension, "problem q1 \"t\"\n  X = input 5 x\n");

// What nnkey cannot derive at a kink or for a count: each unit and region
// named once, "is" for one and "are" for several.
case!(
    kink_whose_sides_depend_on_the_symbols,
    "problem q1\n  h = network (x: 1) { dense [[1], [1]] + [0, -1]; relu; dense [[a, b]] }\n  \
     find p = linear piece of h at x = 0\n"
);
case!(
    two_units_at_a_kink_whose_sides_depend_on_the_symbols,
    "problem q1\n  h = network (x: 1) { dense [[1], [2]] + [0, 0]; relu; dense [[a, b]] }\n  \
     find p = linear piece of h at x = 0\n"
);
case!(
    unit_whose_sign_depends_on_the_symbols,
    "problem q1\n  h = network (x: 1) { dense [[a]] + [0]; relu }\n  find p = linear piece of h at x = 1\n"
);
case!(
    unit_at_its_kink_with_a_symbolic_slope,
    "problem q1\n  h = network (x: 1) { dense [[a]] + [0]; relu }\n  find p = linear piece of h at x = 0\n"
);
case!(
    composition_with_one_inner_region_not_onto,
    "problem q1\n  g = network (x: 1) { dense [[1], [1]] + [0, -1/2]; relu; dense [[2, -3]] }\n  \
     m = network (x: 1) { dense [[1], [1]] + [0, -0.5]; relu; dense [[2, -4]] }\n  \
     find n = identified regions of m after g from (0,1) onto (0,1)\n"
);
case!(
    composition_with_two_inner_regions_not_onto,
    "problem q1\n  g = network (x: 1) { dense [[1], [1], [1]] + [0, -1/3, -2/3]; relu; dense [[3, -3, 1]] }\n  \
     m = network (x: 1) { dense [[1], [1]] + [0, -0.5]; relu; dense [[2, -4]] }\n  \
     find n = identified regions of m after g from (0,1) onto (0,1)\n"
);
case!(
    repeated_block_with_one_piece_not_onto,
    "problem q1\n  f = network (x: 1) repeat L { dense [[1], [1]] + [0, -1/2]; relu; dense [[2, -3]] }\n  \
     find n = identified regions of f from (0,1) onto (0,1)\n"
);
case!(
    repeated_block_with_two_pieces_not_onto,
    "problem q1\n  f = network (x: 1) repeat L { dense [[1], [1], [1]] + [0, -1/3, -2/3]; relu; dense [[3, -3, 1]] }\n  \
     find n = identified regions of f from (0,1) onto (0,1)\n"
);
