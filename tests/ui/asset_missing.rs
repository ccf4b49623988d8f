use pjx::prelude::*;

#[component(source = "<span class=\"badge\">{{ label }}</span>", css = "badge.css")]
pub struct Badge {
    label: String,
}

fn main() {}
