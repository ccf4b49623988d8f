//! Pages loaded whole: a component whose fields are all reactive regions without a key,
//! loaded in one call (`#[derive(LoadPage)]`) instead of awaiting each region by hand.

use std::future::Future;

use crate::component::{Load, Reactive};
use crate::load::{LoadCx, LoadError, NoKey};

/// A component loaded whole from the request's context: each field is a region that loads
/// itself. Implemented by `#[derive(LoadPage)]`; the actix adapter's `Loaded<T>` extractor
/// calls it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use pjx::prelude::*;
///
/// #[derive(MutationKey)]
/// enum Keys { Todos }
///
/// #[reactive(react = [Keys::Todos], source = "<b>{{ n }}</b>")]
/// struct Counter { n: usize }
/// #[reactive]
/// impl Counter {
///     async fn load(cx: &LoadCx) -> Result<Self, LoadError> { Ok(Counter { n: *cx.require::<usize>()? }) }
/// }
///
/// #[component(source = "<main>{{ counter }}</main>")]
/// #[derive(LoadPage)]
/// struct Page { counter: Counter }
///
/// let page = Page::load_page(&LoadCx::new().with(3usize)).await.unwrap();
/// assert_eq!(page.counter.n, 3);
/// # }
/// ```
pub trait LoadPage: Sized {
    /// Loads every field, in declaration order; the first error is the page's.
    fn load_page(cx: &LoadCx) -> impl Future<Output = Result<Self, LoadError>>;
}

/// A field of a [`LoadPage`]: a reactive component without a `#[pjx_key]`, which loads itself.
#[diagnostic::on_unimplemented(
    message = "`#[derive(LoadPage)]` loads every field itself, so `{Self}` must be a reactive component without a `#[pjx_key]` field",
    label = "not a reactive region pjx can load without a key",
    note = "load keyed regions and other values in a `load` of your own, or compute them in the template (a method on the page)"
)]
pub trait PageField: Sized {
    /// Loads the field.
    fn load_field(cx: &LoadCx) -> impl Future<Output = Result<Self, LoadError>>;
}

/// `T::load` for a region without a key: what the struct attribute's `PageField` impl calls.
/// (Implemented per type, not for every `Load` type, so a field that is no such region is
/// reported as `PageField` in the derive's words rather than as a missing `load`.)
#[doc(hidden)]
pub async fn load_singleton<T: Load + Reactive<Key = NoKey>>(cx: &LoadCx) -> Result<T, LoadError> {
    T::load(NoKey, cx).await
}
