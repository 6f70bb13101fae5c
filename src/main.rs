fn main() {
    let args: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let code = kshape::cli::main_with(args, &mut stdout.lock(), &mut stderr.lock());
    std::process::exit(code);
}
