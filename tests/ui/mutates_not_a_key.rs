use pjx::mutates;

#[derive(Clone, Copy)]
pub enum Topics {
    Todos,
}

#[mutates(Topics::Todos)]
pub fn toggle(id: i64) -> Result<i64, String> {
    Ok(id)
}

fn main() {}
