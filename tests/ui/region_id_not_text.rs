use pjx::prelude::*;

#[component(source = "<p>{{ id }}</p>")]
pub struct Note {
    id: u32,
}

fn main() {}
