use pjx::prelude::*;

#[component(source = "<span>{{ label }}</span>")]
pub struct Badge {
    label: String,
}

#[component(extends = Badge)]
pub struct Loud {
    label: String,
}

fn main() {}
