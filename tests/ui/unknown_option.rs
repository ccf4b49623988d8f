use pjx::prelude::*;

#[component(style = "badge.css", source = "<span>{{ label }}</span>")]
pub struct Badge {
    label: String,
}

fn main() {}
