//! Carts and orders, on SQLite. Writes are `#[mutates]`: a cart change dirties that shopper's
//! cart key (so their badge updates out of band), an order dirties the orders key (order
//! histories, and the cached best-seller list).

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use pjx::mutates;
use rusqlite::{Connection, params};

use crate::catalog::{self, Product};
use crate::components::Keys;

/// One line of a cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The product.
    pub product: &'static Product,
    /// The size chosen.
    pub size: String,
    /// How many.
    pub qty: u32,
}

/// A placed order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// Its number.
    pub id: i64,
    /// How many items it had.
    pub items: u32,
    /// What it cost, discount included, in cents.
    pub total_cents: u64,
}

/// Why a store operation failed.
#[derive(Debug)]
pub enum StoreError {
    /// No product has this id.
    UnknownProduct(u32),
    /// The product does not come in this size.
    UnknownSize(String),
    /// There is nothing to order.
    EmptyCart,
    /// The shopper already used this coupon on an order.
    CouponUsed(String),
    /// The database failed.
    Db(rusqlite::Error),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::UnknownProduct(id) => write!(f, "there is no product {id}"),
            StoreError::UnknownSize(size) => write!(f, "it does not come in size {size:?}"),
            StoreError::EmptyCart => f.write_str("the cart is empty"),
            StoreError::CouponUsed(code) => write!(f, "coupon {code} has already been used"),
            StoreError::Db(e) => write!(f, "database error: {e}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Db(e)
    }
}

/// The most of one line a cart holds.
pub const MAX_QTY: u32 = 99;

/// Carts and orders in a SQLite database.
pub struct Store {
    conn: Mutex<Connection>,
}

impl Store {
    /// Opens the database file at `path` (or an in-memory database), creating the tables.
    pub fn open(path: Option<&Path>) -> Result<Store, StoreError> {
        let conn = match path {
            Some(path) => Connection::open(path)?,
            None => Connection::open_in_memory()?,
        };
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE IF NOT EXISTS cart_lines (
                 owner      TEXT    NOT NULL,
                 product_id INTEGER NOT NULL,
                 size       TEXT    NOT NULL,
                 qty        INTEGER NOT NULL,
                 PRIMARY KEY (owner, product_id, size)
             );
             CREATE TABLE IF NOT EXISTS orders (
                 id          INTEGER PRIMARY KEY AUTOINCREMENT,
                 owner       TEXT    NOT NULL,
                 items       INTEGER NOT NULL,
                 total_cents INTEGER NOT NULL,
                 coupon      TEXT
             );
             -- A coupon is good for one order per shopper, whatever state a client replays.
             CREATE UNIQUE INDEX IF NOT EXISTS orders_coupon_once
                 ON orders (owner, coupon) WHERE coupon IS NOT NULL;
             CREATE TABLE IF NOT EXISTS order_lines (
                 order_id   INTEGER NOT NULL REFERENCES orders(id),
                 product_id INTEGER NOT NULL,
                 size       TEXT    NOT NULL,
                 qty        INTEGER NOT NULL
             );",
        )?;
        Ok(Store {
            conn: Mutex::new(conn),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // Multi-statement writes run in a transaction, so a panic cannot leave one half done.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The lines of `owner`'s cart, by product then size.
    pub fn lines(&self, owner: &str) -> Result<Vec<Line>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT product_id, size, qty FROM cart_lines WHERE owner = ?1 ORDER BY product_id, size",
        )?;
        let rows = stmt.query_map(params![owner], |r| {
            Ok((
                r.get::<_, u32>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, u32>(2)?,
            ))
        })?;
        let mut lines = Vec::new();
        for row in rows {
            let (id, size, qty) = row?;
            // Products that left the catalog drop out of carts.
            if let Some(product) = catalog::product(id) {
                lines.push(Line { product, size, qty });
            }
        }
        Ok(lines)
    }

    /// Adds one of `product_id` in `size` to `owner`'s cart (or one more, up to [`MAX_QTY`]).
    #[mutates(Keys::Cart.at(owner))]
    pub fn add(&self, owner: &str, product_id: u32, size: &str) -> Result<(), StoreError> {
        let product = catalog::product(product_id).ok_or(StoreError::UnknownProduct(product_id))?;
        if !product.sizes.contains(&size) {
            return Err(StoreError::UnknownSize(size.to_owned()));
        }
        self.lock().execute(
            "INSERT INTO cart_lines (owner, product_id, size, qty) VALUES (?1, ?2, ?3, 1)
             ON CONFLICT (owner, product_id, size) DO UPDATE SET qty = MIN(qty + 1, ?4)",
            params![owner, product_id, size, MAX_QTY],
        )?;
        Ok(())
    }

    /// Takes one of `product_id` in `size` out of `owner`'s cart.
    #[mutates(Keys::Cart.at(owner))]
    pub fn remove(&self, owner: &str, product_id: u32, size: &str) -> Result<(), StoreError> {
        let conn = self.lock();
        conn.execute(
            "UPDATE cart_lines SET qty = qty - 1 WHERE owner = ?1 AND product_id = ?2 AND size = ?3",
            params![owner, product_id, size],
        )?;
        conn.execute("DELETE FROM cart_lines WHERE qty <= 0", [])?;
        Ok(())
    }

    /// Whether `owner` has placed an order with `coupon`.
    pub fn coupon_used(&self, owner: &str, coupon: &str) -> Result<bool, StoreError> {
        Ok(Self::coupon_used_in(&self.lock(), owner, coupon)?)
    }

    fn coupon_used_in(conn: &Connection, owner: &str, coupon: &str) -> rusqlite::Result<bool> {
        conn.prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM orders WHERE owner = ?1 AND coupon = ?2)",
        )?
        .query_row(params![owner, coupon], |r| r.get(0))
    }

    /// Turns `owner`'s cart into an order, with `discount` percent off; returns it. A coupon
    /// the shopper already used is refused ([`StoreError::CouponUsed`]), checked in the
    /// order's own transaction: the state a client sends back may be older than its last
    /// order, so the store, not the token, says whether a coupon is spent.
    #[mutates(Keys::Cart.at(owner), Keys::Orders)]
    pub fn place_order(
        &self,
        owner: &str,
        coupon: Option<&str>,
        discount: u64,
    ) -> Result<Order, StoreError> {
        let lines = self.lines(owner)?;
        if lines.is_empty() {
            return Err(StoreError::EmptyCart);
        }
        let items = lines.iter().map(|l| l.qty).sum();
        let total_cents = discounted(subtotal(&lines), discount);
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        if let Some(code) = coupon
            && Self::coupon_used_in(&tx, owner, code)?
        {
            return Err(StoreError::CouponUsed(code.to_owned()));
        }
        tx.execute(
            "INSERT INTO orders (owner, items, total_cents, coupon) VALUES (?1, ?2, ?3, ?4)",
            // SQLite integers are i64; a cart total is far below i64::MAX cents.
            params![owner, items, total_cents as i64, coupon],
        )?;
        let id = tx.last_insert_rowid();
        for line in &lines {
            tx.execute(
                "INSERT INTO order_lines (order_id, product_id, size, qty) VALUES (?1, ?2, ?3, ?4)",
                params![id, line.product.id, line.size, line.qty],
            )?;
        }
        tx.execute("DELETE FROM cart_lines WHERE owner = ?1", params![owner])?;
        tx.commit()?;
        Ok(Order {
            id,
            items,
            total_cents,
        })
    }

    /// `owner`'s orders, newest first.
    pub fn orders(&self, owner: &str) -> Result<Vec<Order>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT id, items, total_cents FROM orders WHERE owner = ?1 ORDER BY id DESC",
        )?;
        let orders = stmt
            .query_map(params![owner], |r| {
                Ok(Order {
                    id: r.get(0)?,
                    items: r.get(1)?,
                    total_cents: r.get::<_, i64>(2)?.max(0) as u64,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(orders)
    }

    /// The `limit` products ordered most, with how many were ordered.
    pub fn best_sellers(&self, limit: u32) -> Result<Vec<(&'static Product, u32)>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT product_id, SUM(qty) AS n FROM order_lines GROUP BY product_id ORDER BY n DESC, product_id LIMIT ?1",
        )?;
        let rows = stmt.query_map(params![limit], |r| {
            Ok((r.get::<_, u32>(0)?, r.get::<_, u32>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, n) = row?;
            if let Some(product) = catalog::product(id) {
                out.push((product, n));
            }
        }
        Ok(out)
    }
}

/// What the lines cost, in cents.
pub fn subtotal(lines: &[Line]) -> u64 {
    lines
        .iter()
        .map(|l| l.product.price_cents * u64::from(l.qty))
        .sum()
}

/// `cents` with `percent` off, rounded to the cent.
pub fn discounted(cents: u64, percent: u64) -> u64 {
    (cents * (100 - percent.min(100)) + 50) / 100
}

#[cfg(test)]
mod tests {
    use pjx::Scope;

    use super::*;

    #[test]
    fn carts_orders_and_what_they_dirty() {
        let store = Store::open(None).unwrap();
        let scope = Scope::new();
        scope.run_sync(|| store.add("user:ann", 1, "M")).unwrap();
        assert_eq!(scope.dirtied_names(), ["cart:user:ann"]);
        store.add("user:ann", 1, "M").unwrap();
        store.add("user:ann", 3, "One size").unwrap();
        assert!(matches!(
            store.add("user:ann", 99, "M"),
            Err(StoreError::UnknownProduct(99))
        ));
        assert!(matches!(
            store.add("user:ann", 1, "XXL"),
            Err(StoreError::UnknownSize(_))
        ));
        let lines = store.lines("user:ann").unwrap();
        assert_eq!(lines.iter().map(|l| l.qty).collect::<Vec<_>>(), [2, 1]);
        assert_eq!(subtotal(&lines), 2 * 2_400 + 1_500);
        assert!(store.lines("user:bob").unwrap().is_empty());

        store.remove("user:ann", 3, "One size").unwrap();
        assert_eq!(store.lines("user:ann").unwrap().len(), 1);

        let scope = Scope::new();
        let order = scope
            .run_sync(|| store.place_order("user:ann", Some("PJX10"), 10))
            .unwrap();
        assert_eq!((order.items, order.total_cents), (2, 4_320));
        assert_eq!(scope.dirtied_names(), ["cart:user:ann", "orders"]);
        assert!(store.lines("user:ann").unwrap().is_empty());
        assert!(matches!(
            store.place_order("user:ann", None, 0),
            Err(StoreError::EmptyCart)
        ));
        assert_eq!(store.orders("user:ann").unwrap(), [order]);
        // A coupon is spent once per shopper, and a refused order leaves the cart alone.
        assert!(store.coupon_used("user:ann", "PJX10").unwrap());
        assert!(!store.coupon_used("user:bob", "PJX10").unwrap());
        store.add("user:ann", 2, "L").unwrap();
        assert!(matches!(
            store.place_order("user:ann", Some("PJX10"), 10),
            Err(StoreError::CouponUsed(_))
        ));
        assert_eq!(store.lines("user:ann").unwrap().len(), 1);
        store.remove("user:ann", 2, "L").unwrap();
        let best = store.best_sellers(3).unwrap();
        assert_eq!((best[0].0.id, best[0].1), (1, 2));
    }

    #[test]
    fn discounts_round_to_the_cent() {
        assert_eq!(discounted(999, 10), 899);
        assert_eq!(discounted(1_000, 0), 1_000);
        assert_eq!(discounted(1_000, 150), 0);
    }
}
