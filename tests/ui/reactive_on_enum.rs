use pjx::prelude::*;

#[reactive(source = "<p></p>")]
pub enum Counter {
    Zero,
}

fn main() {}
