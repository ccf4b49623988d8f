//! Two components with events under one name: the registry refuses to start, naming both.
//! (A test binary of its own: the duplicate poisons the registry of whatever links it.)

use pjx::prelude::*;
use serde::{Deserialize, Serialize};

mod shop {
    use super::*;

    #[component(name = "cart", source = "<p>{{ n }}</p>")]
    #[derive(Serialize, Deserialize)]
    pub struct Cart {
        n: u8,
    }

    #[component]
    impl Cart {
        fn on_add(&mut self) {
            self.n += 1;
        }
    }
}

mod wishlist {
    use super::*;

    /// Named `cart` by mistake.
    #[component(name = "cart", source = "<p>{{ n }}</p>")]
    #[derive(Serialize, Deserialize)]
    pub struct List {
        n: u8,
    }

    #[component]
    impl List {
        fn on_add(&mut self) {
            self.n += 1;
        }
    }
}

#[test]
fn the_registry_refuses_to_start_naming_both_types() {
    let panic = std::panic::catch_unwind(pjx::stateful::registry).unwrap_err();
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("registered as `cart`"), "{message}");
    assert!(
        message.contains("shop::Cart") && message.contains("wishlist::List"),
        "{message}"
    );
    assert!(message.contains("#[component(name = "), "{message}");
}
