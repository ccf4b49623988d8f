//! The shop's components.
//!
//! - [`Cart`] and [`Checkout`] are components with events: their state travels through the
//!   browser as a signed token, their handlers run on `POST /components/{name}`.
//! - [`CartBadge`] and [`OrderHistory`] are reactive regions: when an event changes what they
//!   show, they follow its answer out of band.
//! - [`BestSellers`] is mounted lazily and its render is cached for a minute (dropped when an
//!   order is placed); its parameters are closed and its mounts rate-limited.
//!
//! Who owns what is checked by [`IsOwner`]: a cart token or a forged manifest entry naming
//! someone else's cart is refused.

use pjx::prelude::*;
use serde::{Deserialize, Serialize};

use crate::catalog::{self, PRODUCTS, Product, money};
use crate::store::{self, Line, Order, Store, StoreError};

/// The pieces of state the page depends on.
#[derive(MutationKey)]
pub enum Keys {
    /// One shopper's cart: `Keys::Cart.at(owner)`.
    Cart,
    /// Orders, anyone's.
    Orders,
}

/// Things that belong to a shopper.
pub trait Owned {
    /// The owner's shopper id.
    fn owner(&self) -> &str;
}

/// Only the owner may see or change it (per object: checked once the cart, badge or order
/// list is at hand).
pub struct IsOwner;

impl<C: Owned> Permission<C> for IsOwner {
    fn has_object_permission(cx: &LoadCx, thing: &C) -> bool {
        shopper(cx).is_ok_and(|me| me == thing.owner())
    }
}

/// Who is shopping: `user:<name>` when signed in, else `visitor:<id>`, the id of pjx's own
/// browser identity (the `pjx-browser` cookie, which the middleware puts in the load context
/// of every app with components with events).
pub fn shopper(cx: &LoadCx) -> Result<String, LoadError> {
    match (cx.identity(), cx.browser()) {
        (Some(user), _) => Ok(format!("user:{}", user.id)),
        (None, Some(browser)) => Ok(format!("visitor:{}", browser.id)),
        (None, None) => Err(LoadError::msg(
            "nobody is shopping: no signed-in user and no browser identity",
        )),
    }
}

/// A store error as an event error: bad input is a 422 naming the argument.
fn event_error(e: StoreError) -> EventError {
    match e {
        StoreError::UnknownProduct(_) => EventError::invalid("product_id", e.to_string()),
        StoreError::UnknownSize(_) => EventError::invalid("size", e.to_string()),
        StoreError::CouponUsed(_) => EventError::invalid("coupon", e.to_string()),
        StoreError::EmptyCart => EventError::InvalidPayload {
            field: None,
            message: "your cart is empty".into(),
        },
        StoreError::Db(_) => EventError::Internal(Box::new(e)),
    }
}

/// A cart line as shown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineView {
    /// The product's id.
    pub product_id: u32,
    /// Its name.
    pub name: String,
    /// The size.
    pub size: String,
    /// How many.
    pub qty: u32,
    /// What the line costs, formatted.
    pub total: String,
}

impl From<&Line> for LineView {
    fn from(line: &Line) -> Self {
        LineView {
            product_id: line.product.id,
            name: line.product.name.to_owned(),
            size: line.size.clone(),
            qty: line.qty,
            total: money(line.product.price_cents * u64::from(line.qty)),
        }
    }
}

// ------------------------------------------------------------------------------------- cart

/// The shop and the shopper's cart: add a product (or one more of it), take one out.
///
/// The token carries only the owner and the last notice; the lines are `locked`: read from
/// the store on every request, never trusted from the browser.
#[component(name = "cart", permissions = [IsOwner], binds = [count, total], template = "cart.html")]
#[derive(Serialize, Deserialize)]
pub struct Cart {
    owner: String,
    /// What the last event did, for the status line.
    notice: Option<String>,
    #[pjx(locked)]
    lines: Vec<LineView>,
    #[pjx(locked)]
    total_cents: u64,
}

impl Owned for Cart {
    fn owner(&self) -> &str {
        &self.owner
    }
}

#[component]
impl Cart {
    fn mount(cx: &LoadCx) -> Result<Cart, EventError> {
        Ok(Cart::of(&shopper(cx)?, cx)?)
    }

    fn restore(&mut self, cx: &LoadCx) -> Result<(), EventError> {
        self.refresh(cx)
    }

    /// The size is the product's `<select name="size">`, sent by the browser (`#[form]`); the
    /// template passes the product: `{{ self.add_item_event(p.id) }}`.
    fn on_add_item(
        &mut self,
        product_id: u32,
        #[form] size: String,
        cx: &LoadCx,
    ) -> Result<(), EventError> {
        cx.require::<Store>()?
            .add(&self.owner, product_id, &size)
            .map_err(event_error)?;
        let name = catalog::product(product_id).map_or("item", |p| p.name);
        self.notice = Some(format!("Added {name} ({size})"));
        self.refresh(cx)
    }

    fn on_remove_item(
        &mut self,
        product_id: u32,
        size: String,
        cx: &LoadCx,
    ) -> Result<(), EventError> {
        cx.require::<Store>()?
            .remove(&self.owner, product_id, &size)
            .map_err(event_error)?;
        self.notice = None;
        self.refresh(cx)
    }

    /// Adding shows the new count and total at once; so does taking one out.
    fn optimistic(&self, event: CartEvent<'_>) -> Option<CartPatch> {
        let (count, total) = match event {
            CartEvent::AddItem { product_id } => {
                let product = catalog::product(*product_id)?;
                (self.count() + 1, self.total_cents + product.price_cents)
            }
            CartEvent::RemoveItem { product_id, .. } => {
                let product = catalog::product(*product_id)?;
                (
                    self.count().saturating_sub(1),
                    self.total_cents.saturating_sub(product.price_cents),
                )
            }
        };
        Some(self.patch().count(count).total(money(total)))
    }
}

impl Cart {
    /// `owner`'s cart, as stored.
    pub fn of(owner: &str, cx: &LoadCx) -> Result<Cart, LoadError> {
        let mut cart = Cart {
            owner: owner.to_owned(),
            notice: None,
            lines: Vec::new(),
            total_cents: 0,
        };
        cart.load_lines(cx)?;
        Ok(cart)
    }

    fn load_lines(&mut self, cx: &LoadCx) -> Result<(), LoadError> {
        let lines = cx.require::<Store>()?.lines(&self.owner)?;
        self.total_cents = store::subtotal(&lines);
        self.lines = lines.iter().map(LineView::from).collect();
        Ok(())
    }

    fn refresh(&mut self, cx: &LoadCx) -> Result<(), EventError> {
        Ok(self.load_lines(cx)?)
    }

    /// How many items are in the cart.
    pub fn count(&self) -> u32 {
        self.lines.iter().map(|l| l.qty).sum()
    }

    /// The total, formatted.
    pub fn total(&self) -> String {
        money(self.total_cents)
    }

    /// The catalog, for the template.
    pub fn products(&self) -> &'static [Product] {
        PRODUCTS
    }
}

// --------------------------------------------------------------------------------- checkout

/// Coupon and order placement: for signed-in shoppers only, and at most 5 requests a minute
/// per user (coupon codes cannot be guessed by the thousand). Placing an order streams its
/// progress: each step is a frame, and the cart and order history follow as soon as the order
/// is placed, before the last step.
#[component(name = "checkout", permissions = [IsAuthenticated, IsOwner], rate_limit = "5/min", template = "checkout.html")]
#[derive(Serialize, Deserialize)]
pub struct Checkout {
    owner: String,
    /// The coupon applied, if any.
    coupon: Option<String>,
    /// The order just placed, if any.
    placed: Option<i64>,
    /// The step of the order being placed (1-based; 0: none).
    step: usize,
}

/// The steps of placing an order, as the progress bar names them.
pub const ORDER_STEPS: [&str; 4] = [
    "Checking your cart",
    "Reserving stock",
    "Placing the order",
    "Sending the confirmation",
];

/// How long each step shows to someone watching (a real shop would be waiting on its payment
/// provider here).
pub const ORDER_STEP_PACE: std::time::Duration = std::time::Duration::from_millis(250);

impl Owned for Checkout {
    fn owner(&self) -> &str {
        &self.owner
    }
}

#[component]
impl Checkout {
    fn mount(cx: &LoadCx) -> Result<Checkout, EventError> {
        Ok(Checkout::of(&shopper(cx)?))
    }

    /// The code is the form's `<input name="code">`, sent by the browser.
    fn on_apply_coupon(&mut self, #[form] code: String, cx: &LoadCx) -> Result<(), EventError> {
        let (code, _) =
            catalog::coupon(&code).ok_or_else(|| EventError::invalid("code", "no such coupon"))?;
        if cx
            .require::<Store>()?
            .coupon_used(&self.owner, code)
            .map_err(event_error)?
        {
            return Err(EventError::invalid(
                "code",
                "you have already used this coupon",
            ));
        }
        self.coupon = Some(code.to_owned());
        self.placed = None;
        Ok(())
    }

    fn on_remove_coupon(&mut self) {
        self.coupon = None;
    }

    /// Streams the order's progress, a frame a step. The coupon in the token may be one a
    /// later order already spent (a client can send back an older token): the store checks
    /// it again as it places the order.
    async fn on_place_order(&mut self, cx: &LoadCx, frames: &Frames) -> Result<(), EventError> {
        let store = cx.require::<Store>()?;
        self.placed = None;
        for step in 1..=ORDER_STEPS.len() {
            self.step = step;
            if ORDER_STEPS[step - 1] == "Placing the order" {
                let order = store
                    .place_order(&self.owner, self.coupon.as_deref(), self.discount())
                    .map_err(event_error)?;
                self.placed = Some(order.id);
                self.coupon = None;
                frames.render(self).await?;
                // The emptied cart and the new order show now, not after the last step.
                frames.updates().await?;
            } else {
                frames.render(self).await?;
            }
            // Paced for a person watching; a client that reads no stream waits for nothing.
            if frames.is_live() {
                actix_web::rt::time::sleep(ORDER_STEP_PACE).await;
            }
        }
        self.step = 0;
        Ok(())
    }
}

impl Checkout {
    /// A fresh checkout for `owner`.
    pub fn of(owner: &str) -> Checkout {
        Checkout {
            owner: owner.to_owned(),
            coupon: None,
            placed: None,
            step: 0,
        }
    }

    /// The name of the step shown, if an order is being placed.
    pub fn step_name(&self) -> Option<&'static str> {
        ORDER_STEPS.get(self.step.checked_sub(1)?).copied()
    }

    /// The coupon's discount in percent.
    pub fn discount(&self) -> u64 {
        self.coupon
            .as_deref()
            .and_then(catalog::coupon)
            .map_or(0, |(_, percent)| percent)
    }
}

// ------------------------------------------------------------------------- reactive regions

/// The header's cart badge: follows every change to its owner's cart, out of band.
#[reactive(react = [Keys::Cart], permissions = [IsOwner], template = "cart_badge.html")]
#[derive(Serialize)]
pub struct CartBadge {
    #[pjx_key]
    owner: String,
    count: u32,
    total: String,
}

#[reactive]
impl CartBadge {
    async fn load(owner: String, cx: &LoadCx) -> Result<Self, LoadError> {
        let lines = cx.require::<Store>()?.lines(&owner)?;
        Ok(CartBadge {
            owner,
            count: lines.iter().map(|l| l.qty).sum(),
            total: money(store::subtotal(&lines)),
        })
    }
}

impl Owned for CartBadge {
    fn owner(&self) -> &str {
        &self.owner
    }
}

/// A placed order as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderView {
    /// Its number.
    pub id: i64,
    /// Items in it.
    pub items: u32,
    /// Its total, formatted.
    pub total: String,
}

impl From<&Order> for OrderView {
    fn from(order: &Order) -> Self {
        OrderView {
            id: order.id,
            items: order.items,
            total: money(order.total_cents),
        }
    }
}

/// A signed-in shopper's orders: follows every new order, out of band.
#[reactive(react = [Keys::Orders], permissions = [IsAuthenticated, IsOwner], template = "order_history.html", name = "orders")]
#[derive(Serialize)]
pub struct OrderHistory {
    #[pjx_key]
    owner: String,
    orders: Vec<OrderView>,
}

#[reactive]
impl OrderHistory {
    async fn load(owner: String, cx: &LoadCx) -> Result<Self, LoadError> {
        let orders = cx.require::<Store>()?.orders(&owner)?;
        Ok(OrderHistory {
            owner,
            orders: orders.iter().map(OrderView::from).collect(),
        })
    }
}

impl Owned for OrderHistory {
    fn owner(&self) -> &str {
        &self.owner
    }
}

// ------------------------------------------------------------------------------ best sellers

/// The best sellers, mounted by the page once it has loaded (`hx-trigger="load"`). Its render
/// is cached for a minute per `limit`, and dropped whenever an order is placed. Anyone may
/// mount it, so its parameters are closed (`deny_unknown_fields`: an invented parameter
/// cannot make a new cache entry) and each requester may mount it 30 times a minute.
#[component(
    name = "best_sellers",
    cache = "60s",
    react = [Keys::Orders],
    rate_limit = "30/min",
    template = "best_sellers.html"
)]
#[derive(Serialize, Deserialize)]
pub struct BestSellers {
    items: Vec<(String, String, u32)>,
}

/// What [`BestSellers`] is mounted with.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BestSellersParams {
    /// How many products to list (1 to 10).
    limit: u32,
}

#[component]
impl BestSellers {
    fn mount(params: BestSellersParams, cx: &LoadCx) -> Result<BestSellers, EventError> {
        if !(1..=10).contains(&params.limit) {
            return Err(EventError::invalid("limit", "between 1 and 10"));
        }
        let items = cx
            .require::<Store>()?
            .best_sellers(params.limit)
            .map_err(event_error)?
            .into_iter()
            .map(|(p, n)| (p.emoji.to_owned(), p.name.to_owned(), n))
            .collect();
        Ok(BestSellers { items })
    }
}

// ------------------------------------------------------------------------------------- page

/// The whole page.
#[component(template = "page.html", css = "app.css")]
pub struct Page {
    /// The signed-in user's name, if any.
    pub user: Option<String>,
    /// The header badge.
    pub badge: CartBadge,
    /// The shop and cart.
    pub cart: Cart,
    /// Checkout, for signed-in shoppers.
    pub checkout: Option<Checkout>,
    /// Their orders.
    pub orders: Option<OrderHistory>,
}

impl Page {
    /// The page for the requester `cx` describes.
    pub async fn load(cx: &LoadCx) -> Result<Page, LoadError> {
        let owner = shopper(cx)?;
        let user = cx.identity().map(|i| i.id.clone());
        let signed_in = user.is_some();
        Ok(Page {
            user,
            badge: CartBadge::load(owner.clone(), cx).await?,
            cart: Cart::of(&owner, cx)?,
            checkout: signed_in.then(|| Checkout::of(&owner)),
            orders: match signed_in {
                true => Some(OrderHistory::load(owner.clone(), cx).await?),
                false => None,
            },
        })
    }
}
