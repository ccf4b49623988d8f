use pjx::MutationKey;

#[derive(MutationKey)]
pub enum Keys {
    #[pjx(rename = "todos:all")]
    Todos,
}

fn main() {}
