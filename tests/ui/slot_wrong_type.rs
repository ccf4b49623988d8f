use pjx::prelude::*;

#[component(source = "<article>{{ header }}</article>")]
pub struct Card {
    #[pjx(slot)]
    header: String,
}

fn main() {}
