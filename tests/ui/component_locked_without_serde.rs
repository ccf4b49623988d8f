// `#[pjx(locked)]` leaves a field out of the serde form, so the struct derives serde's traits.
use pjx::prelude::*;

#[component(source = "<b>{{ count }}</b>")]
pub struct Counter {
    count: i64,
    #[pjx(locked)]
    secret: String,
}

fn main() {}
