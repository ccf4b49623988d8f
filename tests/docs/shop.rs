// A small shop in the cart example's shape (`examples/cart`): a store whose writes are
// `#[mutates]`, a cart with typed events, and a badge that follows the cart out of band.
// `docs/testing.md` and `docs/components.md` include it in their snippets.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use pjx::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(MutationKey)]
pub enum Keys {
    /// One shopper's cart: `Keys::Cart.at(owner)`.
    Cart,
}

/// Who is shopping: `user:<name>` when signed in, else `visitor:<id>` of pjx's browser
/// identity (as in the cart example).
pub fn shopper(cx: &LoadCx) -> Result<String, LoadError> {
    match (cx.identity(), cx.browser()) {
        (Some(user), _) => Ok(format!("user:{}", user.id)),
        (None, Some(browser)) => Ok(format!("visitor:{}", browser.id)),
        (None, None) => Err(LoadError::msg("nobody is shopping")),
    }
}

pub struct Product {
    pub id: u32,
    pub name: &'static str,
    pub sizes: &'static [&'static str],
}

pub const PRODUCTS: &[Product] = &[
    Product {
        id: 1,
        name: "Crab tee",
        sizes: &["S", "M", "L"],
    },
    Product {
        id: 2,
        name: "Ferris mug",
        sizes: &["One size"],
    },
];

#[derive(Clone, Default, Serialize, Deserialize)]
pub struct Line {
    pub product_id: u32,
    pub name: String,
    pub size: String,
    pub qty: u32,
}

/// Carts by owner: (product, size) → quantity.
#[derive(Default)]
pub struct Store {
    carts: Mutex<BTreeMap<String, BTreeMap<(u32, String), u32>>>,
}

impl Store {
    #[mutates(Keys::Cart.at(owner))]
    pub fn add(&self, owner: &str, product_id: u32, size: &str) -> Result<(), EventError> {
        let product = PRODUCTS.iter().find(|p| p.id == product_id);
        let product =
            product.ok_or_else(|| EventError::invalid("product_id", "no such product"))?;
        if !product.sizes.contains(&size) {
            let message = format!("it does not come in size {size:?}");
            return Err(EventError::invalid("size", message));
        }
        let mut carts = self.carts.lock().unwrap();
        let line = (product_id, size.to_owned());
        *carts
            .entry(owner.to_owned())
            .or_default()
            .entry(line)
            .or_default() += 1;
        Ok(())
    }

    #[mutates(Keys::Cart.at(owner))]
    pub fn remove(&self, owner: &str, product_id: u32, size: &str) -> Result<(), EventError> {
        let mut carts = self.carts.lock().unwrap();
        let cart = carts.entry(owner.to_owned()).or_default();
        let line = (product_id, size.to_owned());
        match cart.get(&line).copied() {
            None => return Err(EventError::invalid("product_id", "not in the cart")),
            Some(1) => drop(cart.remove(&line)),
            Some(qty) => drop(cart.insert(line, qty - 1)),
        }
        Ok(())
    }

    pub fn lines(&self, owner: &str) -> Vec<Line> {
        let carts = self.carts.lock().unwrap();
        let cart = carts.get(owner).into_iter().flatten();
        cart.map(|((product_id, size), qty)| Line {
            product_id: *product_id,
            name: PRODUCTS
                .iter()
                .find(|p| p.id == *product_id)
                .map_or("?", |p| p.name)
                .into(),
            size: size.clone(),
            qty: *qty,
        })
        .collect()
    }
}


/// The shopper's cart: its lines are `locked`, read from the store on every request.
#[component(name = "cart", binds = [count], template = "cart.html")]
#[derive(Serialize, Deserialize)]
pub struct Cart {
    owner: String,
    #[pjx(locked)]
    lines: Vec<Line>,
}

#[component]
impl Cart {
    fn mount(cx: &LoadCx) -> Result<Cart, EventError> {
        let owner = shopper(cx)?;
        let lines = cx.require::<Store>()?.lines(&owner);
        Ok(Cart { owner, lines })
    }

    fn restore(&mut self, cx: &LoadCx) -> Result<(), EventError> {
        self.lines = cx.require::<Store>()?.lines(&self.owner);
        Ok(())
    }

    fn on_add_item(
        &mut self,
        product_id: u32,
        #[form] size: String,
        cx: &LoadCx,
    ) -> Result<(), EventError> {
        cx.require::<Store>()?.add(&self.owner, product_id, &size)?;
        self.restore(cx)
    }

    fn on_remove_item(
        &mut self,
        product_id: u32,
        size: String,
        cx: &LoadCx,
    ) -> Result<(), EventError> {
        cx.require::<Store>()?.remove(&self.owner, product_id, &size)?;
        self.restore(cx)
    }

    fn optimistic(&self, event: CartEvent<'_>) -> Option<CartPatch> {
        match event {
            CartEvent::AddItem { .. } => Some(self.patch().count(self.count() + 1)),
            CartEvent::RemoveItem { .. } => {
                Some(self.patch().count(self.count().saturating_sub(1)))
            }
        }
    }
}

impl Cart {
    /// `owner`'s cart, as stored (what a page shows before any event).
    pub fn of(owner: &str, cx: &LoadCx) -> Result<Cart, LoadError> {
        Ok(Cart {
            owner: owner.to_owned(),
            lines: cx.require::<Store>()?.lines(owner),
        })
    }

    pub fn count(&self) -> u32 {
        self.lines.iter().map(|l| l.qty).sum()
    }

    pub fn products(&self) -> &'static [Product] {
        PRODUCTS
    }
}

/// The header's badge: a reactive region per owner, following their cart.
#[reactive(react = [Keys::Cart], source = "<a href=\"#cart\">🛒 {{ count }}</a>")]
#[derive(Serialize)]
pub struct CartBadge {
    #[pjx_key]
    owner: String,
    count: u32,
}

#[reactive]
impl CartBadge {
    pub async fn load(owner: String, cx: &LoadCx) -> Result<Self, LoadError> {
        let count = cx.require::<Store>()?.lines(&owner).iter().map(|l| l.qty).sum();
        Ok(CartBadge { owner, count })
    }
}
