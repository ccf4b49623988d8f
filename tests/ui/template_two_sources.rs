use pjx::prelude::*;

#[component(template = "badge.html", source = "<span>{{ label }}</span>")]
pub struct Badge {
    label: String,
}

fn main() {}
