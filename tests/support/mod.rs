//! What the command-line tests share.

use std::process::{Command, Output};

/// Runs the built binary with `args`, away from any AWS profile or endpoint of the machine.
pub fn iamscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iamscope"))
        .args(args)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .expect("run iamscope")
}
