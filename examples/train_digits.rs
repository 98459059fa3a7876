//! Trains the small digit classifier that the problems in
//! `problems/ps3/digits/` read, and writes its weights and a few test
//! images next to them.
//!
//! ```sh
//! cargo run --release --example train_digits -- digits.csv problems/ps3/digits
//! ```
//!
//! `digits.csv` is the 8×8 handwritten digits that scikit-learn ships
//! (`sklearn/datasets/data/digits.csv.gz`, unzipped): 1797 rows of 64
//! pixels in 0..=16 and the label, from the UCI optical recognition of
//! handwritten digits data set (E. Alpaydin and C. Kaynak, 1998; CC BY 4.0).
//! Only the weights and the few images the problems use are kept.
//!
//! The network is `flatten → dense 64→32 → relu → dense 32→10`, trained with
//! softmax cross-entropy by minibatch SGD with momentum. Everything is
//! seeded (SplitMix64), and the arithmetic is plain `f32` loops in a fixed
//! order (no BLAS, no threads), so the same file gives the same weights,
//! bit for bit, on every machine.

// Index loops follow the formulas (w[c·H + j], x[i]) one for one.
#![allow(clippy::needless_range_loop)]

use std::path::{Path, PathBuf};

use nnkey::model::draw::SplitMix64;

const SEED: u64 = 2026;
const HIDDEN: usize = 32;
const CLASSES: usize = 10;
const PIXELS: usize = 64;
const EPOCHS: usize = 60;
const BATCH: usize = 32;
const RATE: f32 = 0.05;
const MOMENTUM: f32 = 0.9;
const DECAY: f32 = 1e-4;

struct Net {
    w1: Vec<f32>, // HIDDEN × PIXELS, row-major: one row per unit (torch.nn.Linear)
    b1: Vec<f32>,
    w2: Vec<f32>, // CLASSES × HIDDEN
    b2: Vec<f32>,
}

impl Net {
    fn zeros() -> Net {
        Net {
            w1: vec![0.0; HIDDEN * PIXELS],
            b1: vec![0.0; HIDDEN],
            w2: vec![0.0; CLASSES * HIDDEN],
            b2: vec![0.0; CLASSES],
        }
    }

    /// PyTorch's default for a linear layer: uniform in ±1/√fan_in.
    fn init(rng: &mut SplitMix64) -> Net {
        let mut uniform = |bound: f32| (((rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0) * bound;
        let mut n = Net::zeros();
        let (a, b) = (1.0 / (PIXELS as f32).sqrt(), 1.0 / (HIDDEN as f32).sqrt());
        n.w1.iter_mut().chain(n.b1.iter_mut()).for_each(|w| *w = uniform(a));
        n.w2.iter_mut().chain(n.b2.iter_mut()).for_each(|w| *w = uniform(b));
        n
    }

    /// Hidden pre-activations and class scores.
    fn forward(&self, x: &[f32]) -> ([f32; HIDDEN], [f32; CLASSES]) {
        let mut z = [0f32; HIDDEN];
        for (j, zj) in z.iter_mut().enumerate() {
            *zj = self.b1[j] + (0..PIXELS).map(|i| self.w1[j * PIXELS + i] * x[i]).sum::<f32>();
        }
        let mut s = [0f32; CLASSES];
        for (c, sc) in s.iter_mut().enumerate() {
            *sc = self.b2[c] + (0..HIDDEN).map(|j| self.w2[c * HIDDEN + j] * z[j].max(0.0)).sum::<f32>();
        }
        (z, s)
    }

    fn class(&self, x: &[f32]) -> usize {
        let (_, s) = self.forward(x);
        (0..CLASSES).fold(0, |best, c| if s[c] > s[best] { c } else { best })
    }
}

fn read_digits(path: &Path) -> Result<Vec<(Vec<f32>, usize)>, String> {
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (k, row) in reader.records().enumerate() {
        let row = row.map_err(|e| format!("row {}: {e}", k + 1))?;
        let values: Vec<f32> = row
            .iter()
            .map(|v| v.trim().parse::<f32>())
            .collect::<Result<_, _>>()
            .map_err(|e| format!("row {}: {e}", k + 1))?;
        if values.len() != PIXELS + 1 {
            return Err(format!("row {} has {} values, not {}", k + 1, values.len(), PIXELS + 1));
        }
        // Pixels are counts 0..=16: k/16 is exact in binary.
        out.push((values[..PIXELS].iter().map(|p| p / 16.0).collect(), values[PIXELS] as usize));
    }
    Ok(out)
}

fn train(net: &mut Net, data: &[(Vec<f32>, usize)], rng: &mut SplitMix64) {
    let mut velocity = Net::zeros();
    let mut order: Vec<usize> = (0..data.len()).collect();
    for epoch in 0..EPOCHS {
        // Fisher–Yates with the seeded generator.
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let rate = if epoch < EPOCHS * 2 / 3 { RATE } else { RATE / 10.0 };
        for batch in order.chunks(BATCH) {
            let mut grad = Net::zeros();
            for &k in batch {
                let (x, y) = (&data[k].0, data[k].1);
                let (z, s) = net.forward(x);
                let top = s.iter().cloned().fold(f32::MIN, f32::max);
                let e: Vec<f32> = s.iter().map(|v| (v - top).exp()).collect();
                let total: f32 = e.iter().sum();
                // d loss / d score = softmax − one-hot.
                let ds: Vec<f32> = (0..CLASSES).map(|c| e[c] / total - if c == y { 1.0 } else { 0.0 }).collect();
                let mut dz = [0f32; HIDDEN];
                for c in 0..CLASSES {
                    grad.b2[c] += ds[c];
                    for j in 0..HIDDEN {
                        grad.w2[c * HIDDEN + j] += ds[c] * z[j].max(0.0);
                        dz[j] += ds[c] * net.w2[c * HIDDEN + j];
                    }
                }
                for j in 0..HIDDEN {
                    if z[j] > 0.0 {
                        grad.b1[j] += dz[j];
                        for i in 0..PIXELS {
                            grad.w1[j * PIXELS + i] += dz[j] * x[i];
                        }
                    }
                }
            }
            let scale = 1.0 / batch.len() as f32;
            let step = |w: &mut [f32], v: &mut [f32], g: &[f32]| {
                for ((w, v), g) in w.iter_mut().zip(v.iter_mut()).zip(g) {
                    *v = MOMENTUM * *v + g * scale + DECAY * *w;
                    *w -= rate * *v;
                }
            };
            step(&mut net.w1, &mut velocity.w1, &grad.w1);
            step(&mut net.b1, &mut velocity.b1, &grad.b1);
            step(&mut net.w2, &mut velocity.w2, &grad.w2);
            step(&mut net.b2, &mut velocity.b2, &grad.b2);
        }
    }
}

fn write_weights(net: &Net, path: &Path) -> Result<(), String> {
    use safetensors::{Dtype, tensor::TensorView};
    let bytes = |v: &[f32]| -> Vec<u8> { v.iter().flat_map(|x| x.to_le_bytes()).collect() };
    let (w1, b1, w2, b2) = (bytes(&net.w1), bytes(&net.b1), bytes(&net.w2), bytes(&net.b2));
    let view = |shape: Vec<usize>, data| TensorView::new(Dtype::F32, shape, data).map_err(|e| e.to_string());
    let views = vec![
        ("fc1.weight", view(vec![HIDDEN, PIXELS], &w1)?),
        ("fc1.bias", view(vec![HIDDEN], &b1)?),
        ("fc2.weight", view(vec![CLASSES, HIDDEN], &w2)?),
        ("fc2.bias", view(vec![CLASSES], &b2)?),
    ];
    safetensors::serialize_to_file(views, None, path).map_err(|e| e.to_string())
}

/// Writes images as one `.npz` (as `numpy.savez` does), each 1×8×8.
fn write_images(images: &[(String, Vec<f32>)], path: &Path) -> Result<(), String> {
    use npyz::WriterBuilder;
    use std::io::Write;
    let file = std::fs::File::create(path).map_err(|e| e.to_string())?;
    let mut zip = zip::ZipWriter::new(file);
    for (name, pixels) in images {
        zip.start_file(format!("{name}.npy"), zip::write::SimpleFileOptions::default()).map_err(|e| e.to_string())?;
        let mut bytes = Vec::new();
        let mut w = npyz::WriteOptions::new()
            .default_dtype()
            .shape(&[1, 8, 8])
            .writer(&mut bytes)
            .begin_nd()
            .map_err(|e| e.to_string())?;
        w.extend(pixels.iter().copied()).map_err(|e| e.to_string())?;
        w.finish().map_err(|e| e.to_string())?;
        zip.write_all(&bytes).map_err(|e| e.to_string())?;
    }
    zip.finish().map_err(|e| e.to_string())?;
    Ok(())
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let [_, csv, out] = args.as_slice() else {
        return Err("usage: train_digits DIGITS.csv OUT_DIR".to_string());
    };
    let out = PathBuf::from(out);
    let mut data = read_digits(Path::new(csv))?;
    let mut rng = SplitMix64::new(SEED);
    for i in (1..data.len()).rev() {
        data.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let (test, train_set) = data.split_at(360);
    let mut net = Net::init(&mut rng);
    train(&mut net, train_set, &mut rng);
    let accuracy =
        |set: &[(Vec<f32>, usize)]| set.iter().filter(|(x, y)| net.class(x) == *y).count() as f64 / set.len() as f64;
    println!("train accuracy {:.3}, test accuracy {:.3}", accuracy(train_set), accuracy(test));
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    write_weights(&net, &out.join("mlp.safetensors"))?;
    // The first test image of each digit the problems use.
    let mut images = Vec::new();
    for digit in [3, 8] {
        let (x, _) = test.iter().find(|(_, y)| *y == digit).ok_or("no such digit in the test set")?;
        let (_, s) = net.forward(x);
        println!("digit {digit}: class {}, scores {:?}", net.class(x), s);
        images.push((format!("digit{digit}"), x.clone()));
    }
    write_images(&images, &out.join("images.npz"))?;
    println!("wrote {} and {}", out.join("mlp.safetensors").display(), out.join("images.npz").display());
    Ok(())
}
