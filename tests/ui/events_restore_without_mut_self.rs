// `restore` fills in the locked fields of the state it is given: it takes `&mut self`.
use pjx::prelude::*;
use serde::{Deserialize, Serialize};

#[component(source = "<b>{{ count }}</b>")]
#[derive(Serialize, Deserialize)]
pub struct Counter {
    count: i64,
}

#[component]
impl Counter {
    fn restore(cx: &LoadCx) {
        let _ = cx;
    }

    fn on_add(&mut self) {
        self.count += 1;
    }
}

fn main() {}
