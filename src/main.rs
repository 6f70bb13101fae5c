fn main() {
    let args: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
    // Not locked for the whole run: the language server locks it itself (`lsp::run`).
    let code = kshape::cli::main_with(args, &mut std::io::stdout(), &mut std::io::stderr());
    std::process::exit(code);
}
