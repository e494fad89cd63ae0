//! `amphi`: the server binary.
fn main() {}
