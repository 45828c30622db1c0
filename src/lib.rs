//! iamscope: explore and audit an AWS account's IAM.
//!
//! The core ([`policy`], [`model`], [`eval`], [`analysis`]) is pure: no I/O, deterministic.
//! I/O lives at the edges: [`source`] loads accounts, `cli` and `tui` present them.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod analysis;
pub mod catalog;
pub mod cli;
pub mod eval;
pub mod model;
pub mod policy;
pub mod source;
pub mod tui;
