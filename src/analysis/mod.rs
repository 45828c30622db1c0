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

/// Lets go of `value` on a thread of its own, so the caller goes on: a large account's
/// answers (hundreds of thousands of statements, a hundred thousand findings) take a tenth of
/// a second to free. If no thread can be started, the refused closure drops it here.
pub fn let_go_elsewhere<T: Send + 'static>(value: T) {
    std::thread::Builder::new()
        .name("iamscope-drop".into())
        .spawn(move || drop(value))
        .ok();
}
