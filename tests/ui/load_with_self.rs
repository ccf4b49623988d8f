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
    async fn load(&self, cx: &LoadCx) -> Result<Self, LoadError> {
        let _ = cx;
        Ok(Counter { remaining: self.remaining })
    }
}

fn main() {}
