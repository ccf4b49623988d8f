//! Two components under one name, of one kind or of both: the registry refuses to start,
//! naming both.
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

mod feed {
    use super::*;

    #[derive(MutationKey)]
    pub enum Keys {
        Carts,
    }

    /// A reactive component under the name a component with events already has.
    #[reactive(name = "cart", react = [Keys::Carts], source = "<p>{{ n }}</p>")]
    pub struct Badge {
        n: u8,
    }

    #[reactive]
    impl Badge {
        fn load() -> Result<Self, LoadError> {
            Ok(Badge { n: 0 })
        }
    }
}

#[test]
fn both_kinds_share_one_namespace() {
    use pjx::component::registry::{ComponentType, EventsType, ReactiveType};
    let err = pjx::Registry::new([
        ComponentType::from(EventsType::of::<shop::Cart>()),
        ReactiveType::of::<feed::Badge>().into(),
    ])
    .unwrap_err()
    .to_string();
    assert!(err.contains("registered as `cart`"), "{err}");
    assert!(
        err.contains("shop::Cart") && err.contains("feed::Badge"),
        "{err}"
    );
    assert!(err.contains("#[reactive(name = "), "{err}");
    // One type registered twice is one registration.
    let once = pjx::Registry::of(&[
        EventsType::of::<wishlist::List>(),
        EventsType::of::<wishlist::List>(),
    ])
    .unwrap();
    assert!(once.events("cart").is_some() && once.reactive("cart").is_none());
}

#[test]
fn the_registry_refuses_to_start_naming_both_types() {
    // Three types are registered as `cart` here; the first clash found is reported.
    let message = pjx::Registry::try_global().unwrap_err().to_string();
    assert!(message.contains("registered as `cart`"), "{message}");
    let named = ["shop::Cart", "wishlist::List", "feed::Badge"]
        .iter()
        .filter(|name| message.contains(*name))
        .count();
    assert_eq!(named, 2, "{message}");
    assert!(message.contains("(name = \"…\""), "{message}");
}
