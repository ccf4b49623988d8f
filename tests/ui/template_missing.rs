use pjx::prelude::*;

#[component(css = "/static/badge.css")]
pub struct Badge {
    label: String,
}

fn main() {}
