use pjx::prelude::*;

#[component(source = "<span>{{ label }}</span>", style = "badge.css")]
pub struct Badge {
    label: String,
}

fn main() {}
