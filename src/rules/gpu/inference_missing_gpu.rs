//! [`InferenceMissingGpu`](crate::rules::RuleId::InferenceMissingGpu): a GPU-built inference server that requests no accelerator.

use crate::classify::{command_line, image_repository};
use crate::index::Index;
use crate::rules::Findings;
use k8s_openapi::api::core::v1::Container;

/// The GPU-built server an image is, when it is one: its repository (and for Triton, its tag)
/// says so. Triton serves CPU models too: only its TensorRT-LLM and vLLM builds need a GPU.
fn gpu_server(image: &str) -> Option<&'static str> {
    let (name, repo) = image_repository(image);
    let tag = image
        .split('@')
        .next()
        .unwrap_or(image)
        .rsplit_once(':')
        .map(|(r, t)| if r.contains('/') || !t.contains('/') { t } else { "" })
        .unwrap_or("");
    let repo = repo.to_ascii_lowercase();
    let name = name.to_ascii_lowercase();
    if name == "vllm-openai" {
        return Some("vLLM's CUDA image");
    }
    if repo.starts_with("nvcr.io/nim/") {
        return Some("an NVIDIA NIM image");
    }
    if name == "text-generation-inference" {
        return Some("TGI's GPU image");
    }
    if name == "sglang" && repo.contains("lmsysorg") {
        return Some("SGLang's CUDA image");
    }
    if repo.contains("tensorrt-llm") || repo.contains("tensorrt_llm") {
        return Some("a TensorRT-LLM image");
    }
    if name == "tritonserver" && (tag.contains("trtllm") || tag.contains("vllm")) {
        return Some("Triton's TensorRT-LLM or vLLM build");
    }
    None
}

/// Whether the container runs the server: the image's own entrypoint (without a task such as
/// `download` or `bench` as its first argument), or a command that starts one.
fn runs_server(c: &Container) -> bool {
    const SERVERS: &[&str] = &[
        "vllm serve",
        "vllm.entrypoints",
        "api_server",
        "text-generation-launcher",
        "launch_server",
        "tritonserver",
        "start_server",
        "nim_llm",
        "trtllm-serve",
        "dynamo",
    ];
    match &c.command {
        Some(_) => {
            let line = command_line(c);
            SERVERS.iter().any(|s| line.contains(s))
        }
        None => !c.args.iter().flatten().next().is_some_and(|a| {
            let first = a.split_whitespace().next().unwrap_or("");
            matches!(
                first,
                "bench" | "download" | "download-to-cache" | "list-model-profiles" | "create-model-store" | "convert" | "quantize"
            )
        }),
    }
}

/// A build or setting for CPUs (or for accelerators the image's name does not say).
fn other_target(image: &str, c: &Container) -> bool {
    let i = image.to_ascii_lowercase();
    let line = command_line(c).to_ascii_lowercase();
    ["cpu", "xeon", "rocm", "xpu", "gaudi", "habana", "tpu", "neuron", "openvino"].iter().any(|k| i.contains(k))
        || line.contains("--device cpu")
        || line.contains("--device=cpu")
        || c.env
            .iter()
            .flatten()
            .any(|e| (e.name == "VLLM_TARGET_DEVICE" && e.value.as_deref().is_some_and(|v| v != "cuda")) || e.name.starts_with("VLLM_CPU_"))
}

/// Whether a resource name is an accelerator (GPU, MIG slice, TPU, Neuron, Gaudi, Intel GPU).
fn accelerator(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("nvidia.com/")
        || n == "amd.com/gpu"
        || n.starts_with("google.com/tpu")
        || n.starts_with("aws.amazon.com/neuron")
        || n.starts_with("gpu.intel.com/")
        || n.starts_with("habana.ai/")
        || n.ends_with("/gpu")
        || n.contains("vgpu")
}

pub fn check(ix: &Index, out: &mut Findings) {
    for (o, w, _) in ix.workloads() {
        // A patch, an export, a kustomize input (an overlay may add the GPUs), and serving
        // runtimes (KServe merges the InferenceService's resources into them) are not judged.
        if o.completion.is_some() || o.export || ix.parsed(o.file).source.kustomize {
            continue;
        }
        if matches!(o.kind.as_str(), "ServingRuntime" | "ClusterServingRuntime" | "LLMInferenceServiceConfig") {
            continue;
        }
        let Some(spec) = w.pod_spec else { continue };
        // Pod-level claims (DRA) and a GPU runtime class give devices without a request.
        if spec.resource_claims.as_ref().is_some_and(|c| !c.is_empty())
            || spec.runtime_class_name.as_deref().is_some_and(|r| r.contains("nvidia"))
        {
            continue;
        }
        // A job that runs the image for a task (a benchmark, a download) is not the server.
        if w.completes() || matches!(w.kind, crate::model::WorkloadKind::Pod) {
            continue;
        }
        // The server is a regular container: init containers run the image to pre-stage weights.
        for (idx, ctr) in spec.containers.iter().enumerate() {
            let Some(image) = ctr.image.as_deref() else { continue };
            // (The image first: most are no inference server's, and reading it costs least.)
            if crate::yaml::is_placeholder(image) {
                continue;
            }
            let Some(what) = gpu_server(image) else { continue };
            if !runs_server(ctr) {
                continue;
            }
            if other_target(image, ctr) {
                continue;
            }
            let res = ctr.resources.as_ref();
            let requested = res.is_some_and(|r| {
                r.limits.iter().chain(r.requests.iter()).flatten().any(|(k, _)| accelerator(k))
                    || r.claims.as_ref().is_some_and(|c| !c.is_empty())
            });
            let visible = ctr.env.iter().flatten().any(|e| e.name == "NVIDIA_VISIBLE_DEVICES");
            if requested || visible {
                continue;
            }
            let y = ix.file(o);
            let path = w.container_path(idx).key("image");
            let Some(node) = y.lookup(o.root, &path) else { continue };
            out.report(
                o.file,
                y.span(node),
                format!(
                    "container `{}` runs {what} (`{image}`) but requests no GPU: nothing gives it a device, so the server stops at start (\"No CUDA GPUs are available\") and never becomes ready",
                    ctr.name
                ),
            )
            .help("request the GPUs the model needs, e.g. `resources: {limits: {nvidia.com/gpu: 1}}` (with a toleration for the GPU nodes' taint), or run a CPU build of the server")
            .path(path)
            .object(o);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn images() {
        assert!(super::gpu_server("vllm/vllm-openai:v0.6.3").is_some());
        assert!(super::gpu_server("nvcr.io/nim/meta/llama-3.1-8b-instruct:1.3.3").is_some());
        assert!(super::gpu_server("ghcr.io/huggingface/text-generation-inference:2.4.0").is_some());
        assert!(super::gpu_server("nvcr.io/nvidia/tritonserver:24.08-trtllm-python-py3").is_some());
        assert!(super::gpu_server("nvcr.io/nvidia/tritonserver:24.08-py3").is_none());
        assert!(super::gpu_server("ollama/ollama:0.3.6").is_none());
    }
}
