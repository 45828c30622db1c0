//! What the account means: who may do what, who can assume what, what is risky, and why a
//! request was denied. Pure: no I/O; every question about access goes through [`crate::eval`].
pub mod describe;
pub mod principal;
pub mod explain;
pub mod trust;
