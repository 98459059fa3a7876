//! Networks whose weights come from the frameworks' files: `.safetensors`,
//! `.npz` and `.npy`, every float read as the exact rational it stores.

mod common;

use common::Sandbox;

/// A `.npy` array of little-endian f32, as `numpy.save` writes it.
fn npy_f32(shape: &[usize], values: &[f32]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape = if dims.len() == 1 { format!("({},)", dims[0]) } else { format!("({})", dims.join(", ")) };
    let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend(values.iter().flat_map(|v| v.to_le_bytes()));
    out
}

/// `numpy.savez` (stored) or `numpy.savez_compressed` (deflated).
fn npz(arrays: &[(&str, Vec<u8>)], compressed: bool) -> Vec<u8> {
    use std::io::Write;
    let method = if compressed { zip::CompressionMethod::Deflated } else { zip::CompressionMethod::Stored };
    let mut out = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut out);
    for (name, bytes) in arrays {
        z.start_file(format!("{name}.npy"), zip::write::SimpleFileOptions::default().compression_method(method))
            .unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap();
    out.into_inner()
}

/// A two-layer network as `torch.nn.Linear` layers export it: `fc1.weight`
/// is (out, in), as nnkey's `dense` rows are.
fn mlp_safetensors() -> Vec<u8> {
    use safetensors::{Dtype, tensor::TensorView};
    let f32s = |v: &[f32]| -> Vec<u8> { v.iter().flat_map(|x| x.to_le_bytes()).collect() };
    let (w1, b1, w2) = (f32s(&[1.0, -0.5, 0.25, 2.0]), f32s(&[0.0, -1.0]), f32s(&[1.0, 0.1]));
    let views = vec![
        ("fc1.weight", TensorView::new(Dtype::F32, vec![2, 2], &w1).unwrap()),
        ("fc1.bias", TensorView::new(Dtype::F32, vec![2], &b1).unwrap()),
        ("fc2.weight", TensorView::new(Dtype::F32, vec![1, 2], &w2).unwrap()),
    ];
    safetensors::serialize(views, None).unwrap()
}

fn write_bytes(s: &Sandbox, name: &str, bytes: &[u8]) {
    let p = s.path(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

/// The piece of h at x = [2, 1]: z1 = [2 − 1/2, 1/2 + 2 − 1] = [3/2, 3/2],
/// both units on, so W = W2 W1 and b = W2 b1. With t = 0.1f32 =
/// 13421773/2^27 (the float, not 1/10): W = [1 + t/4, −1/2 + 2t] =
/// [550292685/536870912, −20132659/67108864] and b = −t.
const PIECE: &str = "expect piece = { W: [[550292685/536870912, -20132659/67108864]], b: [-13421773/134217728], \
                     gradient: [550292685/536870912, -20132659/67108864] }";

#[test]
fn a_network_from_safetensors_is_exact_for_the_floats_it_stores() {
    let s = Sandbox::new();
    write_bytes(&s, "bank/mlp.safetensors", &mlp_safetensors());
    s.write(
        "bank/w.nnk",
        &format!(
            "problem w \"Weights from a file\"\n  \
             W1 = matrix from \"mlp.safetensors\" \"fc1.weight\"\n  \
             b1 = vector from \"mlp.safetensors\" \"fc1.bias\"\n  \
             W2 = matrix from \"mlp.safetensors\" \"fc2.weight\"\n  \
             h = network (x: 2) {{ dense W1 + b1; relu; dense W2 }}\n  \
             find piece = linear piece of h at x = [2, 1]\n  {PIECE}\n"
        ),
    );
    let run = s.run(&["check", "bank"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("1 passed, 0 failed"), "{}", run.stdout);
    // The key with 1/10 for the float is wrong, as it should be.
    let tenth = PIECE.replace("-13421773/134217728", "-1/10");
    let text = s.read("bank/w.nnk").replace(PIECE, &tenth);
    s.write("bank/w.nnk", &text);
    assert_eq!(s.run(&["check", "bank"]).code, 1);
}

#[test]
fn npz_archives_and_npy_arrays_are_read_stored_or_compressed() {
    for compressed in [false, true] {
        let s = Sandbox::new();
        let archive =
            npz(&[("w1", npy_f32(&[2, 2], &[1.0, -0.5, 0.25, 2.0])), ("b1", npy_f32(&[2], &[0.0, -1.0]))], compressed);
        write_bytes(&s, "mlp.npz", &archive);
        write_bytes(&s, "data/w2.npy", &npy_f32(&[1, 2], &[1.0, 0.1]));
        s.write(
            "w.nnk",
            &format!(
                "problem w\n  W1 = matrix from \"mlp.npz\" \"w1\"\n  b1 = vector from \"mlp.npz\" \"b1\"\n  \
                 W2 = matrix from \"data/w2.npy\"\n  h = network (x: 2) {{ dense W1 + b1; relu; dense W2 }}\n  \
                 find piece = linear piece of h at x = [2, 1]\n  {PIECE}\n"
            ),
        );
        let run = s.run(&["check", "w.nnk"]);
        assert_eq!(run.code, 0, "compressed {compressed}: {}{}", run.stdout, run.stderr);
    }
}

/// Runs a problem that reads `mlp.safetensors` and returns stderr.
fn error_of(declaration: &str) -> String {
    let s = Sandbox::new();
    write_bytes(&s, "bank/mlp.safetensors", &mlp_safetensors());
    write_bytes(&s, "outside.npy", &npy_f32(&[2], &[1.0, 2.0]));
    write_bytes(&s, "bank/w.txt", b"not weights");
    s.write("bank/w.nnk", &format!("problem w\n  {declaration}\n"));
    let run = s.run(&["check", "bank"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    run.stderr
}

#[test]
fn bad_weight_declarations_are_errors_at_their_span() {
    let missing = error_of("W = matrix from \"mlp.safetensors\" \"fc1.weights\"");
    assert!(missing.contains("holds no tensor `fc1.weights`"), "{missing}");
    assert!(missing.contains("did you mean `fc1.weight`?"), "{missing}");
    assert!(missing.contains("bank/w.nnk:2:"), "file and line: {missing}");
    let unnamed = error_of("W = matrix from \"mlp.safetensors\"");
    assert!(unnamed.contains("holds 3 tensors; name the one to read"), "{unnamed}");
    let rank = error_of("W = vector from \"mlp.safetensors\" \"fc1.weight\"");
    assert!(rank.contains("has 1 dimension, not 2") && rank.contains("shape 2x2"), "{rank}");
    let outside = error_of("W = vector from \"../outside.npy\"");
    assert!(outside.contains("is outside"), "{outside}");
    let absent = error_of("W = vector from \"nowhere.npy\"");
    assert!(absent.contains("cannot read `nowhere.npy`: no such file"), "{absent}");
    let kind = error_of("W = vector from \"w.txt\"");
    assert!(kind.contains("does not know the kind of file `w.txt`"), "{kind}");
}

#[test]
fn a_damaged_file_is_an_error_not_a_panic() {
    let s = Sandbox::new();
    let good = mlp_safetensors();
    // Every truncation of the file, and a few flipped bytes.
    for cut in (0..good.len()).step_by(7) {
        write_bytes(&s, "mlp.safetensors", &good[..cut]);
        s.write("w.nnk", "problem w\n  W = matrix from \"mlp.safetensors\" \"fc1.weight\"\n");
        let run = s.run(&["check", "w.nnk"]);
        assert_eq!(run.code, 2, "cut at {cut}: {}", run.stderr);
        assert!(run.stderr.contains("mlp.safetensors"), "{}", run.stderr);
    }
}

#[test]
fn variants_carry_the_weight_files_their_problems_read() {
    let s = Sandbox::new();
    write_bytes(&s, "bank/nets/mlp.safetensors", &mlp_safetensors());
    s.write(
        "bank/w.nnk",
        &format!(
            "problem w\n  W1 = matrix from \"nets/mlp.safetensors\" \"fc1.weight\"\n  \
             b1 = vector from \"nets/mlp.safetensors\" \"fc1.bias\"\n  \
             W2 = matrix from \"nets/mlp.safetensors\" \"fc2.weight\"\n  \
             h = network (x: 2) {{ dense W1 + b1; relu; dense W2 }}\n  \
             find piece = linear piece of h at x = [2, 1]\n  {PIECE}\n"
        ),
    );
    let run = s.run(&["variants", "bank", "--seed", "1", "--count", "2", "--out", "out"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    for k in ["1", "2"] {
        let copied = std::fs::read(s.path(&format!("out/{k}/nets/mlp.safetensors"))).unwrap();
        assert_eq!(copied, mlp_safetensors());
    }
}
