use pjx::prelude::*;
use serde::{Deserialize, Serialize};

#[component(source = "<p>{{ n }}</p>")]
#[derive(Serialize, Deserialize)]
pub struct Search {
    n: u32,
}

#[component]
impl Search {
    fn on_find(&mut self, #[form(name = "q")] query: String) {
        self.n = query.len() as u32;
    }
}

fn main() {}
