// A component with events keeps its state in a signed token: it derives Serialize and Deserialize.
use pjx::prelude::*;

#[component(source = "<b>{{ count }}</b>")]
pub struct Counter {
    count: i64,
}

#[component]
impl Counter {
    fn on_add(&mut self) {
        self.count += 1;
    }
}

fn main() {}
