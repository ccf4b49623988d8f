// Two spellings of one key (an alias, or another enum's key with the same wire name) are a
// repeat: `react` is compared by wire name, not by the text written.
use pjx::prelude::*;

#[derive(MutationKey)]
pub enum Keys {
    Todos,
    TodoList,
}

#[derive(MutationKey)]
pub enum Other {
    Todos,
}

use Keys as K;

#[reactive(react = [Keys::Todos, K::Todos], source = "<span>{{ remaining }}</span>")]
pub struct Counter {
    remaining: usize,
}

#[reactive]
impl Counter {
    async fn load() -> Result<Self, LoadError> {
        Ok(Counter { remaining: 0 })
    }
}

#[reactive(react = [Keys::TodoList, Other::Todos, Keys::Todos], source = "<span>{{ remaining }}</span>")]
pub struct Total {
    remaining: usize,
}

#[reactive]
impl Total {
    async fn load() -> Result<Self, LoadError> {
        Ok(Total { remaining: 0 })
    }
}

fn main() {}
