//! `amphi`: the server binary. Everything lives in the library; see `cli.rs`.

fn main() -> std::process::ExitCode {
    amphi_server::cli::main()
}
