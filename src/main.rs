use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = aladdin_doctor::cli::Cli::parse();
    ExitCode::from(aladdin_doctor::app::run(cli))
}
