//! [`RunToCompletionAsDeployment`](crate::rules::RuleId::RunToCompletionAsDeployment): a long-running controller whose only container runs a command that exits.

use crate::classify::Shape;
use crate::index::Index;
use crate::model::WorkloadKind;
use crate::rules::Findings;
use crate::yaml::FieldPath;

/// What a one-shot step of a script is, when it is one: a task that ends (a GPU check, a
/// download, a conversion) or a helper that only prints, copies or installs.
enum Step {
    Task(&'static str),
    Helper,
    Other,
}

fn step(cmd: &str) -> Step {
    let words: Vec<&str> = cmd.split_whitespace().collect();
    let Some(&first) = words.first() else { return Step::Helper };
    let program = first.rsplit('/').next().unwrap_or(first);
    let rest = words[1..].join(" ");
    match program {
        "nvidia-smi" if !(rest.contains("-l") || rest.contains("--loop") || rest.contains("dmon") || rest.contains("pmon")) => {
            Step::Task("nvidia-smi prints the GPUs and exits")
        }
        "huggingface-cli" | "hf" if rest.starts_with("download") => Step::Task("the model download exits when it is done"),
        "python" | "python3" => {
            let script = words.iter().skip(1).find(|w| !w.starts_with('-')).copied().unwrap_or("");
            let s = script.to_ascii_lowercase();
            if s.ends_with(".py") && ["download", "convert", "quantize", "export", "prepare", "preprocess"].iter().any(|k| s.contains(k)) {
                Step::Task("the script exits when it is done")
            } else {
                Step::Other
            }
        }
        "exit" => Step::Task("the script ends with `exit`"),
        "echo" | "printf" | "ls" | "cat" | "cp" | "mv" | "mkdir" | "rm" | "set" | "export" | "cd" | "env" | "date" | "wget" | "curl"
        | "true" => Step::Helper,
        "pip" | "pip3" if rest.starts_with("install") => Step::Helper,
        _ => Step::Other,
    }
}

/// The reason a container's command ends, when every step of it ends and one is a task.
fn exits(line: &str) -> Option<&'static str> {
    let script = line.trim();
    // `sh -c "..."`, `bash -lc '...'`: the script after the shell.
    let script = ["sh -c ", "bash -c ", "bash -lc ", "/bin/sh -c ", "/bin/bash -c ", "/bin/bash -lc "]
        .iter()
        .find_map(|p| script.strip_prefix(p))
        .unwrap_or(script);
    let mut task = None;
    for part in script.split(['\n', ';', '&', '|']).map(str::trim).filter(|p| !p.is_empty()) {
        match step(part) {
            Step::Task(why) => task = task.or(Some(why)),
            Step::Helper => {}
            Step::Other => return None,
        }
    }
    task
}

pub fn check(ix: &Index, out: &mut Findings) {
    for (o, w, c) in ix.workloads() {
        if !matches!(w.kind, WorkloadKind::Deployment | WorkloadKind::StatefulSet | WorkloadKind::ReplicaSet) || o.completion.is_some() {
            continue;
        }
        let Some(spec) = w.pod_spec else { continue };
        // Only a pod whose one container ends: a sidecar may be what keeps it useful, and a
        // trainer is judged by the rule for trainers in Deployments.
        let [ctr] = spec.containers.as_slice() else { continue };
        if c.container_has(Shape::DistributedTraining, 0) || ctr.command.is_none() && ctr.args.is_none() {
            continue;
        }
        let line = crate::classify::command_line(ctr);
        let Some(why) = exits(&line) else { continue };
        let y = ix.file(o);
        let field = if ctr.command.is_some() { "command" } else { "args" };
        let path: FieldPath = w.container_path(0).key(field);
        let Some(node) = y.lookup(o.root, &path) else { continue };
        out.report(
            o.file,
            y.span(node),
            format!(
                "{} `{}` runs `{}` in its only container, and {why}: the {} restarts it forever (CrashLoopBackOff){}",
                o.kind,
                o.name.as_deref().unwrap_or(""),
                crate::util::ellipsize(&line, 80),
                o.kind,
                if crate::model::serving::gpu_count(ctr) > 0 { ", holding its GPU" } else { "" }
            ),
        )
        .help("run it as a Job (`kind: Job` with `restartPolicy: Never` or `OnFailure` and the same pod template), or as an init container of the workload that uses its result")
        .path(path)
        .object(o);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn commands_that_exit() {
        assert!(super::exits("nvidia-smi").is_some());
        assert!(super::exits("sh -c nvidia-smi && echo done").is_some());
        assert!(super::exits("sh -c huggingface-cli download meta-llama/Llama-3.1-8B --local-dir /models; exit 0").is_some());
        assert!(super::exits("python3 convert_checkpoint.py --model_dir /m").is_some());
        assert!(super::exits("nvidia-smi -l 5").is_none());
        assert!(super::exits("sh -c nvidia-smi && sleep infinity").is_none());
        assert!(super::exits("sh -c huggingface-cli download x && vllm serve x").is_none());
        assert!(super::exits("python3 app.py").is_none());
        assert!(super::exits("sh -c echo hello").is_none());
    }
}
