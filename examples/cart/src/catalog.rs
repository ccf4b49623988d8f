//! What the shop sells: a fixed catalog (prices in cents), and the coupons it accepts.

/// One product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Product {
    /// Its id, as the add buttons send it.
    pub id: u32,
    /// Its name.
    pub name: &'static str,
    /// A picture, of sorts.
    pub emoji: &'static str,
    /// Its price in cents.
    pub price_cents: u64,
    /// The sizes it comes in.
    pub sizes: &'static [&'static str],
}

impl Product {
    /// The price, formatted.
    pub fn price(&self) -> String {
        money(self.price_cents)
    }
}

/// Everything in the shop.
pub const PRODUCTS: &[Product] = &[
    Product {
        id: 1,
        name: "Crab tee",
        emoji: "🦀",
        price_cents: 2_400,
        sizes: &["S", "M", "L", "XL"],
    },
    Product {
        id: 2,
        name: "Ferris hoodie",
        emoji: "🧥",
        price_cents: 5_900,
        sizes: &["M", "L", "XL"],
    },
    Product {
        id: 3,
        name: "Borrow-checked mug",
        emoji: "☕",
        price_cents: 1_500,
        sizes: &["One size"],
    },
    Product {
        id: 4,
        name: "Lifetime socks",
        emoji: "🧦",
        price_cents: 900,
        sizes: &["S/M", "L/XL"],
    },
];

/// The product with `id`.
pub fn product(id: u32) -> Option<&'static Product> {
    PRODUCTS.iter().find(|p| p.id == id)
}

/// A coupon: its code and its discount in percent.
pub const COUPONS: &[(&str, u64)] = &[("PJX10", 10), ("HTMX20", 20)];

/// The discount of coupon `code` (case-insensitive), in percent.
pub fn coupon(code: &str) -> Option<(&'static str, u64)> {
    COUPONS
        .iter()
        .copied()
        .find(|(c, _)| c.eq_ignore_ascii_case(code.trim()))
}

/// Cents as dollars: `1234` → `$12.34`.
pub fn money(cents: u64) -> String {
    format!("${}.{:02}", cents / 100, cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_coupons() {
        assert_eq!(money(0), "$0.00");
        assert_eq!(money(1_234), "$12.34");
        assert_eq!(coupon(" pjx10 "), Some(("PJX10", 10)));
        assert_eq!(coupon("FREE"), None);
        let mut ids: Vec<u32> = PRODUCTS.iter().map(|p| p.id).collect();
        ids.dedup();
        assert_eq!(ids.len(), PRODUCTS.len());
    }
}
