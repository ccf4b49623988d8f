use pjx::{MutationKey, mutates};

#[derive(MutationKey)]
pub enum Keys {
    Todos,
}

pub trait Store {
    #[mutates(Keys::Todos)]
    fn toggle(&self, id: i64) -> i64;
}

fn main() {}
