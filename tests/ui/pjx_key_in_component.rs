use pjx::prelude::*;

#[component(source = "<li>{{ title }}</li>")]
pub struct Row {
    #[pjx_key]
    todo_id: i64,
    title: String,
}

fn main() {
    let _ = Row { todo_id: 1, title: String::new() }.todo_id;
}
