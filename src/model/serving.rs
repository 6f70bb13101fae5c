//! What a model-serving container says about its server and its model: the model it loads
//! (`--model`, `MODEL_ID`, a `model` label, the image's name), how large that model is when its
//! name says so (`opt-125m`, `TinyLlama-1.1B`, `Llama-3-70B`, `t5-small`), how many GPUs one
//! replica spreads it over (tensor and pipeline parallelism, GPU limits), and whether the server
//! loads models lazily (Ollama answers at once and loads a model on its first request).

use super::gpu::is_gpu_resource;
use k8s_openapi::api::core::v1::Container;
use std::collections::BTreeMap;

/// Evidence from one container (and its pod's labels).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Serving {
    /// The model named by an argument, the environment, a label or the image.
    pub model: Option<String>,
    /// Billions of parameters, when the model's name says so.
    pub params_billion: Option<f64>,
    /// GPUs one replica's model is spread over: tensor x pipeline parallelism, or the
    /// container's GPU limit (request), whichever is larger.
    pub gpus: u32,
    /// The server loads models on demand, not at start (Ollama).
    pub lazy_loading: bool,
}

/// Arguments that name the model a server loads.
const MODEL_FLAGS: &[&str] = &["--model", "--model-id", "--model_id", "--model-name", "--model_name", "--model-path", "--model_path"];
/// Environment variables that name it.
const MODEL_ENV: &[&str] = &["MODEL", "MODEL_ID", "MODEL_NAME", "HF_MODEL_ID", "MODEL_PATH", "LLM_MODEL"];
/// Families whose names carry no parameter count, with their size in billions.
const SMALL_FAMILIES: &[(&str, f64)] = &[
    ("t5-small", 0.06),
    ("t5-base", 0.22),
    ("distilbert", 0.07),
    ("distilgpt2", 0.08),
    ("bert-base", 0.11),
    ("gpt2", 0.12),
    ("tinyllama", 1.1),
    ("phi-1_5", 1.3),
    ("phi-2", 2.7),
    ("phi-3-mini", 3.8),
    ("phi-3.5-mini", 3.8),
    ("phi-4-mini", 3.8),
];

impl Serving {
    pub fn of(ctr: &Container, pod_labels: Option<&BTreeMap<String, String>>) -> Serving {
        let words: Vec<&str> = ctr.command.iter().chain(ctr.args.iter()).flatten().flat_map(|a| a.split_whitespace()).collect();
        let flag = |names: &[&str]| -> Option<String> {
            words.iter().enumerate().find_map(|(i, w)| {
                names.iter().find_map(|n| {
                    w.strip_prefix(n)
                        .and_then(|rest| rest.strip_prefix('='))
                        .map(str::to_string)
                        .or_else(|| (*w == *n).then(|| words.get(i + 1).map(|v| (*v).to_string())).flatten())
                })
            })
        };
        let env = |names: &[&str]| {
            ctr.env.iter().flatten().find(|e| names.contains(&e.name.as_str())).and_then(|e| e.value.clone()).filter(|v| !v.is_empty())
        };
        // `vllm serve MODEL`, or the model as the first argument to the image's own entrypoint
        // (vLLM's image runs `vllm serve`, so `args: [/models/TinyLlama-1.1B, ...]`).
        let positional = words.windows(2).find(|p| p[0] == "serve" && !p[1].starts_with('-')).map(|p| p[1].to_string()).or_else(|| {
            let first = ctr.args.as_ref()?.first()?;
            (ctr.command.is_none() && !first.starts_with('-') && first.contains('/') && !first.contains(' ')).then(|| first.clone())
        });
        let label = pod_labels.and_then(|l| l.get("model").cloned());
        let model = flag(MODEL_FLAGS).or_else(|| env(MODEL_ENV)).or(positional).or(label).filter(|m| !m.contains('$'));
        let image = ctr.image.as_deref().unwrap_or("");
        let params_billion = model.as_deref().and_then(params_of).or_else(|| image.rsplit('/').next().and_then(params_of));
        let parallel = |names: &[&str]| flag(names).and_then(|v| v.parse::<u32>().ok()).unwrap_or(1).max(1);
        let model_gpus = parallel(&["--tensor-parallel-size", "--tensor_parallel_size", "-tp", "--tp"]).saturating_mul(parallel(&[
            "--pipeline-parallel-size",
            "--pipeline_parallel_size",
            "-pp",
            "--pp",
        ]));
        let lazy_loading = image.contains("ollama") || words.windows(2).any(|p| p[0].ends_with("ollama") && p[1] == "serve");
        Serving { model, params_billion, gpus: model_gpus.max(gpu_count(ctr)), lazy_loading }
    }
}

/// The GPUs a container asks for: its largest GPU limit (or request), in whole devices.
pub fn gpu_count(ctr: &Container) -> u32 {
    let Some(r) = &ctr.resources else { return 0 };
    r.limits
        .iter()
        .flatten()
        .chain(r.requests.iter().flatten())
        .filter(|(name, _)| is_gpu_resource(name))
        .filter_map(|(_, q)| q.0.trim().parse::<u32>().ok())
        .max()
        .unwrap_or(0)
}

/// Billions of parameters a model's name states: `opt-125m` 0.125, `Qwen2.5-Coder-7B-Instruct`
/// 7, `mixtral-8x7b` 56, `t5-small` 0.06. None when the name says nothing.
pub fn params_of(name: &str) -> Option<f64> {
    let lower = name.to_ascii_lowercase();
    if let Some((_, b)) = SMALL_FAMILIES.iter().find(|(f, _)| lower.contains(f)) {
        return Some(*b);
    }
    let bytes = lower.as_bytes();
    let mut best: Option<f64> = None;
    let mut i = 0;
    while i < bytes.len() {
        // A number that starts a token (`-7b`, `_1.1b`, `8x7b`), then `b` or `m`, then the token ends.
        let starts = i == 0 || !bytes[i - 1].is_ascii_alphanumeric() && bytes[i - 1] != b'.';
        if !(starts && bytes[i].is_ascii_digit()) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < bytes.len() && (bytes[j].is_ascii_digit() || bytes[j] == b'.') {
            j += 1;
        }
        let mut factor = 1.0;
        let mut k = j;
        // `8x7b`: experts times size.
        if bytes.get(k) == Some(&b'x') {
            if let Ok(e) = lower[i..j].parse::<f64>() {
                factor = e;
                let s = k + 1;
                k = s;
                while k < bytes.len() && (bytes[k].is_ascii_digit() || bytes[k] == b'.') {
                    k += 1;
                }
                j = k;
                i = s;
            }
        }
        let unit = match bytes.get(j) {
            Some(b'b') => 1.0,
            Some(b'm') => 0.001,
            _ => {
                i = j.max(i + 1);
                continue;
            }
        };
        let ends = bytes.get(j + 1).is_none_or(|c| !c.is_ascii_alphanumeric());
        if ends {
            if let Ok(n) = lower[i..j].parse::<f64>() {
                let b = n * unit * factor;
                best = Some(best.map_or(b, |x: f64| x.max(b)));
            }
        }
        i = j + 1;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::params_of;

    #[test]
    fn parameter_counts_from_names() {
        assert_eq!(params_of("facebook/opt-125m"), Some(0.125));
        assert_eq!(params_of("TinyLlama/TinyLlama-1.1B-Chat-v1.0"), Some(1.1));
        assert_eq!(params_of("Qwen/Qwen2.5-Coder-7B-Instruct-AWQ"), Some(7.0));
        assert_eq!(params_of("meta-llama/Meta-Llama-3.1-70B-Instruct"), Some(70.0));
        assert_eq!(params_of("mistralai/Mixtral-8x7B-v0.1"), Some(56.0));
        assert_eq!(params_of("google/gemma-2b"), Some(2.0));
        assert_eq!(params_of("t5-small"), Some(0.06));
        assert_eq!(params_of("mal-vllm-opt125m"), None); // no token boundary: not trusted
        assert_eq!(params_of("meta-llama/Llama-2"), None);
        assert_eq!(params_of("v0.6.3"), None);
        assert_eq!(params_of("model-v2"), None);
    }
}
