use pjx::prelude::*;

#[component(source = "<article>{{ header }}</article>")]
pub struct Card {
    #[pjx(slot(default = "Untitled"))]
    header: Slot,
}

fn main() {}
