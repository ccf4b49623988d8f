// A component with events is registered under one name, so its impl cannot be generic.
use pjx::prelude::*;
use serde::{Deserialize, Serialize};

#[component(source = "<b>{{ count }}</b>")]
#[derive(Serialize, Deserialize)]
pub struct Counter<T> {
    count: i64,
    step: T,
}

#[component]
impl<T: Into<i64> + Copy> Counter<T> {
    fn on_add(&mut self) {
        self.count += self.step.into();
    }
}

fn main() {}
