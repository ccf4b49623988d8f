use pjx::MutationKey;

#[derive(MutationKey)]
#[derive(Debug, PartialOrd)]
pub enum Keys {
    Todos,
}

fn main() {}
