use pjx::mutates;

pub struct Store;

impl Store {
    #[mutates("todos")]
    pub fn toggle(&self, id: i64) -> Result<i64, String> {
        Ok(id)
    }
}

fn main() {}
