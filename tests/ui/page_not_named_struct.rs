// `#[derive(LoadPage)]` goes on a struct with named fields, one per region.
use pjx::prelude::*;

#[derive(LoadPage)]
pub struct Page(u8);

#[derive(LoadPage)]
pub struct Generic<T> {
    inner: T,
}

fn main() {}
