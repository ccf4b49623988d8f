// A misspelled option is named with a suggestion, and does not also count as a missing one.
use pjx::prelude::*;

#[component(tempalte = "badge.html")]
pub struct Badge {
    label: String,
}

fn main() {}
