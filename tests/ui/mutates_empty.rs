use pjx::mutates;

#[mutates()]
pub fn toggle(id: i64) -> i64 {
    id
}

fn main() {}
