//! The forward pass of a small BERT encoder (all-MiniLM-L6-v2's shape) on the CPU: one
//! unpadded sequence at a time, f32, matrix products by ndarray (`matrixmultiply`'s kernels). A question of a
//! dozen tokens is a few hundred million multiply-adds, a few milliseconds on one core;
//! unbatched because a question comes alone and passages are embedded once per book.

use std::collections::HashMap;

use ndarray::{Array1, Array2, ArrayViewMut1, Axis, Slice};

const LAYER_NORM_EPS: f32 = 1e-12;

/// A linear layer `y = x·Wᵀ + b` with `W` stored `[out, in]` as PyTorch saves it.
#[derive(Debug)]
struct Linear {
    weight: Array2<f32>,
    bias: Array1<f32>,
}

#[derive(Debug)]
struct Norm {
    weight: Array1<f32>,
    bias: Array1<f32>,
}

#[derive(Debug)]
struct Layer {
    /// Query, key and value stacked into one `[3·hidden, hidden]` product.
    qkv: Linear,
    attention_out: Linear,
    attention_norm: Norm,
    intermediate: Linear,
    output: Linear,
    output_norm: Norm,
}

#[derive(Debug)]
pub(super) struct Bert {
    words: Array2<f32>,
    positions: Array2<f32>,
    token_type: Array1<f32>,
    embeddings_norm: Norm,
    layers: Vec<Layer>,
    heads: usize,
}

/// Tensors by name, as f32 with their shapes.
pub(super) type Tensors = HashMap<String, (Vec<usize>, Vec<f32>)>;

/// Takes named tensors out of a [`Tensors`], checking their shapes.
struct Weights(Tensors);

impl Weights {
    fn vector(&mut self, name: &str) -> Result<Array1<f32>, String> {
        let (_, values) = self.0.remove(name).ok_or_else(|| format!("no tensor {name}"))?;
        Ok(Array1::from(values))
    }

    fn matrix(&mut self, name: &str) -> Result<Array2<f32>, String> {
        let (shape, values) = self.0.remove(name).ok_or_else(|| format!("no tensor {name}"))?;
        match shape[..] {
            [rows, columns] => {
                Array2::from_shape_vec((rows, columns), values).map_err(|e| e.to_string())
            }
            _ => Err(format!("{name}: not a matrix but {shape:?}")),
        }
    }

    fn linear(&mut self, name: &str) -> Result<Linear, String> {
        let weight = self.matrix(&format!("{name}.weight"))?;
        let bias = self.vector(&format!("{name}.bias"))?;
        if bias.len() != weight.nrows() {
            return Err(format!("{name}: bias and weight disagree"));
        }
        Ok(Linear { weight, bias })
    }

    fn norm(&mut self, name: &str) -> Result<Norm, String> {
        Ok(Norm {
            weight: self.vector(&format!("{name}.weight"))?,
            bias: self.vector(&format!("{name}.bias"))?,
        })
    }

    fn layer(&mut self, i: usize) -> Result<Layer, String> {
        let pre = format!("encoder.layer.{i}.");
        let [q, k, v] =
            ["query", "key", "value"].map(|p| self.linear(&format!("{pre}attention.self.{p}")));
        let (q, k, v) = (q?, k?, v?);
        let stacked = |a: [&Array2<f32>; 3]| ndarray::concatenate(Axis(0), &a.map(|m| m.view()));
        let qkv = Linear {
            weight: stacked([&q.weight, &k.weight, &v.weight]).map_err(|e| e.to_string())?,
            bias: ndarray::concatenate(Axis(0), &[q.bias.view(), k.bias.view(), v.bias.view()])
                .map_err(|e| e.to_string())?,
        };
        Ok(Layer {
            qkv,
            attention_out: self.linear(&format!("{pre}attention.output.dense"))?,
            attention_norm: self.norm(&format!("{pre}attention.output.LayerNorm"))?,
            intermediate: self.linear(&format!("{pre}intermediate.dense"))?,
            output: self.linear(&format!("{pre}output.dense"))?,
            output_norm: self.norm(&format!("{pre}output.LayerNorm"))?,
        })
    }
}

impl Bert {
    pub(super) fn from_tensors(tensors: Tensors, heads: usize) -> Result<Self, String> {
        let mut w = Weights(tensors);
        let mut layers = Vec::new();
        while w
            .0
            .contains_key(&format!("encoder.layer.{}.attention.self.query.weight", layers.len()))
        {
            layers.push(w.layer(layers.len())?);
        }
        let words = w.matrix("embeddings.word_embeddings.weight")?;
        let positions = w.matrix("embeddings.position_embeddings.weight")?;
        let token_type = w.matrix("embeddings.token_type_embeddings.weight")?.row(0).to_owned();
        let hidden = words.ncols();
        if layers.is_empty() || heads == 0 || hidden % heads != 0 || positions.ncols() != hidden {
            return Err("not a BERT encoder".into());
        }
        Ok(Self {
            embeddings_norm: w.norm("embeddings.LayerNorm")?,
            words,
            positions,
            token_type,
            layers,
            heads,
        })
    }

    pub(super) fn vocab_size(&self) -> usize {
        self.words.nrows()
    }

    pub(super) fn dims(&self) -> usize {
        self.words.ncols()
    }

    /// The longest sequence the position embeddings allow.
    pub(super) fn max_tokens(&self) -> usize {
        self.positions.nrows()
    }

    /// The mean of the encoder's last hidden states over `ids`, L2-normalised.
    pub(super) fn embed(&self, ids: &[u32]) -> Vec<f32> {
        let mut x = Array2::from_shape_fn((ids.len(), self.dims()), |(t, j)| {
            self.words[[ids[t] as usize, j]] + self.positions[[t, j]] + self.token_type[j]
        });
        layer_norm(&mut x, &self.embeddings_norm);
        for layer in &self.layers {
            let context = self.attend(&layer.qkv.apply(&x));
            x += &layer.attention_out.apply(&context);
            layer_norm(&mut x, &layer.attention_norm);
            let mut inner = layer.intermediate.apply(&x);
            inner.mapv_inplace(gelu);
            x += &layer.output.apply(&inner);
            layer_norm(&mut x, &layer.output_norm);
        }
        let mut mean = x.sum_axis(Axis(0));
        let norm = mean.dot(&mean).sqrt().max(f32::MIN_POSITIVE);
        mean /= norm;
        mean.to_vec()
    }

    /// Multi-head self-attention of `qkv` (`[n, 3·hidden]`): the context, `[n, hidden]`.
    fn attend(&self, qkv: &Array2<f32>) -> Array2<f32> {
        let h = self.dims();
        let d = h / self.heads;
        let scale = 1.0 / (d as f32).sqrt();
        let mut context = Array2::zeros((qkv.nrows(), h));
        for head in 0..self.heads {
            let column = |offset: usize| {
                qkv.slice_axis(Axis(1), Slice::from(offset + head * d..offset + (head + 1) * d))
            };
            let mut scores = column(0).dot(&column(h).t());
            scores *= scale;
            scores.rows_mut().into_iter().for_each(softmax);
            context
                .slice_axis_mut(Axis(1), Slice::from(head * d..(head + 1) * d))
                .assign(&scores.dot(&column(2 * h)));
        }
        context
    }
}

impl Linear {
    fn apply(&self, x: &Array2<f32>) -> Array2<f32> {
        x.dot(&self.weight.t()) + &self.bias
    }
}

fn layer_norm(x: &mut Array2<f32>, norm: &Norm) {
    let h = x.ncols() as f32;
    for mut row in x.rows_mut() {
        let mean = row.sum() / h;
        let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / h;
        let inv = 1.0 / (var + LAYER_NORM_EPS).sqrt();
        row.zip_mut_with(&norm.weight, |v, w| *v = (*v - mean) * inv * w);
        row += &norm.bias;
    }
}

fn softmax(mut row: ArrayViewMut1<f32>) {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in row.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    row.iter_mut().for_each(|v| *v /= sum);
}

/// BERT's exact GELU.
fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + libm::erff(x / std::f32::consts::SQRT_2))
}
