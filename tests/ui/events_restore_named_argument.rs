// `restore` takes only the context: `fn restore(&mut self, cx: &LoadCx)`.
use pjx::prelude::*;
use serde::{Deserialize, Serialize};

#[component(source = "<b>{{ count }}</b>")]
#[derive(Serialize, Deserialize)]
pub struct Counter {
    count: i64,
    #[pjx(locked)]
    secret: String,
}

#[component]
impl Counter {
    fn restore(&mut self, secret: String) {
        self.secret = secret;
    }

    fn on_add(&mut self) {
        self.count += 1;
    }
}

fn main() {}
