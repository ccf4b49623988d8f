use pjx::prelude::*;

#[derive(MutationKey)]
pub enum Keys {
    Todos,
}

#[reactive(react = [Keys::Todos], source = "<span>{{ remaining }}</span>")]
pub struct Counter {
    remaining: usize,
}

#[reactive]
impl Counter {
    async fn load(list_id: i64, cx: &LoadCx) -> Result<Self, LoadError> {
        let _ = (list_id, cx);
        Ok(Counter { remaining: 0 })
    }
}

fn main() {}
