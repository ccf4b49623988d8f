// `#[derive(LoadPage)]` loads every field itself: each must be a reactive region without a key.
use pjx::prelude::*;

#[derive(MutationKey)]
pub enum Keys {
    Todos,
}

#[reactive(react = [Keys::Todos], source = "<b>{{ n }}</b>")]
pub struct Counter {
    n: usize,
}

#[reactive]
impl Counter {
    fn load() -> Result<Self, LoadError> {
        Ok(Counter { n: 0 })
    }
}

#[reactive(react = [Keys::Todos], source = "<li>{{ id }}</li>")]
pub struct Row {
    #[pjx_key]
    id: i64,
}

#[reactive]
impl Row {
    fn load(id: i64) -> Result<Self, LoadError> {
        Ok(Row { id })
    }
}

#[component(source = "<main>{{ counter }}{{ row }}{{ title }}</main>")]
#[derive(LoadPage)]
pub struct Page {
    counter: Counter,
    row: Row,
    title: String,
}

fn main() {}
