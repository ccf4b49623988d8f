// `mount` builds the first state, so it takes no `self`.
use pjx::prelude::*;
use serde::{Deserialize, Serialize};

#[component(source = "<b>{{ count }}</b>")]
#[derive(Serialize, Deserialize)]
pub struct Counter {
    count: i64,
}

#[component]
impl Counter {
    fn mount(&self) -> Counter {
        Counter { count: self.count }
    }
}

fn main() {}
