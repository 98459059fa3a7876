//! The `nnkey` binary: glue around the library's command line.

fn main() {
    std::process::exit(nnkey::cli::main());
}
