use pjx::prelude::*;

#[component(source = "<article>{{ header }}</article>")]
pub struct Card {
    #[pjx(slot)]
    header: Slot,
}

struct NotRenderable;

fn main() {
    // Only markup, text and components fill a slot.
    let _card = Card::builder().header(NotRenderable).build();
}
