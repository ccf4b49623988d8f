use pjx::prelude::*;
use serde::{Deserialize, Serialize};

#[component(source = "<p>{{ n }}</p>")]
#[derive(Serialize, Deserialize)]
pub struct Search {
    n: u32,
}

#[component]
impl Search {
    fn on_find(&mut self, #[form] cx: &LoadCx) {
        let _ = cx;
        self.n += 1;
    }
}

fn main() {}
