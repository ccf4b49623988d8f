use pjx::prelude::*;

#[component(source = "<article>{{ header }}{{ body }}{{ footer }}</article>")]
pub struct Card {
    #[pjx(slot)]
    header: Slot,
    #[pjx(slot)]
    body: Slot,
    #[pjx(slot(default = "<hr>"))]
    footer: Option<Slot>,
}

fn main() {
    // `body` is required and not filled.
    let _card = Card::builder().header("Tasks").build();
}
