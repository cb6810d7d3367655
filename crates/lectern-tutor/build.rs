//! `include_dir!` only tracks files that existed at the last build; watching the folder makes
//! a doc added to or removed from the sample book rebuild the embedded copy.

fn main() {
    println!("cargo::rerun-if-changed=../../examples/book");
}
