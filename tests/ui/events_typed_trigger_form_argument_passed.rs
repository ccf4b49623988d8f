use pjx::prelude::*;
use serde::{Deserialize, Serialize};

#[component(source = "<form><select name=\"size\"></select><button {{ self.add_event(1, \"M\") }}>+</button></form>")]
#[derive(Serialize, Deserialize)]
pub struct Cart {
    n: u32,
}

#[component]
impl Cart {
    fn on_add(&mut self, id: u32, #[form] size: String) {
        let _ = size;
        self.n += id;
    }
}

fn main() {}
