fn main() -> std::process::ExitCode {
    aladdin_doctor::main()
}
