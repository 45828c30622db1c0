//! What the account means: who may do what, who can assume what, what is risky, and why a
//! request was denied. Pure: no I/O; every question about access goes through [`crate::eval`].
pub mod describe;
pub mod effective;
pub mod explain;
pub mod findings;
mod memo;
pub mod principal;
pub mod privesc;
pub mod rules;
pub mod simulate;
pub mod trust;
pub mod turns;
